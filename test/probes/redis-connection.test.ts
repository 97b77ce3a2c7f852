import { describe, expect, it } from 'vitest';
import { redisClientOptions } from '../../src/probes/redis-connection.js';

describe('redisClientOptions', () => {
  it('fails fast: lazy connect, no offline queue, no retries, no reconnects, bounded commands', () => {
    const options = redisClientOptions({ host: 'h', port: 6379 }, 1_500);
    expect(options).toMatchObject({
      host: 'h',
      port: 6379,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_500,
      commandTimeout: 1_500,
      autoResendUnfulfilledCommands: false,
    });
    expect(typeof options.retryStrategy === 'function' ? options.retryStrategy(1) : 'not a function').toBeNull();
    expect(options.tls).toBeUndefined();
    expect(options.password).toBeUndefined();
  });

  it('maps TLS and AUTH', () => {
    expect(redisClientOptions({ host: 'h', port: 1, tls: true }, 1).tls).toEqual({});
    expect(redisClientOptions({ host: 'h', port: 1, tls: false }, 1).tls).toBeUndefined();
    expect(redisClientOptions({ host: 'h', port: 1, tls: { servername: 'x.example', rejectUnauthorized: false } }, 1).tls).toEqual({
      servername: 'x.example',
      rejectUnauthorized: false,
    });
    expect(redisClientOptions({ host: 'h', port: 1, authToken: 't', username: 'u' }, 1)).toMatchObject({ password: 't', username: 'u' });
  });
});

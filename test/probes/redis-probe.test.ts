import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ports/clock.js';
import { probeRedis, type RedisProbeInput } from '../../src/probes/redis-probe.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { freePort } from '../helpers/free-port.js';
import { RedisServers, type RedisServer } from '../helpers/redis-server.js';

const TOKEN = 'correct-horse-battery-staple-7f3a';
const WRONG_TOKEN = 'wrong-token-e1d9c0ffee';

// At collection time, so a missing redis-server fails this file outright (with the install hint) instead of
// leaving tests reported as skipped.
const servers = new RedisServers();
let primary: RedisServer;
let replica: RedisServer;
let authPrimary: RedisServer;
let stallable: RedisServer;

beforeAll(async () => {
  primary = await servers.start();
  replica = await servers.start({ replicaOf: primary, enableDebugCommand: true });
  authPrimary = await servers.start({ requirepass: TOKEN });
  stallable = await servers.start({ enableDebugCommand: true });
});

afterAll(async () => {
  await servers.stopAll();
});

const base = (server: RedisServer, extra: Partial<RedisProbeInput> = {}): RedisProbeInput => ({
  host: '127.0.0.1',
  port: server.port,
  timeoutMs: 1_000,
  replicaCatchUpMs: 2_000,
  ...extra,
});

function admin(server: RedisServer): Redis {
  return new Redis({ host: '127.0.0.1', port: server.port, password: server.password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
}

/** Probe connections still open on the server (they are named quiesce-probe). */
async function openProbeConnections(server: RedisServer): Promise<number> {
  const client = admin(server);
  try {
    await client.connect();
    for (let i = 0; i < 20; i++) {
      const list = (await client.call('CLIENT', 'LIST')) as string;
      const count = list.split('\n').filter((line) => line.includes('name=quiesce-probe')).length;
      if (count === 0) return 0;
      await new Promise((r) => setTimeout(r, 25)); // the server may notice a close a moment later
    }
    return ((await client.call('CLIENT', 'LIST')) as string).split('\n').filter((l) => l.includes('name=quiesce-probe')).length;
  } finally {
    client.disconnect();
  }
}

/** Sends a blocking admin command without waiting, and returns the promise of its reply. */
async function startStall(server: RedisServer, ...args: [string, ...string[]]): Promise<{ done: Promise<unknown>; client: Redis }> {
  const client = admin(server);
  await client.connect();
  return { done: client.call(...args), client };
}

describe('probeRedis against a real redis-server', () => {
  it('passes a primary with a linked, caught-up replica, and leaves no connection open', async () => {
    const { logger } = captureLogger();
    const result = await probeRedis(base(primary, { expectReplicas: 1 }), { logger, clock: systemClock });

    expect(result.reason).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['redis.connect', true],
      ['redis.role', true],
      ['redis.canary', true],
      ['redis.replicas', true],
      ['redis.replica-link', true],
      ['redis.replica-offset', true],
    ]);
    const byName = Object.fromEntries(result.checks.map((c) => [c.name, c]));
    expect(byName['redis.role']!.observed).toBe('master');
    expect(byName['redis.canary']!.observed).toMatch(/^wrote and read back quiesce:canary:[0-9a-f-]{36} \(EX 30\)$/);
    expect(byName['redis.replicas']!.observed).toBe(`1 connected (127.0.0.1:${replica.port})`);
    expect(byName['redis.replica-link']!.observed).toBe('1/1 up');
    expect(byName['redis.replica-offset']!.observed).toMatch(/^1\/1 at offset >= \d+ after \d+ms$/);
    for (const check of result.checks) expect(typeof check.at).toBe('number');
    expect(await openProbeConnections(primary)).toBe(0);
    expect(await openProbeConnections(replica)).toBe(0);
  });

  it('fails when fewer replicas are connected than expected', async () => {
    const { logger } = captureLogger();
    const result = await probeRedis(base(primary, { expectReplicas: 2 }), { logger, clock: systemClock });

    expect(result.ok).toBe(false);
    expect(result.checks.at(-1)).toMatchObject({ name: 'redis.replicas', ok: false, threshold: '>= 2 connected' });
    expect(result.reason).toBe(`127.0.0.1:${primary.port} has 1 connected replica(s), expected at least 2`);
  });

  it('fails with what the node said when pointed at a replica', async () => {
    const { logger } = captureLogger();
    const result = await probeRedis(base(replica), { logger, clock: systemClock });

    expect(result.ok).toBe(false);
    expect(result.checks.map((c) => c.name)).toEqual(['redis.connect', 'redis.role']);
    expect(result.checks[1]).toMatchObject({ ok: false, observed: 'slave', threshold: 'master' });
    expect(result.reason).toBe(
      `127.0.0.1:${replica.port} answered ROLE slave (replica of 127.0.0.1:${primary.port}, link connected) where a primary (master) is expected`,
    );
  });

  it('fails within the timeout when the primary is stalled by DEBUG SLEEP', async () => {
    const stall = await startStall(stallable, 'DEBUG', 'SLEEP', '2');
    try {
      await new Promise((r) => setTimeout(r, 50)); // let the server enter the sleep
      const { logger } = captureLogger();
      const started = Date.now();
      const result = await probeRedis(base(stallable, { timeoutMs: 300 }), { logger, clock: systemClock });
      const elapsed = Date.now() - started;

      expect(result.ok).toBe(false);
      expect(result.checks).toHaveLength(1);
      expect(result.checks[0]).toMatchObject({ name: 'redis.connect', ok: false, observed: 'no answer' });
      expect(result.reason).toBe(`connect on 127.0.0.1:${stallable.port} timed out after 300ms (no answer)`);
      expect(elapsed).toBeLessThan(1_000);
    } finally {
      await stall.done;
      stall.client.disconnect();
    }
    expect(await openProbeConnections(stallable)).toBe(0);
  });

  it('fails at the canary within the timeout when writes are paused (CLIENT PAUSE WRITE)', async () => {
    const stall = await startStall(stallable, 'CLIENT', 'PAUSE', '1500', 'WRITE');
    try {
      await stall.done;
      const { logger } = captureLogger();
      const started = Date.now();
      const result = await probeRedis(base(stallable, { timeoutMs: 300 }), { logger, clock: systemClock });
      const elapsed = Date.now() - started;

      expect(result.ok).toBe(false);
      expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
        ['redis.connect', true],
        ['redis.role', true],
        ['redis.canary', false],
      ]);
      expect(result.reason).toBe(`SET on 127.0.0.1:${stallable.port} timed out after 300ms (no answer)`);
      expect(elapsed).toBeLessThan(1_200);
    } finally {
      await stall.client.call('CLIENT', 'UNPAUSE');
      stall.client.disconnect();
    }
  });

  it('fails at the replica link when a replica does not answer', async () => {
    const stall = await startStall(replica, 'DEBUG', 'SLEEP', '1');
    try {
      await new Promise((r) => setTimeout(r, 50));
      const { logger } = captureLogger();
      const result = await probeRedis(base(primary, { timeoutMs: 300 }), { logger, clock: systemClock });

      expect(result.ok).toBe(false);
      expect(result.checks.at(-1)).toMatchObject({ name: 'redis.replica-link', ok: false });
      expect(result.reason).toBe(`connect on 127.0.0.1:${replica.port} timed out after 300ms (no answer)`);
    } finally {
      await stall.done;
      stall.client.disconnect();
    }
  });

  it('fails AUTH with a wrong token, saying so, and never reveals either token', async () => {
    const { logger, text } = captureLogger();
    const result = await probeRedis(base(authPrimary, { authToken: WRONG_TOKEN }), { logger, clock: systemClock });

    expect(result.ok).toBe(false);
    expect(result.checks[0]).toMatchObject({ name: 'redis.connect', ok: false, observed: 'auth' });
    expect(result.reason).toMatch(/^AUTH failed: WRONGPASS invalid username-password pair/);
    const everything = JSON.stringify(result) + text();
    expect(text()).toContain('AUTH failed: WRONGPASS'); // the failure was logged...
    expect(everything).not.toContain(WRONG_TOKEN); // ...without the token
    expect(everything).not.toContain(TOKEN);
    expect(await openProbeConnections(authPrimary)).toBe(0);
  });

  it('fails with NOAUTH when the server needs a token and none was given', async () => {
    const { logger } = captureLogger();
    const result = await probeRedis(base(authPrimary), { logger, clock: systemClock });

    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^AUTH failed: NOAUTH /);
  });

  it('passes with the right token and keeps it out of the logs', async () => {
    const { logger, text } = captureLogger();
    const result = await probeRedis(base(authPrimary, { authToken: TOKEN }), { logger, clock: systemClock });

    expect(result.ok).toBe(true);
    expect(result.checks[0]!.observed).toBe('connected with AUTH');
    expect(result.checks.find((c) => c.name === 'redis.replicas')!.observed).toBe('0 connected');
    expect(text()).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('fails within the timeout, hinting at TLS, when TLS is on but the server speaks plaintext', async () => {
    const { logger } = captureLogger();
    const result = await probeRedis(base(primary, { tls: { rejectUnauthorized: false }, timeoutMs: 300 }), { logger, clock: systemClock });
    expect(result.ok).toBe(false);
    expect(result.reason).toBe(
      `connect on 127.0.0.1:${primary.port} timed out after 300ms (no answer); TLS is on: does the server use in-transit encryption?`,
    );
  });

  it('fails fast on a port where nothing listens', async () => {
    const port = await freePort();
    const { logger } = captureLogger();
    const started = Date.now();
    const result = await probeRedis({ host: '127.0.0.1', port, timeoutMs: 5_000, replicaCatchUpMs: 1_000 }, { logger, clock: systemClock });

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.ok).toBe(false);
    expect(result.checks).toEqual([
      expect.objectContaining({ name: 'redis.connect', ok: false, observed: 'refused' }),
    ]);
    expect(result.reason).toBe(`connect on 127.0.0.1:${port} failed: connection refused`);
  });
});

import { describe, expect, it } from 'vitest';
import { parseInfo, parseRole, replicaStateFromInfo } from '../../src/probes/redis-replies.js';

describe('parseRole', () => {
  it('reads a master with its replicas (ports and offsets arrive as strings)', () => {
    expect(parseRole(['master', 3129659, [['10.0.0.2', '6379', '3129242'], ['10.0.0.3', '6379', '3129543']]])).toEqual({
      role: 'master',
      offset: 3129659,
      replicas: [
        { host: '10.0.0.2', port: 6379, ackedOffset: 3129242 },
        { host: '10.0.0.3', port: 6379, ackedOffset: 3129543 },
      ],
    });
  });

  it('reads a replica', () => {
    expect(parseRole(['slave', '10.0.0.1', 6379, 'connected', 3167038])).toEqual({
      role: 'slave',
      masterHost: '10.0.0.1',
      masterPort: 6379,
      state: 'connected',
      offset: 3167038,
    });
  });

  it('reads a sentinel', () => {
    expect(parseRole(['sentinel', ['mymaster']])).toEqual({ role: 'sentinel' });
  });

  it.each([[null], ['OK'], [[]], [['master', 'x', []]], [['master', 1, [['h', 'notaport', '1']]]], [['primary', 1, []]]])(
    'describes an unrecognised reply instead of throwing: %j',
    (reply) => {
      expect(parseRole(reply)).toMatchObject({ role: 'unrecognised' });
    },
  );
});

describe('parseInfo / replicaStateFromInfo', () => {
  const info = '# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_link_status:up\r\nslave_repl_offset:1234\r\n\r\n';

  it('maps fields and skips headers', () => {
    const fields = parseInfo(info);
    expect(fields.get('role')).toBe('slave');
    expect(fields.get('master_host')).toBe('127.0.0.1');
    expect(fields.has('# Replication')).toBe(false);
  });

  it('reads the replica link and offset', () => {
    expect(replicaStateFromInfo(info)).toEqual({ linkStatus: 'up', offset: 1234 });
    expect(replicaStateFromInfo('role:master\nmaster_repl_offset:9\n')).toEqual({ linkStatus: 'absent (role:master)', offset: undefined });
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ports/clock.js';
import { keyInRanges, keySlot } from '../../src/probes/key-slot.js';
import { openRedisClusterSession } from '../../src/probes/redis-cluster-connection.js';
import { probeRedisCluster, type RedisClusterProbeInput } from '../../src/probes/redis-cluster-probe.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { RedisServers, type RedisTestCluster } from '../helpers/redis-server.js';

// The cluster probe against real redis-server processes in cluster mode on loopback: three primaries with
// a replica each, formed by the test, with a failover between them (CLUSTER FAILOVER on a replica).

const TOKEN = 'cluster-horse-battery-staple-91c2';
const servers = new RedisServers();
let cluster: RedisTestCluster;

beforeAll(async () => {
  cluster = await servers.startCluster({ primaries: 3, replicasPerPrimary: 1, requirepass: TOKEN });
}, 120_000);

afterAll(async () => {
  await servers.stopAll();
});

/** The node groups as ElastiCache would report them for this cluster. */
const nodeGroups = () => cluster.shards.map((s, i) => ({ nodeGroupId: `000${i + 1}`, slots: `${s.slots[0]}-${s.slots[1]}`, replicas: s.replicas.length }));

const input = (extra: Partial<RedisClusterProbeInput> = {}): RedisClusterProbeInput => ({
  host: '127.0.0.1',
  port: cluster.shards[0]!.primary.port,
  authToken: TOKEN,
  timeoutMs: 3_000,
  replicaCatchUpMs: 5_000,
  expectShards: nodeGroups(),
  ...extra,
});

/** Probe connections still open anywhere in the cluster (they are named quiesce-probe). */
async function openProbeConnections(): Promise<number> {
  let count = 0;
  for (const node of cluster.nodes) {
    for (let i = 0; i < 20; i++) {
      const list = (await cluster.on(node, (c) => c.call('CLIENT', 'LIST'))) as string;
      const open = list.split('\n').filter((l) => l.includes('name=quiesce-probe')).length;
      if (open === 0 || i === 19) {
        count += open;
        break;
      }
      await new Promise((r) => setTimeout(r, 25)); // a close reaches the server a moment later
    }
  }
  return count;
}

describe('probeRedisCluster against a real three-shard cluster', () => {
  it('computes the same hash slot as the server, hash tags included', async () => {
    // Not '{}{x}': cluster-key-slot hashes "{x" there where the server hashes the whole key (ioredis then
    // follows the MOVED). The canary keys are `quiesce:canary:{<uuid>-<n>}`, the shape checked below.
    const canaries = cluster.shards.map((s) => keyInRanges('quiesce:canary:', [s.slots], randomUUID())!);
    const keys = ['foo', '{user1000}.following', 'a{}b', 'ключ', '', ...canaries];
    const server = await cluster.on(cluster.shards[0]!.primary, async (c) => Promise.all(keys.map((k) => c.call('CLUSTER', 'KEYSLOT', k))));
    expect(keys.map(keySlot)).toEqual(server);
    canaries.forEach((key, i) => expect(cluster.shards[i]!.slots[0] <= keySlot(key) && keySlot(key) <= cluster.shards[i]!.slots[1]).toBe(true));
  });

  it("writes through the configuration endpoint to each shard's primary, reads it back there, and sees each shard's replica catch up", async () => {
    const { logger } = captureLogger();
    const result = await probeRedisCluster(input(), { logger, clock: systemClock });
    expect(result.reason).toBeUndefined();
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['redis.connect', true],
      ['redis.cluster-state', true],
      ['redis.shards', true],
      ['redis.shard.0001.canary', true],
      ['redis.shard.0001.replicas', true],
      ['redis.shard.0002.canary', true],
      ['redis.shard.0002.replicas', true],
      ['redis.shard.0003.canary', true],
      ['redis.shard.0003.replicas', true],
    ]);
    cluster.shards.forEach((shard, i) => {
      expect(result.checks.find((c) => c.name === `redis.shard.000${i + 1}.canary`)!.observed).toContain(`primary 127.0.0.1:${shard.primary.port} (slots ${shard.slots[0]}-${shard.slots[1]})`);
    });
    expect(result.checks.find((c) => c.name === 'redis.shards')!.observed).toMatch(/^3 shard\(s\), 16384\/16384 slots served/);
    expect(await openProbeConnections()).toBe(0);
  });

  it('follows MOVED when a shard fails over under a client that read the old slot map', async () => {
    const shard = cluster.shards[1]!;
    const oldPrimary = shard.primary;
    const promoted = shard.replicas[0]!;
    const session = await openRedisClusterSession({ host: '127.0.0.1', port: cluster.shards[0]!.primary.port, authToken: TOKEN }, 3_000);
    try {
      // A key of the second shard, written once so the client holds a connection to its primary.
      const key = `{tag-${[...Array(100000).keys()].find((i) => keySlot(`tag-${i}`) >= shard.slots[0] && keySlot(`tag-${i}`) <= shard.slots[1])}}:moved`;
      expect(await session.call('SET', key, 'before')).toBe('OK');
      const movedBefore = await errorCount(oldPrimary.port, 'MOVED');
      await cluster.failover(promoted);
      // The client's slot map still names the old primary: it answers MOVED, and the client follows it.
      expect(await session.call('SET', key, 'after')).toBe('OK');
      expect(await errorCount(oldPrimary.port, 'MOVED')).toBeGreaterThan(movedBefore);
      expect(await cluster.on(promoted, (c) => c.get(key))).toBe('after');
    } finally {
      session.close();
    }
    // The probe finds the new primary of that shard and its replica (the old primary) caught up, and still
    // writes and reads every shard through its primary.
    const after = await probeRedisCluster(input(), { logger: captureLogger().logger, clock: systemClock });
    expect(after.reason).toBeUndefined();
    expect(after.checks.filter((c) => c.name.endsWith('.canary')).map((c) => [c.name, c.ok])).toEqual([
      ['redis.shard.0001.canary', true],
      ['redis.shard.0002.canary', true],
      ['redis.shard.0003.canary', true],
    ]);
    cluster.shards.forEach((s, i) => expect(after.checks.find((c) => c.name === `redis.shard.000${i + 1}.canary`)!.observed).toContain(`primary 127.0.0.1:${s.primary.port} `));
    expect(after.checks.find((c) => c.name === 'redis.shard.0002.canary')!.observed).toContain(`primary 127.0.0.1:${promoted.port}`);
    expect(after.checks.find((c) => c.name === 'redis.shard.0002.replicas')).toMatchObject({ ok: true });
  }, 60_000);

  it('follows ASK while a slot migrates from one shard to another', async () => {
    const from = cluster.shards[0]!;
    const to = cluster.shards[2]!;
    const key = keyInRanges('quiesce:ask:', [from.slots], randomUUID())!;
    const slot = keySlot(key);
    const fromId = (await cluster.on(from.primary, (c) => c.call('CLUSTER', 'MYID'))) as string;
    const toId = (await cluster.on(to.primary, (c) => c.call('CLUSTER', 'MYID'))) as string;
    await cluster.on(to.primary, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId));
    await cluster.on(from.primary, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId));
    const session = await openRedisClusterSession({ host: '127.0.0.1', port: cluster.shards[0]!.primary.port, authToken: TOKEN }, 3_000);
    try {
      const askBefore = await errorCount(from.primary.port, 'ASK');
      // The migrating node does not hold the key: it answers ASK, and the client asks the importing node.
      expect(await session.call('SET', key, 'during')).toBe('OK');
      expect(await errorCount(from.primary.port, 'ASK')).toBeGreaterThan(askBefore);
      const onTarget = await cluster.on(to.primary, (c) => c.pipeline().call('ASKING').get(key).exec());
      expect(onTarget?.[1]).toEqual([null, 'during']);
    } finally {
      session.close();
      await cluster.on(to.primary, (c) => c.pipeline().call('ASKING').del(key).exec());
      for (const node of [to.primary, from.primary]) await cluster.on(node, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'STABLE'));
    }
    await cluster.waitStable();
  }, 60_000);

  it('fails when ElastiCache reports more node groups than the engine has shards', async () => {
    const result = await probeRedisCluster(input({ expectShards: [...nodeGroups(), { nodeGroupId: '0004', slots: '16384-16384', replicas: 1 }] }), { logger: captureLogger().logger, clock: systemClock });
    expect(result.ok).toBe(false);
    expect(result.checks.at(-1)).toMatchObject({ name: 'redis.shards', ok: false, message: 'the engine shows 3 shard(s) where ElastiCache reports 4 node group(s); no shard serves the slots of 0004' });
  });

  it('refuses a wrong AUTH token for good, without echoing it', async () => {
    const wrong = 'wrong-cluster-token-5d1e';
    const result = await probeRedisCluster(input({ authToken: wrong }), { logger: captureLogger().logger, clock: systemClock });
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(result.checks[0]).toMatchObject({ name: 'redis.connect', ok: false, observed: 'auth' });
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it("fails a shard whose replica is down, naming the shard", async () => {
    const shard = cluster.shards[2]!;
    await shard.replicas[0]!.stop();
    const result = await probeRedisCluster(input({ replicaCatchUpMs: 1_000 }), { logger: captureLogger().logger, clock: systemClock });
    expect(result.ok).toBe(false);
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['redis.shard.0003.replicas']);
  }, 30_000);
});

/** How many error replies of this kind (MOVED, ASK) the node sent, from INFO errorstats. */
async function errorCount(port: number, kind: string): Promise<number> {
  const node = cluster.nodes.find((n) => n.port === port)!;
  const stats = (await cluster.on(node, (c) => c.info('errorstats'))) as string;
  return Number(new RegExp(`errorstat_${kind}:count=(\\d+)`).exec(stats)?.[1] ?? 0);
}

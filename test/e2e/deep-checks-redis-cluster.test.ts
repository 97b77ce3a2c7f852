import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldPathFor } from '../../src/cli/environment.js';
import { sandboxConnector } from '../../src/connect/index.js';
import { awsRedisProbe } from '../../src/connect/probes.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { systemClock } from '../../src/ports/clock.js';
import { createRun, driveRun } from '../../src/run/engine.js';
import { createFileStore } from '../../src/store/file-store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { RedisServers, type RedisTestCluster } from '../helpers/redis-server.js';
import { sandboxRun } from '../run/sandbox-context.js';
import { checksOf, planDoc, scenario } from './deep-checks-harness.js';

// verify.redis on a cluster mode enabled group, wired as against AWS (awsRedisProbe picks the cluster probe
// for such a group and names each shard by its node group), run by the engine on the sandbox (three node
// groups, a failover of each) but pointed at a real three-shard redis-server cluster on loopback, whose
// slots are those the sandbox's node groups report (0-5461, 5462-10922, 10923-16383).

const TOKEN = 'tok-cluster-7f3a-real-secret';
const TOKEN_ENV = 'QUIESCE_TEST_REDIS_CLUSTER_TOKEN';
const servers = new RedisServers();
let cluster: RedisTestCluster;

beforeAll(async () => {
  cluster = await servers.startCluster({ primaries: 3, replicasPerPrimary: 1, requirepass: TOKEN });
}, 120_000);

afterAll(async () => {
  await servers.stopAll();
});

const WORLD = 'defaults:\n  cache: { replicas: 1, shards: 3 }\n';

describe('verify.redis on a cluster mode enabled group, against a real cluster', () => {
  it('a failover of every node group verifies each shard through its primary, and the run is done', async () => {
    const redis = { host: '127.0.0.1', port: cluster.shards[0]!.primary.port, tls: false, timeout: '2s', replicaCatchUp: '3s', authTokenEnv: TOKEN_ENV };
    const s = scenario(planDoc({ maintenance: [{ elasticache: 'failover', timeout: '45m' }], verify: { stableFor: '1m', timeout: '5m', redis } }), WORLD);
    const plan = loadPlanFile(s.planPath);
    const store = createFileStore(s.stateDir);
    const { logger } = captureLogger();
    const sandbox = sandboxConnector({ logger, worldPath: (r) => worldPathFor(s.stateDir, r.runId) });
    const connect = async (record: Parameters<typeof sandbox>[0]) => {
      const conn = await sandbox(record);
      return { ...conn, probes: { ...conn.probes, redis: (c: { cache?: { replicationGroupId: string } }) => awsRedisProbe(plan, c.cache!.replicationGroupId, conn.cache, { logger, clock: systemClock, env: { [TOKEN_ENV]: TOKEN } }) } };
    };
    await createRun({ store }, { runId: s.runId, plan, target: { kind: 'sandbox', worldFile: s.worldPath! }, now: Date.now() });
    const result = await driveRun({ store, logger, connect, owner: 'deep-checks-cluster-test' }, s.runId, { until: 'end' });
    expect(result.status, JSON.stringify(result.clusters.map((c) => c.reason))).toBe('done');

    const blue = (await checksOf(s)).filter((c) => c.cluster === 'blue' && c.name.startsWith('redis.'));
    const last = (name: string) => blue.filter((c) => c.name === name).at(-1);
    expect(last('redis.connect')).toMatchObject({ ok: true, observed: 'connected to the configuration endpoint with a cluster client, AUTH' });
    expect(last('redis.shards')?.observed).toMatch(/^3 shard\(s\), 16384\/16384 slots served \(0001: .*; 0002: .*; 0003: .*\)$/);
    cluster.shards.forEach((shard, i) => {
      const id = `000${i + 1}`;
      expect(last(`redis.shard.${id}.canary`)?.observed).toContain(`primary 127.0.0.1:${shard.primary.port} (slots ${shard.slots[0]}-${shard.slots[1]})`);
      expect(last(`redis.shard.${id}.replicas`)).toMatchObject({ ok: true, threshold: '>= 1 linked, at the primary\'s offset within 3000ms' });
    });
    // Not the single-primary probe: no ROLE check on the configuration endpoint.
    expect(blue.some((c) => c.name === 'redis.role')).toBe(false);
  }, 120_000);

  it('a node group the engine does not have fails the probe, naming it', async () => {
    const redis = { host: '127.0.0.1', port: cluster.shards[0]!.primary.port, tls: false, timeout: '2s', replicaCatchUp: '3s', authTokenEnv: TOKEN_ENV };
    const { ctx } = await sandboxRun({ verify: { stableFor: '1m', timeout: '5m', redis } }, 'defaults:\n  cache: { replicas: 1, shards: 4 }\n');
    const result = await awsRedisProbe(ctx.plan, 'payments-blue', ctx.cache, { logger: captureLogger().logger, clock: systemClock, env: { [TOKEN_ENV]: TOKEN } });
    expect(result.ok).toBe(false);
    expect(result.checks.at(-1)).toMatchObject({ name: 'redis.shards', ok: false });
    expect(result.reason).toMatch(/^the engine shows 3 shard\(s\) where ElastiCache reports 4 node group\(s\); no shard serves the slots of /);
  });
});

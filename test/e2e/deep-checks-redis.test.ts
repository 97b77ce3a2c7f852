import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldPathFor } from '../../src/cli/environment.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { systemClock } from '../../src/ports/clock.js';
import { sandboxConnector } from '../../src/connect/index.js';
import { createRun, driveRun, type DriveResult } from '../../src/run/engine.js';
import { awsRedisProbe } from '../../src/connect/probes.js';
import { planSchema } from '../../src/plan/schema.js';
import { verifyCluster } from '../../src/run/verification.js';
import { createFileStore } from '../../src/store/file-store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { RedisServers, type RedisServer } from '../helpers/redis-server.js';
import { sandboxRun } from '../run/sandbox-context.js';
import { checksOf, planDoc, scenario, type Scenario } from './deep-checks-harness.js';

// The Redis probe of verify.redis, wired as it is against AWS (awsRedisProbe: endpoint, AUTH token from
// the environment variable the plan names, as many replicas as the replication group has), run by the
// engine on the sandbox but pointed at real redis-server processes on loopback. The sandbox groups have
// one replica each, like the real primary here.

const TOKEN = 'tok-5b0c2f8e-real-secret';
const WRONG = 'tok-0000-wrong-secret';
const TOKEN_ENV = 'QUIESCE_TEST_REDIS_TOKEN';

const servers = new RedisServers();
let primary: RedisServer;
let replica: RedisServer;
let authPrimary: RedisServer;

beforeAll(async () => {
  primary = await servers.start({ enableDebugCommand: true });
  replica = await servers.start({ replicaOf: primary });
  authPrimary = await servers.start({ requirepass: TOKEN });
  await servers.start({ replicaOf: authPrimary });
});

afterAll(async () => {
  await servers.stopAll();
});

interface RealRedisRun {
  s: Scenario;
  result: DriveResult;
  logs: string;
  journalText: string;
}

/** A whole run on the sandbox whose verification probes real Redis through the AWS wiring. */
async function runAgainst(server: RedisServer, options: { env?: Record<string, string | undefined>; auth?: boolean } = {}): Promise<RealRedisRun> {
  const redis = { host: '127.0.0.1', port: server.port, tls: false, timeout: '1s', replicaCatchUp: '2s', ...(options.auth ? { authTokenEnv: TOKEN_ENV } : {}) };
  const s = scenario(planDoc({ verify: { stableFor: '1m', timeout: '3m', redis } }), 'defaults:\n  cache: { replicas: 1 }\n');
  const plan = loadPlanFile(s.planPath);
  const store = createFileStore(s.stateDir);
  const { logger, text } = captureLogger();
  const sandbox = sandboxConnector({ logger, worldPath: (r) => worldPathFor(s.stateDir, r.runId) });
  const connect = async (record: Parameters<typeof sandbox>[0]) => {
    const conn = await sandbox(record);
    return { ...conn, probes: { ...conn.probes, redis: (cluster: { cache?: { replicationGroupId: string } }) => awsRedisProbe(plan, cluster.cache!.replicationGroupId, conn.cache, { logger, clock: systemClock, env: options.env ?? {} }) } };
  };
  await createRun({ store }, { runId: s.runId, plan, target: { kind: 'sandbox', worldFile: s.worldPath! }, now: Date.now() });
  const result = await driveRun({ store, logger, connect, owner: 'deep-checks-test' }, s.runId, { until: 'end' });
  return { s, result, logs: text(), journalText: readFileSync(join(s.stateDir, 'runs', s.runId, 'journal.jsonl'), 'utf8') };
}

describe('verify.redis against real redis-server processes', () => {
  it('a primary with a connected replica passes: ROLE master, a canary key written and read back, the replica linked and caught up', async () => {
    const { s, result } = await runAgainst(primary);
    expect(result.status).toBe('done');
    const blue = (await checksOf(s)).filter((c) => c.cluster === 'blue' && c.name.startsWith('redis.'));
    const last = (name: string) => blue.filter((c) => c.name === name).at(-1);
    expect(last('redis.connect')).toMatchObject({ ok: true, observed: 'connected' });
    expect(last('redis.role')).toMatchObject({ ok: true, observed: 'master' });
    expect(last('redis.canary')?.observed).toMatch(/^wrote and read back quiesce:canary:[0-9a-f-]+ \(EX 30\)$/);
    expect(last('redis.replicas')).toMatchObject({ ok: true, observed: `1 connected (127.0.0.1:${replica.port})`, threshold: '>= 1 connected' });
    expect(last('redis.replica-link')).toMatchObject({ ok: true, observed: '1/1 up' });
    expect(last('redis.replica-offset')?.ok).toBe(true);
  });

  it('pointed at a replica (ROLE slave) verification never passes and the cluster is held at weight 0', async () => {
    const { s, result } = await runAgainst(replica);
    expect(result.status).toBe('held');
    const blue = result.clusters.find((c) => c.name === 'blue')!;
    expect(blue.state).toBe('held');
    expect(blue.reason).toBe(
      `verification timed out: redis.role: 127.0.0.1:${replica.port} answered ROLE slave (replica of 127.0.0.1:${primary.port}, link connected) where a primary (master) is expected`,
    );
    expect((await checksOf(s, 'redis.role')).at(-1)).toMatchObject({ ok: false, observed: 'slave', threshold: 'master' });
    expect(result.sandbox?.weights.blue).toBe(0);
  });

  it('a wrong AUTH token fails at once with a clear reason, and no token is in the journal or the logs', async () => {
    const { s, result, logs, journalText } = await runAgainst(authPrimary, { auth: true, env: { [TOKEN_ENV]: WRONG } });
    expect(result.status).toBe('held');
    const blue = result.clusters.find((c) => c.name === 'blue')!;
    // Waiting cannot fix a refused token: verification fails on the first probe, not at its timeout.
    expect(blue.reason).toMatch(new RegExp(`^verification failed: redis.connect: AUTH failed: WRONGPASS invalid username-password pair.* \\(127\\.0\\.0\\.1:${authPrimary.port}\\)$`));
    expect((await checksOf(s, 'redis.connect')).at(-1)).toMatchObject({ ok: false, observed: 'auth' });
    for (const secret of [WRONG, TOKEN]) {
      expect(journalText).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(readFileSync(join(s.stateDir, 'runs', s.runId, 'run.json'), 'utf8')).not.toContain(secret);
    }
    expect(logs).toContain('AUTH failed');
  });

  it('the right token from the environment variable passes, and is not logged either', async () => {
    const { s, result, logs, journalText } = await runAgainst(authPrimary, { auth: true, env: { [TOKEN_ENV]: TOKEN } });
    expect(result.status).toBe('done');
    expect((await checksOf(s, 'redis.connect')).at(-1)).toMatchObject({ ok: true, observed: 'connected with AUTH' });
    expect(logs).not.toContain(TOKEN);
    expect(journalText).not.toContain(TOKEN);
  });

  it('an unset token variable is a clear, permanent failure naming the variable', async () => {
    const { result } = await runAgainst(authPrimary, { auth: true, env: {} });
    const blue = result.clusters.find((c) => c.name === 'blue')!;
    expect(blue.reason).toBe(`verification failed: redis.auth-token: environment variable ${TOKEN_ENV} (the Redis AUTH token) is not set or empty`);
  });

  it('reads the token from Secrets Manager when the plan names a secret, through the client the connector builds', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: 'prod/payments/redis' }).resolves({ SecretString: JSON.stringify({ token: TOKEN }) });
    try {
      const plan = planSchema.parse(planDoc({ verify: { redis: { host: '127.0.0.1', port: authPrimary.port, tls: false, authTokenSecretId: 'prod/payments/redis', authTokenSecretKey: 'token' } } }));
      const { ctx } = await sandboxRun({}, 'defaults:\n  cache: { replicas: 1 }\n');
      const { logger, text } = captureLogger();
      let built = 0;
      const result = await awsRedisProbe(plan, 'payments-blue', ctx.cache, { logger, clock: systemClock, secretsManager: () => (built++, new SecretsManagerClient({ region: 'us-east-1' })) });
      expect(result.ok, result.reason).toBe(true);
      expect(result.checks[0]).toMatchObject({ name: 'redis.connect', observed: 'connected with AUTH' });
      expect(built).toBe(1);
      expect(text()).not.toContain(TOKEN);
    } finally {
      secrets.restore();
    }
  });

  it('a primary that stops answering (DEBUG SLEEP) fails the observation within the probe timeout', async () => {
    const { ctx } = await sandboxRun({ verify: { stableFor: '1m', timeout: '3m', redis: { host: '127.0.0.1', port: primary.port, tls: false, timeout: '500ms' } } }, 'defaults:\n  cache: { replicas: 1 }\n');
    ctx.probes.redis = (cluster) => awsRedisProbe(ctx.plan, cluster.cache!.replicationGroupId, ctx.cache, { logger: ctx.logger, clock: systemClock, env: {} });
    const admin = new Redis({ host: '127.0.0.1', port: primary.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await admin.connect();
    const sleeping = admin.call('DEBUG', 'SLEEP', '2');
    try {
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      const out = await verifyCluster(ctx, { cluster: 'blue', expectedWeight: 1, maintenanceRan: false });
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(out.status).toBe('not-yet');
      const failed = out.checks!.find((c) => c.name.startsWith('redis.') && !c.ok)!;
      expect(failed).toMatchObject({ observed: 'no answer' });
      expect(out.reason).toMatch(/timed out after 500ms \(no answer\)/);
    } finally {
      await sleeping;
      admin.disconnect();
    }
  });
});

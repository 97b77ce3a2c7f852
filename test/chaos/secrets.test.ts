import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnvironment, worldPathFor } from '../../src/cli/environment.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { systemClock } from '../../src/ports/clock.js';
import { createRun, driveRun, type Connection } from '../../src/run/engine.js';
import { awsRedisProbe } from '../../src/connect/probes.js';
import type { RunRecord } from '../../src/store/run-store.js';
import { RedisServers, type RedisServer } from '../helpers/redis-server.js';
import { ROOT, scratchDir, spawnQuiesce, removeScratchDirs } from './child-cli.js';
import { CRASH_SWEEP_FIXTURE } from './crash-sweep.js';
import { quiesce } from './in-process-cli.js';

// Issue 8.5: marker secrets (a Redis AUTH token named by verify.redis.authTokenEnv, AWS credentials in
// the environment) are planted, a run goes through, and every output is searched for them: stdout and
// stderr of every command, the --log-file, the journal, run.json, world.json, the intents, the report
// (markdown and JSON) and the review page. A secret must not appear whole, nor any 12-character piece.

const marker = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;

function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 12 <= secret.length; i += 6) out.push(secret.slice(i, i + 12));
  return out;
}

/** Every file under `dir`, as text. */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>)
    .filter((e) => e.isFile())
    .map((e) => ({ path: join(e.parentPath, e.name), text: readFileSync(join(e.parentPath, e.name), 'utf8') }));
}

function leaks(outputs: Array<{ path: string; text: string }>, secrets: string[]): string[] {
  const found: string[] = [];
  for (const { path, text } of outputs) {
    for (const secret of secrets) {
      if (text.includes(secret)) found.push(`${path}: contains ${secret}`);
      else if (pieces(secret).some((p) => text.includes(p))) found.push(`${path}: contains a piece of ${secret}`);
    }
  }
  return found;
}

/** The crash-sweep plan with verify.redis reading its AUTH token from `tokenEnv`. */
function planWithRedis(dir: string, tokenEnv: string, redis: { host?: string; port?: number } = {}): string {
  const text = readFileSync(join(ROOT, CRASH_SWEEP_FIXTURE.plan), 'utf8').replace(
    'verify:\n',
    `verify:\n  redis: { authTokenEnv: ${tokenEnv}, tls: false, timeout: 1s, replicaCatchUp: 2s${redis.host ? `, host: "${redis.host}", port: ${redis.port}` : ''} }\n`,
  );
  const file = join(dir, 'secret.plan.yaml');
  writeFileSync(file, text);
  return file;
}

afterAll(removeScratchDirs);

describe('secrets never reach an output', () => {
  it('the search finds a secret, and a piece of one', () => {
    const secret = marker('probe');
    expect(leaks([{ path: 'whole', text: `x${secret}x` }], [secret])).toEqual([`whole: contains ${secret}`]);
    expect(leaks([{ path: 'piece', text: `token=${secret.slice(3, 23)}` }], [secret])).toEqual([`piece: contains a piece of ${secret}`]);
  });

  it('a CLI run with a Redis token and AWS credentials in the environment: none of them in any output', async () => {
    const dir = scratchDir('quiesce-secrets-cli-');
    const secrets = { QUIESCE_TEST_REDIS_TOKEN: marker('redis'), AWS_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, AWS_SECRET_ACCESS_KEY: marker('aws-secret'), AWS_SESSION_TOKEN: marker('aws-session') };
    const plan = planWithRedis(dir, 'QUIESCE_TEST_REDIS_TOKEN');
    const stateDir = join(dir, 'state');
    const log = join(dir, 'quiesce.log');
    const outputs: Array<{ path: string; text: string }> = [];
    const cli = async (args: string[]) => {
      const exit = await spawnQuiesce(args, secrets).exited;
      outputs.push({ path: `quiesce ${args[0]} (stdout)`, text: exit.stdout }, { path: `quiesce ${args[0]} (stderr)`, text: exit.stderr });
      return exit;
    };
    const run = await cli(['run', plan, '--sandbox', CRASH_SWEEP_FIXTURE.world, '--state-dir', stateDir, '--run-id', 'secrets', '--json', '--log-file', log]);
    expect(run.code, run.stderr).toBe(0);
    await cli(['status', 'secrets', '--state-dir', stateDir, '--json', '--log-format', 'json']);
    await cli(['report', 'secrets', '--state-dir', stateDir]);
    await cli(['report', 'secrets', '--state-dir', stateDir, '--format', 'json']);
    const review = await cli(['review', plan, '--sandbox', CRASH_SWEEP_FIXTURE.world, '--run', 'secrets', '--state-dir', stateDir]);
    expect(review.stdout).toContain('<html');
    outputs.push(...filesUnder(stateDir), { path: log, text: readFileSync(log, 'utf8') });
    expect(readFileSync(log, 'utf8')).toContain('ModifyListener');
    expect(leaks(outputs, Object.values(secrets))).toEqual([]);
  }, 120_000);

  describe('the AWS Redis wiring against a real redis-server that requires the token', () => {
    const servers = new RedisServers();
    const token = marker('redis-auth');
    let server: RedisServer;
    beforeAll(async () => {
      server = await servers.start({ requirepass: token });
      await servers.start({ replicaOf: server });
    });
    afterAll(async () => servers.stopAll());

    async function runWith(presented: string) {
      const dir = scratchDir('quiesce-secrets-redis-');
      const plan = loadPlanFile(planWithRedis(dir, 'QUIESCE_TEST_REDIS_TOKEN', { host: '127.0.0.1', port: server.port }));
      // One replica per group, like the real primary here.
      const world = join(dir, 'one-replica.world.yaml');
      writeFileSync(world, readFileSync(join(ROOT, CRASH_SWEEP_FIXTURE.world), 'utf8').replace('defaults:\n', 'defaults:\n  cache: { replicas: 1 }\n'));
      const log = join(dir, 'quiesce.log');
      const stateDir = join(dir, 'state');
      const io = { stdout: () => {}, stderr: () => {}, stderrIsTTY: false, stdoutIsTTY: false, env: {}, cwd: ROOT };
      const env = await cliEnvironment({ 'state-dir': stateDir, 'log-file': log }, io);
      const base = env.deps();
      const connect = async (record: RunRecord): Promise<Connection> => {
        const conn = await base.connect(record);
        const redis = (cluster: { cache?: { replicationGroupId: string } }) =>
          awsRedisProbe(plan, cluster.cache!.replicationGroupId, conn.cache, { logger: env.logger, clock: systemClock, env: { QUIESCE_TEST_REDIS_TOKEN: presented } });
        return { ...conn, probes: { ...conn.probes, redis } };
      };
      await createRun(env, { runId: 'redis-secret', plan, target: { kind: 'sandbox', worldFile: world }, now: Date.now() });
      const result = await driveRun({ ...base, connect }, 'redis-secret', { until: 'end' });
      const report = await quiesce(['report', 'redis-secret', '--state-dir', stateDir]);
      const reportJson = await quiesce(['report', 'redis-secret', '--state-dir', stateDir, '--format', 'json']);
      const outputs = [...filesUnder(stateDir), { path: log, text: readFileSync(log, 'utf8') }, { path: 'report', text: report.stdout + report.stderr }, { path: 'report json', text: reportJson.stdout }];
      expect(readFileSync(worldPathFor(stateDir, 'redis-secret'), 'utf8').length).toBeGreaterThan(0);
      return { result, outputs, log: readFileSync(log, 'utf8') };
    }

    it('the right token: the run passes, and the token is nowhere', async () => {
      const { result, outputs } = await runWith(token);
      expect(result.status, result.reason).toBe('done');
      expect(leaks(outputs, [token])).toEqual([]);
    }, 120_000);

    it('a wrong token (the error path, where tokens leak in messages): neither token is anywhere', async () => {
      const wrong = marker('wrong-token');
      const { result, outputs, log } = await runWith(wrong);
      expect(result.status).toBe('held');
      expect(log).toContain('AUTH failed');
      expect(leaks(outputs, [token, wrong])).toEqual([]);
    }, 120_000);
  });
});

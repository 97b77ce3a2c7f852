import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type LocalHttpServer } from '../helpers/http-server.js';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';
import { checksOf, headerRules, journalOf, planDoc, runScenario, scenario } from './deep-checks-harness.js';

// Runbook steps inside the machine, end to end on the sandbox with --real-steps: commands (argv, timeout, exit 0, output in
// the journal), webhooks against a real local HTTP server (expected status, then a poll until a JSON field
// matches) and operator approval (exit 3 until `quiesce approve`, recording who approved).

const withSteps = (maintenance: unknown[]) => planDoc({ maintenance });
// These steps act for real: a rehearsal runs them only when asked (test/e2e/rehearsal-steps.test.ts).
const REAL = ['--real-steps'];

describe('command steps', () => {
  it('a command that exits 0: its output is in the journal and the cluster continues', async () => {
    const s = scenario(withSteps([{ command: ['node', '-e', "process.stdout.write('patched 3 hosts\\n')"] }]));
    const r = await runScenario(s, REAL);
    expect(r.code, r.stderr).toBe(0);
    const effect = (await journalOf(s)).find((e) => e.kind === 'effect' && e.cluster === 'blue' && e.message.startsWith('blue: command node'))!;
    expect(effect.message).toMatch(/exited 0$/);
    expect(effect.data).toMatchObject({ ok: true, exitCode: 0, stdoutTail: 'patched 3 hosts\n', timedOut: false });
    expect((await checksOf(s, 'step.1.command')).find((c) => c.cluster === 'blue')).toMatchObject({ phase: 'step', ok: true, observed: 'exit 0' });
  });

  it('a failing command holds the cluster out of rotation, with the exit code and the end of stderr', async () => {
    const s = scenario(withSteps([{ command: ['node', '-e', "console.error('checking disk'); console.error('disk full on /var'); process.exit(3)"] }]));
    const r = await runScenario(s, REAL);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0]).toMatchObject({ state: 'held', reason: 'maintenance step failed: "node" exited with code 3: disk full on /var' });
    expect(r.json.sandbox.weights).toEqual({ blue: 0, green: 1 });
    const check = (await checksOf(s, 'step.1.command'))[0]!;
    expect(check).toMatchObject({ ok: false, observed: 'exit 3; stderr: checking disk | disk full on /var', threshold: 'exit 0' });
    const effect = (await journalOf(s)).find((e) => e.kind === 'effect' && e.message.startsWith('blue: command node'))!;
    expect(effect.data).toMatchObject({ exitCode: 3, stderrTail: 'checking disk\ndisk full on /var\n' });
  });

  it('a command past its timeout is stopped and holds the cluster; one inside it succeeds, in real time even in the sandbox', async () => {
    const slow = scenario(withSteps([{ command: ['node', '-e', 'setTimeout(() => {}, 60_000)'], timeout: '1s' }]));
    const r = await runScenario(slow, REAL);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toBe('maintenance step failed: "node" did not finish within 1000ms; sent SIGTERM');
    expect((await checksOf(slow, 'step.1.command'))[0]).toMatchObject({ ok: false, observed: 'timed out; killed by SIGTERM' });

    // The sandbox's virtual clock races ahead while a process runs; a command's timeout must not.
    const inTime = scenario(withSteps([{ command: ['node', '-e', 'setTimeout(() => {}, 700)'], timeout: '20s' }]), undefined, 'run-in-time');
    const ok = await runScenario(inTime, REAL);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('http steps against a local server', () => {
  let server: LocalHttpServer;
  let polls = 0;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      if (req.method === 'POST' && req.url === '/deploy') {
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"d-1"}');
      } else if (req.method === 'POST' && req.url === '/broken') {
        res.writeHead(500).end('internal error');
      } else if (req.url === '/status') {
        polls++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ deploy: { state: polls < 3 ? 'running' : 'succeeded' } }));
      } else {
        res.writeHead(404).end();
      }
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('calls the webhook, then polls the status URL until the JSON field matches', async () => {
    const step = { http: { method: 'POST', url: `${server.origin}/deploy`, body: '{"cluster":"any"}', expectStatus: 202, poll: { url: `${server.origin}/status`, field: 'deploy.state', equals: 'succeeded', interval: '100ms', timeout: '30s' } } };
    const s = scenario(withSteps([step]));
    const r = await runScenario(s, REAL);
    expect(r.code, r.stderr).toBe(0);
    const blue = (await checksOf(s, 'step.1.http')).find((c) => c.cluster === 'blue')!;
    expect(blue).toMatchObject({ ok: true, observed: 'status 202; deploy.state "succeeded" after 3 poll(s)', threshold: 'status 202 then deploy.state = "succeeded"' });
    const effect = (await journalOf(s)).find((e) => e.kind === 'effect' && e.message.startsWith('blue: POST'))!;
    expect(effect.message).toBe(`blue: POST ${server.origin}/deploy returned 202; deploy.state matched after 3 poll(s)`);
    expect(effect.data).toMatchObject({ ok: true, status: 202, responseBody: '{"id":"d-1"}', poll: { matched: true, attempts: 3 } });
    expect(server.requests.filter((q) => q.url === '/deploy')[0]?.body).toBe('{"cluster":"any"}');
  });

  it('an unexpected status holds the cluster with the status in the reason', async () => {
    const s = scenario(withSteps([{ http: { method: 'POST', url: `${server.origin}/broken`, expectStatus: 200 } }]));
    const r = await runScenario(s, REAL);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0]).toMatchObject({ state: 'held', reason: `maintenance step failed: POST ${server.origin}/broken answered 500, expected 200` });
    expect((await checksOf(s, 'step.1.http'))[0]).toMatchObject({ ok: false, observed: 'status 500', threshold: 'status 200' });
  });
});

describe('approval steps', () => {
  it('pause the run (exit 3) until approved, and record who approved: --by, or the environment', async () => {
    const s = scenario(withSteps([{ approval: 'DBA confirms the replica caught up' }, { command: ['node', '-e', 'process.exit(0)'] }]));
    const first = await runScenario(s);
    expect(first.code, first.stderr).toBe(3);
    expect(first.json.status).toBe('paused');
    expect(first.json.clusters[0]).toMatchObject({ state: 'paused', reason: 'approval required: DBA confirms the replica caught up' });
    // Paused out of rotation, before its command ran.
    expect(first.json.sandbox.weights).toEqual({ blue: 0, green: 1 });
    expect((await journalOf(s)).some((e) => e.message.startsWith('blue: command'))).toBe(false);

    const second = await runCli(['approve', s.runId, '--by', 'alice', '--json', '--state-dir', s.stateDir]);
    expect(second.code, second.stderr).toBe(3); // green now waits for its own approval
    expect(second.json.clusters.map((c: { state: string }) => c.state)).toEqual(['done', 'paused']);

    const third = await runCli(['approve', s.runId, '--json', '--state-dir', s.stateDir], { QUIESCE_OPERATOR: 'bob' });
    expect(third.code, third.stderr).toBe(0);
    expect(third.json.clusters.map((c: { state: string }) => c.state)).toEqual(['done', 'done']);

    const operator = (await journalOf(s)).filter((e) => e.kind === 'operator');
    expect(operator.map((e) => [e.message, (e.data as { by: string }).by])).toEqual([
      ['approved by alice (blue)', 'alice'],
      ['approved by bob (green)', 'bob'],
    ]);
  });
});

describe('examples/runbook.plan.yaml', () => {
  it('rehearses as its comment says: a pause per cluster at the approval, then done, with no canary rule left', async () => {
    const stateDir = tempStateDir('quiesce-deep-');
    const base = ['--json', '--state-dir', stateDir];
    const first = await runCli(['run', 'examples/runbook.plan.yaml', '--sandbox', '--run-id', 'run-example', ...base]);
    expect(first.code, first.stderr).toBe(3);
    expect(first.json.clusters[0].reason).toBe('approval required: on-call confirms the patch before the failover');
    expect((await runCli(['approve', 'run-example', '--by', 'alice', ...base])).code).toBe(3);
    const last = await runCli(['approve', 'run-example', '--by', 'alice', ...base]);
    expect(last.code, last.stderr).toBe(0);
    expect(last.json.sandbox).toMatchObject({ violations: [], weights: { blue: 1, green: 1 } });
    expect(headerRules(worldOf(stateDir, 'run-example'))).toEqual([]);
  });
});

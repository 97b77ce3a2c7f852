import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type LocalHttpServer } from '../helpers/http-server.js';
import { runCli } from './cli-harness.js';
import { checksOf, journalOf, planDoc, runScenario, scenario } from './deep-checks-harness.js';

// A rehearsal never acts on the real world: `run --sandbox` simulates the plan's command and http steps
// (the world file's runbook key scripts them) and runs them only with --real-steps; the output says which.

const writesFile = (marker: string) => ({ command: ['node', '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`] });

describe('a rehearsal and the real world', () => {
  let server: LocalHttpServer;
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => void res.writeHead(200).end('ok'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('simulates a command and a webhook: no file is written, no request is sent, and the output says so', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'quiesce-rehearsal-')), 'patched');
    const s = scenario(planDoc({ maintenance: [writesFile(marker), { http: { method: 'POST', url: `${server.origin}/hook`, expectStatus: 200 } }] }));
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(server.requests).toHaveLength(0);
    expect(r.stderr).toContain("rehearsal: the plan's 2 command/http step(s) are simulated by the sandbox, not run (--real-steps runs them)");
    expect(r.json.sandbox.runbook).toEqual([
      { cluster: 'blue', step: 1, kind: 'command', what: expect.stringMatching(/^node -e /), mode: 'simulated', ok: true, at: expect.any(Number) },
      { cluster: 'blue', step: 2, kind: 'http', what: `POST ${server.origin}/hook`, mode: 'simulated', ok: true, at: expect.any(Number) },
      { cluster: 'green', step: 1, kind: 'command', what: expect.stringMatching(/^node -e /), mode: 'simulated', ok: true, at: expect.any(Number) },
      { cluster: 'green', step: 2, kind: 'http', what: `POST ${server.origin}/hook`, mode: 'simulated', ok: true, at: expect.any(Number) },
    ]);
    const effect = (await journalOf(s)).find((e) => e.kind === 'effect' && e.message.startsWith('blue: command node'))!;
    expect(effect.message).toMatch(/exited 0 \(simulated by the sandbox, not run\)$/);
    expect(effect.data).toMatchObject({ mode: 'simulated' });

    const plain = await runCli(['run', s.planPath, '--sandbox', '--state-dir', s.stateDir, '--run-id', 'run-plain']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`simulated (not run): blue step 2 http POST ${server.origin}/hook: ok`);
    expect(existsSync(marker)).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('runs them for real with --real-steps, and says so', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'quiesce-rehearsal-')), 'patched');
    const s = scenario(planDoc({ maintenance: [writesFile(marker), { http: { method: 'POST', url: `${server.origin}/real`, expectStatus: 200 } }] }));
    const r = await runScenario(s, ['--real-steps']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(server.requests.filter((q) => q.url === '/real')).toHaveLength(2);
    expect(r.stderr).toContain("--real-steps: this rehearsal RUNS the plan's 2 command/http step(s) for real");
    expect(r.json.sandbox.runbook.map((e: { mode: string }) => e.mode)).toEqual(['real', 'real', 'real', 'real']);
  });

  it('the world file scripts a step: a failure on one cluster, with its duration on the virtual clock', async () => {
    const world = `runbook:
  default: { duration: "2m" }
  steps:
    - { step: 1, cluster: blue, outcome: fail, exitCode: 3, duration: "45s", output: "disk full on /var" }
`;
    const s = scenario(planDoc({ maintenance: [{ command: ['./patch.sh', '--all'] }] }), world);
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0]).toMatchObject({ state: 'held', reason: 'maintenance step failed: "./patch.sh" exited with code 3 (simulated by the sandbox)' });
    const check = (await checksOf(s, 'step.1.command'))[0]!;
    expect(check).toMatchObject({ ok: false, observed: 'exit 3; stderr: disk full on /var' });
    const journal = await journalOf(s);
    const start = journal.find((e) => e.kind === 'intent' && e.message === 'blue: start step 1')!;
    const end = journal.find((e) => e.kind === 'effect' && e.message.startsWith('blue: command ./patch.sh'))!;
    expect(end.at - start.at).toBe(45_000);
  });

  it('a timeout is scripted as the step timing out: the step takes its whole timeout', async () => {
    const world = `runbook:\n  steps:\n    - { kind: command, outcome: timeout }\n`;
    const s = scenario(planDoc({ maintenance: [{ command: ['./patch.sh'], timeout: '3m' }] }), world);
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toBe('maintenance step failed: "./patch.sh" did not finish within 180000ms (simulated by the sandbox)');
    // A duration scripted past the step's timeout is a timeout too, as the real command would be.
    const slow = scenario(planDoc({ maintenance: [{ command: ['./patch.sh'], timeout: '3m' }] }), 'runbook:\n  default: { duration: "5m" }\n', 'run-slow');
    const late = await runScenario(slow);
    expect(late.code, late.stderr).toBe(1);
    expect(late.json.clusters[0].reason).toBe('maintenance step failed: "./patch.sh" did not finish within 180000ms (simulated by the sandbox)');
  });

  it('bad input, found before anything starts: --real-steps against AWS, a runbook entry naming no cluster of the plan', async () => {
    const s = scenario(planDoc());
    const aws = await runCli(['run', s.planPath, '--real-steps', '--state-dir', s.stateDir]);
    expect(aws.code).toBe(2);
    expect(aws.stderr).toBe('quiesce: --real-steps applies to sandbox runs only: against AWS every step runs for real\n');
    const typo = scenario(planDoc(), 'runbook:\n  steps:\n    - { cluster: bleu, outcome: fail }\n');
    const bad = await runCli(['run', typo.planPath, '--sandbox', typo.worldPath!, '--state-dir', typo.stateDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/runbook\.steps\[0\]\.cluster: no such cluster in the plan: bleu\n$/);
  });
});

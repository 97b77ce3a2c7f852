import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runRecord, spawnCli, tempStateDir, waitFor, worldOf } from './cli-harness.js';

// Issue 4: the CLI process is SIGKILLed mid-run (a real child process of the built CLI), and
// `quiesce resume` finishes the run: zero violations, every weight back, nothing started twice.
// The sandbox runs at --speed 60 so the run stays in each phase for whole seconds of real time.

const PLAN = 'examples/payments.plan.yaml';

async function killWhile(phase: 'draining' | 'maintaining') {
  const stateDir = tempStateDir();
  const runId = `kill-${phase}`;
  const child = spawnCli(['run', PLAN, '--sandbox', '--speed', '60', '--state-dir', stateDir, '--run-id', runId, '--json']);
  try {
    await waitFor(`blue ${phase}`, () => runRecord(stateDir, runId).clusters?.blue?.state === phase, 150_000);
  } finally {
    child.kill('SIGKILL');
  }
  await child.exited;
  expect(child.signalCode).toBe('SIGKILL');
  const before = runRecord(stateDir, runId);
  expect(before.status).toBe('running');
  return { stateDir, runId };
}

function journalOf(stateDir: string, runId: string): Array<{ kind: string; message: string }> {
  return readFileSync(join(stateDir, 'runs', runId, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function resumeAndCheck(stateDir: string, runId: string) {
  const r = await runCli(['resume', runId, '--json', '--state-dir', stateDir]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json.status).toBe('done');
  expect(r.json.clusters.map((c: { state: string }) => c.state)).toEqual(['done', 'done', 'done']);
  expect(r.json.sandbox.violations).toEqual([]);
  expect(r.json.sandbox.weights).toEqual({ blue: 1, green: 1, gray: 1 });
  const world = worldOf(stateDir, runId);
  expect(world.finalAudit()).toEqual([]);
  // Each cache operation happened once per cluster: the resumed run did not repeat one that had landed.
  const cacheOps = world.mutations.filter((m) => m.caller === 'quiesce' && (m.command === 'TestFailover' || m.command === 'ModifyReplicationGroup'));
  expect(cacheOps.map((m) => `${m.command} ${m.resource}`).sort()).toEqual(
    ['blue', 'green', 'gray'].flatMap((c) => [`ModifyReplicationGroup payments-${c}`, `TestFailover payments-${c}`]).sort(),
  );
  expect(journalOf(stateDir, runId).some((e) => e.kind === 'run' && e.message.startsWith('run resumed by'))).toBe(true);
}

describe('SIGKILL and quiesce resume', () => {
  it('killed while a cluster drains: resume completes the run with zero violations and every weight back', async () => {
    const { stateDir, runId } = await killWhile('draining');
    expect(worldOf(stateDir, runId).weights().blue).toBe(0);
    // status says nobody drives it, and how to go on (issue 20.8).
    const status = await runCli(['status', runId, '--state-dir', stateDir]);
    expect(status.stdout.split('\n')[1]).toMatch(new RegExp(`^its process \\(\\d+@.+\\) is no longer running: nothing drives the run; continue it with: quiesce resume ${runId} `));
    expect((await runCli(['status', runId, '--state-dir', stateDir, '--json'])).json.driver).toMatchObject({ alive: false });
    await resumeAndCheck(stateDir, runId);
  }, 180_000);

  it('killed while a cluster is in maintenance: resume completes the run with zero violations and every weight back', async () => {
    const { stateDir, runId } = await killWhile('maintaining');
    await resumeAndCheck(stateDir, runId);
  }, 180_000);
});

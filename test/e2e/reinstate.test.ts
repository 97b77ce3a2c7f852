// quiesce reinstate in the sandbox: a held cluster goes back through verification and the ramp (through
// its machine), with its own journal entries and report lines; a cluster still broken stays held.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/store/file-store.js';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';

/** One of blue's targets fails its health checks from 3 minutes in until `until`: verification times out (20 min) and holds blue. */
function unhealthyUntil(dir: string, until: string): string {
  const file = join(dir, 'unhealthy.world.yaml');
  writeFileSync(file, `events:\n  - { from: "3m", to: "${until}", targetUnhealthy: { cluster: blue, count: 1 } }\n`);
  return file;
}

describe('quiesce reinstate', () => {
  it('a held cluster, once healthy, is verified again and ramped back: it ends done, with verification evidence and its own journal and report lines', async () => {
    const dir = tempStateDir('quiesce-reinstate-');
    const run = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', unhealthyUntil(dir, '55m'), '--state-dir', dir, '--run-id', 'run-held']);
    expect(run.code).toBe(1);
    // The hold message names the way back and what to look at first.
    expect(run.stdout).toContain('blue is held out of rotation, never reactivated automatically: find why first (quiesce report run-held), fix it, then: quiesce reinstate run-held blue');
    const heldReport = await runCli(['report', 'run-held', '--state-dir', dir]);
    expect(heldReport.stdout).toContain('blue: check first what held it');
    expect(heldReport.stdout).toContain('quiesce reinstate run-held blue');

    const reinstate = await runCli(['reinstate', 'run-held', 'blue', '--state-dir', dir, '--by', 'alice', '--json']);
    // green and gray never started: the run stays held, blue is back in rotation.
    expect(reinstate.code).toBe(1);
    expect(reinstate.json.clusters.find((c: { name: string }) => c.name === 'blue').state).toBe('done');
    expect(reinstate.json.reason).toBe('blue reinstated: verified and back in rotation; left untouched: green, gray');
    expect(worldOf(dir, 'run-held').weights()).toEqual({ blue: 1, green: 1, gray: 1 });
    expect(reinstate.json.sandbox.violations).toEqual([]);

    const journal = await createFileStore(dir).readJournal('run-held');
    const start = journal.findIndex((e) => e.kind === 'operator' && e.message === 'reinstate of blue by alice: back through verification, then the ramp');
    expect(start).toBeGreaterThan(0);
    const after = journal.slice(start);
    const blue = after.filter((e) => e.cluster === 'blue' && e.kind === 'transition').map((e) => e.message.split(' (')[0]);
    expect(blue[0]).toBe('blue: held -> verifying.checking');
    expect(blue.at(-1)).toBe('blue: reactivating.holding -> done');
    // Verification evidence after the reinstatement: the targets healthy, before any ramp step.
    const verifyOk = after.findIndex((e) => e.kind === 'check' && e.cluster === 'blue' && JSON.stringify(e.data).includes('verify.targets.healthy') && JSON.stringify(e.data).includes('"ok":true'));
    const firstRamp = after.findIndex((e) => e.cluster === 'blue' && e.message.includes('-> reactivating'));
    expect(verifyOk).toBeGreaterThan(0);
    expect(verifyOk).toBeLessThan(firstRamp);

    const report = await runCli(['report', 'run-held', '--state-dir', dir]);
    expect(report.stdout).toContain('| Reinstated | blue by alice |');
    expect(report.stdout).toMatch(/reinstated by alice/);
  });

  it('a cluster still broken fails verification again and stays held (exit 1); reinstating a cluster that is not held is bad input', async () => {
    const dir = tempStateDir('quiesce-reinstate-broken-');
    const run = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', unhealthyUntil(dir, '3h'), '--state-dir', dir, '--run-id', 'run-broken']);
    expect(run.code).toBe(1);
    const reinstate = await runCli(['reinstate', 'run-broken', 'blue', '--state-dir', dir, '--json']);
    expect(reinstate.code).toBe(1);
    expect(reinstate.json.clusters.find((c: { name: string }) => c.name === 'blue').state).toBe('held');
    expect(reinstate.json.reason).toMatch(/^blue held again: verification timed out: verify.targets.healthy/);
    expect(worldOf(dir, 'run-broken').weights().blue).toBe(0);

    const green = await runCli(['reinstate', 'run-broken', 'green', '--state-dir', dir]);
    expect(green.code).toBe(2);
    expect(green.stderr).toBe('quiesce: cluster green of run run-broken is pending, not held: there is nothing to reinstate\n');
    const nobody = await runCli(['reinstate', 'run-broken', 'purple', '--state-dir', dir]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('has no cluster purple (clusters: blue, green, gray)');
  });
});

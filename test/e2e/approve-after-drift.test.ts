import { describe, expect, it } from 'vitest';
import { worldPathFor } from '../../src/cli/environment.js';
import { formatDuration } from '../../src/duration.js';
import { saveWorld } from '../../src/sandbox/index.js';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';
import { planDoc, runScenario, scenario } from './deep-checks-harness.js';

// Approving a drift pause while the live state still differs must not loop: the approval is recorded,
// the diff is shown, and the two ways on are named. A finished run has nothing to approve, and a run done
// after a pause keeps no stale pause reason.

const SEED = 'examples/seeds/003-manual-weight';

describe('approve after a drift pause', () => {
  it('says the approval was recorded, what still differs and the two ways on; restoring it, then approving, continues', async () => {
    const stateDir = tempStateDir();
    const base = ['--state-dir', stateDir];
    const first = await runCli(['run', `${SEED}.plan.yaml`, '--sandbox', `${SEED}.world.yaml`, '--run-id', 'r-drift', ...base]);
    expect(first.code, first.stderr).toBe(3);

    const again = await runCli(['approve', 'r-drift', '--by', 'alice', ...base]);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stdout).toContain(
      [
        'approval recorded (by alice), but the live state still differs from what the run expects, so it paused again:',
        '  blue: payments-blue: expected weight 0, live weight 1',
        'two ways on:',
        '  restore it (put back what the run expects, shown above), then: quiesce approve r-drift',
        '  or stop safely: quiesce abort r-drift',
      ].join('\n'),
    );
    // Not the same pause text and hint again.
    expect(again.stdout).not.toContain('continue with: quiesce approve');

    const json = await runCli(['approve', 'r-drift', '--by', 'alice', '--json', ...base]);
    expect(json.code).toBe(3);
    expect(json.json.approval).toEqual({ recorded: true, by: 'alice', stillDiffers: [{ cluster: 'blue', diff: ['payments-blue: expected weight 0, live weight 1'] }] });

    // The first way on: somebody restores the weight by hand, then approves.
    const world = worldOf(stateDir, 'r-drift');
    world.schedule({ at: formatDuration(world.now() - world.state.startedAt), manualWeight: { cluster: 'blue', weight: 0 } });
    saveWorld(world, worldPathFor(stateDir, 'r-drift'));
    const on = await runCli(['approve', 'r-drift', '--by', 'alice', '--json', ...base]);
    expect(on.json.approval).toBeUndefined();
    expect(on.json.clusters[0].state).not.toBe('paused');
  });

  it('approve on a finished run says it is finished (exit 2, nothing changed); a done run keeps no stale pause reason', async () => {
    const s = scenario(planDoc({ maintenance: [{ approval: 'DBA confirms' }] }));
    expect((await runScenario(s)).code).toBe(3);
    expect((await runCli(['approve', s.runId, '--state-dir', s.stateDir])).code).toBe(3);
    const last = await runCli(['approve', s.runId, '--state-dir', s.stateDir, '--json']);
    expect(last.code, last.stderr).toBe(0);
    expect(last.json.reason).toBeUndefined();

    const finished = await runCli(['approve', s.runId, '--state-dir', s.stateDir]);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toBe(`quiesce: run ${s.runId} is finished (done): there is nothing to approve\n`);
    expect(finished.stdout).toBe('');

    const status = await runCli(['status', s.runId, '--state-dir', s.stateDir]);
    expect(status.stdout.split('\n')[0]).toBe(`run ${s.runId} (deep-checks): done`);
    const list = await runCli(['status', '--state-dir', s.stateDir, '--json']);
    expect(list.json.runs[0].reason).toBeUndefined();
    const report = await runCli(['report', s.runId, '--state-dir', s.stateDir]);
    // The pauses stay in the timeline; the run's status line carries no reason of a pause long over.
    expect(report.stdout.split('\n')).toContain('**Status: DONE**');
    expect(report.stdout).toContain('| Status | done |');
  });
});

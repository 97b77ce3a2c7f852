import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWorld } from '../../../src/sandbox/index.js';
import { scratchDir, removeScratchDirs } from '../child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../crash-sweep.js';
import { quiesce } from '../in-process-cli.js';

// Found by the random fault schedules: when the very first reads of a run (the baseline, taken before
// the loop starts) failed and were retried, the retries slept on the sandbox's virtual clock, which only
// the loop moves: the run waited forever. And a baseline that could never be read left the run "running".

function worldWith(dir: string, event: string): string {
  const file = join(dir, 'world.yaml');
  writeFileSync(file, `defaults:\n  deregistrationDelay: "20s"\nevents:\n  - ${event}\n`);
  return file;
}

afterAll(removeScratchDirs);

describe('the baseline under transient faults', () => {
  it('retries on the virtual clock until the reads come back, then the run completes', async () => {
    const dir = scratchDir('quiesce-baseline-');
    const world = worldWith(dir, '{ from: "-5s", to: "20s", apiFault: { service: elbv2, operation: DescribeTargetHealth, kind: econnreset } }');
    const r = await quiesce(['run', CRASH_SWEEP_FIXTURE.plan, '--sandbox', world, '--state-dir', dir, '--run-id', 'b1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).sandbox.violations).toEqual([]);
  });

  it('ends the run held, with the reason and nothing changed, when the reads never come back', async () => {
    const dir = scratchDir('quiesce-baseline-');
    const world = worldWith(dir, '{ from: "-5s", apiFault: { service: elbv2, operation: DescribeTargetHealth, kind: econnreset } }');
    const r = await quiesce(['run', CRASH_SWEEP_FIXTURE.plan, '--sandbox', world, '--state-dir', dir, '--run-id', 'b2', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.status).toBe('held');
    expect(json.reason).toMatch(/^could not read the listener and target groups at run start, so nothing was changed: ELBv2 DescribeTargetHealth .* ECONNRESET/);
    expect(loadWorld(join(dir, 'runs', 'b2', 'world.json')).mutations.filter((m) => m.caller === 'quiesce')).toEqual([]);
    const status = await quiesce(['status', 'b2', '--state-dir', dir, '--json']);
    expect(JSON.parse(status.stdout).status).toBe('held');
  });
});

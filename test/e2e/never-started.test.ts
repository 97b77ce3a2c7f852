import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeScratchDirs, scratchDir } from '../chaos/child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../chaos/crash-sweep.js';
import { quiesce } from '../chaos/in-process-cli.js';

// Found by the hostile inputs: a world file whose event names a cluster the plan lacks passed the CLI's
// up-front check (the schema), so the run was created and failed only when it opened its world. It
// exited 2 ("nothing changed") but left the run "running" and the listener's lock parked for 7 days:
// every later `quiesce run` on that listener exited 4. (The engine's side, a lock let go when the run
// never saved, is in test/run/engine.test.ts.)

const PLAN = CRASH_SWEEP_FIXTURE.plan;

afterAll(removeScratchDirs);

describe('a run that never started', () => {
  it('a world file naming an unknown cluster is refused before the run exists, and the listener stays free', async () => {
    const dir = scratchDir('quiesce-never-started-');
    const world = join(dir, 'typo.world.yaml');
    writeFileSync(world, 'events:\n  - { at: "0s", crashLoop: { cluster: bleu } }\n');
    const bad = await quiesce(['run', PLAN, '--sandbox', world, '--state-dir', dir, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^quiesce: .*typo\.world\.yaml: events\[0\]: crashLoop: no such cluster "bleu"\n$/);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
    const good = await quiesce(['run', PLAN, '--sandbox', CRASH_SWEEP_FIXTURE.world, '--state-dir', dir, '--json']);
    expect(good.code, good.stderr).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { cli, PLAN, tempDir, writeWorld } from '../helpers/sandbox-runs.js';

// Hand-made changes to clusters the run is not working on (issue 15, C13), on the example plan: three
// clusters, at most one out, at least two in. Blue is done by 09:39; green drains 09:39-09:42 and is
// reactivated by 10:17; gray ramps 10:48-10:55 (the run starts at 09:00).

interface RunJson {
  status: string;
  reason?: string;
  clusters: Array<{ name: string; state: string; reason?: string }>;
  sandbox?: { violations: Array<{ kind: string; message: string }>; weights: Record<string, number> };
}

async function run(world: string, extra: string[] = []) {
  const stateDir = tempDir('quiesce-hand-');
  const worldPath = writeWorld(stateDir, 'world.yaml', world);
  const out = await cli(['run', PLAN, '--sandbox', worldPath, '--json', '--state-dir', stateDir, '--run-id', 'run-hand', ...extra]);
  return { stateDir, code: out.code, result: JSON.parse(out.stdout) as RunJson, stderr: out.stderr };
}

describe('hand-made changes to clusters not in flight', () => {
  it('a finished cluster set to weight 0 while the next one drains breaks minActiveClusters: the run pauses with the diff', async () => {
    const { code, result } = await run('events:\n  - { at: "40m", manualWeight: { cluster: blue, weight: 0 } }\n');
    expect(code).toBe(3);
    expect(result.status).toBe('paused');
    expect(result.reason).toMatch(/green: drift: payments-blue weight expected 1, live 0 \(set outside this run: 1 cluster\(s\) in rotation and 2 out; the plan needs at least 2 in and at most 1 out\)/);
    // Gray was never touched.
    expect(result.clusters.find((c) => c.name === 'gray')?.state).toBe('pending');
  }, 120_000);

  it('a finished cluster set to weight 0 by hand during the last ramp never lets the run end done', async () => {
    const { code, result, stateDir } = await run('events:\n  - { at: "1h50m", manualWeight: { cluster: blue, weight: 0 } }\n');
    expect(result.clusters.map((c) => c.state)).toEqual(['done', 'done', 'done']);
    expect(code).toBe(3);
    expect(result.status).toBe('paused');
    expect(result.reason).toBe('fleet: drift: payments-blue weight expected 1, live 0');
    expect(result.sandbox?.weights.blue).toBe(0);

    // Approved while blue is still out: the fleet looks again and pauses again.
    const again = await cli(['approve', 'run-hand', '--by', 'alice', '--json', '--state-dir', stateDir]);
    expect(again.code).toBe(3);
    expect((JSON.parse(again.stdout) as RunJson).reason).toBe('fleet: drift: payments-blue weight expected 1, live 0');
  }, 120_000);

  it('a change that keeps the capacity whole does not pause a cluster in flight, and a run whose clusters are all in rotation ends done', async () => {
    // Gray (not started) goes to weight 2 while green drains: capacity intact; green's own drift check before
    // gray's removal is what finds it (the run pauses there, as before).
    const { code, result } = await run('events:\n  - { at: "40m", manualWeight: { cluster: gray, weight: 2 } }\n');
    expect(code).toBe(3);
    expect(result.clusters.find((c) => c.name === 'green')?.state).toBe('done');
    expect(result.reason).toMatch(/^gray: drift: payments-gray weight expected 1, live 2/);
    const clean = await run('events: []\n');
    expect(clean.code).toBe(0);
    expect(clean.result.status).toBe('done');
  }, 120_000);
});

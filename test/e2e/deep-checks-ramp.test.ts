import { beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './cli-harness.js';
import { checksOf, journalOf, planDoc, runScenario, scenario, type Scenario } from './deep-checks-harness.js';

// Staged reactivation end to end: each ramp step reads its weight back, holds, and is judged on target
// health and on the group's CloudWatch 5xx and UnHealthyHostCount. A breach sets the weight back to 0 and
// holds the cluster with the reading. Times of the ramp steps come from a reference run of the same plan:
// the sandbox is deterministic, so a fault scripted at those times lands inside the intended hold.

const plan = planDoc({ reactivate: { ramp: [50, 100], hold: '1m' } });
// Weights of 10: mid-ramp every weight is scaled x99 (the most that keeps them within 999), so the 50% step
// is 495 beside green's 990, and the last step puts 10/10 back.
const weights = 'defaults:\n  weight: 10\n';

let reference: { s: Scenario; result: CliResult; runStart: number; steps: number[] };

const offset = (at: number) => `${at - reference.runStart}ms`;

beforeAll(async () => {
  const s = scenario(plan, weights);
  const result = await runScenario(s);
  const journal = await journalOf(s);
  const steps = journal.filter((e) => e.kind === 'effect' && e.cluster === 'blue' && e.data?.purpose === 'ramp').map((e) => e.at);
  reference = { s, result, runStart: journal[0]!.at, steps };
}, 120_000);

describe('staged reactivation', () => {
  it('reads the weight back at every step and holds each for reactivate.hold', async () => {
    const { s, result, steps } = reference;
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.sandbox.weights).toEqual({ blue: 10, green: 10 });
    const readBack = (await checksOf(s, 'ramp.weight')).filter((c) => c.cluster === 'blue');
    expect(readBack.map((c) => [c.ok, c.observed])).toEqual([
      [true, 'weight 495'],
      [true, 'weight 10'],
    ]);
    expect(steps).toHaveLength(2);
    expect(steps[1]! - steps[0]!).toBeGreaterThanOrEqual(60_000);
  });

  it('a target turning unhealthy during a hold sets the weight back to 0 and holds the cluster, with the reading', async () => {
    const s = scenario(plan, `${weights}events:\n  - { from: "${offset(reference.steps[0]! + 5_000)}", targetUnhealthy: { cluster: blue, count: 1 } }\n`);
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters.map((c: { state: string }) => c.state)).toEqual(['held', 'pending']);
    expect(r.json.clusters[0].reason).toMatch(/^ramp breached a threshold; weight set back to 0: ramp.unhealthy-hosts: 1 targets unhealthy at 50% of its share \(i-\w+ unhealthy\)$/);
    expect((await checksOf(s, 'ramp.unhealthy-hosts')).at(-1)).toMatchObject({ ok: false, observed: '1 unhealthy now', threshold: '<= 0' });
    expect(r.json.sandbox.weights).toEqual({ blue: 0, green: 10 });
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('5xx in the last seconds of the final hold, published only after it ends, are still caught', async () => {
    // 15 s of 500s from one target, ending 5 s before the hold does: too short for a health check to see,
    // and in a minute CloudWatch publishes a minute after the hold has ended.
    const holdEnd = reference.steps[1]! + 60_000;
    const s = scenario(plan, `${weights}events:\n  - { from: "${offset(holdEnd - 20_000)}", to: "${offset(holdEnd - 5_000)}", targetUnhealthy: { cluster: blue, count: 1 } }\n`);
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].state).toBe('held');
    expect(r.json.clusters[0].reason).toMatch(/^ramp breached a threshold; weight set back to 0: ramp.5xx: \d+ target 5xx responses at 100% of its share in \d\d:\d\d-\d\d:\d\d UTC$/);
    const breach = (await checksOf(s, 'ramp.5xx')).at(-1)!;
    expect(breach.ok).toBe(false);
    expect(Number(breach.observed.split(' ')[0])).toBeGreaterThan(0);
    // The breach was judged after the hold ended, once its last minute was published.
    expect(breach.at).toBeGreaterThan(holdEnd);
    expect((await checksOf(s, 'ramp.unhealthy-hosts')).every((c) => c.ok)).toBe(true);
    expect(r.json.sandbox.weights.blue).toBe(0);
  });
});

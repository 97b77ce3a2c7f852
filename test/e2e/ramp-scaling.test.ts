import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRunReport } from '../../src/report/timeline.js';
import { renderReportMarkdown } from '../../src/report/markdown.js';
import { createFileStore } from '../../src/store/file-store.js';
import { removeScratchDirs, scratchDir } from '../chaos/child-cli.js';
import { crashAt, referenceRun, type Reference, type SweepFixture } from '../chaos/crash-sweep.js';
import type { CliResult } from './cli-harness.js';
import { checksOf, journalOf, planDoc, runScenario, scenario, targetGroupArn, type Scenario } from './deep-checks-harness.js';

// The most common forward config is 1/1/1. A ramp of 10%, 50%, 100% of weight 1 used to be 1, 1, 1: the
// cluster took its full share at once. Mid-ramp every weight is now scaled (x100 here) so the others keep
// their shares and the ramping cluster gets its percent of its own; the last step writes 1/1/1 back.

const clusters = ['blue', 'green', 'gray'];
const plan = planDoc({ capacity: { maxOutOfService: 1, minActiveClusters: 2 }, reactivate: { ramp: [10, 50, 100], hold: '1m' } }, clusters);

type Forward = { targetGroups: Array<{ targetGroupArn: string; weight: number }> };
const weightsOf = (f: Forward) => Object.fromEntries(clusters.map((c) => [c, f.targetGroups.find((g) => g.targetGroupArn === targetGroupArn(c))?.weight]));

let s: Scenario;
let result: CliResult;

beforeAll(async () => {
  s = scenario(plan);
  result = await runScenario(s);
}, 120_000);

afterAll(removeScratchDirs);

describe('a ramp at weights 1/1/1', () => {
  it('ramps blue through 10 and 50 while green and gray sit at 100, and ends on exactly 1/1/1', async () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.sandbox.violations).toEqual([]);
    expect(result.json.sandbox.traffic.failed).toBe(0);
    expect(result.json.sandbox.weights).toEqual({ blue: 1, green: 1, gray: 1 });
    // Each step read back from the world, at the scale the other groups show.
    const readBack = (await checksOf(s, 'ramp.weight')).filter((c) => c.cluster === 'blue');
    expect(readBack.map((c) => [c.ok, c.observed, c.threshold])).toEqual([
      [true, 'weight 10', '10 (10% of its share, every weight x100)'],
      [true, 'weight 50', '50 (50% of its share, every weight x100)'],
      [true, 'weight 1', '1 (100% of its share)'],
    ]);
    const steps = (await journalOf(s)).filter((e) => e.kind === 'effect' && e.cluster === 'blue' && e.data?.purpose === 'ramp');
    expect(steps.map((e) => weightsOf(e.data!.after as Forward))).toEqual([
      { blue: 10, green: 100, gray: 100 },
      { blue: 50, green: 100, gray: 100 },
      { blue: 1, green: 1, gray: 1 },
    ]);
    expect(steps.map((e) => e.message)).toEqual([
      'blue: weight 0 -> 10 (every weight x100 so the others keep their shares: payments-green 1 -> 100, payments-gray 1 -> 100)',
      'blue: weight 10 -> 50 (weights at x100)',
      'blue: weight 50 -> 1 (back to the original weights: payments-green 100 -> 1, payments-gray 100 -> 1)',
    ]);
  });

  it('the scaled config is written as intent before the write, with its scale', async () => {
    const journal = await journalOf(s);
    const intent = journal.find((e) => e.kind === 'intent' && e.cluster === 'blue' && e.data?.purpose === 'ramp')!;
    const effect = journal.find((e) => e.kind === 'effect' && e.cluster === 'blue' && e.data?.purpose === 'ramp')!;
    expect(intent.seq).toBeLessThan(effect.seq);
    expect(intent.data).toMatchObject({ percent: 10, weights: { [targetGroupArn('blue')]: 10, [targetGroupArn('green')]: 100, [targetGroupArn('gray')]: 100 }, scale: { before: 1, after: 100, of: 100 } });
  });

  it('the report shows the scaling', async () => {
    const store = createFileStore(s.stateDir);
    const report = buildRunReport((await store.loadRun(s.runId))!, await store.readJournal(s.runId));
    const text = renderReportMarkdown(report);
    expect(text).toContain('ramp 10% of its share: every weight x100 so the others keep their shares');
    expect(text).toContain('ramp 100% of its share: back to the original weights');
  });
});

describe('a hand-made change while the scaled weights are in force', () => {
  it('Terraform putting 1/1/1 back mid-ramp is drift: the run pauses with the diff, the scaled weights are its own', async () => {
    const journal = await journalOf(s);
    const runStart = journal[0]!.at;
    const firstStep = journal.find((e) => e.kind === 'effect' && e.cluster === 'blue' && e.data?.purpose === 'ramp')!.at;
    const at = `${firstStep - runStart + 20_000}ms`;
    const events = clusters.map((c) => `  - { at: "${at}", manualWeight: { cluster: ${c}, weight: 1 } }`).join('\n');
    const t = scenario(plan, `events:\n${events}\n`);
    const r = await runScenario(t);
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.clusters[0].state).toBe('paused');
    expect(r.json.clusters[0].reason).toBe('drift: payments-blue weight expected 10, live 1');
    expect(r.json.sandbox.weights).toEqual({ blue: 1, green: 1, gray: 1 });
    // Nothing of quiesce's after the hand change: it did not raise blue over a forward it no longer knows.
    const after = (await journalOf(t)).filter((e) => e.kind === 'effect' && e.at > firstStep);
    expect(after).toEqual([]);
  });
});

describe('crash and resume mid-ramp', () => {
  let reference: Reference;
  let fixture: SweepFixture;

  beforeAll(async () => {
    const dir = scratchDir('quiesce-ramp-crash-');
    fixture = { plan: join(dir, 'plan.yaml'), world: join(dir, 'world.yaml') };
    writeFileSync(fixture.plan, stringify(planDoc({ capacity: { maxOutOfService: 1, minActiveClusters: 2 }, reactivate: { ramp: [10, 50, 100], hold: '30s' } }, clusters)));
    writeFileSync(fixture.world, 'defaults:\n  healthCheck: { interval: "5s", healthyThreshold: 2, unhealthyThreshold: 2 }\n');
    reference = await referenceRun(fixture);
  }, 120_000);

  const point = (pattern: RegExp) => {
    const p = reference.points.find((q) => pattern.test(q.message));
    expect(p, `${pattern}`).toBeDefined();
    return p!;
  };

  it('killed right after the scaled config was journaled as intent: the resumed run writes it and ends on 1/1/1', async () => {
    const result = await crashAt(reference, point(/^blue: set weight to 10 \(ramp 10%/), fixture);
    expect(result.problems).toEqual([]);
  }, 120_000);

  it('killed while the scaled config is in force: the resumed run knows it as its own (no drift) and ends on 1/1/1', async () => {
    const result = await crashAt(reference, point(/^blue: weight 10 -> 50 /), fixture);
    expect(result.problems).toEqual([]);
    expect(reference.end.status).toBe('done');
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import {
  backoffWithoutPrior,
  DRIFT_READ_MS,
  earlyMargin,
  FULL_READ_MS,
  fullReadDue,
  learn,
  learnedKey,
  noteFullRead,
  noteWeightRead,
  prior,
  recheckAround,
  targetGroupSettings,
  weightReadDue,
} from '../../src/run/cadence.js';
import type { Learned } from '../../src/run/run-memory.js';
import { sandboxRun, type SandboxRun } from './sandbox-context.js';

// When a wait loop looks again: the sleeps between looks, the reads that are due whatever the looks say,
// and the durations learned from one wait and used as the prior of the next.

const SECOND = 1000;

describe('reads due whatever the cheap look says', () => {
  it('reads the weight back on the first look, then at most every DRIFT_READ_MS, and again when the clock went back', async () => {
    const { ctx } = await sandboxRun();
    expect(weightReadDue(ctx, 'blue', 1_000)).toBe(true);
    noteWeightRead(ctx, 'blue', 1_000);
    expect(weightReadDue(ctx, 'blue', 1_000 + DRIFT_READ_MS - 1)).toBe(false);
    expect(weightReadDue(ctx, 'blue', 1_000 + DRIFT_READ_MS)).toBe(true);
    expect(weightReadDue(ctx, 'blue', 999)).toBe(true);
    // Per cluster: green has not been read.
    expect(weightReadDue(ctx, 'green', 1_000)).toBe(true);
  });

  it('reads the full evidence FULL_READ_MS after the wait started, then FULL_READ_MS after each full read', async () => {
    const { ctx } = await sandboxRun();
    const since = 50_000;
    expect(fullReadDue(ctx, 'blue:step:0', since + FULL_READ_MS - 1, since)).toBe(false);
    expect(fullReadDue(ctx, 'blue:step:0', since + FULL_READ_MS, since)).toBe(true);
    noteFullRead(ctx, 'blue:step:0', since + FULL_READ_MS);
    expect(fullReadDue(ctx, 'blue:step:0', since + 2 * FULL_READ_MS - 1, since)).toBe(false);
    expect(fullReadDue(ctx, 'blue:step:0', since + 2 * FULL_READ_MS, since)).toBe(true);
    // A clock that went back before the last read: read now rather than wait for it to catch up.
    expect(fullReadDue(ctx, 'blue:step:0', since, since)).toBe(true);
  });
});

describe('when to look again', () => {
  it('without a prior: 10 s apart at first, a fifth of the wait so far, at most a minute', () => {
    expect(backoffWithoutPrior(0, 0)).toBe(10 * SECOND);
    expect(backoffWithoutPrior(0, 50 * SECOND)).toBe(60 * SECOND);
    expect(backoffWithoutPrior(0, 100 * SECOND)).toBe(120 * SECOND);
    expect(backoffWithoutPrior(0, 300 * SECOND)).toBe(360 * SECOND);
    expect(backoffWithoutPrior(0, 3_600 * SECOND)).toBe(3_660 * SECOND);
    // A start in the future (a clock that went back): the shortest sleep.
    expect(backoffWithoutPrior(100 * SECOND, 0)).toBe(10 * SECOND);
  });

  it('with a prior: a look early, one at the expected instant, then back off by a quarter of the lateness, 1 to 30 s', () => {
    const expectedAt = 100 * SECOND;
    const early = 5 * SECOND;
    expect(recheckAround(expectedAt, 0, early)).toBe(95 * SECOND);
    expect(recheckAround(expectedAt, 95 * SECOND, early)).toBe(expectedAt);
    expect(recheckAround(expectedAt, expectedAt - 1, early)).toBe(expectedAt);
    expect(recheckAround(expectedAt, expectedAt, early)).toBe(expectedAt + SECOND);
    expect(recheckAround(expectedAt, expectedAt + 20 * SECOND, early)).toBe(expectedAt + 25 * SECOND);
    expect(recheckAround(expectedAt, expectedAt + 600 * SECOND, early)).toBe(expectedAt + 630 * SECOND);
  });

  it('with a prior and a per-second window: one look a second until the window ends, then the back-off', () => {
    const expectedAt = 100 * SECOND;
    const window = 10 * SECOND;
    expect(recheckAround(expectedAt, expectedAt + window - 1, 0, window)).toBe(expectedAt + window - 1 + SECOND);
    expect(recheckAround(expectedAt, expectedAt + window, 0, window)).toBe(expectedAt + window + window / 4);
  });

  it('the early look before a learned instant is 5% of the duration, between 5 and 30 s', () => {
    expect(earlyMargin(10 * SECOND)).toBe(5 * SECOND);
    expect(earlyMargin(200 * SECOND)).toBe(10 * SECOND);
    expect(earlyMargin(3_600 * SECOND)).toBe(30 * SECOND);
  });
});

async function earlierRun(run: SandboxRun, runId: string, createdAt: number, learned: Record<string, Learned>, planName = run.ctx.plan.name) {
  await run.store.createRun({ runId, planName, listenerArn: run.ctx.plan.fleet.listenerArn, plan: run.ctx.plan, status: 'done', createdAt, updatedAt: createdAt, target: { kind: 'sandbox' } });
  for (const [cluster, value] of Object.entries(learned)) await run.store.remember(runId, learnedKey(cluster, 'step:0'), async () => value);
}

describe('learned durations', () => {
  it("a prior comes from this run's other clusters, the shortest with the same signature; never from the cluster itself", async () => {
    const run = await sandboxRun({}, '', { clusters: ['blue', 'green', 'gray'] });
    const { ctx } = run;
    expect(await prior(ctx, 'gray', 'step:0', 'sig')).toBeUndefined();
    await learn(ctx, 'blue', 'step:0', { signature: 'sig', ms: 90_000 });
    await learn(ctx, 'green', 'step:0', { signature: 'sig', ms: 60_000 });
    expect(await prior(ctx, 'gray', 'step:0', 'sig')).toBe(60_000);
    expect(await prior(ctx, 'green', 'step:0', 'sig')).toBe(90_000);
    expect(await prior(ctx, 'gray', 'step:0', 'other-sig')).toBeUndefined();
    expect(await prior(ctx, 'gray', 'step:1', 'sig')).toBeUndefined();
  });

  it('the first completion stands: a second learn of the same wait changes neither the store nor the prior', async () => {
    const run = await sandboxRun();
    // Asked once first, so this process holds the run's learned durations and keeps them current.
    expect(await prior(run.ctx, 'green', 'step:0', 'sig')).toBeUndefined();
    await learn(run.ctx, 'blue', 'step:0', { signature: 'sig', ms: 60_000 });
    await learn(run.ctx, 'blue', 'step:0', { signature: 'sig', ms: 10_000 });
    expect(await run.store.recall<Learned>(run.ctx.runId, learnedKey('blue', 'step:0'))).toEqual({ signature: 'sig', ms: 60_000 });
    expect(await prior(run.ctx, 'green', 'step:0', 'sig')).toBe(60_000);
  });

  it('a duration recorded by another process of this run is read from the store', async () => {
    const run = await sandboxRun();
    await run.store.remember(run.ctx.runId, learnedKey('blue', 'step:0'), async () => ({ signature: 'sig', ms: 42_000 }));
    expect(await prior(run.ctx, 'green', 'step:0', 'sig')).toBe(42_000);
  });

  it('with none in this run: the shortest of the latest three earlier runs of the same plan; other plans and unusable values are ignored', async () => {
    const run = await sandboxRun();
    await earlierRun(run, 'run-oldest', 1, { blue: { signature: 'sig', ms: 1_000 } });
    await earlierRun(run, 'run-2', 2, { blue: { signature: 'sig', ms: 80_000 } });
    await earlierRun(run, 'run-3', 3, { green: { signature: 'sig', ms: 70_000 }, blue: { signature: 'other', ms: 5_000 } });
    await earlierRun(run, 'run-4', 4, { blue: { signature: 'sig', ms: -1 }, green: { signature: 'sig', ms: Number.NaN } });
    await earlierRun(run, 'run-other-plan', 5, { blue: { signature: 'sig', ms: 2_000 } }, 'another-plan');
    expect(await prior(run.ctx, 'blue', 'step:0', 'sig')).toBe(70_000);
  });

  it("this run's own prior wins over earlier runs'", async () => {
    const run = await sandboxRun();
    await earlierRun(run, 'run-earlier', 1, { blue: { signature: 'sig', ms: 1_000 } });
    await learn(run.ctx, 'green', 'step:0', { signature: 'sig', ms: 50_000 });
    expect(await prior(run.ctx, 'blue', 'step:0', 'sig')).toBe(50_000);
  });
});

describe('targetGroupSettings', () => {
  it('reads a target group once per run and cluster, and remembers it in the store', async () => {
    const run = await sandboxRun();
    const first = await targetGroupSettings(run.ctx, 'blue');
    const reads = run.calls.length;
    expect(reads).toBeGreaterThan(0);
    expect(await targetGroupSettings(run.ctx, 'blue')).toEqual(first);
    expect(run.calls.length).toBe(reads);
    expect(await run.store.recall(run.ctx.runId, 'cadence:tg:blue')).toEqual(first);
  });
});

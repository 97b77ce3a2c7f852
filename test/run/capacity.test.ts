import { DeregisterTargetsCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { baseline } from '../../src/run/baseline.js';
import { confirmFleet, neighbourDrift, requiredHealthyTargets } from '../../src/run/capacity.js';
import { LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, type SandboxRun } from './sandbox-context.js';

// The plan's capacity rules judged on live reads of the clusters this run is not working on: a hand-made
// change that breaks them is drift, and no run ends done while a cluster it finished is out of rotation.
// (The same through the CLI, on the example plan: test/e2e/hand-changes.test.ts.)

const three = { capacity: { maxOutOfService: 1, minActiveClusters: 2 } };
const clusters = { clusters: ['blue', 'green', 'gray'] };

async function setWeights(run: SandboxRun, weights: Record<string, number>) {
  await run.operator.elbv2.send(
    new ModifyListenerCommand({
      ListenerArn: LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: Object.entries(weights).map(([name, w]) => ({ TargetGroupArn: targetGroupArn(name), Weight: w })) } }],
    }),
  );
  // Past the window in which quiesce's reads of one moment are shared: the change is news.
  run.world.advanceBy(SHARED_READ_MS + 1);
}

async function live(run: SandboxRun) {
  return run.ctx.traffic.readForwardConfig(run.ctx.location);
}

describe('requiredHealthyTargets', () => {
  it('none without the rule; a number as written; a percentage of the fleet at the start, rounded up', async () => {
    const { ctx } = await sandboxRun();
    expect(requiredHealthyTargets(ctx, 6)).toBeUndefined();
    ctx.plan = { ...ctx.plan, capacity: { ...ctx.plan.capacity, minHealthyTargets: 4 } };
    expect(requiredHealthyTargets(ctx, 6)).toEqual({ required: 4, label: '4' });
    ctx.plan = { ...ctx.plan, capacity: { ...ctx.plan.capacity, minHealthyTargets: '60%' } };
    expect(requiredHealthyTargets(ctx, 6)).toEqual({ required: 4, label: '60% of 6 = 4' });
    expect(requiredHealthyTargets(ctx, 5)).toEqual({ required: 3, label: '60% of 5 = 3' });
  });
});

describe('neighbourDrift', () => {
  it('nothing while the fleet as it stands keeps minActiveClusters and maxOutOfService', async () => {
    const run = await sandboxRun(three, '', clusters);
    await baseline(run.ctx);
    run.ctx.inFlight = () => new Set(['green']);
    await setWeights(run, { blue: 1, green: 0, gray: 1 });
    expect(await neighbourDrift(run.ctx, await live(run))).toBeUndefined();
  });

  it('a cluster out by hand is left to the drift check before the next removal while the capacity stays whole', async () => {
    const run = await sandboxRun({ capacity: { maxOutOfService: 2, minActiveClusters: 1 } }, '', clusters);
    await baseline(run.ctx);
    await setWeights(run, { blue: 1, green: 1, gray: 0 });
    expect(await neighbourDrift(run.ctx, await live(run))).toBeUndefined();
  });

  it('breaking maxOutOfService alone is enough', async () => {
    const run = await sandboxRun({ capacity: { maxOutOfService: 1, minActiveClusters: 1 } }, '', clusters);
    await baseline(run.ctx);
    run.ctx.inFlight = () => new Set(['green']);
    await setWeights(run, { blue: 1, green: 0, gray: 0 });
    const found = await neighbourDrift(run.ctx, await live(run));
    expect(found?.check.observed).toBe('1 cluster(s) in rotation and 2 out; the plan needs at least 1 in and at most 1 out');
    expect(found?.drift.weights).toEqual([{ targetGroupArn: targetGroupArn('gray'), expected: 1, live: 0 }]);
  });

  it('a finished cluster out by hand while another is in flight: drift with the diff and the capacity it breaks', async () => {
    const run = await sandboxRun(three, '', clusters);
    await baseline(run.ctx);
    run.ctx.inFlight = () => new Set(['green']);
    run.ctx.outcomes = () => new Map([['blue', 'done']]);
    await setWeights(run, { blue: 0, green: 0, gray: 1 });
    const found = await neighbourDrift(run.ctx, await live(run));
    const capacity = '1 cluster(s) in rotation and 2 out; the plan needs at least 2 in and at most 1 out';
    // Green is in flight: its weight is its own checks' to judge.
    expect(found?.drift.weights).toEqual([{ targetGroupArn: targetGroupArn('blue'), expected: 1, live: 0 }]);
    expect(found?.drift.summary).toBe(`payments-blue weight expected 1, live 0 (set outside this run: ${capacity})`);
    expect(found?.check).toEqual({ name: 'capacity', ok: false, observed: capacity, threshold: '>= 2 in rotation, <= 1 out', message: found?.drift.summary });
  });

  it('a cluster not started yet, taken out by hand, is drift too', async () => {
    const run = await sandboxRun(three, '', clusters);
    await baseline(run.ctx);
    run.ctx.inFlight = () => new Set(['green']);
    await setWeights(run, { blue: 1, green: 0, gray: 0 });
    const found = await neighbourDrift(run.ctx, await live(run));
    expect(found?.drift.weights).toEqual([{ targetGroupArn: targetGroupArn('gray'), expected: 1, live: 0 }]);
  });

  it('a cluster the run held out, or one out of rotation when the run started, is not expected in: nothing to report', async () => {
    const held = await sandboxRun(three, '', clusters);
    await baseline(held.ctx);
    held.ctx.inFlight = () => new Set(['green']);
    held.ctx.outcomes = () => new Map([['blue', 'held']]);
    await setWeights(held, { blue: 0, green: 0, gray: 1 });
    expect(await neighbourDrift(held.ctx, await live(held))).toBeUndefined();

    const outAtStart = await sandboxRun(three, '', clusters);
    await setWeights(outAtStart, { blue: 0, green: 1, gray: 1 });
    await baseline(outAtStart.ctx);
    outAtStart.ctx.inFlight = () => new Set(['green']);
    // Blue's group even gone from the forward: the run never had it in rotation.
    await setWeights(outAtStart, { green: 0, gray: 1 });
    expect(await neighbourDrift(outAtStart.ctx, await live(outAtStart))).toBeUndefined();
  });
});

describe('confirmFleet', () => {
  it('every finished cluster with weight and targets: no drift, and the check is journaled', async () => {
    const run = await sandboxRun({}, '', clusters);
    await baseline(run.ctx);
    run.ctx.outcomes = () => new Map([['blue', 'done'], ['green', 'done']]);
    const out = await confirmFleet(run.ctx, ['blue', 'green', 'not-in-plan']);
    expect(out).toEqual({ at: run.clock.now(), drift: null });
    const last = (await run.store.readJournal(run.ctx.runId)).at(-1)!;
    expect(last).toMatchObject({ kind: 'check', message: 'fleet: every cluster this run finished is in rotation (2)', data: { name: 'fleet.in-rotation', ok: true } });
  });

  it('a finished cluster at weight 0 is drift, journaled; a held one is not judged', async () => {
    const run = await sandboxRun({ capacity: { maxOutOfService: 2, minActiveClusters: 1 } }, '', clusters);
    await baseline(run.ctx);
    run.ctx.outcomes = () => new Map([['blue', 'done'], ['green', 'held'], ['gray', 'done']]);
    await setWeights(run, { blue: 0, green: 0, gray: 1 });
    const out = await confirmFleet(run.ctx, ['blue', 'green', 'gray']);
    expect(out.drift?.weights).toEqual([{ targetGroupArn: targetGroupArn('blue'), expected: 1, live: 0 }]);
    const last = (await run.store.readJournal(run.ctx.runId)).at(-1)!;
    expect(last).toMatchObject({ kind: 'drift', message: `fleet: a cluster this run finished is out of rotation: ${out.drift!.summary}` });
  });

  it('a finished cluster that was out of rotation when the run started is not expected back, even gone from the forward', async () => {
    const run = await sandboxRun({}, '', clusters);
    await setWeights(run, { blue: 0, green: 1, gray: 1 });
    await baseline(run.ctx);
    run.ctx.outcomes = () => new Map([['blue', 'done']]);
    await setWeights(run, { green: 1, gray: 1 });
    expect((await confirmFleet(run.ctx, ['blue'])).drift).toBeNull();
  });

  it('a finished cluster with weight but no registered target is drift naming the targets it had', async () => {
    const run = await sandboxRun({}, '', clusters);
    const base = await baseline(run.ctx);
    run.ctx.outcomes = () => new Map([['blue', 'done']]);
    const ids = base.targets.blue!.map((t) => t.id);
    await run.operator.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn('blue'), Targets: base.targets.blue!.map((t) => ({ Id: t.id, Port: t.port })) }));
    // Draining targets are still registered: past the deregistration delay they are gone.
    run.world.advanceBy(15 * 60_000);
    const out = await confirmFleet(run.ctx, ['blue']);
    expect(out.drift?.weights).toEqual([]);
    expect(out.drift?.targetsVanished).toEqual([{ targetGroupArn: targetGroupArn('blue'), targets: [...ids].sort() }]);
  });
});

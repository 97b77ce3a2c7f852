import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  type Action,
  type ModifyListenerCommandInput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createElbv2Traffic } from '../../src/adapters/elbv2-traffic.js';
import { VirtualClock } from '../../src/connect/virtual-clock.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { LB_ARN, LISTENER_ARN, TG_BLUE, TG_GREEN } from '../helpers/aws-fixtures.js';

// ModifyListener replaces the whole action list, so each weight change rewrites every group's weight.
// Two clusters out at once (maxOutOfService > 1) must not put each other's old weights back: neither by
// interleaving in the process, nor through a stale read of the listener right after the other's write.

const elb = mockClient(ElasticLoadBalancingV2Client);
const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const TG_RED = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-red/5555555555555555';
const GROUPS = [TG_BLUE, TG_GREEN, TG_RED];
const location = { listenerArn: LISTENER_ARN };

/**
 * A listener as AWS keeps it: ModifyListener replaces the actions; DescribeListeners answers with the
 * state from before the last write for `staleReads` reads after it (read-after-modify is not consistent).
 */
function fakeListener(options: { staleReads?: number } = {}) {
  const weights = () => Object.fromEntries(GROUPS.map((g) => [g, 1])) as Record<string, number>;
  let live = weights();
  let previous = live;
  let staleLeft = 0;
  const writes: Array<Record<string, number>> = [];
  const actions = (w: Record<string, number>): Action[] => [
    { Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: GROUPS.map((g) => ({ TargetGroupArn: g, Weight: w[g]! })), TargetGroupStickinessConfig: { Enabled: false } } },
  ];
  elb.on(DescribeListenersCommand).callsFake(async () => {
    // Yield, as a network call would, so concurrent callers interleave.
    await new Promise((resolve) => setImmediate(resolve));
    const shown = staleLeft > 0 ? previous : live;
    if (staleLeft > 0) staleLeft--;
    return { Listeners: [{ ListenerArn: LISTENER_ARN, LoadBalancerArn: LB_ARN, DefaultActions: actions(shown) }] };
  });
  elb.on(ModifyListenerCommand).callsFake(async (input: ModifyListenerCommandInput) => {
    await new Promise((resolve) => setImmediate(resolve));
    const sent = Object.fromEntries((input.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? []).map((g) => [g.TargetGroupArn!, g.Weight!]));
    writes.push(sent);
    previous = live;
    live = sent;
    staleLeft = options.staleReads ?? 0;
    return {};
  });
  return {
    live: () => live,
    writes,
    /** A change by someone else (a person in the console): AWS shows it from now on. */
    setByHand(group: string, weight: number) {
      live = { ...live, [group]: weight };
      previous = live;
      staleLeft = 0;
    },
  };
}

beforeEach(() => {
  elb.reset();
});

describe('weight changes of concurrent clusters on one listener', () => {
  it('two clusters leaving at once: both weights end at 0, the second write built on the first', async () => {
    const listener = fakeListener();
    const port = createElbv2Traffic({ client, clock: new ManualClock(1_700_000_000_000, { autoAdvance: true }), budget });
    await Promise.all([port.setWeight(location, TG_BLUE, 0), port.setWeight(location, TG_GREEN, 0)]);
    expect(listener.live()).toEqual({ [TG_BLUE]: 0, [TG_GREEN]: 0, [TG_RED]: 1 });
    expect(listener.writes).toEqual([
      { [TG_BLUE]: 0, [TG_GREEN]: 1, [TG_RED]: 1 },
      { [TG_BLUE]: 0, [TG_GREEN]: 0, [TG_RED]: 1 },
    ]);
  });

  it('a stale read after the first write is waited out: no write carries an old weight back', async () => {
    const listener = fakeListener({ staleReads: 3 });
    const clock = new ManualClock(1_700_000_000_000, { autoAdvance: true });
    const port = createElbv2Traffic({ client, clock, budget });
    const results = await Promise.all([port.setWeight(location, TG_BLUE, 0), port.setWeight(location, TG_GREEN, 0), port.setWeight(location, TG_RED, 2)]);
    expect(listener.live()).toEqual({ [TG_BLUE]: 0, [TG_GREEN]: 0, [TG_RED]: 2 });
    // Once a group is set to 0, no later write puts it back to 1.
    expect(listener.writes.map((w) => w[TG_BLUE])).toEqual([0, 0, 0]);
    expect(listener.writes.slice(1).map((w) => w[TG_GREEN])).toEqual([0, 0]);
    // Each change after the first saw the one before it, not the stale view.
    expect(results.map((r) => r.before.targetGroups.find((g) => g.targetGroupArn === TG_BLUE)?.weight)).toEqual([1, 0, 0]);
    expect(clock.sleeps.length).toBeGreaterThan(0);
  });

  it('a previous change that never reads back (someone else changed the listener) is waited for, then the live view is built on and the wait is logged', async () => {
    const listener = fakeListener();
    const clock = new ManualClock(1_700_000_000_000, { autoAdvance: true });
    const log = captureLogger();
    const port = createElbv2Traffic({ client, clock, budget, logger: log.logger, readBackWaitMs: 30_000 });
    await port.setWeight(location, TG_BLUE, 0);
    listener.setByHand(TG_BLUE, 5);
    const start = clock.now();
    await port.setWeight(location, TG_GREEN, 0);
    expect(clock.now() - start).toBeGreaterThanOrEqual(30_000);
    // The hand-set weight is the world: quiesce does not silently undo it; the clusters' read-backs report it.
    expect(listener.live()).toEqual({ [TG_BLUE]: 5, [TG_GREEN]: 0, [TG_RED]: 1 });
    expect(log.text()).toContain('never read back');
  });

  it('a change that read back costs the next change no wait', async () => {
    fakeListener();
    const clock = new ManualClock(1_700_000_000_000, { autoAdvance: true });
    const port = createElbv2Traffic({ client, clock, budget });
    await port.setWeight(location, TG_BLUE, 0);
    await port.setWeight(location, TG_GREEN, 0);
    expect(clock.sleeps).toEqual([]);
    expect(elb.commandCalls(DescribeListenersCommand)).toHaveLength(2);
  });

  it('a failed change still releases the location to the next one', async () => {
    fakeListener();
    const port = createElbv2Traffic({ client, clock: new ManualClock(1_700_000_000_000, { autoAdvance: true }), budget });
    const outcomes = await Promise.allSettled([port.setWeight(location, 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/unknown/6666666666666666', 0), port.setWeight(location, TG_GREEN, 0)]);
    expect(outcomes[0].status).toBe('rejected');
    expect(outcomes[1].status).toBe('fulfilled');
  });
});

describe('VirtualClock.idle', () => {
  it('counts a wait for another effect as asleep, so time still moves while the holder sleeps', async () => {
    let t = 0;
    const clock = new VirtualClock(() => t, (to) => (t = to));
    let release!: () => void;
    const lock = new Promise<void>((resolve) => (release = resolve));
    const holder = clock.sleep(5_000).then(release);
    const waiter = clock.idle(lock);
    expect(clock.sleeping).toBe(2);
    clock.advanceTo(clock.nextWakeAt()!);
    await holder;
    await waiter;
    expect(clock.sleeping).toBe(0);
    expect(t).toBe(5_000);
  });
});

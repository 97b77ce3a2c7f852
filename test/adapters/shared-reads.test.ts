import { describe, expect, it } from 'vitest';
import { SharedReads, sharedTrafficReads } from '../../src/adapters/shared-reads.js';
import { VirtualClock } from '../../src/run/virtual-clock.js';
import type { ForwardConfig, TrafficPort } from '../../src/ports/traffic.js';
import { ManualClock } from '../helpers/manual-clock.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1';
const location = { listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/1/2' };

/** A traffic port that counts its reads; only what the decorator touches is implemented. */
function countingPort() {
  const counts = { forward: 0, health: 0, writes: 0 };
  let weight = 1;
  const forward = (): ForwardConfig => ({ targetGroups: [{ targetGroupArn: TG, weight }], stickiness: { enabled: false } });
  const unused = () => Promise.reject(new Error('not used here'));
  const port: TrafficPort = {
    readForwardConfig: async () => (counts.forward++, forward()),
    verifyWeight: unused,
    setWeight: async (_l, _tg, w) => {
      counts.forward++;
      const before = forward();
      if (w === weight) return { changed: false, before, after: before };
      counts.writes++;
      weight = w;
      return { changed: true, before, after: forward() };
    },
    listTargets: unused,
    describeTargetHealth: async () => (counts.health++, []),
    deregisterTargets: async () => void counts.writes++,
    registerTargets: async () => void counts.writes++,
    describeTargetGroup: unused,
    loadBalancerDnsName: unused,
    createCanaryRule: unused,
    deleteCanaryRule: unused,
    findCanaryRules: async () => [],
  };
  return { port, counts, setByHand: (w: number) => (weight = w) };
}

describe('sharedTrafficReads', () => {
  it('serves the readers of one moment with one read, and never a read older than the window', async () => {
    const clock = new ManualClock(0);
    const { port, counts } = countingPort();
    const shared = sharedTrafficReads(port, clock, 500);
    await shared.readForwardConfig(location);
    await expect(shared.verifyWeight(location, TG, 1)).resolves.toEqual({ status: 'ok', live: 1 });
    await shared.describeTargetHealth(TG);
    await shared.describeTargetHealth(TG);
    expect(counts).toMatchObject({ forward: 1, health: 1 });
    // One-second looks are never served an earlier look's read.
    clock.advance(500);
    await shared.verifyWeight(location, TG, 1);
    await shared.describeTargetHealth(TG);
    expect(counts).toMatchObject({ forward: 2, health: 2 });
  });

  it('reads again after a write of its own, and keeps the read of a weight change that sent nothing', async () => {
    const clock = new ManualClock(0);
    const { port, counts } = countingPort();
    const shared = sharedTrafficReads(port, clock, 500);
    await shared.readForwardConfig(location);
    await shared.setWeight(location, TG, 0);
    await expect(shared.verifyWeight(location, TG, 0)).resolves.toEqual({ status: 'ok', live: 0 });
    // The set's read, the write, then the read-back: nothing read before the write stands after it.
    expect(counts).toMatchObject({ forward: 3, writes: 1 });
    await shared.setWeight(location, TG, 0);
    await shared.verifyWeight(location, TG, 0);
    expect(counts).toMatchObject({ forward: 4, writes: 1 });
    await shared.registerTargets(TG, []);
    await shared.verifyWeight(location, TG, 0);
    expect(counts.forward).toBe(5);
  });

  it('a change by hand after the window is seen by the next read', async () => {
    const clock = new ManualClock(0);
    const { port, setByHand } = countingPort();
    const shared = sharedTrafficReads(port, clock, 500);
    await shared.verifyWeight(location, TG, 1);
    setByHand(3);
    clock.advance(500);
    await expect(shared.verifyWeight(location, TG, 1)).resolves.toEqual({ status: 'not-yet', live: 3, expected: 1 });
  });
});

describe('sharedTrafficReads while a write is under way', () => {
  it('shares nothing until the write is over (another cluster changing the listener meanwhile)', async () => {
    const clock = new ManualClock(0);
    const { port, counts } = countingPort();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: TrafficPort = { ...port, setWeight: async (...args) => (await gate, port.setWeight(...args)) };
    const shared = sharedTrafficReads(slow, clock, 500);
    const change = shared.setWeight(location, TG, 0);
    await shared.readForwardConfig(location);
    await shared.readForwardConfig(location);
    expect(counts.forward).toBe(2);
    release();
    await change;
  });
});

describe('a read shared while it is still in flight', () => {
  it('counts its second reader as asleep on a virtual clock, so time still moves while the first read backs off', async () => {
    // Found by the 200-cluster scale run: the second reader awaited the first read, which slept in a
    // retry backoff; the engine saw an effect that was neither done nor asleep and never moved time.
    let t = 0;
    const clock = new VirtualClock(() => t, (to) => (t = to));
    const memo = new SharedReads(clock);
    const first = memo.read('listener', async () => {
      await clock.sleep(2_000);
      return 'read';
    });
    const second = memo.read('listener', () => Promise.reject(new Error('must share the read in flight')));
    await Promise.resolve();
    expect(clock.sleeping).toBe(2);
    clock.advanceTo(clock.nextWakeAt()!);
    await expect(Promise.all([first, second])).resolves.toEqual(['read', 'read']);
    expect(clock.sleeping).toBe(0);
  });
});

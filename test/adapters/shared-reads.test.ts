import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SharedReads, sharedTrafficReads } from '../../src/adapters/shared-reads.js';
import { VirtualClock } from '../../src/connect/virtual-clock.js';
import type { ForwardConfig, TrafficPort } from '../../src/ports/traffic.js';
import { ManualClock } from '../helpers/manual-clock.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1';
const location = { listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/1/2' };

/** A traffic port that counts its reads; only what the decorator touches is implemented. */
function countingPort() {
  const counts = { forward: 0, health: 0, writes: 0, rules: 0 };
  let weight = 1;
  const forward = (): ForwardConfig => ({ targetGroups: [{ targetGroupArn: TG, weight }], stickiness: { enabled: false } });
  const unused = () => Promise.reject(new Error('not used here'));
  const port: TrafficPort = {
    readForwardConfig: async () => (counts.forward++, forward()),
    readForwardConfigs: unused,
    verifyWeight: unused,
    setWeight: async (_l, _tg, w) => {
      counts.forward++;
      const before = forward();
      if (w === weight) return { changed: false, before, after: before };
      counts.writes++;
      weight = w;
      return { changed: true, before, after: forward() };
    },
    setWeights: unused,
    listTargets: unused,
    describeTargetHealth: async () => (counts.health++, []),
    deregisterTargets: async () => void counts.writes++,
    registerTargets: async () => void counts.writes++,
    describeTargetGroup: unused,
    loadBalancerDnsName: unused,
    createCanaryRule: unused,
    deleteCanaryRule: unused,
    listenersOf: async (listenerArn) => [listenerArn],
    readRules: async (listenerArns) => (
      counts.rules++,
      listenerArns.map((listenerArn) => ({ ruleArn: `${listenerArn}/default`, listenerArn, priority: null, forward: forward(), headerConditions: [], otherConditions: 0, actions: 1 }))
    ),
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

describe('sharedTrafficReads: a listing of the rules', () => {
  it("serves the same moment's forward reads (the default rule's forward is the listener's), and none after a write", async () => {
    const clock = new ManualClock(0);
    const { port, counts } = countingPort();
    const shared = sharedTrafficReads(port, clock, 500);
    await shared.readRules([location.listenerArn]);
    await shared.readRules([location.listenerArn]);
    await expect(shared.verifyWeight(location, TG, 1)).resolves.toEqual({ status: 'ok', live: 1 });
    expect(counts).toMatchObject({ rules: 1, forward: 0 });
    await shared.setWeight(location, TG, 0);
    await expect(shared.verifyWeight(location, TG, 0)).resolves.toEqual({ status: 'ok', live: 0 });
    expect(counts).toMatchObject({ rules: 1, forward: 2 });
  });

  it('does not serve a forward from a listing that was in flight across a write', async () => {
    const clock = new ManualClock(0);
    const { port, counts } = countingPort();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: TrafficPort = { ...port, readRules: async (l) => { const rules = await port.readRules(l); await gate; return rules; } };
    const shared = sharedTrafficReads(slow, clock, 500);
    const listing = shared.readRules([location.listenerArn]);
    await shared.setWeight(location, TG, 0);
    release();
    await listing;
    // The listing holds weight 1, read before the write: the read-back asks again.
    await expect(shared.verifyWeight(location, TG, 0)).resolves.toEqual({ status: 'ok', live: 0 });
    expect(counts.forward).toBe(2);
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

describe('SharedReads: what is kept', () => {
  it('does not share a failed read: the reader in flight gets the same failure, the next reader asks again', async () => {
    const clock = new ManualClock(0);
    const memo = new SharedReads(clock, 500);
    let loads = 0;
    const failing = () => {
      loads++;
      return Promise.reject(new Error(`throttled ${loads}`));
    };
    const first = memo.read('listener', failing);
    const inFlight = memo.read('listener', () => Promise.resolve('must share the read in flight'));
    await expect(first).rejects.toThrow('throttled 1');
    await expect(inFlight).rejects.toThrow('throttled 1');
    // Same moment, well within the window: the failure is not served again.
    await expect(memo.read('listener', async () => (loads++, 'read'))).resolves.toBe('read');
    expect(loads).toBe(2);
    await expect(memo.read('listener', () => Promise.reject(new Error('must share the good read')))).resolves.toBe('read');
  });

  it('serves a read long ago no more, and a sweep for old reads keeps those still young enough to share', async () => {
    const clock = new ManualClock(0);
    const memo = new SharedReads(clock, 500);
    const loads: string[] = [];
    const load = (key: string) => memo.read(key, async () => (loads.push(`${key}@${clock.now()}`), `${key} read at ${clock.now()}`));
    await load('a');
    clock.advance(300);
    await load('b');
    // 500 ms after the first read: a sweep is due; b, read 200 ms ago, still serves.
    clock.advance(200);
    await expect(load('c')).resolves.toBe('c read at 500');
    await expect(load('b')).resolves.toBe('b read at 300');
    await expect(load('a')).resolves.toBe('a read at 500');
    expect(loads).toEqual(['a@0', 'b@300', 'c@500', 'a@500']);
    // Long after: every key is read afresh.
    clock.advance(10 * 500);
    await expect(load('b')).resolves.toBe('b read at 5500');
    await expect(load('c')).resolves.toBe('c read at 5500');
    expect(loads.slice(4)).toEqual(['b@5500', 'c@5500']);
  });

  it('lets go of a read once it is too old to share, on the next read of any key (not only at the next write)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const clock = new ManualClock(0);
    const memo = new SharedReads(clock, 500);
    /** A large answer read under `key`, of which the test keeps only a weak reference. */
    const readLarge = async (key: string) => {
      const answer = { groups: Array.from({ length: 1_000 }, (_, i) => ({ targetGroupArn: `${TG}-${i}`, weight: 1 })) };
      await memo.read(key, async () => answer);
      return new WeakRef(answer);
    };
    const collected = async (ref: WeakRef<object>) => {
      // A WeakRef's target is kept alive until the job that made or read it is over.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      return ref.deref() === undefined;
    };

    const young = await readLarge('fleet-1');
    clock.advance(499);
    await memo.read('other', async () => 'small');
    // Still young enough to share: kept (and this shows the check can see a read that is kept).
    expect(await collected(young)).toBe(false);

    const old = await readLarge('fleet-2');
    clock.advance(500);
    await memo.read('other', async () => 'small');
    expect(await collected(old)).toBe(true);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { VirtualClock } from '../../src/connect/virtual-clock.js';
import type { Clock } from '../../src/ports/clock.js';
import { TimeDriver, type PendingCommits } from '../../src/run/time-driver.js';

// The time driver alone, with effects played by plain promises, commits faked, and the sandbox's virtual
// clock over a number.

const T0 = Date.UTC(2026, 0, 5, 9);

function virtualClock(): VirtualClock {
  let now = T0;
  return new VirtualClock(
    () => now,
    (t) => (now = t),
  );
}

/** Commits that count what they were asked to do; `parked` effects are released by commitPending. */
function fakeCommits(): PendingCommits & { parkedNow: number; commitCalls: number; release: Array<() => void> } {
  const out = {
    parkedNow: 0,
    commitCalls: 0,
    release: [] as Array<() => void>,
    failure: undefined as unknown,
    get parked() {
      return out.parkedNow;
    },
    wanted: () => out.parkedNow > 0,
    commitPending: async () => {
      out.commitCalls++;
      for (const r of out.release.splice(0)) r();
      out.parkedNow = 0;
    },
  };
  return out;
}

function driver(options: { clock: Clock; virtual?: VirtualClock; commits?: PendingCommits; leaseMs?: number; renew?: () => Promise<void>; onProgress?: () => void }) {
  return new TimeDriver({
    clock: options.clock,
    ...(options.virtual ? { virtual: options.virtual } : {}),
    commits: options.commits ?? fakeCommits(),
    leaseMs: options.leaseMs ?? 60_000,
    renew: options.renew ?? (async () => undefined),
    logger: silentLogger,
    runId: 'run-1',
    onProgress: options.onProgress ?? (() => undefined),
  });
}

describe('TimeDriver', () => {
  it('on a virtual clock, settles once every running effect is asleep, then moves time to wake it', async () => {
    const clock = virtualClock();
    const time = driver({ clock, virtual: clock });
    time.start();
    const woke: number[] = [];
    time.begin();
    void clock.sleep(90_000).then(() => {
      woke.push(clock.now());
      time.end();
    });
    await time.settle();
    expect(time.running).toBe(1);
    expect(time.nextWakeAt()).toBe(T0 + 90_000);
    await time.advanceTo(T0 + 90_000, undefined);
    await time.settle();
    expect(woke).toEqual([T0 + 90_000]);
    expect(time.running).toBe(0);
  });

  it('on a virtual clock, commits for effects parked on a commit, and settles once they have moved on', async () => {
    const clock = virtualClock();
    const commits = fakeCommits();
    const time = driver({ clock, virtual: clock, commits });
    time.start();
    const done: string[] = [];
    time.begin();
    commits.parkedNow = 1;
    void new Promise<void>((resolve) => commits.release.push(resolve)).then(() => {
      done.push('effect wrote ahead, then acted');
      time.end();
    });
    await time.settle();
    expect(commits.commitCalls).toBe(1);
    expect(done).toEqual(['effect wrote ahead, then acted']);
    expect(time.running).toBe(0);
  });

  it('against AWS, settles only once every effect has ended (a sleeping one is still running)', async () => {
    const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), idle: (work) => work };
    const time = driver({ clock });
    let ended = false;
    time.begin();
    void clock.sleep(30).then(() => {
      ended = true;
      time.end();
    });
    await time.settle();
    expect(ended).toBe(true);
  });

  it('at a speed, moves a virtual clock in steps of a real second, telling progress each time', async () => {
    const clock = virtualClock();
    let progress = 0;
    const time = driver({ clock, virtual: clock, onProgress: () => progress++ });
    // A minute per real second: three steps of a minute, each after a real second (timers faked).
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const moving = time.advanceTo(T0 + 180_000, 60);
      await vi.advanceTimersByTimeAsync(1_000);
      expect([clock.now(), progress]).toEqual([T0 + 60_000, 1]);
      await vi.advanceTimersByTimeAsync(2_000);
      await moving;
    } finally {
      vi.useRealTimers();
    }
    expect(clock.now()).toBe(T0 + 180_000);
    expect(progress).toBe(3);
  });

  it('outside the loop (the baseline), moves the virtual clock itself for work that sleeps', async () => {
    const clock = virtualClock();
    const time = driver({ clock, virtual: clock });
    time.start();
    const value = await time.outsideLoop(async () => {
      await clock.sleep(5_000);
      await clock.sleep(10_000);
      return clock.now();
    });
    expect(value).toBe(T0 + 15_000);
    expect(time.running).toBe(0);
  });

  it('outside the loop, rethrows the work failure', async () => {
    const clock = virtualClock();
    const time = driver({ clock, virtual: clock });
    await expect(time.outsideLoop(async () => Promise.reject(new Error('no listener')))).rejects.toThrow('no listener');
  });

  it('renews the lease by real time, a third of it apart, never on the virtual clock', async () => {
    const clock = virtualClock();
    let renewals = 0;
    const time = driver({ clock, virtual: clock, leaseMs: 60, renew: async () => void renewals++ });
    await time.renewIfDue();
    expect(renewals).toBe(0);
    await time.advanceTo(T0 + 3_600_000, undefined);
    await time.renewIfDue();
    expect(renewals).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 25));
    await time.renewIfDue();
    expect(renewals).toBe(1);
  });

  it("bounds a virtual run's waits by the real time left to a deadline, and catches up to where the run asked to resume", () => {
    const clock = virtualClock();
    const time = driver({ clock, virtual: clock });
    const limit = time.limitOf(Date.now() + 120_000)!;
    expect(limit - T0).toBeGreaterThan(119_000);
    expect(limit - T0).toBeLessThanOrEqual(120_000);
    expect(time.limitOf(undefined)).toBeUndefined();
    time.catchUp(T0 + 600_000);
    expect(clock.now()).toBe(T0 + 600_000);
    time.catchUp(T0);
    expect(clock.now()).toBe(T0 + 600_000);
  });
});

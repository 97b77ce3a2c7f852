// A minimal setTimeout virtualizer for the waiter baseline. The SDK waiters sleep with the global
// setTimeout and measure maxWaitTime with Date.now(); here both run on the sandbox world's clock: a timer
// is a wake-up at a virtual instant, and whenever the script has nothing left to do but wait for a
// timer (every promise settled, nothing queued), the world advances to the earliest timer and fires it.
// Math.random is seeded too, so the waiters' jittered delays are the same on every run.
import type { SandboxWorld } from '../../src/sandbox/index.js';
import { seededRandom } from './worlds.js';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export async function onVirtualTime<T>(world: SandboxWorld, seed: number, work: () => Promise<T>): Promise<T> {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: Date.now, random: Math.random };
  const realImmediate = globalThis.setImmediate;
  const timers = new Map<number, Timer>();
  let seq = 0;
  const fake = ((fire: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const id = ++seq;
    timers.set(id, { at: world.now() + Math.max(0, Number(ms) || 0), seq: id, fire: () => fire(...args) });
    const handle = { ref: () => handle, unref: () => handle, hasRef: () => true, refresh: () => handle, [Symbol.toPrimitive]: () => id };
    return handle;
  }) as unknown as typeof setTimeout;
  globalThis.setTimeout = fake;
  globalThis.clearTimeout = ((handle: unknown) => {
    timers.delete(Number(handle));
  }) as typeof clearTimeout;
  Date.now = () => world.now();
  Math.random = seededRandom(seed);

  try {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    void work().then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    let idle = 0;
    while (outcome === undefined) {
      // Let every promise chain and queued callback run before deciding the script only waits on time.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => realImmediate(resolve));
      if (outcome !== undefined) break;
      const next = [...timers.values()].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) {
        if (++idle > 1000) throw new Error('the script neither finished nor set a timer');
        continue;
      }
      idle = 0;
      timers.delete(next.seq);
      if (next.at > world.now()) world.advanceTo(next.at);
      next.fire();
    }
    const done = outcome as { ok: true; value: T } | { ok: false; error: unknown };
    if (!done.ok) throw done.error;
    return done.value;
  } finally {
    globalThis.setTimeout = real.setTimeout;
    globalThis.clearTimeout = real.clearTimeout;
    Date.now = real.now;
    Math.random = real.random;
  }
}

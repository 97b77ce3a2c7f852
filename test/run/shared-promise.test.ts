import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ports/clock.js';
import { sharedPromise } from '../../src/run/shared-promise.js';

// A value several effects ask for at once: computed by the first asker, shared with the rest, forgotten
// when it fails, and waited for as idle time.

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A clock that records which promises were waited for as idle. */
function idleClock() {
  const idled: Promise<unknown>[] = [];
  const clock: Clock = {
    now: () => 0,
    sleep: async () => undefined,
    idle: <T>(work: Promise<T>) => {
      idled.push(work);
      return work;
    },
  };
  return { clock, idled };
}

describe('sharedPromise', () => {
  it('computes once for every asker of the same key, and separately for another key', async () => {
    const { clock } = idleClock();
    const memo = new Map<string, Promise<number>>();
    let computed = 0;
    const compute = async () => ++computed;
    const [a, b] = await Promise.all([sharedPromise(memo, 'k', clock, compute), sharedPromise(memo, 'k', clock, compute)]);
    expect([a, b]).toEqual([1, 1]);
    expect(await sharedPromise(memo, 'other', clock, compute)).toBe(2);
    expect(await sharedPromise(memo, 'k', clock, compute)).toBe(1);
    expect(computed).toBe(2);
  });

  it('the first asker waits on its own computation; every later asker waits on it as idle time', async () => {
    const { clock, idled } = idleClock();
    const memo = new Map<string, Promise<string>>();
    const work = deferred<string>();
    const first = sharedPromise(memo, 'k', clock, () => work.promise);
    expect(idled).toEqual([]);
    const second = sharedPromise(memo, 'k', clock, async () => 'not computed');
    expect(idled).toEqual([work.promise]);
    work.resolve('v');
    expect(await first).toBe('v');
    expect(await second).toBe('v');
  });

  it('a failed computation fails its askers and is not kept: the next asker computes again', async () => {
    const { clock } = idleClock();
    const memo = new Map<string, Promise<string>>();
    const failing = sharedPromise(memo, 'k', clock, async () => Promise.reject(new Error('throttled')));
    await expect(failing).rejects.toThrow('throttled');
    expect(memo.has('k')).toBe(false);
    expect(await sharedPromise(memo, 'k', clock, async () => 'again')).toBe('again');
  });

  it('a failure forgets only its own computation, not one that replaced it meanwhile', async () => {
    const { clock } = idleClock();
    const memo = new Map<string, Promise<string>>();
    const work = deferred<string>();
    const failing = sharedPromise(memo, 'k', clock, () => work.promise);
    const replacement = Promise.resolve('newer');
    memo.set('k', replacement);
    work.reject(new Error('late failure'));
    await expect(failing).rejects.toThrow('late failure');
    expect(memo.get('k')).toBe(replacement);
  });
});

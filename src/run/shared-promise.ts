import { waitIdle, type Clock } from '../ports/clock.js';

/**
 * A value several effects ask for at once, computed by the first and shared with the rest. A failed
 * computation is not kept (the next asker tries again). Waiting on another effect's computation is idle
 * time: it may be asleep in a retry backoff on a virtual clock, and a waiter that does not count as idle
 * stops that clock (the hang `npm run chaos` found in the fleet scan).
 */
export function sharedPromise<K, V>(memo: Map<K, Promise<V>>, key: K, clock: Clock, compute: () => Promise<V>): Promise<V> {
  const known = memo.get(key);
  if (known) return waitIdle(clock, known);
  const value = compute();
  memo.set(key, value);
  value.catch(() => {
    if (memo.get(key) === value) memo.delete(key);
  });
  return value;
}

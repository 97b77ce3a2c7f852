/** Time as a port: the real clock in production, the sandbox's virtual clock in rehearsals and tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /**
   * Waits for work that only something else's progress can finish (a lock another effect holds). A
   * virtual clock counts the wait as asleep, so it still moves time while the holder sleeps on it.
   */
  idle?<T>(work: Promise<T>): Promise<T>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** `clock.idle(work)` where the clock has it; elsewhere the wait is simply the work. */
export function waitIdle<T>(clock: Clock, work: Promise<T>): Promise<T> {
  return clock.idle ? clock.idle(work) : work;
}

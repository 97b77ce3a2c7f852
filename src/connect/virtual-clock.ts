import type { Clock } from '../ports/clock.js';

/**
 * A clock whose time moves only when the executor says so. Actors that sleep (retry budgets, polls)
 * register a wake-up; when every running effect is asleep, the executor advances time to the earliest
 * wake-up or machine check, so a three-hour run takes well under a second and stays deterministic.
 */
export class VirtualClock implements Clock {
  private sleepers: Array<{ at: number; wake: () => void }> = [];
  /** Waits that only another sleeper's progress ends (see Clock.idle): asleep, with no wake-up time of their own. */
  private parked = 0;
  private listener: (() => void) | undefined;

  constructor(
    private readonly read: () => number,
    private readonly move: (t: number) => void,
  ) {}

  now(): number {
    return this.read();
  }

  /** Called whenever something goes to sleep or parks: the engine waits for that instead of polling. */
  onSleep(listener: () => void): void {
    this.listener = listener;
  }

  sleep(ms: number): Promise<void> {
    const asleep = new Promise<void>((resolve) => this.sleepers.push({ at: this.read() + Math.max(0, ms), wake: resolve }));
    this.listener?.();
    return asleep;
  }

  async idle<T>(work: Promise<T>): Promise<T> {
    this.parked++;
    this.listener?.();
    try {
      return await work;
    } finally {
      this.parked--;
    }
  }

  get sleeping(): number {
    return this.sleepers.length + this.parked;
  }

  nextWakeAt(): number | undefined {
    return this.sleepers.reduce<number | undefined>((min, s) => (min === undefined || s.at < min ? s.at : min), undefined);
  }

  advanceTo(t: number): void {
    if (t > this.read()) this.move(t);
    const now = this.read();
    const due = this.sleepers.filter((s) => s.at <= now);
    this.sleepers = this.sleepers.filter((s) => s.at > now);
    for (const s of due) s.wake();
  }
}

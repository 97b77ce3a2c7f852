import type { Clock } from '../../src/ports/clock.js';

/**
 * A virtual clock: time moves only when `advance` is called, or on every sleep when `autoAdvance` is set
 * (a sleep then completes at once and moves time forward by its length).
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Array<{ until: number; resolve: () => void }> = [];
  readonly autoAdvance: boolean;
  readonly sleeps: number[] = [];

  constructor(start = 1_700_000_000_000, options: { autoAdvance?: boolean } = {}) {
    this.#now = start;
    this.autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    if (this.autoAdvance) {
      this.#now += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#sleepers.push({ until: this.#now + Math.max(0, ms), resolve });
    });
  }

  /** Moves time forward and wakes every sleeper whose time has come. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.until <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.resolve();
  }

  get pendingSleeps(): number {
    return this.#sleepers.length;
  }
}

import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';

// How a run's time moves. Effects run until each is done, asleep on the clock or parked waiting for a
// commit; only then does the engine look at the machines, so what it does next cannot reorder them (a
// deterministic timeline). On the sandbox's virtual clock, time then jumps to the next wake-up; against
// AWS the driver sleeps until then, renewing the run's lease on the listener as real time passes.

/** A clock that moves only when told (the sandbox's): what the driver needs of it. */
export interface VirtualTime {
  /** Called whenever something goes to sleep or parks, so the driver waits for that instead of polling. */
  onSleep(listener: () => void): void;
  /** Effects asleep, or parked on another's progress (Clock.idle). */
  readonly sleeping: number;
  nextWakeAt(): number | undefined;
  advanceTo(t: number): void;
}

/** The commits the driver waits for: effects parked on one count as asleep on a virtual clock. */
export interface PendingCommits {
  readonly parked: number;
  /** Whether anything waits to be written. */
  wanted(): boolean;
  /** Commits what is pending now, and resolves once it is written (or has failed). */
  commitPending(): Promise<void>;
  /** The run's first failure to save (or a machine's error): once set, the run stops. */
  readonly failure: unknown;
}

export interface TimeDriverDeps {
  clock: Clock;
  /** Present on the sandbox: the clock this driver moves. */
  virtual?: VirtualTime;
  commits: PendingCommits;
  leaseMs: number;
  /** Renews the run's lease on the listener. */
  renew(): Promise<void>;
  logger: Logger;
  runId: string;
  /** Told as waiting time passes in steps (a watchable sandbox run, a long sleep against AWS). */
  onProgress(): void;
}

export class TimeDriver {
  private inflight = 0;
  private activity: (() => void) | undefined;
  private lastRenew = Date.now();

  constructor(private readonly deps: TimeDriverDeps) {}

  /** Effects running now, asleep or not. */
  get running(): number {
    return this.inflight;
  }

  /** From now on, an effect going to sleep wakes the driver. */
  start(): void {
    this.deps.virtual?.onSleep(() => this.signal());
  }

  /** An effect started. */
  begin(): void {
    this.inflight++;
  }

  /** An effect ended: the driver looks again. */
  end(): void {
    this.inflight--;
    this.signal();
  }

  /** Something happened that may make the run idle: wakes a waiting settle. */
  signal(): void {
    const wake = this.activity;
    this.activity = undefined;
    wake?.();
  }

  /** On a virtual clock, moves to where the run asked to resume (a wait the caller has done). */
  catchUp(resumeAt: number | undefined): void {
    const virtual = this.deps.virtual;
    if (virtual && resumeAt && resumeAt > this.deps.clock.now()) virtual.advanceTo(resumeAt);
  }

  /** A deadline in real time on the run's clock: a virtual one moves only by waits, so they are what it bounds. */
  limitOf(deadline: number | undefined): number | undefined {
    if (deadline === undefined) return undefined;
    return this.deps.virtual ? this.deps.clock.now() + (deadline - Date.now()) : deadline;
  }

  /** The earliest wake-up of an effect asleep on a virtual clock. */
  nextWakeAt(): number | undefined {
    return this.deps.virtual?.nextWakeAt();
  }

  /**
   * Waits until every running effect is done, or (on a virtual clock) asleep or parked waiting for a
   * commit; then commits for the parked ones and waits again, until nothing is left to commit. It sleeps
   * until something happens (an effect ends, sleeps or parks), never polls; the only timer is the lease's.
   */
  async settle(): Promise<void> {
    const { commits, virtual } = this.deps;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (commits.failure) return;
      if (this.idle()) {
        // Once more after anything just resumed by the last turn has run its synchronous part.
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.idle()) continue;
        if (!virtual || !commits.wanted()) return;
        await commits.commitPending();
        continue;
      }
      if (!(await this.waitForActivity()) && virtual) {
        // On a virtual clock only real I/O takes real time: a long silence is more often an effect waiting
        // for another one without Clock.idle (which hangs the run), and this says so.
        this.deps.logger.info({ runId: this.deps.runId, running: this.inflight, asleep: virtual.sleeping, parked: commits.parked }, 'effects made no progress for a while: waiting on real I/O, or on another effect without Clock.idle');
      }
      await this.renewIfDue();
    }
  }

  private idle(): boolean {
    const virtual = this.deps.virtual;
    return this.inflight <= (virtual ? virtual.sleeping + this.deps.commits.parked : 0);
  }

  /**
   * Until the next signal (true), or until the lease is due for renewal (false): an effect may take long
   * on real I/O.
   */
  private async waitForActivity(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const signalled = await new Promise<boolean>((resolve) => {
      this.activity = () => resolve(true);
      timer = setTimeout(() => resolve(false), Math.max(0, this.lastRenew + this.deps.leaseMs / 3 - Date.now()));
    });
    clearTimeout(timer);
    this.activity = undefined;
    return signalled;
  }

  /** The lease is on real time (other processes read it so): renewed by real time; it touches only the lock. */
  async renewIfDue(): Promise<void> {
    if (Date.now() - this.lastRenew < this.deps.leaseMs / 3) return;
    await this.deps.renew();
    this.lastRenew = Date.now();
  }

  /**
   * Moves the run's time to `due`. On a virtual clock at once, or at `speed` virtual milliseconds per real
   * one in steps of a real second (a watchable run); against AWS by sleeping, renewing the lease meanwhile.
   */
  async advanceTo(due: number, speed: number | undefined): Promise<void> {
    const { clock, virtual } = this.deps;
    if (virtual) {
      if (speed && speed > 0) {
        while (clock.now() < due) {
          const step = Math.min(due - clock.now(), speed * 1000);
          await new Promise((resolve) => setTimeout(resolve, step / speed));
          virtual.advanceTo(clock.now() + step);
          this.deps.onProgress();
        }
      } else virtual.advanceTo(due);
      return;
    }
    while (clock.now() < due) {
      await clock.sleep(Math.min(due - clock.now(), this.deps.leaseMs / 3));
      await this.renewIfDue();
      this.deps.onProgress();
    }
  }

  /**
   * Work awaited outside the loop (the baseline, the end-of-run cleanup). Its retries sleep on the clock
   * like any effect's; on a virtual clock nobody else is there to move time, so this does, or the run
   * would wait forever.
   */
  async outsideLoop<T>(work: () => Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    this.inflight++;
    const running = work().then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    void running.finally(() => {
      this.inflight--;
      this.signal();
    });
    const virtual = this.deps.virtual;
    while (outcome === undefined) {
      if (!virtual) {
        await running;
        break;
      }
      await this.settle();
      if (this.deps.commits.failure) throw this.deps.commits.failure;
      const wake = virtual.nextWakeAt();
      if (outcome === undefined && wake !== undefined) virtual.advanceTo(wake);
    }
    const done = outcome as { ok: true; value: T } | { ok: false; error: unknown };
    if (!done.ok) throw done.error;
    return done.value;
  }
}

import type { Clock } from '../ports/clock.js';
import type { ReplicaReplicationState } from './redis-replies.js';

export interface ReplicaReader {
  address: string;
  /** Reads the replica's own replication state; may reject (the caller decides what a failed read means). */
  read(): Promise<ReplicaReplicationState>;
}

export interface CatchUpOutcome {
  caughtUp: boolean;
  elapsedMs: number;
  /** Replicas still behind when the wait ended, with what they last reported. */
  lagging: Array<{ address: string } & ReplicaReplicationState>;
}

/** Polls every replica not yet at `targetOffset` until all reach it or `catchUpMs` passes on `clock`. */
export async function waitForReplicaOffsets(
  replicas: readonly ReplicaReader[],
  targetOffset: number,
  options: { clock: Clock; catchUpMs: number; intervalMs: number },
): Promise<CatchUpOutcome> {
  const { clock } = options;
  const start = clock.now();
  const deadline = start + options.catchUpMs;
  let pending = [...replicas];
  for (;;) {
    const lagging: CatchUpOutcome['lagging'] = [];
    const stillPending: ReplicaReader[] = [];
    for (const replica of pending) {
      const state = await replica.read();
      if (state.offset === undefined || state.offset < targetOffset) {
        lagging.push({ address: replica.address, ...state });
        stillPending.push(replica);
      }
    }
    pending = stillPending;
    const now = clock.now();
    if (pending.length === 0) return { caughtUp: true, elapsedMs: now - start, lagging: [] };
    if (now >= deadline) return { caughtUp: false, elapsedMs: now - start, lagging };
    await clock.sleep(Math.min(options.intervalMs, deadline - now));
  }
}

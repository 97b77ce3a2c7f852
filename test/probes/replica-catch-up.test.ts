import { describe, expect, it } from 'vitest';
import type { ReplicaReplicationState } from '../../src/probes/redis-replies.js';
import { waitForReplicaOffsets } from '../../src/probes/replica-catch-up.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** A replica whose reads return the given states in order, repeating the last one. */
function scripted(address: string, states: ReplicaReplicationState[]) {
  let i = 0;
  return { address, reads: () => i, read: async () => states[Math.min(i++, states.length - 1)]! };
}

describe('waitForReplicaOffsets (virtual clock)', () => {
  it('polls until every replica reaches the target, sleeping on the clock between rounds', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const fast = scripted('a:1', [{ linkStatus: 'up', offset: 100 }]);
    const slow = scripted('b:1', [
      { linkStatus: 'up', offset: 10 },
      { linkStatus: 'up', offset: 50 },
      { linkStatus: 'up', offset: 120 },
    ]);
    const outcome = await waitForReplicaOffsets([fast, slow], 100, { clock, catchUpMs: 1_000, intervalMs: 100 });

    expect(outcome).toEqual({ caughtUp: true, elapsedMs: 200, lagging: [] });
    expect(clock.sleeps).toEqual([100, 100]);
    expect(fast.reads()).toBe(1); // a replica that caught up is not read again
    expect(slow.reads()).toBe(3);
  });

  it('gives up at the deadline and reports what the laggards last said', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const stuck = scripted('b:1', [{ linkStatus: 'up', offset: 40 }]);
    const outcome = await waitForReplicaOffsets([stuck], 100, { clock, catchUpMs: 250, intervalMs: 100 });

    expect(outcome).toEqual({ caughtUp: false, elapsedMs: 250, lagging: [{ address: 'b:1', linkStatus: 'up', offset: 40 }] });
    expect(clock.sleeps).toEqual([100, 100, 50]); // the last sleep is cut to the deadline
  });

  it('waits only as long as the clock says (nothing resolves until time is advanced)', async () => {
    const clock = new ManualClock(0);
    const stuck = scripted('b:1', [{ linkStatus: 'up', offset: 40 }, { linkStatus: 'up', offset: 100 }]);
    const waiting = waitForReplicaOffsets([stuck], 100, { clock, catchUpMs: 1_000, intervalMs: 500 });
    await new Promise((r) => setImmediate(r));
    expect(clock.pendingSleeps).toBe(1);
    clock.advance(500);
    await expect(waiting).resolves.toMatchObject({ caughtUp: true, elapsedMs: 500 });
  });

  it('lets a failed read propagate (the probe turns it into a failed check)', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const broken = { address: 'c:1', read: async () => Promise.reject(new Error('boom')) };
    await expect(waitForReplicaOffsets([broken], 1, { clock, catchUpMs: 100, intervalMs: 10 })).rejects.toThrow('boom');
  });
});

// The RunStore contract, run against every implementation (memory, file, DynamoDB on dynalite).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRunIdError, LeaseLostError, RunExistsError, RunNotFoundError } from '../../src/store/errors.js';
import { ConcurrentUpdateError, type JournalEntry, type RunStore } from '../../src/store/run-store.js';
import { LISTENER_ARN, T0, largeSnapshot, newRun } from './fixtures/records.js';

export interface StoreFixture {
  store: RunStore;
  /** Another instance over the same storage, as a new process would open it (the memory store: itself). */
  reopen(): Promise<RunStore>;
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;
const never = async (): Promise<never> => {
  throw new Error('compute must not run: the value was remembered');
};

export function describeRunStoreContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`${name}: RunStore contract`, () => {
    let fixture: StoreFixture;
    let store: RunStore;
    beforeEach(async () => {
      fixture = await makeFixture();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('runs', () => {
      it('creates a run at version 1 and loads it back', async () => {
        const input = newRun('run-1');
        const { record, created } = await store.createRun(input);
        expect(created).toBe(true);
        expect(record).toEqual({ ...input, version: 1 });
        expect(await store.loadRun('run-1')).toEqual(record);
        expect(await store.loadRun('run-unknown')).toBeUndefined();
      });

      it('refuses a second run with the same id when there is no idempotency key', async () => {
        await store.createRun(newRun('run-1'));
        await expect(store.createRun(newRun('run-1', { planName: 'other' }))).rejects.toBeInstanceOf(RunExistsError);
        expect((await store.loadRun('run-1'))?.planName).toBe('payments-core');
      });

      it('saves on the version read and returns the record at the next version', async () => {
        const { record } = await store.createRun(newRun('run-1'));
        const saved = await store.saveRun({ ...record, status: 'paused', reason: 'drift on blue', updatedAt: T0 + 5 }, 1);
        expect(saved).toEqual({ ...record, status: 'paused', reason: 'drift on blue', updatedAt: T0 + 5, version: 2 });
        expect(await store.loadRun('run-1')).toEqual(saved);
        const again = await store.saveRun({ ...saved, status: 'running' }, 2);
        expect(again.version).toBe(3);
      });

      it('rejects a stale version with ConcurrentUpdateError and keeps the winner', async () => {
        const { record } = await store.createRun(newRun('run-1'));
        await store.saveRun({ ...record, status: 'held' }, 1);
        await expect(store.saveRun({ ...record, status: 'aborted' }, 1)).rejects.toBeInstanceOf(ConcurrentUpdateError);
        expect(await store.loadRun('run-1')).toMatchObject({ status: 'held', version: 2 });
      });

      it('lets exactly one of concurrent saves on one version win', async () => {
        const { record } = await store.createRun(newRun('run-1'));
        const reasons = Array.from({ length: 6 }, (_, i) => `writer ${i}`);
        const results = await Promise.allSettled(reasons.map((reason) => store.saveRun({ ...record, reason }, 1)));
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrentUpdateError);
        const stored = await store.loadRun('run-1');
        expect(stored?.version).toBe(2);
        expect(stored?.reason).toBe((won[0] as PromiseFulfilledResult<{ reason?: string }>).value.reason);
      });

      it('drops an optional field saved as undefined', async () => {
        const { record } = await store.createRun(newRun('run-1', { reason: 'first' }));
        const saved = await store.saveRun({ ...record, reason: undefined }, 1);
        expect('reason' in saved).toBe(false);
        expect(await store.loadRun('run-1')).toEqual(saved);
      });

      it('refuses to save a run that does not exist', async () => {
        await expect(store.saveRun({ ...newRun('run-ghost'), version: 1 }, 1)).rejects.toBeInstanceOf(RunNotFoundError);
      });

      it('round-trips a large snapshot and awkward values exactly', async () => {
        const snapshot = largeSnapshot(1_500_000);
        const { record } = await store.createRun(newRun('run-1'));
        await store.saveRun({ ...record, snapshot }, 1);
        const loaded = await store.loadRun('run-1');
        expect(loaded?.snapshot).toEqual(snapshot);
        expect(JSON.stringify(loaded?.snapshot)).toBe(JSON.stringify(snapshot));
      });

      it('a save naming the clusters it changed stores the whole record it was given', async () => {
        const { record } = await store.createRun(newRun('run-1'));
        const clusters = { blue: { value: 'draining', n: 1 }, green: { value: 'pending', n: 1 }, '7': { value: 'pending' } };
        const first = await store.saveRun({ ...record, snapshot: { fleet: { value: 'rolling' }, clusters } }, 1);
        const next = { ...first, reason: 'blue moved', snapshot: { fleet: { value: 'rolling', n: 2 }, clusters: { ...clusters, blue: { value: 'maintaining', n: 2 } } } };
        const saved = await store.saveRun(next, 2, { changedClusters: ['blue'] });
        expect(saved).toEqual({ ...next, version: 3 });
        const loaded = await store.loadRun('run-1');
        expect(loaded).toEqual(saved);
        expect(JSON.stringify(loaded?.snapshot)).toBe(JSON.stringify(next.snapshot));
        await expect(store.saveRun(next, 2, { changedClusters: ['blue'] })).rejects.toBeInstanceOf(ConcurrentUpdateError);
      });

      it('lists summaries, oldest first', async () => {
        await store.createRun(newRun('run-b', { createdAt: T0 + 2 }));
        await store.createRun(newRun('run-a', { createdAt: T0 + 1, status: 'held', reason: 'approval pending' }));
        await store.createRun(newRun('run-c', { createdAt: T0 + 3 }));
        expect(await store.listRuns()).toEqual([
          { runId: 'run-a', planName: 'payments-core', status: 'held', createdAt: T0 + 1, updatedAt: T0, reason: 'approval pending' },
          { runId: 'run-b', planName: 'payments-core', status: 'running', createdAt: T0 + 2, updatedAt: T0 },
          { runId: 'run-c', planName: 'payments-core', status: 'running', createdAt: T0 + 3, updatedAt: T0 },
        ]);
      });

      it('rejects run ids that could escape a directory or a key', async () => {
        await expect(store.createRun(newRun('../escape'))).rejects.toBeInstanceOf(InvalidRunIdError);
        await expect(store.loadRun('a/b')).rejects.toBeInstanceOf(InvalidRunIdError);
      });
    });

    describe('idempotent createRun', () => {
      it('returns the existing run for a key already used', async () => {
        const first = await store.createRun(newRun('run-1', { idempotencyKey: 'schedule:2026-06-01' }));
        const saved = await store.saveRun({ ...first.record, status: 'paused' }, 1);
        const second = await store.createRun(newRun('run-2', { idempotencyKey: 'schedule:2026-06-01' }));
        expect(second).toEqual({ record: saved, created: false });
        expect(await store.loadRun('run-2')).toBeUndefined();
        expect((await store.listRuns()).map((r) => r.runId)).toEqual(['run-1']);
      });

      it('refuses a new key for a run id that is taken, and leaves the key unused', async () => {
        await store.createRun(newRun('run-1'));
        await expect(store.createRun(newRun('run-1', { idempotencyKey: 'k-1' }))).rejects.toBeInstanceOf(RunExistsError);
        expect(await store.createRun(newRun('run-2', { idempotencyKey: 'k-1' }))).toMatchObject({ created: true, record: { runId: 'run-2' } });
      });

      it('makes exactly one run out of concurrent creates with one key', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.createRun(newRun(`run-${i}`, { idempotencyKey: 'schedule:2026-06-01' }))),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const winner = results.find((r) => r.created)!.record.runId;
        for (const r of results) expect(r.record.runId).toBe(winner);
        expect((await store.listRuns()).map((r) => r.runId)).toEqual([winner]);
      });
    });

    describe('journal', () => {
      it('assigns seq from 1 in append order and reads entries back in order', async () => {
        await store.createRun(newRun('run-1'));
        const first = await store.appendJournal('run-1', [
          { at: T0, kind: 'run', message: 'run started' },
          { at: T0 + 1, kind: 'intent', cluster: 'blue', message: 'blue: draining', data: { weights: { blue: 50, green: 50 }, note: 'é ✓' } },
        ]);
        const second = await store.appendJournal('run-1', [
          { at: T0 + 2, kind: 'transition', cluster: 'blue', message: 'blue: draining -> maintaining' },
          { at: T0 + 3, kind: 'effect', message: 'weights set' },
          { at: T0 + 4, kind: 'check', message: 'verified', data: { nested: [1, null, { deep: true }] } },
        ]);
        expect(first.map((e) => e.seq)).toEqual([1, 2]);
        expect(second.map((e) => e.seq)).toEqual([3, 4, 5]);
        expect(first[1]).toEqual({
          seq: 2,
          runId: 'run-1',
          at: T0 + 1,
          kind: 'intent',
          cluster: 'blue',
          message: 'blue: draining',
          data: { weights: { blue: 50, green: 50 }, note: 'é ✓' },
        });
        expect(await store.readJournal('run-1')).toEqual([...first, ...second]);
      });

      it('never gives two concurrent appends the same seq', async () => {
        await store.createRun(newRun('run-1'));
        const batches = await Promise.all(
          Array.from({ length: 10 }, (_, b) =>
            store.appendJournal('run-1', [0, 1, 2].map((i) => ({ at: T0 + i, kind: 'effect' as const, message: `batch ${b} entry ${i}` }))),
          ),
        );
        for (const batch of batches) expect(batch.map((e) => e.seq - batch[0]!.seq)).toEqual([0, 1, 2]);
        const journal = await store.readJournal('run-1');
        expect(journal.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(new Set(journal.map((e) => e.message)).size).toBe(30);
      });

      it('refuses entries for an unknown run and reads an empty journal', async () => {
        await expect(store.appendJournal('run-ghost', [{ at: T0, kind: 'run', message: 'x' }])).rejects.toBeInstanceOf(RunNotFoundError);
        await store.createRun(newRun('run-1'));
        expect(await store.readJournal('run-1')).toEqual([]);
        expect(await store.readJournal('run-ghost')).toEqual([]);
      });
    });

    describe('intents', () => {
      it('computes once, then returns the recorded value', async () => {
        await store.createRun(newRun('run-1'));
        const weights = { blue: 70, green: 30, note: 'before drain' };
        expect(await store.remember('run-1', 'blue:weights', async () => weights)).toEqual(weights);
        expect(await store.remember('run-1', 'blue:weights', never)).toEqual(weights);
        expect(await store.recall('run-1', 'blue:weights')).toEqual(weights);
        expect(await store.recall('run-1', 'green:weights')).toBeUndefined();
      });

      it('gives every concurrent caller the first stored value', async () => {
        await store.createRun(newRun('run-1'));
        const values = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.remember('run-1', 'blue:primary', async () => {
              await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
              return { primary: `blue-cache-00${i}` };
            }),
          ),
        );
        const first = values[0];
        for (const value of values) expect(value).toEqual(first);
        expect(await store.recall('run-1', 'blue:primary')).toEqual(first);
      });

      it('survives into a fresh store instance', async () => {
        await store.createRun(newRun('run-1'));
        await store.remember('run-1', 'blue:weights', async () => ({ blue: 100 }));
        const fresh = await fixture.reopen();
        expect(await fresh.remember('run-1', 'blue:weights', never)).toEqual({ blue: 100 });
        expect(await fresh.recall('run-1', 'blue:weights')).toEqual({ blue: 100 });
      });

      it('refuses to remember for an unknown run', async () => {
        await expect(store.remember('run-ghost', 'k', async () => 1)).rejects.toBeInstanceOf(RunNotFoundError);
        expect(await store.recall('run-ghost', 'k')).toBeUndefined();
      });
    });

    describe('locks', () => {
      const OWNER_A = 'cli-a';
      const OWNER_B = 'cli-b';

      it('acquires a free key', async () => {
        const result = await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, 5 * MINUTE, T0);
        expect(result).toEqual({ acquired: true, lease: { key: LISTENER_ARN, runId: 'run-1', owner: OWNER_A, version: 1, expiresAt: T0 + 5 * MINUTE } });
      });

      it('refuses a held key and names the holder, until the lease has expired', async () => {
        await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, 5 * MINUTE, T0);
        const holder = { runId: 'run-1', owner: OWNER_A, expiresAt: T0 + 5 * MINUTE };
        expect(await store.acquireLock(LISTENER_ARN, 'run-2', OWNER_B, 5 * MINUTE, T0 + MINUTE)).toEqual({ acquired: false, holder });
        // Still held at its expiry instant (the DynamoDB condition is leaseExpiresAt < :now).
        expect(await store.acquireLock(LISTENER_ARN, 'run-2', OWNER_B, 5 * MINUTE, T0 + 5 * MINUTE)).toEqual({ acquired: false, holder });
        const taken = await store.acquireLock(LISTENER_ARN, 'run-2', OWNER_B, 5 * MINUTE, T0 + 5 * MINUTE + 1);
        expect(taken).toEqual({
          acquired: true,
          lease: { key: LISTENER_ARN, runId: 'run-2', owner: OWNER_B, version: 2, expiresAt: T0 + 10 * MINUTE + 1 },
        });
      });

      it('keeps keys independent', async () => {
        await store.acquireLock('listener-1', 'run-1', OWNER_A, MINUTE, T0);
        expect((await store.acquireLock('listener-2', 'run-2', OWNER_B, MINUTE, T0)).acquired).toBe(true);
      });

      it('parks a lease for its run: another run is refused, the same run takes it back under any owner, exactly once', async () => {
        const result = await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, MINUTE, T0);
        if (!result.acquired) throw new Error('not acquired');
        const parked = await store.parkLock(result.lease, 60 * MINUTE, T0 + 1000);
        expect(parked).toMatchObject({ runId: 'run-1', owner: 'parked:run-1', version: 2, expiresAt: T0 + 1000 + 60 * MINUTE });
        expect(await store.acquireLock(LISTENER_ARN, 'run-2', OWNER_B, MINUTE, T0 + 2000)).toMatchObject({ acquired: false, holder: { runId: 'run-1', owner: 'parked:run-1' } });
        // Two drivers of the same run race for the parked lock: one wins, the other sees it driven.
        const [x, y] = await Promise.all([
          store.acquireLock(LISTENER_ARN, 'run-1', 'lambda:req-2', MINUTE, T0 + 3000),
          store.acquireLock(LISTENER_ARN, 'run-1', 'lambda:req-3', MINUTE, T0 + 3000),
        ]);
        expect([x.acquired, y.acquired].filter(Boolean)).toHaveLength(1);
        // The old lease can no longer park or renew.
        await expect(store.parkLock(result.lease, MINUTE, T0 + 4000)).rejects.toBeInstanceOf(LeaseLostError);
      });

      it('renews on the version held, and only on it', async () => {
        const result = await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, MINUTE, T0);
        if (!result.acquired) throw new Error('not acquired');
        const renewed = await store.renewLock(result.lease, 5 * MINUTE, T0 + 30_000);
        expect(renewed).toEqual({ ...result.lease, version: 2, expiresAt: T0 + 30_000 + 5 * MINUTE });
        await expect(store.renewLock(result.lease, MINUTE, T0 + 40_000)).rejects.toBeInstanceOf(LeaseLostError);
        expect(await store.acquireLock(LISTENER_ARN, 'run-2', OWNER_B, MINUTE, T0 + 2 * MINUTE)).toMatchObject({ acquired: false });
      });

      it('fails to renew a lease taken over, and releasing it leaves the new holder alone', async () => {
        const old = await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, MINUTE, T0);
        if (!old.acquired) throw new Error('not acquired');
        const taken = await store.acquireLock(LISTENER_ARN, 'run-2', OWNER_B, MINUTE, T0 + 2 * MINUTE);
        expect(taken.acquired).toBe(true);
        const lost = await store.renewLock(old.lease, MINUTE, T0 + 2 * MINUTE).catch((err: unknown) => err);
        expect(lost).toBeInstanceOf(LeaseLostError);
        expect((lost as LeaseLostError).holder).toEqual({ runId: 'run-2', owner: OWNER_B, expiresAt: T0 + 3 * MINUTE });
        expect((lost as Error).message).toContain('run-2');
        await store.releaseLock(old.lease);
        expect(await store.acquireLock(LISTENER_ARN, 'run-3', 'cli-c', MINUTE, T0 + 2 * MINUTE + 1)).toEqual({
          acquired: false,
          holder: { runId: 'run-2', owner: OWNER_B, expiresAt: T0 + 3 * MINUTE },
        });
      });

      it('frees the key on release', async () => {
        const held = await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, MINUTE, T0);
        if (!held.acquired) throw new Error('not acquired');
        await store.releaseLock(held.lease);
        await expect(store.renewLock(held.lease, MINUTE, T0)).rejects.toBeInstanceOf(LeaseLostError);
        const next = await store.acquireLock(LISTENER_ARN, 'run-2', OWNER_B, MINUTE, T0 + 1);
        expect(next).toMatchObject({ acquired: true, lease: { runId: 'run-2', version: 1 } });
        // The old holder's lease had version 1 too: the holder is part of the condition.
        await store.releaseLock(held.lease);
        await expect(store.renewLock(held.lease, MINUTE, T0 + 2)).rejects.toBeInstanceOf(LeaseLostError);
        expect(await store.acquireLock(LISTENER_ARN, 'run-3', 'cli-c', MINUTE, T0 + 2)).toMatchObject({ acquired: false, holder: { runId: 'run-2' } });
      });

      it('gives a lease back to its own holder acquiring again (a retried invocation)', async () => {
        await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, MINUTE, T0);
        expect(await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_A, MINUTE, T0 + 1000)).toMatchObject({ acquired: true, lease: { version: 2 } });
        expect((await store.acquireLock(LISTENER_ARN, 'run-1', OWNER_B, MINUTE, T0 + 1000)).acquired).toBe(false);
      });

      it('lets exactly one of 8 concurrent acquires win, and the others name it', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.acquireLock(LISTENER_ARN, `run-${i}`, `owner-${i}`, MINUTE, T0)),
        );
        const winners = results.filter((r) => r.acquired);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!.acquired ? winners[0]!.lease : undefined;
        for (const r of results) if (!r.acquired) expect(r.holder).toEqual({ runId: winner?.runId, owner: winner?.owner, expiresAt: T0 + MINUTE });
      });

      it('lets exactly one of 8 concurrent takeovers of an expired lease win', async () => {
        await store.acquireLock(LISTENER_ARN, 'run-old', 'owner-old', MINUTE, T0);
        const later = T0 + 2 * MINUTE;
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.acquireLock(LISTENER_ARN, `run-${i}`, `owner-${i}`, MINUTE, later)),
        );
        expect(results.filter((r) => r.acquired)).toHaveLength(1);
        expect(results.find((r) => r.acquired)).toMatchObject({ lease: { version: 2 } });
      });
    });

    it('shows everything to a fresh store instance', async () => {
      const { record } = await store.createRun(newRun('run-1', { idempotencyKey: 'k-1' }));
      await store.saveRun({ ...record, status: 'paused' }, 1);
      const entries: JournalEntry[] = await store.appendJournal('run-1', [{ at: T0, kind: 'run', message: 'started' }]);
      await store.acquireLock(LISTENER_ARN, 'run-1', 'cli-a', MINUTE, T0);
      const fresh = await fixture.reopen();
      expect(await fresh.loadRun('run-1')).toMatchObject({ status: 'paused', version: 2 });
      expect(await fresh.readJournal('run-1')).toEqual(entries);
      expect((await fresh.createRun(newRun('run-2', { idempotencyKey: 'k-1' }))).created).toBe(false);
      expect(await fresh.appendJournal('run-1', [{ at: T0, kind: 'operator', message: 'resumed' }])).toMatchObject([{ seq: 2 }]);
      expect(await fresh.acquireLock(LISTENER_ARN, 'run-2', 'cli-b', MINUTE, T0 + 1)).toMatchObject({ acquired: false, holder: { runId: 'run-1' } });
    });
  });
}

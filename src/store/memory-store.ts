// The RunStore in memory, for tests and benchmarks. It keeps the durable stores' observable behaviour:
// values are stored as JSON text (so a non-JSON value fails here as it would on disk), callers get
// copies, and the lease rules are the shared ones.
import { RunExistsError, RunNotFoundError, LeaseLostError } from './errors.js';
import { canAcquire, isHeldLease, parkedOwner, refused } from './lease.js';
import { DEFAULT_RETENTION_MS, isExpiredRun, type PruneResult } from './retention.js';
import { checkRunId } from './run-id.js';
import { ConcurrentUpdateError, type JournalEntry, type Lease, type LockResult, type RunRecord, type RunStore } from './run-store.js';
import { byCreation, toSummary } from './run-summary.js';

export interface MemoryStoreOptions {
  /** How long finished runs are kept before `prune` removes them; default 30 days. */
  retentionMs?: number;
}

export interface MemoryRunStore extends RunStore {
  prune(now: number): Promise<PruneResult>;
}

interface RunState {
  record: string;
  journal: string[];
  intents: Map<string, string>;
}

const copy = <T>(text: string): T => JSON.parse(text) as T;

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryRunStore {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const runs = new Map<string, RunState>();
  const idempotency = new Map<string, string>();
  const locks = new Map<string, Lease>();

  const stateOf = (runId: string): RunState => {
    const state = runs.get(checkRunId(runId));
    if (!state) throw new RunNotFoundError(runId);
    return state;
  };

  return {
    async createRun(input) {
      checkRunId(input.runId);
      const key = input.idempotencyKey;
      const existingId = key === undefined ? undefined : idempotency.get(key);
      if (existingId !== undefined) return { record: copy<RunRecord>(stateOf(existingId).record), created: false };
      if (runs.has(input.runId)) throw new RunExistsError(input.runId);
      const text = JSON.stringify({ ...input, version: 1 });
      runs.set(input.runId, { record: text, journal: [], intents: new Map() });
      if (key !== undefined) idempotency.set(key, input.runId);
      return { record: copy<RunRecord>(text), created: true };
    },

    async loadRun(runId) {
      const state = runs.get(checkRunId(runId));
      return state && copy<RunRecord>(state.record);
    },

    async saveRun(record, expectedVersion) {
      const state = stateOf(record.runId);
      if (copy<RunRecord>(state.record).version !== expectedVersion) throw new ConcurrentUpdateError(record.runId, expectedVersion);
      state.record = JSON.stringify({ ...record, version: expectedVersion + 1 });
      return copy<RunRecord>(state.record);
    },

    async listRuns() {
      return [...runs.values()].map((s) => toSummary(copy<RunRecord>(s.record))).sort(byCreation);
    },

    async appendJournal(runId, entries) {
      const state = stateOf(runId);
      const lines = entries.map((entry, i) => JSON.stringify({ seq: state.journal.length + i + 1, runId, ...entry }));
      state.journal.push(...lines);
      return lines.map((line) => copy<JournalEntry>(line));
    },

    async readJournal(runId) {
      return (runs.get(checkRunId(runId))?.journal ?? []).map((line) => copy<JournalEntry>(line));
    },

    async remember<T>(runId: string, key: string, compute: () => Promise<T>): Promise<T> {
      const known = runs.get(checkRunId(runId))?.intents.get(key);
      if (known !== undefined) return copy<{ value: T }>(known).value;
      stateOf(runId);
      const value = await compute();
      // Re-read after the await: another caller may have stored first, and the first value wins.
      const intents = stateOf(runId).intents;
      if (!intents.has(key)) intents.set(key, JSON.stringify({ value }));
      return copy<{ value: T }>(intents.get(key)!).value;
    },

    async recall<T>(runId: string, key: string): Promise<T | undefined> {
      const known = runs.get(checkRunId(runId))?.intents.get(key);
      return known === undefined ? undefined : copy<{ value: T }>(known).value;
    },

    async acquireLock(key, runId, owner, leaseMs, now): Promise<LockResult> {
      const current = locks.get(key);
      if (current && !canAcquire(current, runId, owner, now)) return refused(current);
      const lease: Lease = { key, runId, owner, version: (current?.version ?? 0) + 1, expiresAt: now + leaseMs };
      locks.set(key, lease);
      return { acquired: true, lease: { ...lease } };
    },

    async renewLock(lease, leaseMs, now) {
      const current = locks.get(lease.key);
      if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
      const next: Lease = { ...current, version: current.version + 1, expiresAt: now + leaseMs };
      locks.set(lease.key, next);
      return { ...next };
    },

    async parkLock(lease, leaseMs, now) {
      const current = locks.get(lease.key);
      if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
      const next: Lease = { ...current, owner: parkedOwner(current.runId), version: current.version + 1, expiresAt: now + leaseMs };
      locks.set(lease.key, next);
      return { ...next };
    },

    async releaseLock(lease) {
      const current = locks.get(lease.key);
      // Someone else's lease (ours expired and was taken over): theirs to release, not ours.
      if (current && isHeldLease(current, lease)) locks.delete(lease.key);
    },

    async prune(now) {
      const prunedRuns: string[] = [];
      for (const [runId, state] of runs) {
        const record = copy<RunRecord>(state.record);
        if (!isExpiredRun(record, now, retentionMs)) continue;
        if (record.idempotencyKey !== undefined && idempotency.get(record.idempotencyKey) === runId) {
          idempotency.delete(record.idempotencyKey);
        }
        runs.delete(runId);
        prunedRuns.push(runId);
      }
      return { prunedRuns };
    },
  };
}

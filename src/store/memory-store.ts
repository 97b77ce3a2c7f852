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
  /** The record as JSON, without its plan and its clusters' snapshots (kept apart, see saveRun). */
  head: string;
  plan: string;
  /** Each cluster's persisted snapshot as JSON, in the order of the record's `snapshot.clusters`. */
  clusters: Map<string, string>;
  version: number;
  journal: string[];
  intents: Map<string, string>;
}

const copy = <T>(text: string): T => JSON.parse(text) as T;

/** What JSON keeps of a record's own fields: the durable stores drop those saved as undefined. */
const definedFields = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

function recordOf(state: RunState): RunRecord {
  const record = copy<RunRecord>(state.head);
  record.plan = copy(state.plan);
  if (record.snapshot) record.snapshot.clusters = Object.fromEntries([...state.clusters].map(([name, text]) => [name, copy(text)]));
  return { ...record, version: state.version };
}

/** Stores `record` into `state`: only the clusters named by the hint, when it is usable. */
function store(state: RunState, record: RunRecord, changedClusters: readonly string[] | undefined): void {
  const { plan, snapshot } = record;
  // The head keeps every key in place (the plan's and the clusters' as placeholders): a load restores the order.
  const head = JSON.stringify({ ...record, plan: null, ...(snapshot ? { snapshot: { ...snapshot, clusters: {} } } : {}) });
  const clusters = snapshot?.clusters ?? {};
  const partial = changedClusters !== undefined && Object.keys(clusters).length === state.clusters.size && changedClusters.every((name) => state.clusters.has(name));
  // Everything is serialized before anything is replaced: a value JSON cannot hold leaves the run as it was.
  const texts: Array<[string, string]> = (partial ? changedClusters : Object.keys(clusters)).map((name) => [name, JSON.stringify(clusters[name])]);
  const planText = changedClusters !== undefined ? state.plan : JSON.stringify(plan);
  state.head = head;
  state.plan = planText;
  // A partial save updates the stored clusters in place (copying them all was O(N) per save).
  if (!partial) state.clusters = new Map();
  for (const [name, text] of texts) state.clusters.set(name, text);
}

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
      if (existingId !== undefined) return { record: recordOf(stateOf(existingId)), created: false };
      if (runs.has(input.runId)) throw new RunExistsError(input.runId);
      const state: RunState = { head: '{}', plan: 'null', clusters: new Map(), version: 1, journal: [], intents: new Map() };
      store(state, { ...input, version: 1 }, undefined);
      runs.set(input.runId, state);
      if (key !== undefined) idempotency.set(key, input.runId);
      return { record: recordOf(state), created: true };
    },

    async loadRun(runId) {
      const state = runs.get(checkRunId(runId));
      return state && recordOf(state);
    },

    async saveRun(record, expectedVersion, hint) {
      const state = stateOf(record.runId);
      if (state.version !== expectedVersion) throw new ConcurrentUpdateError(record.runId, expectedVersion);
      store(state, record, hint?.changedClusters);
      state.version = expectedVersion + 1;
      // Not parsed back from what was just written: the caller's own record at the new version (its
      // nested values are the caller's; what is stored is a copy).
      return { ...definedFields(record), version: state.version };
    },

    async listRuns() {
      return [...runs.values()].map((s) => toSummary(copy<RunRecord>(s.head))).sort(byCreation);
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
        const record = copy<RunRecord>(state.head);
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

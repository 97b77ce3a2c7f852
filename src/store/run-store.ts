import { QuiesceError } from '../errors.js';
import type { Plan } from '../plan/schema.js';

// The durable state of runs. Two implementations share this contract: the file store (CLI, default
// under .quiesce/) and the DynamoDB store (Lambda + Step Functions). Both must make every write durable
// before they return, because the executor writes intent *before* it acts.

export type RunStatus = 'running' | 'done' | 'held' | 'paused' | 'aborted';

/** XState persisted snapshots of the fleet machine and of each cluster machine that has started. */
export interface RunSnapshot {
  fleet: unknown;
  clusters: Record<string, unknown>;
}

export interface RunRecord {
  runId: string;
  planName: string;
  /** The lock key: one run per listener at a time. */
  listenerArn: string;
  plan: Plan;
  status: RunStatus;
  reason?: string;
  createdAt: number;
  updatedAt: number;
  /** Optimistic concurrency: each save must name the version it read. */
  version: number;
  snapshot?: RunSnapshot;
  /** Where the run's AWS lives: real AWS, or a sandbox world saved beside the run. */
  target: { kind: 'aws'; region: string; profile?: string } | { kind: 'sandbox'; worldFile?: string; realSteps?: true };
  idempotencyKey?: string;
  /** Set when the run ends; the DynamoDB store derives its TTL from it, so finished runs do not pile up. */
  finishedAt?: number;
  /** A run that yielded to wait (Step Functions) continues from this time on a virtual clock. */
  resumeAt?: number;
  /** Last known state and reason of each cluster, for status without restoring machines. */
  clusters?: Record<string, { state: string; reason?: string }>;
  /** The sandbox's audit at the end of a sandbox run. */
  sandbox?: unknown;
}

export type JournalKind =
  | 'run'
  | 'transition'
  | 'intent'
  | 'effect'
  | 'check'
  | 'drift'
  | 'operator'
  | 'error'
  | 'sandbox';

export interface JournalEntry {
  seq: number;
  runId: string;
  /** Time on the run's clock (virtual in a sandbox), ms epoch. */
  at: number;
  kind: JournalKind;
  cluster?: string;
  /** One line for humans: "blue: draining -> maintaining". */
  message: string;
  data?: Record<string, unknown>;
}

export interface Lease {
  key: string;
  runId: string;
  owner: string;
  /** Incremented on every acquire and renew; renew and release are conditioned on it. */
  version: number;
  expiresAt: number;
}

export type LockResult = { acquired: true; lease: Lease } | { acquired: false; holder: { runId: string; owner: string; expiresAt: number } };

export class ConcurrentUpdateError extends QuiesceError {
  constructor(runId: string, expected: number, options?: ErrorOptions) {
    super(`run ${runId} was updated by someone else (expected version ${expected})`, options);
    this.name = 'ConcurrentUpdateError';
  }
}

/**
 * What a save changes relative to the record at `expectedVersion`: the plan is unchanged, and of
 * `snapshot.clusters` only the named clusters' snapshots differ (the engine saves after every transition
 * of any cluster; rewriting every cluster's snapshot each time is quadratic in the fleet).
 */
export interface SaveHint {
  changedClusters: readonly string[];
}

export interface RunStore {
  /** Creates the run; with an idempotency key already used, returns the existing run instead. */
  createRun(record: Omit<RunRecord, 'version'>): Promise<{ record: RunRecord; created: boolean }>;
  loadRun(runId: string): Promise<RunRecord | undefined>;
  /**
   * Conditional on `expectedVersion`; throws ConcurrentUpdateError otherwise. Returns the saved record.
   * With a hint, a store may write only what the hint says changed; it may also ignore it.
   */
  saveRun(record: RunRecord, expectedVersion: number, hint?: SaveHint): Promise<RunRecord>;
  listRuns(): Promise<Array<Pick<RunRecord, 'runId' | 'planName' | 'status' | 'createdAt' | 'updatedAt' | 'reason'>>>;

  /** Appends entries after the run's last seq (assigned by the store). Durable before returning. */
  appendJournal(runId: string, entries: Array<Omit<JournalEntry, 'seq' | 'runId'>>): Promise<JournalEntry[]>;
  readJournal(runId: string): Promise<JournalEntry[]>;

  /**
   * Intent memory: returns the value stored under `key` for this run, or computes it, stores it durably,
   * and returns it. A resumed run gets the value recorded before the crash, never a fresh read.
   */
  remember<T>(runId: string, key: string, compute: () => Promise<T>): Promise<T>;
  recall<T>(runId: string, key: string): Promise<T | undefined>;

  acquireLock(key: string, runId: string, owner: string, leaseMs: number, now: number): Promise<LockResult>;
  renewLock(lease: Lease, leaseMs: number, now: number): Promise<Lease>;
  releaseLock(lease: Lease): Promise<void>;
  /**
   * Keeps the lock for the run while nobody drives it (paused, or waiting between Step Functions
   * invocations): the owner becomes `parked:<runId>`, so another run is refused, and the next driver of
   * this same run (any owner) may acquire it. Conditioned on the lease held, like renew.
   */
  parkLock(lease: Lease, leaseMs: number, now: number): Promise<Lease>;
}

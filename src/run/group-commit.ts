import type { Clock } from '../ports/clock.js';
import type { JournalEntry, JournalKind, RunRecord, RunStore } from '../store/run-store.js';

// Group commit: journal entries (transitions, and effects' intents, effects and checks) collect in a
// batch; a commit appends them in one call, then saves the machines that moved, and only then releases
// whoever waits for it (write-ahead). Against AWS a commit starts at once. On a virtual clock it starts
// when the run is otherwise idle (the time driver asks), so one commit serves every effect of that instant.

export type NewEntry = Omit<JournalEntry, 'seq' | 'runId'>;

/** A cluster's line in the run record: its top state, and why it paused or ended when it says. */
export interface ClusterSummary {
  state: string;
  reason?: string;
}

/** The machines a save writes: their persisted snapshots, read when a commit saves them. */
export interface SavedMachines {
  /** The cluster machines running, in the order they started. */
  clusterNames(): string[];
  cluster(name: string): { snapshot: unknown; summary: ClusterSummary };
  fleet(): unknown;
}

export interface GroupCommitDeps {
  store: Pick<RunStore, 'appendJournal' | 'saveRun'>;
  record: RunRecord;
  clock: Pick<Clock, 'now'>;
  /** Against AWS, commit as soon as something is noted; on a virtual clock, only when asked (commitPending). */
  immediate: boolean;
  machines(): SavedMachines;
  /** Told when an effect starts waiting for a commit: on a virtual clock it now counts as asleep. */
  onPark(): void;
}

interface Batch {
  entries: NewEntry[];
  waiters: Array<{ resolve(written: JournalEntry[]): void; reject(err: unknown): void }>;
}

interface SavedCluster {
  snapshot: unknown;
  text: string;
  summary: ClusterSummary;
}

export class GroupCommit {
  private current: RunRecord;
  private queue: Promise<void> = Promise.resolve();
  /** What the next commit writes (journal entries, in order) and who waits for it. */
  private batch: Batch = { entries: [], waiters: [] };
  private commitScheduled = false;
  private parkedOnCommit = 0;
  private firstFailure: unknown;
  /**
   * The machines as last saved (or as loaded), per part, to write only what changed: each cluster's
   * persisted snapshot as JSON and its summary, and the fleet's. Only machines marked moved since the
   * last save are serialized again, so a save costs what changed, not the fleet.
   */
  private readonly savedClusters = new Map<string, SavedCluster>();
  private savedFleet: { snapshot: unknown; text: string } | undefined;
  private readonly dirty = new Set<string>();
  private fleetDirty = true;
  /** Set once the machines run: before, a commit writes the journal only (no snapshot: nothing changed AWS yet). */
  private started = false;

  constructor(private readonly deps: GroupCommitDeps) {
    const record = deps.record;
    this.current = record;
    if (record.snapshot) {
      const summaries = (record.clusters ?? {}) as Record<string, ClusterSummary>;
      for (const [name, snapshot] of Object.entries(record.snapshot.clusters)) {
        this.savedClusters.set(name, { snapshot, text: JSON.stringify(snapshot), summary: summaries[name] ?? { state: 'pending' } });
      }
      this.savedFleet = { snapshot: record.snapshot.fleet, text: JSON.stringify(record.snapshot.fleet) };
    }
  }

  /** The run record as last saved (or as loaded). */
  get record(): RunRecord {
    return this.current;
  }

  /** True once the run has been saved with its machines: from then on, effects may have changed AWS. */
  get saved(): boolean {
    return this.current.snapshot !== undefined;
  }

  /** Effects waiting for a commit. */
  get parked(): number {
    return this.parkedOnCommit;
  }

  /** The first failure to save (or a machine's error): once set, nothing more is changed. */
  get failure(): unknown {
    return this.firstFailure;
  }

  fail(err: unknown): void {
    this.firstFailure ??= err;
  }

  /** The machines run: commits save their snapshots from now on. */
  start(): void {
    this.started = true;
  }

  /** An entry for the next commit, nobody waiting on it (a transition). */
  add(entry: NewEntry): void {
    this.batch.entries.push(entry);
    this.requestCommit();
  }

  /** A cluster machine was created: the next save writes it. */
  clusterAdded(name: string): void {
    this.dirty.add(name);
  }

  /** A cluster machine moved: the next commit saves it. */
  clusterMoved(name: string): void {
    this.dirty.add(name);
    this.requestCommit();
  }

  /** The fleet machine moved: the next commit saves it. */
  fleetMoved(): void {
    this.fleetDirty = true;
    this.requestCommit();
  }

  /** Effects' journal entries: written with the next commit, resolving once they are (one append for all). */
  appendLater(entries: NewEntry[]): Promise<JournalEntry[]> {
    return this.waitForCommit(entries);
  }

  /** Resolves once everything noted so far is durable. Only effects wait here (they count as parked). */
  nextCommit(): Promise<JournalEntry[]> {
    return this.waitForCommit([]);
  }

  /** Whether a commit has anything to write. */
  wanted(): boolean {
    return this.batch.entries.length > 0 || this.batch.waiters.length > 0 || (this.started && (this.dirty.size > 0 || this.fleetDirty));
  }

  /** Commits what is pending now (on a virtual clock, once the run is idle); its failure is the run's. */
  commitPending(): Promise<void> {
    this.enqueue(() => this.commit({}));
    return this.flush();
  }

  /** A commit now, from the engine itself (not an effect), changing the record too: its errors reach the caller. */
  async commitNow(change: Partial<RunRecord> = {}): Promise<void> {
    this.enqueue(() => this.commit(change));
    await this.flush();
    if (this.firstFailure) throw this.firstFailure;
  }

  /** A journal entry of the engine's own, durable (with everything noted before it) when this returns. */
  async note(kind: JournalKind, message: string, extra: { cluster?: string; data?: Record<string, unknown> } = {}): Promise<void> {
    this.batch.entries.push({ at: this.deps.clock.now(), kind, message, ...extra });
    await this.commitNow();
  }

  /** Waits for every commit started so far. */
  async flush(): Promise<void> {
    await this.queue;
  }

  private requestCommit(): void {
    if (!this.deps.immediate || this.commitScheduled) return;
    this.commitScheduled = true;
    this.enqueue(() => this.commit({}));
  }

  private waitForCommit(entries: NewEntry[]): Promise<JournalEntry[]> {
    const from = this.batch.entries.length;
    this.batch.entries.push(...entries);
    const to = this.batch.entries.length;
    this.parkedOnCommit++;
    const done = new Promise<JournalEntry[]>((resolve, reject) => this.batch.waiters.push({ resolve: (written) => resolve(written.slice(from, to)), reject }));
    const settled = () => {
      this.parkedOnCommit--;
    };
    void done.then(settled, settled);
    this.requestCommit();
    this.deps.onPark();
    return done;
  }

  private enqueue(work: () => Promise<unknown>): void {
    this.queue = this.queue.then(async () => {
      try {
        await work();
      } catch (err) {
        this.fail(err);
      }
    });
  }

  private async commit(change: Partial<RunRecord>): Promise<void> {
    this.commitScheduled = false;
    const batch = this.batch;
    this.batch = { entries: [], waiters: [] };
    try {
      const written = batch.entries.length ? await this.deps.store.appendJournal(this.current.runId, batch.entries) : [];
      await this.save(change);
      for (const waiter of batch.waiters) waiter.resolve(written);
    } catch (err) {
      for (const waiter of batch.waiters) waiter.reject(err);
      throw err;
    }
  }

  private async save(change: Partial<RunRecord>): Promise<void> {
    if (!this.started && Object.keys(change).length === 0) return;
    const machines = this.deps.machines();
    // Every effect waits for a save (write-ahead); when the machines have not moved since the last one (an
    // effect restarted on resume, a second effect of the same transition) that save would write nothing new.
    const changed: string[] = [];
    const pending = new Map<string, SavedCluster>();
    for (const name of this.dirty) {
      const { snapshot, summary } = machines.cluster(name);
      const text = JSON.stringify(snapshot);
      const saved = this.savedClusters.get(name);
      if (saved && saved.text === text && saved.summary.state === summary.state && saved.summary.reason === summary.reason) continue;
      changed.push(name);
      pending.set(name, { snapshot, text, summary });
    }
    let fleet = this.savedFleet;
    if (this.fleetDirty || !fleet) {
      const snapshot = machines.fleet();
      const text = JSON.stringify(snapshot);
      if (text !== fleet?.text) fleet = { snapshot, text };
    }
    if (Object.keys(change).length === 0 && changed.length === 0 && fleet === this.savedFleet && this.current.snapshot !== undefined) {
      this.dirty.clear();
      this.fleetDirty = false;
      return;
    }
    const names = machines.clusterNames();
    const clusters: Record<string, unknown> = {};
    const summary: Record<string, ClusterSummary> = {};
    for (const name of names) {
      const part = pending.get(name) ?? this.savedClusters.get(name)!;
      clusters[name] = part.snapshot;
      summary[name] = part.summary;
    }
    const next: RunRecord = { ...this.current, ...change, updatedAt: this.deps.clock.now(), snapshot: { fleet: fleet!.snapshot, clusters }, clusters: summary };
    // A status carries its own reason or none: a run done after a pause keeps no stale pause reason.
    if (change.status !== undefined && change.reason === undefined) delete next.reason;
    // The hint is usable only when the stored record holds exactly these clusters' snapshots already.
    const sameClusters = this.current.snapshot !== undefined && Object.keys(this.current.snapshot.clusters).length === names.length && names.every((n) => this.savedClusters.has(n));
    this.dirty.clear();
    this.fleetDirty = false;
    try {
      this.current = await this.deps.store.saveRun(next, this.current.version, sameClusters ? { changedClusters: changed } : undefined);
    } catch (err) {
      // Not saved: what changed stays to be written by whoever saves next.
      for (const name of pending.keys()) this.dirty.add(name);
      this.fleetDirty = true;
      throw err;
    }
    for (const [name, part] of pending) this.savedClusters.set(name, part);
    this.savedFleet = fleet;
  }
}

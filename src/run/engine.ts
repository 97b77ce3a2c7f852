import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { Logger } from 'pino';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine, type FleetContext, type FleetOutput } from '../../machines/fleet.machine.js';
import type { ClusterOutput } from '../../machines/cluster.contract.js';
import { AwsCallError, QuiesceError } from '../errors.js';
import { firstLine } from '../one-line.js';
import type { Plan } from '../plan/schema.js';
import type { CachePort } from '../ports/cache.js';
import type { Clock } from '../ports/clock.js';
import type { MetricsPort } from '../ports/metrics.js';
import type { TrafficPort } from '../ports/traffic.js';
import type { JournalEntry, JournalKind, RunRecord, RunStatus, RunStore } from '../store/run-store.js';
import { createClusterActors, createFleetActors } from './cluster-actors.js';
import { clusterMachineInput, fleetInput } from './machine-input.js';
import { baseline } from './baseline.js';
import type { RunContext } from './run-context.js';
import { createRunMemory } from './run-memory.js';
import type { VirtualClock } from '../connect/virtual-clock.js';

// Drives one run: restores (or starts) the fleet and cluster machines, persists what moved (group
// commits: one journal append and one save serve every transition and effect ready at that point), and
// moves time. On the sandbox's virtual clock it jumps straight to the next due check once every
// effect is idle or asleep; against AWS it sleeps until then. Only the machines touch AWS, through the
// actors provided here.

export interface SandboxReport {
  violations: Array<{ kind: string; message: string; at?: number }>;
  traffic: { requests: number; failed: number; perCluster?: Record<string, { requests: number; failed: number }> };
  weights: Record<string, number>;
  mutations: number;
  /** The world's synthetic settings, each named as a topology AWS does not allow; absent when none. */
  synthetic?: string[];
}

export interface Connection {
  traffic: TrafficPort;
  cache: CachePort;
  metrics: MetricsPort;
  clock: Clock;
  /** Present for sandbox runs: the clock the engine moves. */
  virtual?: VirtualClock;
  probes: RunContext['probes'];
  metricsLagMs: number;
  /** The sandbox's own audit, taken at the end of a run. */
  sandboxReport?(final: boolean): SandboxReport;
}

export interface ClusterView {
  name: string;
  state: string;
  detail?: string;
  reason?: string;
  nextCheckAt?: number;
  phaseSince?: number;
}

export interface RunView {
  runId: string;
  planName: string;
  status: RunStatus;
  now: number;
  reason?: string;
  clusters: ClusterView[];
}

export interface DriveResult extends RunView {
  /** With `until: 'wait'`: how long the caller should wait before advancing again. */
  waitSeconds?: number;
  sandbox?: SandboxReport;
}

export interface EngineDeps {
  store: RunStore;
  logger: Logger;
  connect(record: RunRecord): Promise<Connection>;
  /** Who drives: `pid@host` for the CLI, the request id for Lambda. */
  owner: string;
  leaseMs?: number;
  onProgress?(view: RunView): void;
}

export interface DriveOptions {
  /**
   * `end`: drive until done, held, aborted or paused. `wait`: return as soon as the run must wait longer
   * than inlineWaitMs, or until past `deadline`.
   */
  until: 'end' | 'wait';
  inlineWaitMs?: number;
  /**
   * `wait` only: real time (epoch ms) by which the call should return, e.g. a Lambda invocation's end less
   * a margin. A wait is done inline only if it ends before the deadline, so inline waits can never chain
   * past it. On a virtual clock the waits count as if they took real time, from the call's start.
   */
  deadline?: number;
  /** Sandbox only: virtual milliseconds per real millisecond (60 = a minute per second). Default: instant. */
  speed?: number;
  operator?: { type: 'APPROVE'; by: string };
}

import { RunNotFoundError } from '../store/errors.js';
import { LockHeldError, RunStateError } from './errors.js';

const TERMINAL: ReadonlySet<RunStatus> = new Set(['done', 'held', 'aborted']);
const DEFAULT_LEASE_MS = 60_000;

export async function createRun(
  deps: Pick<EngineDeps, 'store'>,
  input: { runId: string; plan: Plan; target: RunRecord['target']; idempotencyKey?: string; now: number },
): Promise<{ record: RunRecord; created: boolean }> {
  return deps.store.createRun({
    runId: input.runId,
    planName: input.plan.name,
    listenerArn: input.plan.fleet.listenerArn,
    plan: input.plan,
    status: 'running',
    createdAt: input.now,
    updatedAt: input.now,
    target: input.target,
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  });
}

/**
 * Records an abort request; the process driving the run (or the next one) acts on it. `now` is real time;
 * a sandbox run's journal is on its virtual clock, so there the request is stamped with the run's last
 * time (its record's updatedAt), keeping the journal in order.
 */
export async function requestAbort(deps: Pick<EngineDeps, 'store'>, runId: string, by: string, reason: string, now: number): Promise<void> {
  const record = await deps.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  if (TERMINAL.has(record.status)) throw new RunStateError(`run ${runId} already ended ${record.status}; nothing to abort`);
  const at = record.target.kind === 'sandbox' ? record.updatedAt : now;
  await deps.store.remember(runId, 'abort-request', async () => ({ by, reason, at }));
  await deps.store.appendJournal(runId, [{ at, kind: 'operator', message: `abort requested by ${by}: ${reason}`, data: { action: 'abort', by, reason } }]);
}

export async function driveRun(deps: EngineDeps, runId: string, options: DriveOptions): Promise<DriveResult> {
  const record = await deps.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  if (TERMINAL.has(record.status)) return { ...viewOfRecord(record), ...(record.sandbox ? { sandbox: record.sandbox as SandboxReport } : {}) };
  if (options.operator?.type === 'APPROVE' && record.status !== 'paused') {
    throw new RunStateError(`run ${runId} is ${record.status}, not paused: there is nothing to approve`);
  }
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const lock = await deps.store.acquireLock(record.listenerArn, runId, deps.owner, leaseMs, Date.now());
  if (!lock.acquired) throw new LockHeldError(lock.holder, record.listenerArn);
  let lease = lock.lease;
  let result: DriveResult | undefined;
  let driver: RunDriver | undefined;
  try {
    const connection = await deps.connect(record);
    driver = new RunDriver(deps, record, connection, async () => {
      lease = await deps.store.renewLock(lease, leaseMs, Date.now());
    });
    result = await driver.drive(options);
    return result;
  } finally {
    // The listener stays the run's until the run ends: parked while it waits, is paused, or failed
    // mid-way, so no other run can take a cluster out while this one may have one out. A run that never
    // saved a snapshot never changed anything (every effect waits for one): it holds nothing back.
    const untouched = record.snapshot === undefined && !driver?.saved;
    if ((result && TERMINAL.has(result.status)) || (!result && untouched)) await deps.store.releaseLock(lease);
    else await deps.store.parkLock(lease, parkMs(result), Date.now());
  }
}

/** How long a parked lock holds without its run coming back: past the next wake-up, or long for a pause. */
function parkMs(result: DriveResult | undefined): number {
  if (result?.status === 'running' && result.waitSeconds !== undefined) return result.waitSeconds * 1000 + 15 * 60_000;
  return 7 * 86_400_000;
}

export function viewOfRecord(record: RunRecord): RunView {
  const names = record.plan.fleet.clusters.map((c) => c.name);
  const summary = (record.clusters ?? {}) as Record<string, { state: string; reason?: string }>;
  return {
    runId: record.runId,
    planName: record.planName,
    status: record.status,
    now: record.updatedAt,
    ...(record.reason ? { reason: record.reason } : {}),
    clusters: names.map((name) => ({ name, state: summary[name]?.state ?? 'pending', ...(summary[name]?.reason ? { reason: summary[name]!.reason } : {}) })),
  };
}

type ClusterActor = Actor<typeof clusterMachine>;
type NewEntry = Omit<JournalEntry, 'seq' | 'runId'>;
interface Batch {
  entries: NewEntry[];
  waiters: Array<{ resolve(written: JournalEntry[]): void; reject(err: unknown): void }>;
}
type ClusterSnap = SnapshotFrom<typeof clusterMachine>;

const topState = (snap: ClusterSnap): string => (typeof snap.value === 'string' ? snap.value : Object.keys(snap.value)[0]!);
const stateKey = (value: unknown): string => (typeof value === 'string' ? value : Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}.${stateKey(v)}`).join(','));

class RunDriver {
  private readonly ctx: RunContext;
  private readonly clusters = new Map<string, ClusterActor>();
  private readonly clusterLogic;
  private readonly fleet: Actor<typeof fleetMachine>;
  private inflight = 0;
  private activity: (() => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** What the next commit writes (journal entries, in order) and who waits for it. */
  private batch: Batch = { entries: [], waiters: [] };
  private commitScheduled = false;
  /** Effects waiting for a commit: on a virtual clock they count as asleep (see settle). */
  private parkedOnCommit = 0;
  private fatal: unknown;
  private readonly reported = new Set<string>();
  private readonly lastState = new Map<string, string>();
  private readonly phaseSince = new Map<string, number>();
  private abortSent = false;
  /**
   * The machines as last saved (or as loaded), per part, to write only what changed: each cluster's
   * persisted snapshot as JSON and its summary, and the fleet's. Only machines marked dirty since the
   * last save are serialized again, so a save costs what changed, not the fleet.
   */
  private readonly savedClusters = new Map<string, { snapshot: unknown; text: string; summary: { state: string; reason?: string } }>();
  private savedFleet: { snapshot: unknown; text: string } | undefined;
  private readonly dirty = new Set<string>();
  private fleetDirty = true;
  /** Set once the machines run: before, a commit writes the journal only (no snapshot: nothing changed AWS yet). */
  private started = false;
  private lastAbortPoll: number | undefined;
  private lastRenew = Date.now();

  constructor(
    private readonly deps: EngineDeps,
    private record: RunRecord,
    private readonly conn: Connection,
    private readonly renew: () => Promise<void>,
  ) {
    const plan = record.plan;
    if (record.snapshot) {
      const summaries = (record.clusters ?? {}) as Record<string, { state: string; reason?: string }>;
      for (const [name, snapshot] of Object.entries(record.snapshot.clusters)) {
        this.savedClusters.set(name, { snapshot, text: JSON.stringify(snapshot), summary: summaries[name] ?? { state: 'pending' } });
      }
      this.savedFleet = { snapshot: record.snapshot.fleet, text: JSON.stringify(record.snapshot.fleet) };
    }
    this.ctx = {
      runId: record.runId,
      plan,
      // Effects' journal entries go out with the next commit: one append for all of them (group commit).
      store: { ...deps.store, appendJournal: (_runId, entries) => this.appendLater(entries) },
      clock: conn.clock,
      logger: deps.logger.child({ runId: record.runId }),
      traffic: conn.traffic,
      cache: conn.cache,
      metrics: conn.metrics,
      location: { listenerArn: plan.fleet.listenerArn, ...(plan.fleet.ruleArn ? { ruleArn: plan.fleet.ruleArn } : {}) },
      inFlight: () => new Set([...this.clusters].filter(([, a]) => a.getSnapshot().status === 'active').map(([n]) => n)),
      outcomes: () => new Map([...this.clusters].flatMap(([n, a]) => { const snap = a.getSnapshot(); return snap.status === 'done' ? [[n, (snap.output as ClusterOutput).outcome] as const] : []; })),
      heldOut: () => new Set([...this.clusters].filter(([, a]) => a.getSnapshot().status === 'done' && a.getSnapshot().output?.inRotation === false).map(([n]) => n)),
      probes: conn.probes,
      metricsLagMs: conn.metricsLagMs,
      memory: createRunMemory(),
    };
    const tracker = {
      begin: () => {
        this.inflight++;
      },
      end: () => {
        this.inflight--;
        this.signal();
      },
      persisted: async () => {
        // Resolves after the next commit, which saves every machine that moved (this one included).
        await this.nextCommit();
        // Nothing touches AWS once the run cannot be saved: the loop rethrows the cause.
        if (this.fatal) throw new QuiesceError(`run ${record.runId} could not be saved; no further change is made`, { cause: this.fatal });
      },
    };
    this.clusterLogic = clusterMachine.provide({ actors: createClusterActors(this.ctx, tracker) });
    const fleetLogic = fleetMachine.provide({
      actions: {
        // Runs inside the fleet's transition: start the cluster after it, never re-entrantly.
        startCluster: (_, params: { name: string }) => queueMicrotask(() => this.startCluster(params.name)),
      },
      actors: { confirmFleet: createFleetActors(this.ctx, tracker).confirmFleet },
    });
    const snapshot = record.snapshot?.fleet;
    this.fleet = createActor(fleetLogic, { input: fleetInput(plan), ...(snapshot ? { snapshot: snapshot as never } : {}) });
    this.fleet.subscribe({
      next: (snap) => {
        this.noteTransition('fleet', snap.value, undefined, snap.context.pause);
        this.fleetDirty = true;
        this.requestCommit();
      },
      error: (err) => this.fail(err),
    });
  }

  async drive(options: DriveOptions): Promise<DriveResult> {
    const resumed = this.record.snapshot !== undefined;
    this.conn.virtual?.onSleep(() => this.signal());
    await this.note('run', resumed ? `run resumed by ${this.deps.owner}` : `run started by ${this.deps.owner}`, { data: { owner: this.deps.owner } });
    if (this.conn.virtual && this.record.resumeAt && this.record.resumeAt > this.conn.clock.now()) this.conn.virtual.advanceTo(this.record.resumeAt);
    // The deadline on the run's clock: a virtual one moves only by waits, so they are what it bounds.
    const waitLimit = options.deadline === undefined ? undefined : this.conn.virtual ? this.conn.clock.now() + (options.deadline - Date.now()) : options.deadline;
    // The world as it was before the first change: every restore returns to it.
    try {
      await this.outsideLoop(() => baseline(this.ctx));
    } catch (err) {
      // Nothing has changed yet (the baseline precedes every change): end safely, saying why.
      if (!(err instanceof AwsCallError)) throw err;
      return this.endBeforeStart(`could not read the listener and target groups at run start, so nothing was changed: ${firstLine(err)}`);
    }

    this.started = true;
    for (const [name, snapshot] of Object.entries(this.record.snapshot?.clusters ?? {})) this.startCluster(name, snapshot);
    this.fleet.start();
    // A cluster the fleet started whose machine never got persisted starts now; one that ended while the
    // process died reports again (the fleet ignores duplicates).
    for (const [name, status] of Object.entries(this.fleet.getSnapshot().context.status)) {
      if ((status === 'running' || status === 'paused') && !this.clusters.has(name)) this.startCluster(name);
    }
    for (const [name, actor] of this.clusters) this.reportIfFinal(name, actor.getSnapshot());

    if (options.operator) {
      const paused = [...this.clusters].filter(([, a]) => a.getSnapshot().value === 'paused');
      const fleetPaused = this.fleet.getSnapshot().value === 'paused';
      const names = [...paused.map(([n]) => n), ...(fleetPaused ? ['fleet'] : [])];
      await this.note('operator', `approved by ${options.operator.by} (${names.join(', ') || 'nothing paused'})`, { data: { action: 'approve', by: options.operator.by } });
      for (const [, actor] of paused) actor.send({ type: 'APPROVE', by: options.operator.by });
      if (fleetPaused) this.fleet.send({ type: 'APPROVE', by: options.operator.by });
    }

    for (;;) {
      await this.settle();
      await this.flush();
      if (this.fatal) throw this.fatal;
      // Here every effect is idle or asleep: what happens now cannot reorder them (a deterministic timeline).
      await this.renewIfDue();
      if (await this.pollAbort()) continue;
      this.progress();
      const fleetSnap = this.fleet.getSnapshot();
      if (fleetSnap.status === 'done') return this.finish(fleetSnap.output as FleetOutput);

      const now = this.conn.clock.now();
      const dues: number[] = [];
      for (const actor of this.clusters.values()) {
        const snap = actor.getSnapshot();
        if (snap.status === 'active' && snap.context.nextCheckAt !== undefined && snap.can({ type: 'TICK', now: Number.MAX_SAFE_INTEGER })) {
          dues.push(snap.context.nextCheckAt);
        }
      }
      const wake = this.conn.virtual?.nextWakeAt();
      if (wake !== undefined) dues.push(wake);
      if (dues.length === 0) {
        if (this.inflight > 0) continue;
        const paused = [...this.clusters.values()].filter((a) => a.getSnapshot().value === 'paused');
        const fleetPause = fleetSnap.value === 'paused' ? fleetSnap.context.pause : undefined;
        if (paused.length || fleetPause) return this.pause(paused, fleetPause);
        throw new Error(`run ${this.record.runId} is stuck: no effect is running and no cluster waits for anything (fleet ${JSON.stringify(fleetSnap.value)})`);
      }
      const due = Math.max(now, Math.min(...dues));
      if (options.until === 'wait' && (due - now > (options.inlineWaitMs ?? 0) || (waitLimit !== undefined && due > waitLimit))) return this.yieldUntil(due);
      await this.advanceTo(due, options.speed);
      const t = this.conn.clock.now();
      for (const actor of this.clusters.values()) {
        const snap = actor.getSnapshot();
        if (snap.status === 'active' && snap.context.nextCheckAt !== undefined && snap.context.nextCheckAt <= t) actor.send({ type: 'TICK', now: t });
      }
    }
  }

  /**
   * Work awaited outside the loop (the baseline, the end-of-run cleanup). Its retries sleep on the clock
   * like any effect's; on a virtual clock nobody else is there to move time, so this does, or the run
   * would wait forever.
   */
  private async outsideLoop<T>(work: () => Promise<T>): Promise<T> {
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
    const virtual = this.conn.virtual;
    while (outcome === undefined) {
      if (!virtual) {
        await running;
        break;
      }
      await this.settle();
      if (this.fatal) throw this.fatal;
      const wake = virtual.nextWakeAt();
      if (outcome === undefined && wake !== undefined) virtual.advanceTo(wake);
    }
    const done = outcome as { ok: true; value: T } | { ok: false; error: unknown };
    if (!done.ok) throw done.error;
    return done.value;
  }

  private async endBeforeStart(reason: string): Promise<DriveResult> {
    const report = this.sandbox(true);
    await this.commitNow({ status: 'held', finishedAt: this.conn.clock.now(), reason, ...(report.sandbox ? { sandbox: report.sandbox } : {}) });
    await this.note('run', `run ended held: ${reason}`, { data: { status: 'held', ...(report.sandbox ? { sandbox: report.sandbox } : {}) } });
    const result = { ...this.view('held', reason), ...report };
    this.deps.onProgress?.(result);
    return result;
  }

  private startCluster(name: string, snapshot?: unknown): void {
    if (this.clusters.has(name)) return;
    const actor = createActor(this.clusterLogic, {
      input: clusterMachineInput(this.record.plan, name),
      ...(snapshot ? { snapshot: snapshot as never } : {}),
    });
    this.clusters.set(name, actor);
    this.dirty.add(name);
    actor.subscribe({
      next: (snap) => this.onCluster(name, snap),
      error: (err) => this.fail(err),
    });
    actor.start();
    if (!snapshot) this.onCluster(name, actor.getSnapshot());
  }

  private onCluster(name: string, snap: ClusterSnap): void {
    const previous = this.lastState.get(name);
    const key = stateKey(snap.value);
    const wasPaused = previous === 'paused';
    this.noteTransition(name, snap.value, snap);
    if (snap.value === 'paused' && !wasPaused && previous !== undefined) {
      this.fleet.send({ type: 'CLUSTER.PAUSED', name, reason: snap.context.pause?.reason ?? 'paused' });
    } else if (wasPaused && key !== 'paused' && snap.status === 'active') {
      this.fleet.send({ type: 'CLUSTER.RESUMED', name });
    }
    this.reportIfFinal(name, snap);
    this.dirty.add(name);
    this.requestCommit();
  }

  private reportIfFinal(name: string, snap: ClusterSnap): void {
    if (snap.status !== 'done' || this.reported.has(name)) return;
    this.reported.add(name);
    const out = snap.output as ClusterOutput;
    if (out.outcome === 'done') this.fleet.send({ type: 'CLUSTER.DONE', name });
    else if (out.outcome === 'held') this.fleet.send({ type: 'CLUSTER.HELD', name, reason: out.reason ?? 'held', inRotation: out.inRotation });
    else this.fleet.send({ type: 'CLUSTER.ABORTED', name, ...(out.reason ? { reason: out.reason } : {}), inRotation: out.inRotation });
  }

  private noteTransition(name: string, value: unknown, snap: ClusterSnap | undefined, fleetPause?: FleetContext['pause']): void {
    const key = stateKey(value);
    const previous = this.lastState.get(name);
    if (previous === key) return;
    this.lastState.set(name, key);
    const at = this.conn.clock.now();
    if (snap && (previous === undefined || previous.split('.')[0] !== key.split('.')[0])) this.phaseSince.set(name, at);
    const context = snap?.context ?? (fleetPause ? { pause: fleetPause, drift: fleetPause.drift, reason: undefined } : undefined);
    const why = key === 'paused' ? context?.pause?.reason : key === 'held' || key === 'aborted' ? context?.reason : undefined;
    const message = `${name}: ${previous ?? '(start)'} -> ${key}${why ? ` (${why})` : ''}`;
    this.batch.entries.push({ at, kind: 'transition', ...(name === 'fleet' ? {} : { cluster: name }), message, data: { from: previous ?? null, to: key, ...(why ? { reason: why } : {}), ...(context?.drift ? { drift: context.drift } : {}) } });
    this.requestCommit();
    this.deps.logger.info({ runId: this.record.runId, cluster: name, from: previous, to: key }, message);
  }

  /**
   * Group commit: journal entries (transitions, and effects' intents, effects and checks) collect in a
   * batch; a commit appends them in one call, then saves the machines that moved, and only then releases
   * whoever waits for it (write-ahead). Against AWS a commit starts at once. On a virtual clock it starts
   * when the run is otherwise idle (settle), so one commit serves every effect of that instant.
   */
  private requestCommit(): void {
    if (this.conn.virtual || this.commitScheduled) return;
    this.commitScheduled = true;
    this.enqueue(() => this.commit({}));
  }

  private commitWanted(): boolean {
    return this.batch.entries.length > 0 || this.batch.waiters.length > 0 || (this.started && (this.dirty.size > 0 || this.fleetDirty));
  }

  /** Resolves once everything noted so far is durable. Only effects wait here (they count as parked). */
  private nextCommit(): Promise<JournalEntry[]> {
    return this.waitForCommit([]);
  }

  private appendLater(entries: NewEntry[]): Promise<JournalEntry[]> {
    return this.waitForCommit(entries);
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
    this.signal();
    return done;
  }

  private async commit(change: Partial<RunRecord>): Promise<void> {
    this.commitScheduled = false;
    const batch = this.batch;
    this.batch = { entries: [], waiters: [] };
    try {
      const written = batch.entries.length ? await this.deps.store.appendJournal(this.record.runId, batch.entries) : [];
      await this.save(change);
      for (const waiter of batch.waiters) waiter.resolve(written);
    } catch (err) {
      for (const waiter of batch.waiters) waiter.reject(err);
      throw err;
    }
  }

  /** A commit now, from the driver itself (not an effect): its errors reach the caller. */
  private async commitNow(change: Partial<RunRecord> = {}): Promise<void> {
    this.enqueue(() => this.commit(change));
    await this.flush();
    if (this.fatal) throw this.fatal;
  }

  /** A journal entry of the driver's own, durable (with everything noted before it) when this returns. */
  private async note(kind: JournalKind, message: string, extra: { cluster?: string; data?: Record<string, unknown> } = {}): Promise<void> {
    this.batch.entries.push({ at: this.conn.clock.now(), kind, message, ...extra });
    await this.commitNow();
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

  /** True once this driver has saved the run: from then on, effects may have changed AWS. */
  get saved(): boolean {
    return this.record.snapshot !== undefined;
  }

  private async save(change: Partial<RunRecord>): Promise<void> {
    if (!this.started && Object.keys(change).length === 0) return;
    // Every effect waits for a save (write-ahead); when the machines have not moved since the last one (an
    // effect restarted on resume, a second effect of the same transition) that save would write nothing new.
    const changed: string[] = [];
    const pending = new Map<string, { snapshot: unknown; text: string; summary: { state: string; reason?: string } }>();
    for (const name of this.dirty) {
      const actor = this.clusters.get(name)!;
      const snap = actor.getSnapshot();
      const snapshot = actor.getPersistedSnapshot();
      const text = JSON.stringify(snapshot);
      const reason = snap.context.pause?.reason ?? snap.context.reason;
      const summary = { state: topState(snap), ...(reason ? { reason } : {}) };
      const saved = this.savedClusters.get(name);
      if (saved && saved.text === text && saved.summary.state === summary.state && saved.summary.reason === summary.reason) continue;
      changed.push(name);
      pending.set(name, { snapshot, text, summary });
    }
    let fleet = this.savedFleet;
    if (this.fleetDirty || !fleet) {
      const snapshot = this.fleet.getPersistedSnapshot();
      const text = JSON.stringify(snapshot);
      if (text !== fleet?.text) fleet = { snapshot, text };
    }
    if (Object.keys(change).length === 0 && changed.length === 0 && fleet === this.savedFleet && this.record.snapshot !== undefined) {
      this.dirty.clear();
      this.fleetDirty = false;
      return;
    }
    const clusters: Record<string, unknown> = {};
    const summary: Record<string, { state: string; reason?: string }> = {};
    for (const name of this.clusters.keys()) {
      const part = pending.get(name) ?? this.savedClusters.get(name)!;
      clusters[name] = part.snapshot;
      summary[name] = part.summary;
    }
    const next: RunRecord = { ...this.record, ...change, updatedAt: this.conn.clock.now(), snapshot: { fleet: fleet!.snapshot, clusters }, clusters: summary };
    // The hint is usable only when the stored record holds exactly these clusters' snapshots already.
    const sameClusters = this.record.snapshot !== undefined && Object.keys(this.record.snapshot.clusters).length === this.clusters.size && [...this.clusters.keys()].every((n) => this.savedClusters.has(n));
    this.dirty.clear();
    this.fleetDirty = false;
    try {
      this.record = await this.deps.store.saveRun(next, this.record.version, sameClusters ? { changedClusters: changed } : undefined);
    } catch (err) {
      // Not saved: what changed stays to be written by whoever saves next.
      for (const name of pending.keys()) this.dirty.add(name);
      this.fleetDirty = true;
      throw err;
    }
    for (const [name, part] of pending) this.savedClusters.set(name, part);
    this.savedFleet = fleet;
  }

  private async flush(): Promise<void> {
    await this.queue;
  }

  private fail(err: unknown): void {
    this.fatal ??= err;
  }

  /**
   * Waits until every running effect is done, or (on a virtual clock) asleep or parked waiting for a
   * commit; then commits for the parked ones and waits again, until nothing is left to commit. It sleeps
   * until something happens (an effect ends, sleeps or parks), never polls; the only timer is the lease's.
   */
  private async settle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.fatal) return;
      if (this.idle()) {
        // Once more after anything just resumed by the last turn has run its synchronous part.
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.idle()) continue;
        if (!this.conn.virtual || !this.commitWanted()) return;
        this.enqueue(() => this.commit({}));
        await this.flush();
        continue;
      }
      if (!(await this.waitForActivity()) && this.conn.virtual) {
        // On a virtual clock only real I/O takes real time: a long silence is more often an effect waiting
        // for another one without Clock.idle (which hangs the run), and this says so.
        this.deps.logger.info({ runId: this.record.runId, running: this.inflight, asleep: this.conn.virtual.sleeping, parked: this.parkedOnCommit }, 'effects made no progress for a while: waiting on real I/O, or on another effect without Clock.idle');
      }
      await this.renewIfDue();
    }
  }

  private idle(): boolean {
    const virtual = this.conn.virtual;
    return this.inflight <= (virtual ? virtual.sleeping + this.parkedOnCommit : 0);
  }

  private signal(): void {
    const wake = this.activity;
    this.activity = undefined;
    wake?.();
  }

  /**
   * Until the next signal (true), or until the lease is due for renewal (false): an effect may take long
   * on real I/O.
   */
  private async waitForActivity(): Promise<boolean> {
    const leaseMs = this.deps.leaseMs ?? DEFAULT_LEASE_MS;
    let timer: NodeJS.Timeout | undefined;
    const signalled = await new Promise<boolean>((resolve) => {
      this.activity = () => resolve(true);
      timer = setTimeout(() => resolve(false), Math.max(0, this.lastRenew + leaseMs / 3 - Date.now()));
    });
    clearTimeout(timer);
    this.activity = undefined;
    return signalled;
  }

  /** The lease is on real time (other processes read it so): renewed by real time; it touches only the lock. */
  private async renewIfDue(): Promise<void> {
    const leaseMs = this.deps.leaseMs ?? DEFAULT_LEASE_MS;
    if (Date.now() - this.lastRenew < leaseMs / 3) return;
    await this.renew();
    this.lastRenew = Date.now();
  }

  /**
   * Takes up an abort request; true if it did. On a virtual clock, once per instant of that clock (so two
   * runs of one plan and world see it at the same virtual points); against AWS, at most every 250 ms.
   */
  private async pollAbort(): Promise<boolean> {
    if (this.abortSent) return false;
    const virtual = this.conn.virtual !== undefined;
    const now = virtual ? this.conn.clock.now() : Date.now();
    if (this.lastAbortPoll !== undefined && (virtual ? now === this.lastAbortPoll : now - this.lastAbortPoll < 250)) return false;
    this.lastAbortPoll = now;
    const request = await this.deps.store.recall<{ by: string; reason: string }>(this.record.runId, 'abort-request');
    if (!request) return false;
    this.abortSent = true;
    await this.note('operator', `abort by ${request.by} taken up: clusters still in rotation stop, clusters out return only through verification, clusters in maintenance are held`, { data: { action: 'abort', ...request } });
    this.fleet.send({ type: 'ABORT', by: request.by, reason: request.reason });
    for (const actor of this.clusters.values()) {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'ABORT', by: request.by, reason: request.reason });
    }
    return true;
  }

  private async advanceTo(due: number, speed: number | undefined): Promise<void> {
    const clock = this.conn.clock;
    if (this.conn.virtual) {
      if (speed && speed > 0) {
        // Watchable pace: move in steps of at most one real second so the progress view stays live.
        while (clock.now() < due) {
          const step = Math.min(due - clock.now(), speed * 1000);
          await new Promise((resolve) => setTimeout(resolve, step / speed));
          this.conn.virtual.advanceTo(clock.now() + step);
          this.progress();
        }
      } else this.conn.virtual.advanceTo(due);
      return;
    }
    while (clock.now() < due) {
      await clock.sleep(Math.min(due - clock.now(), (this.deps.leaseMs ?? DEFAULT_LEASE_MS) / 3));
      await this.renewIfDue();
      this.progress();
    }
  }

  private view(status: RunStatus, reason?: string): RunView {
    const now = this.conn.clock.now();
    return {
      runId: this.record.runId,
      planName: this.record.planName,
      status,
      now,
      ...(reason ? { reason } : {}),
      clusters: this.record.plan.fleet.clusters.map(({ name }) => {
        const actor = this.clusters.get(name);
        if (!actor) return { name, state: 'pending' };
        const snap = actor.getSnapshot();
        const c = snap.context;
        const failing = c.lastChecks.find((check) => !check.ok);
        const since = this.phaseSince.get(name);
        return {
          name,
          state: topState(snap),
          ...(c.pause?.reason ? { detail: c.pause.reason } : failing ? { detail: `${failing.name}: ${failing.observed}` } : {}),
          ...(c.reason && snap.status === 'done' ? { reason: c.reason } : c.pause?.reason ? { reason: c.pause.reason } : {}),
          ...(snap.status === 'active' && c.nextCheckAt !== undefined ? { nextCheckAt: c.nextCheckAt } : {}),
          ...(since !== undefined ? { phaseSince: since } : {}),
        };
      }),
    };
  }

  private progress(): void {
    this.deps.onProgress?.(this.view('running'));
  }

  private async pause(paused: ClusterActor[], fleetPause?: FleetContext['pause']): Promise<DriveResult> {
    const reason = [...paused.map((a) => `${a.getSnapshot().context.input.name}: ${a.getSnapshot().context.pause?.reason ?? 'paused'}`), ...(fleetPause ? [`fleet: ${fleetPause.reason}`] : [])].join('; ');
    await this.commitNow({ status: 'paused', reason });
    await this.note('run', `run paused: ${reason}`);
    const result = { ...this.view('paused', reason), ...this.sandbox(false) };
    this.deps.onProgress?.(result);
    return result;
  }

  private async yieldUntil(due: number): Promise<DriveResult> {
    await this.commitNow({ status: 'running', resumeAt: due });
    const waitSeconds = Math.max(1, Math.ceil((due - this.conn.clock.now()) / 1000));
    return { ...this.view('running'), waitSeconds };
  }

  private async finish(output: FleetOutput): Promise<DriveResult> {
    const status: RunStatus = output.status;
    const reason = output.reason;
    const report = this.sandbox(true);
    await this.commitNow({ status, finishedAt: this.conn.clock.now(), ...(reason ? { reason } : {}), ...(report.sandbox ? { sandbox: report.sandbox } : {}) });
    await this.note('run', `run ended ${status}${reason ? `: ${reason}` : ''}`, { data: { status, ...(report.sandbox ? { sandbox: report.sandbox } : {}) } });
    const result = { ...this.view(status, reason), ...report };
    this.deps.onProgress?.(result);
    return result;
  }

  private sandbox(final: boolean): { sandbox?: SandboxReport } {
    return this.conn.sandboxReport ? { sandbox: this.conn.sandboxReport(final) } : {};
  }
}

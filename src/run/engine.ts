import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { Logger } from 'pino';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine, type FleetOutput } from '../../machines/fleet.machine.js';
import type { ClusterOutput } from '../../machines/cluster.contract.js';
import { AwsCallError, QuiesceError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { CachePort } from '../ports/cache.js';
import type { Clock } from '../ports/clock.js';
import type { MetricsPort } from '../ports/metrics.js';
import type { TrafficPort } from '../ports/traffic.js';
import type { Lease, RunRecord, RunStatus, RunStore } from '../store/run-store.js';
import { createClusterActors } from './cluster-actors.js';
import { clusterMachineInput, fleetInput } from './machine-input.js';
import { baseline, journal, type RunContext } from './run-context.js';
import type { VirtualClock } from './virtual-clock.js';

// Drives one run: restores (or starts) the fleet and cluster machines, persists after every transition,
// and moves time. On the sandbox's virtual clock it jumps straight to the next due check once every
// effect is idle or asleep; against AWS it sleeps until then. Only the machines touch AWS, through the
// actors provided here.

export interface SandboxReport {
  violations: Array<{ kind: string; message: string; at?: number }>;
  traffic: { requests: number; failed: number; perCluster?: Record<string, { requests: number; failed: number }> };
  weights: Record<string, number>;
  mutations: number;
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
  /** Saves the sandbox world after the clock moved (mutations save themselves). */
  checkpoint?(): void;
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
  /** `end`: drive until done, held, aborted or paused. `wait`: return as soon as the run must wait longer than inlineWaitMs. */
  until: 'end' | 'wait';
  inlineWaitMs?: number;
  /** Sandbox only: virtual milliseconds per real millisecond (60 = a minute per second). Default: instant. */
  speed?: number;
  operator?: { type: 'APPROVE'; by: string };
}

export class LockHeldError extends QuiesceError {
  constructor(
    readonly holder: { runId: string; owner: string; expiresAt: number },
    listenerArn: string,
  ) {
    super(`another run holds the lock on ${listenerArn}: run ${holder.runId} (${holder.owner}), lease until ${new Date(holder.expiresAt).toISOString()}`);
  }
}

export class RunNotFoundError extends QuiesceError {
  constructor(runId: string) {
    super(`no run ${runId} in this state store`);
  }
}

export class RunStateError extends QuiesceError {}

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

/** Records an abort request; the process driving the run (or the next one) acts on it. */
export async function requestAbort(deps: Pick<EngineDeps, 'store'>, runId: string, by: string, reason: string, now: number): Promise<void> {
  const record = await deps.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  if (TERMINAL.has(record.status)) throw new RunStateError(`run ${runId} already ended ${record.status}; nothing to abort`);
  await deps.store.remember(runId, 'abort-request', async () => ({ by, reason, at: now }));
  await deps.store.appendJournal(runId, [{ at: now, kind: 'operator', message: `abort requested by ${by}: ${reason}`, data: { action: 'abort', by, reason } }]);
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
  private persistPending = false;
  private fatal: unknown;
  private readonly reported = new Set<string>();
  private readonly lastState = new Map<string, string>();
  private readonly phaseSince = new Map<string, number>();
  private abortSent = false;
  /** The machines as last saved (or as loaded), to skip saves that would change nothing. */
  private savedFingerprint: string | undefined;
  private lastAbortPoll = 0;
  private lastRenew = Date.now();

  constructor(
    private readonly deps: EngineDeps,
    private record: RunRecord,
    private readonly conn: Connection,
    private readonly renew: () => Promise<void>,
  ) {
    const plan = record.plan;
    if (record.snapshot) this.savedFingerprint = JSON.stringify([record.snapshot, record.clusters ?? {}]);
    this.ctx = {
      runId: record.runId,
      plan,
      store: deps.store,
      clock: conn.clock,
      logger: deps.logger.child({ runId: record.runId }),
      traffic: conn.traffic,
      cache: conn.cache,
      metrics: conn.metrics,
      location: { listenerArn: plan.fleet.listenerArn, ...(plan.fleet.ruleArn ? { ruleArn: plan.fleet.ruleArn } : {}) },
      inFlight: () => new Set([...this.clusters].filter(([, a]) => a.getSnapshot().status === 'active').map(([n]) => n)),
      probes: conn.probes,
      metricsLagMs: conn.metricsLagMs,
    };
    const tracker = {
      begin: () => {
        this.inflight++;
      },
      end: () => {
        this.inflight--;
        this.activity?.();
      },
      persisted: async () => {
        this.schedulePersist();
        await this.flush();
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
    });
    const snapshot = record.snapshot?.fleet;
    this.fleet = createActor(fleetLogic, { input: fleetInput(plan), ...(snapshot ? { snapshot: snapshot as never } : {}) });
    this.fleet.subscribe({
      next: (snap) => {
        this.noteTransition('fleet', snap.value, undefined);
        this.schedulePersist();
      },
      error: (err) => this.fail(err),
    });
  }

  async drive(options: DriveOptions): Promise<DriveResult> {
    const resumed = this.record.snapshot !== undefined;
    await journal(this.ctx, 'run', resumed ? `run resumed by ${this.deps.owner}` : `run started by ${this.deps.owner}`, { data: { owner: this.deps.owner } });
    if (this.conn.virtual && this.record.resumeAt && this.record.resumeAt > this.conn.clock.now()) this.conn.virtual.advanceTo(this.record.resumeAt);
    // The world as it was before the first change: every restore returns to it.
    try {
      await this.beforeLoop(() => baseline(this.ctx));
    } catch (err) {
      // Nothing has changed yet (the baseline precedes every change): end safely, saying why.
      if (!(err instanceof AwsCallError)) throw err;
      return this.endBeforeStart(`could not read the listener and target groups at run start, so nothing was changed: ${err.message.split('\n')[0]}`);
    }

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
      await journal(this.ctx, 'operator', `approved by ${options.operator.by} (${paused.map(([n]) => n).join(', ') || 'nothing paused'})`, { data: { action: 'approve', by: options.operator.by } });
      for (const [, actor] of paused) actor.send({ type: 'APPROVE', by: options.operator.by });
    }

    for (;;) {
      await this.pollAbort();
      await this.settle();
      await this.flush();
      if (this.fatal) throw this.fatal;
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
        if (paused.length) return this.pause(paused);
        throw new Error(`run ${this.record.runId} is stuck: no effect is running and no cluster waits for anything (fleet ${JSON.stringify(fleetSnap.value)})`);
      }
      const due = Math.max(now, Math.min(...dues));
      if (options.until === 'wait' && due - now > (options.inlineWaitMs ?? 0)) return this.yieldUntil(due);
      await this.advanceTo(due, options.speed);
      const t = this.conn.clock.now();
      for (const actor of this.clusters.values()) {
        const snap = actor.getSnapshot();
        if (snap.status === 'active' && snap.context.nextCheckAt !== undefined && snap.context.nextCheckAt <= t) actor.send({ type: 'TICK', now: t });
      }
    }
  }

  /**
   * Work awaited before the loop runs (the baseline). Its retries sleep on the clock like any effect's;
   * on a virtual clock nobody else is there to move time, so this does, or the run would wait forever.
   */
  private async beforeLoop<T>(work: () => Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    this.inflight++;
    const running = work().then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    void running.finally(() => {
      this.inflight--;
      this.activity?.();
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
    await this.save({ status: 'held', finishedAt: this.conn.clock.now(), reason, ...(report.sandbox ? { sandbox: report.sandbox } : {}) });
    await journal(this.ctx, 'run', `run ended held: ${reason}`, { data: { status: 'held', ...(report.sandbox ? { sandbox: report.sandbox } : {}) } });
    await this.flush();
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
    this.schedulePersist();
  }

  private reportIfFinal(name: string, snap: ClusterSnap): void {
    if (snap.status !== 'done' || this.reported.has(name)) return;
    this.reported.add(name);
    const out = snap.output as ClusterOutput;
    if (out.outcome === 'done') this.fleet.send({ type: 'CLUSTER.DONE', name });
    else if (out.outcome === 'held') this.fleet.send({ type: 'CLUSTER.HELD', name, reason: out.reason ?? 'held', inRotation: out.inRotation });
    else this.fleet.send({ type: 'CLUSTER.ABORTED', name, ...(out.reason ? { reason: out.reason } : {}), inRotation: out.inRotation });
  }

  private noteTransition(name: string, value: unknown, snap: ClusterSnap | undefined): void {
    const key = stateKey(value);
    const previous = this.lastState.get(name);
    if (previous === key) return;
    this.lastState.set(name, key);
    const at = this.conn.clock.now();
    if (snap && (previous === undefined || previous.split('.')[0] !== key.split('.')[0])) this.phaseSince.set(name, at);
    const context = snap?.context;
    const why = key === 'paused' ? context?.pause?.reason : key === 'held' || key === 'aborted' ? context?.reason : undefined;
    const message = `${name}: ${previous ?? '(start)'} -> ${key}${why ? ` (${why})` : ''}`;
    this.enqueue(() =>
      this.deps.store.appendJournal(this.record.runId, [
        { at, kind: 'transition', ...(name === 'fleet' ? {} : { cluster: name }), message, data: { from: previous ?? null, to: key, ...(why ? { reason: why } : {}), ...(context?.drift ? { drift: context.drift } : {}) } },
      ]),
    );
    this.deps.logger.info({ runId: this.record.runId, cluster: name, from: previous, to: key }, message);
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

  /** Coalesces: at most one save in the queue at a time, always of the newest snapshots. */
  private schedulePersist(): void {
    if (this.persistPending) return;
    this.persistPending = true;
    this.enqueue(async () => {
      this.persistPending = false;
      await this.save({});
    });
  }

  /** True once this driver has saved the run: from then on, effects may have changed AWS. */
  get saved(): boolean {
    return this.record.snapshot !== undefined;
  }

  private async save(change: Partial<RunRecord>): Promise<void> {
    const clusters: Record<string, unknown> = {};
    const summary: Record<string, { state: string; reason?: string }> = {};
    for (const [name, actor] of this.clusters) {
      const snap = actor.getSnapshot();
      clusters[name] = actor.getPersistedSnapshot();
      const reason = snap.context.pause?.reason ?? snap.context.reason;
      summary[name] = { state: topState(snap), ...(reason ? { reason } : {}) };
    }
    const snapshot = { fleet: this.fleet.getPersistedSnapshot(), clusters };
    // Every effect waits for a save (write-ahead); when the machines have not moved since the last one (an
    // effect restarted on resume, a second effect of the same transition) that save would write nothing new.
    const fingerprint = JSON.stringify([snapshot, summary]);
    if (Object.keys(change).length === 0 && fingerprint === this.savedFingerprint) return;
    const next: RunRecord = { ...this.record, ...change, updatedAt: this.conn.clock.now(), snapshot, clusters: summary };
    this.record = await this.deps.store.saveRun(next, this.record.version);
    this.savedFingerprint = fingerprint;
  }

  private async flush(): Promise<void> {
    await this.queue;
  }

  private fail(err: unknown): void {
    this.fatal ??= err;
  }

  /** Waits until every running effect is done or asleep on the virtual clock. */
  private async settle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.fatal) return;
      const asleep = this.conn.virtual?.sleeping ?? 0;
      if (this.inflight <= asleep) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.inflight <= (this.conn.virtual?.sleeping ?? 0)) return;
        continue;
      }
      if (!this.conn.virtual) {
        await Promise.race([new Promise<void>((resolve) => (this.activity = resolve)), new Promise((resolve) => setTimeout(resolve, 1_000))]);
        await this.renewIfDue();
      }
    }
  }

  private async renewIfDue(): Promise<void> {
    const leaseMs = this.deps.leaseMs ?? DEFAULT_LEASE_MS;
    if (Date.now() - this.lastRenew < leaseMs / 3) return;
    await this.renew();
    this.lastRenew = Date.now();
  }

  private async pollAbort(): Promise<void> {
    if (this.abortSent || Date.now() - this.lastAbortPoll < 250) return;
    this.lastAbortPoll = Date.now();
    const request = await this.deps.store.recall<{ by: string; reason: string }>(this.record.runId, 'abort-request');
    if (!request) return;
    this.abortSent = true;
    await journal(this.ctx, 'operator', `abort by ${request.by} taken up: clusters still in rotation stop, clusters out return only through verification, clusters in maintenance are held`, { data: { action: 'abort', ...request } });
    this.fleet.send({ type: 'ABORT', by: request.by, reason: request.reason });
    for (const actor of this.clusters.values()) {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'ABORT', by: request.by, reason: request.reason });
    }
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
      this.conn.checkpoint?.();
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

  private async pause(paused: ClusterActor[]): Promise<DriveResult> {
    const reason = paused.map((a) => `${a.getSnapshot().context.input.name}: ${a.getSnapshot().context.pause?.reason ?? 'paused'}`).join('; ');
    await this.save({ status: 'paused', reason });
    await journal(this.ctx, 'run', `run paused: ${reason}`);
    const result = { ...this.view('paused', reason), ...this.sandbox(false) };
    this.deps.onProgress?.(result);
    return result;
  }

  private async yieldUntil(due: number): Promise<DriveResult> {
    await this.save({ status: 'running', resumeAt: due });
    const waitSeconds = Math.max(1, Math.ceil((due - this.conn.clock.now()) / 1000));
    return { ...this.view('running'), waitSeconds };
  }

  private async finish(output: FleetOutput): Promise<DriveResult> {
    const status: RunStatus = output.status;
    const reason = output.reason;
    const report = this.sandbox(true);
    await this.save({ status, finishedAt: this.conn.clock.now(), ...(reason ? { reason } : {}), ...(report.sandbox ? { sandbox: report.sandbox } : {}) });
    await journal(this.ctx, 'run', `run ended ${status}${reason ? `: ${reason}` : ''}`, { data: { status, ...(report.sandbox ? { sandbox: report.sandbox } : {}) } });
    await this.flush();
    const result = { ...this.view(status, reason), ...report };
    this.deps.onProgress?.(result);
    return result;
  }

  private sandbox(final: boolean): { sandbox?: SandboxReport } {
    return this.conn.sandboxReport ? { sandbox: this.conn.sandboxReport(final) } : {};
  }
}

import type { Logger } from 'pino';
import type { FleetOutput } from '../../machines/fleet.machine.js';
import type { ClusterOutput } from '../../machines/cluster.contract.js';
import { AwsCallError, QuiesceError } from '../errors.js';
import { firstLine } from '../one-line.js';
import type { Plan } from '../plan/schema.js';
import type { CachePort } from '../ports/cache.js';
import type { Clock } from '../ports/clock.js';
import type { MetricsPort } from '../ports/metrics.js';
import type { DeploymentPort } from '../ports/deployments.js';
import type { RunCommandPort } from '../ports/run-command.js';
import type { RunbookPort } from '../ports/runbook.js';
import type { NotificationPort, RunEvent } from '../ports/notifications.js';
import type { TrafficPort } from '../ports/traffic.js';
import { RunNotFoundError } from '../store/errors.js';
import type { Lease, RunRecord, RunStatus, RunStore } from '../store/run-store.js';
import { recordRequest, takeRequest } from './operator-requests.js';
import { baseline } from './baseline.js';
import { allLocations } from './locations.js';
import { createClusterActors, createFleetActors, type EffectTracker } from './cluster-actors.js';
import { LockHeldError, RunStateError } from './errors.js';
import { FleetBridge } from './fleet-bridge.js';
import { GroupCommit } from './group-commit.js';
import type { RunContext } from './run-context.js';
import { createRunMemory } from './run-memory.js';
import { viewOfRecord, type RunView } from './run-view.js';
import { TimeDriver, type VirtualTime } from './time-driver.js';

// Drives one run: restores (or starts) the fleet and cluster machines, persists what moved, and moves
// time. Three parts, each in its own file: the group-commit writer (one journal append and one save serve
// every transition and effect ready at that point), the time driver (on the sandbox's virtual clock it
// jumps straight to the next due check once every effect is idle or asleep; against AWS it sleeps until
// then) and the fleet bridge (the machines, and what passes between them). Only the machines touch AWS,
// through the actors provided here.

export interface SandboxReport {
  violations: Array<{ kind: string; message: string; at?: number }>;
  traffic: { requests: number; failed: number; perCluster?: Record<string, { requests: number; failed: number }> };
  /** Each cluster's weight at the first location (every location's, below, when there are several). */
  weights: Record<string, number>;
  weightsByLocation?: Record<string, Record<string, number>>;
  mutations: number;
  /** The world's synthetic settings, each named as a topology AWS does not allow; absent when none. */
  synthetic?: string[];
  /** The plan's command and http steps as rehearsed: each simulated by the world or (--real-steps) run for real. */
  runbook?: Array<{ cluster: string; step: number; kind: 'command' | 'http'; what: string; mode: 'simulated' | 'real'; ok: boolean }>;
}

export interface Connection {
  traffic: TrafficPort;
  cache: CachePort;
  metrics: MetricsPort;
  runCommand: RunCommandPort;
  deployments: DeploymentPort;
  clock: Clock;
  /** Present for sandbox runs: the clock the engine moves. */
  virtual?: VirtualTime;
  probes: RunContext['probes'];
  /** The plan's command and http steps: run for real against AWS, answered by the world in a rehearsal. */
  runbook: RunbookPort;
  metricsLagMs: number;
  /** Where the run's lifecycle is announced: EventBridge (and a webhook) against AWS, recorded only in a rehearsal. */
  notifications: NotificationPort;
  /** The sandbox's own audit, taken at the end of a run. */
  sandboxReport?(final: boolean): SandboxReport;
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
  /**
   * What a run's lock on one of its listeners is on: by default the listener. A sandbox run acts on the listener of its own world,
   * so its lock belongs to that world (a rehearsal never blocks another rehearsal, or a run against AWS).
   */
  lockKey?(record: RunRecord, listenerArn: string): { key: string; description: string };
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
  /** Take this held cluster of a held run back through verification and the ramp (quiesce reinstate). */
  reinstate?: { cluster: string; by: string };
}

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

/**
 * Records an approval of a paused run for its next driver (the deployed execution's next poll, or
 * `quiesce resume`); nothing is driven here, so the caller never waits on the run.
 */
export async function requestApproval(deps: Pick<EngineDeps, 'store'>, runId: string, by: string, now: number): Promise<void> {
  const record = await deps.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  if (record.status !== 'paused') throw new RunStateError(`run ${runId} is ${record.status}, not paused: there is nothing to approve`);
  const at = record.target.kind === 'sandbox' ? record.updatedAt : now;
  const stored = await recordRequest(deps.store, runId, 'approve', { by, at });
  if (stored.by === by && stored.at === at) {
    await deps.store.appendJournal(runId, [{ at, kind: 'operator', message: `approval recorded by ${by}, for the run's next driver to take up`, data: { action: 'approve-request', by } }]);
  }
}

function checkReinstatable(record: RunRecord, cluster: string): void {
  const runId = record.runId;
  if (record.status !== 'held') throw new RunStateError(`run ${runId} is ${record.status}: only a held run has a held cluster to reinstate`);
  if (!record.plan.fleet.clusters.some((c) => c.name === cluster)) throw new RunStateError(`run ${runId} has no cluster ${cluster} (clusters: ${record.plan.fleet.clusters.map((c) => c.name).join(', ')})`);
  if (record.clusters?.[cluster]?.state !== 'held') throw new RunStateError(`cluster ${cluster} of run ${runId} is ${record.clusters?.[cluster]?.state ?? 'pending'}, not held: there is nothing to reinstate`);
}

/**
 * Records a reinstatement of a held cluster for the run's next driver: a new execution of the deployed
 * run (the same input, so the same run), or `quiesce resume`. Checked now, so a mistake is bad input here.
 */
export async function requestReinstatement(deps: Pick<EngineDeps, 'store'>, runId: string, cluster: string, by: string, now: number): Promise<void> {
  const record = await deps.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  checkReinstatable(record, cluster);
  const at = record.target.kind === 'sandbox' ? record.updatedAt : now;
  const stored = await recordRequest(deps.store, runId, 'reinstate', { cluster, by, at });
  if (stored.by === by && stored.at === at) {
    await deps.store.appendJournal(runId, [{ at, kind: 'operator', cluster, message: `reinstatement of ${cluster} recorded by ${by}, for the run's next driver to take up`, data: { action: 'reinstate-request', by, cluster } }]);
  }
}

export async function driveRun(deps: EngineDeps, runId: string, options: DriveOptions): Promise<DriveResult> {
  const record = await deps.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  if (options.operator?.type === 'APPROVE' && TERMINAL.has(record.status)) {
    throw new RunStateError(`run ${runId} is finished (${record.status}): there is nothing to approve`);
  }
  // A reinstatement recorded in the table (quiesce reinstate --table) is taken up by the run's next driver.
  if (record.status === 'held' && !options.reinstate) {
    const request = await takeRequest(deps.store, runId, 'reinstate');
    if (request) options = { ...options, reinstate: { cluster: request.cluster, by: request.by } };
  }
  if (options.reinstate) checkReinstatable(record, options.reinstate.cluster);
  else if (TERMINAL.has(record.status)) return { ...viewOfRecord(record), ...(record.sandbox ? { sandbox: record.sandbox as SandboxReport } : {}) };
  if (options.operator?.type === 'APPROVE' && record.status !== 'paused') {
    throw new RunStateError(`run ${runId} is ${record.status}, not paused: there is nothing to approve`);
  }
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  let leases = await acquireListenerLocks(deps, record, leaseMs);
  // An approval recorded for this pause (from another machine) is taken up now, under the lock.
  if (record.status === 'paused' && !options.operator) {
    const approval = await takeRequest(deps.store, runId, 'approve');
    if (approval) options = { ...options, operator: { type: 'APPROVE', by: approval.by } };
  }
  let result: DriveResult | undefined;
  let driver: RunDriver | undefined;
  let connection: Connection | undefined;
  try {
    connection = await deps.connect(record);
    driver = new RunDriver(deps, record, connection, async () => {
      leases = await Promise.all(leases.map((lease) => deps.store.renewLock(lease, leaseMs, Date.now())));
    });
    result = await driver.drive(options);
    return result;
  } finally {
    // The listener stays the run's until the run ends: parked while it waits, is paused, or failed
    // mid-way, so no other run can take a cluster out while this one may have one out. A run that never
    // saved a snapshot never changed anything (every effect waits for one): it holds nothing back.
    const untouched = record.snapshot === undefined && !driver?.saved;
    if ((result && TERMINAL.has(result.status)) || (!result && untouched)) await releaseAll(deps, leases);
    else for (const lease of leases) await deps.store.parkLock(lease, parkMs(result), Date.now());
    // The run is saved and the listener let go; give notifications in flight a few seconds to land.
    await connection?.notifications.settle(NOTIFICATION_GRACE_MS);
  }
}

/** Every listener the run's plan acts on, each once, in one fixed order: two plans sharing listeners never deadlock. */
export function lockedListeners(record: Pick<RunRecord, 'listenerArn' | 'plan'>): string[] {
  // A record written before plans had locations names its one listener.
  const listeners = record.plan.fleet.locations?.map((l) => l.listenerArn) ?? [record.listenerArn];
  return [...new Set(listeners)].sort();
}

/**
 * One lock per listener, taken in sorted order; when one is held by another run, the ones taken are let
 * go again and the holder is named.
 */
async function acquireListenerLocks(deps: EngineDeps, record: RunRecord, leaseMs: number): Promise<Lease[]> {
  const leases: Lease[] = [];
  for (const listenerArn of lockedListeners(record)) {
    const on = deps.lockKey?.(record, listenerArn) ?? { key: listenerArn, description: listenerArn };
    const lock = await deps.store.acquireLock(on.key, record.runId, deps.owner, leaseMs, Date.now());
    if (!lock.acquired) {
      await releaseAll(deps, leases);
      throw new LockHeldError(lock.holder, on.description);
    }
    leases.push(lock.lease);
  }
  return leases;
}

async function releaseAll(deps: EngineDeps, leases: readonly Lease[]): Promise<void> {
  for (const lease of [...leases].reverse()) await deps.store.releaseLock(lease);
}

/** How long a caller waits, after the run returned, for notifications still being delivered. */
const NOTIFICATION_GRACE_MS = 5_000;

/** How long a parked lock holds without its run coming back: past the next wake-up, or long for a pause. */
function parkMs(result: DriveResult | undefined): number {
  if (result?.status === 'running' && result.waitSeconds !== undefined) return result.waitSeconds * 1000 + 15 * 60_000;
  return 7 * 86_400_000;
}

class RunDriver {
  private readonly ctx: RunContext;
  private readonly commits: GroupCommit;
  private readonly time: TimeDriver;
  private readonly machines: FleetBridge;
  /** The pause this run was in when loaded: polling a paused run announces nothing new. */
  private readonly pausedOn: string | undefined;

  constructor(
    private readonly deps: EngineDeps,
    record: RunRecord,
    private readonly conn: Connection,
    renew: () => Promise<void>,
  ) {
    const plan = record.plan;
    this.pausedOn = record.status === 'paused' ? record.reason : undefined;
    this.commits = new GroupCommit({
      store: deps.store,
      record,
      clock: conn.clock,
      immediate: !conn.virtual,
      machines: () => this.machines,
      onPark: () => this.time.signal(),
    });
    this.time = new TimeDriver({
      clock: conn.clock,
      ...(conn.virtual ? { virtual: conn.virtual } : {}),
      commits: this.commits,
      leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
      renew,
      logger: deps.logger,
      runId: record.runId,
      onProgress: () => this.progress(),
    });
    this.ctx = {
      runId: record.runId,
      plan,
      // Effects' journal entries go out with the next commit: one append for all of them (group commit).
      store: { ...deps.store, appendJournal: (_runId, entries) => this.commits.appendLater(entries) },
      clock: conn.clock,
      logger: deps.logger.child({ runId: record.runId }),
      traffic: conn.traffic,
      cache: conn.cache,
      metrics: conn.metrics,
      runCommand: conn.runCommand,
      deployments: conn.deployments,
      location: { listenerArn: plan.fleet.listenerArn, ...(plan.fleet.ruleArn ? { ruleArn: plan.fleet.ruleArn } : {}) },
      inFlight: () => this.machines.inFlight(),
      outcomes: () => this.machines.outcomes(),
      heldOut: () => this.machines.heldOut(),
      probes: conn.probes,
      runbook: conn.runbook,
      metricsLagMs: conn.metricsLagMs,
      memory: createRunMemory(),
    };
    const tracker: EffectTracker = {
      begin: () => this.time.begin(),
      end: () => this.time.end(),
      persisted: async () => {
        // Resolves after the next commit, which saves every machine that moved (this one included).
        await this.commits.nextCommit();
        // Nothing touches AWS once the run cannot be saved: the loop rethrows the cause.
        if (this.commits.failure) throw new QuiesceError(`run ${record.runId} could not be saved; no further change is made`, { cause: this.commits.failure });
      },
    };
    this.machines = new FleetBridge({
      record,
      clock: conn.clock,
      virtual: conn.virtual !== undefined,
      store: deps.store,
      logger: deps.logger,
      commits: this.commits,
      clusterActors: createClusterActors(this.ctx, tracker),
      fleetActors: createFleetActors(this.ctx, tracker),
      onPhase: (cluster, from, to, reason) => this.notify('cluster phase changed', { cluster, from, to, ...(reason ? { reason } : {}) }),
    });
  }

  /** True once this driver has saved the run: from then on, effects may have changed AWS. */
  get saved(): boolean {
    return this.commits.saved;
  }

  async drive(options: DriveOptions): Promise<DriveResult> {
    const record = this.commits.record;
    const resumed = record.snapshot !== undefined;
    this.time.start();
    await this.commits.note('run', resumed ? `run resumed by ${this.deps.owner}` : `run started by ${this.deps.owner}`, { data: { owner: this.deps.owner } });
    if (!resumed) this.notify('started');
    this.time.catchUp(record.resumeAt);
    const waitLimit = this.time.limitOf(options.deadline);
    // The world as it was before the first change: every restore returns to it.
    try {
      // Every location's, before the first change at any.
      await this.time.outsideLoop(async () => {
        for (const at of allLocations(this.ctx)) await baseline(at);
      });
    } catch (err) {
      // Nothing has changed yet (the baseline precedes every change): end safely, saying why.
      if (!(err instanceof AwsCallError)) throw err;
      return this.endBeforeStart(`could not read the listener and target groups at run start, so nothing was changed: ${firstLine(err)}`);
    }

    this.commits.start();
    this.machines.start(record.snapshot?.clusters ?? {});
    if (options.operator) await this.machines.approve(options.operator.by);
    if (options.reinstate) {
      await this.machines.reinstate(options.reinstate.cluster, options.reinstate.by);
      await this.commits.commitNow({ status: 'running' });
    }

    for (;;) {
      await this.time.settle();
      await this.commits.flush();
      if (this.commits.failure) throw this.commits.failure;
      // Here every effect is idle or asleep: what happens now cannot reorder them (a deterministic timeline).
      await this.time.renewIfDue();
      if (await this.machines.pollAbort()) continue;
      this.progress();
      const reinstated = this.machines.reinstated();
      if (reinstated?.output) return this.finishReinstatement(reinstated.name, reinstated.output);
      const output = reinstated ? undefined : this.machines.ended();
      if (output) return this.finish(output);

      const now = this.conn.clock.now();
      const dues = this.machines.dueChecks();
      const wake = this.time.nextWakeAt();
      if (wake !== undefined) dues.push(wake);
      if (dues.length === 0) {
        if (this.time.running > 0) continue;
        const paused = this.machines.pauseReason();
        if (paused !== undefined) return this.pause(paused);
        throw new Error(`run ${record.runId} is stuck: no effect is running and no cluster waits for anything (fleet ${this.machines.fleetState()})`);
      }
      const due = Math.max(now, Math.min(...dues));
      if (options.until === 'wait' && (due - now > (options.inlineWaitMs ?? 0) || (waitLimit !== undefined && due > waitLimit))) return this.yieldUntil(due);
      await this.time.advanceTo(due, options.speed);
      this.machines.tick(this.conn.clock.now());
    }
  }

  private async endBeforeStart(reason: string): Promise<DriveResult> {
    const report = this.sandbox(true);
    await this.commits.commitNow({ status: 'held', finishedAt: this.conn.clock.now(), reason, ...(report.sandbox ? { sandbox: report.sandbox } : {}) });
    this.notify('held', { reason });
    await this.commits.note('run', `run ended held: ${reason}`, { data: { status: 'held', ...(report.sandbox ? { sandbox: report.sandbox } : {}) } });
    const result = { ...this.machines.view('held', reason), ...report };
    this.deps.onProgress?.(result);
    return result;
  }

  private progress(): void {
    this.deps.onProgress?.(this.machines.view('running'));
  }

  private async pause(reason: string): Promise<DriveResult> {
    await this.commits.commitNow({ status: 'paused', reason });
    if (this.pausedOn !== reason) this.notify('paused', { reason });
    await this.commits.note('run', `run paused: ${reason}`);
    const result = { ...this.machines.view('paused', reason), ...this.sandbox(false) };
    this.deps.onProgress?.(result);
    return result;
  }

  private async yieldUntil(due: number): Promise<DriveResult> {
    await this.commits.commitNow({ status: 'running', resumeAt: due });
    const waitSeconds = Math.max(1, Math.ceil((due - this.conn.clock.now()) / 1000));
    return { ...this.machines.view('running'), waitSeconds };
  }

  private async finish(output: FleetOutput): Promise<DriveResult> {
    const status: RunStatus = output.status;
    const reason = output.reason;
    const report = this.sandbox(true);
    await this.commits.commitNow({ status, finishedAt: this.conn.clock.now(), ...(reason ? { reason } : {}), ...(report.sandbox ? { sandbox: report.sandbox } : {}) });
    this.notify(output.status, reason ? { reason } : {});
    await this.commits.note('run', `run ended ${status}${reason ? `: ${reason}` : ''}`, { data: { status, ...(report.sandbox ? { sandbox: report.sandbox } : {}) } });
    const result = { ...this.machines.view(status, reason), ...report };
    this.deps.onProgress?.(result);
    return result;
  }

  /**
   * Announces a lifecycle event; returns at once (delivery is in the background and never fails the run).
   * A rehearsal's run-level notifications are journaled as recorded, not sent.
   */
  private notify(type: RunEvent['type'], extra: Omit<RunEvent, 'type' | 'runId' | 'plan' | 'at'> = {}): void {
    const record = this.commits.record;
    const event: RunEvent = { type, runId: record.runId, plan: record.planName, at: new Date(this.conn.clock.now()).toISOString(), ...extra };
    this.conn.notifications.publish(event);
    if (this.conn.notifications.mode === 'rehearsal' && type !== 'cluster phase changed') {
      this.commits.add({ at: this.conn.clock.now(), kind: 'sandbox', message: `rehearsal: notification "${type}" recorded, not sent${event.reason ? ` (${event.reason})` : ''}`, data: { notification: type } });
    }
  }

  /**
   * The reinstated cluster ended: back in rotation, or held again. The run is done once every cluster is;
   * otherwise it stays held, saying what is still held and what never started.
   */
  private async finishReinstatement(name: string, out: ClusterOutput): Promise<DriveResult> {
    const outcomes = this.machines.outcomes();
    const names = this.commits.record.plan.fleet.clusters.map((c) => c.name);
    const held = names.filter((n) => outcomes.get(n) !== undefined && outcomes.get(n) !== 'done');
    const untouched = names.filter((n) => outcomes.get(n) === undefined);
    const status: RunStatus = held.length === 0 && untouched.length === 0 ? 'done' : 'held';
    const what = out.outcome === 'done' ? `${name} reinstated: verified and back in rotation` : `${name} held again: ${out.reason ?? 'held'}`;
    const rest = [...(held.length ? [`still held: ${held.join(', ')}`] : []), ...(untouched.length ? [`left untouched: ${untouched.join(', ')}`] : [])];
    return this.finish({ status, untouched, ...(status === 'done' ? {} : { reason: [what, ...rest].join('; ') }) });
  }

  private sandbox(final: boolean): { sandbox?: SandboxReport } {
    return this.conn.sandboxReport ? { sandbox: this.conn.sandboxReport(final) } : {};
  }
}

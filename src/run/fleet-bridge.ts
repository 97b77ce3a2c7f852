import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { Logger } from 'pino';
import { clusterMachine, clusterOutputOf } from '../../machines/cluster.machine.js';
import { fleetMachine, type FleetContext, type FleetOutput } from '../../machines/fleet.machine.js';
import type { ClusterOutput } from '../../machines/cluster.contract.js';
import type { Clock } from '../ports/clock.js';
import type { RunRecord, RunStatus, RunStore } from '../store/run-store.js';
import type { ClusterActors, FleetActors } from './cluster-actors.js';
import type { ClusterSummary, GroupCommit, SavedMachines } from './group-commit.js';
import { clusterMachineInput, fleetInput } from './machine-input.js';
import type { RunView } from './run-view.js';
import { RunStateError } from './errors.js';

// The fleet machine and the cluster machines of one run, and what passes between them: the fleet starts
// clusters; a cluster's pause, resumption and end are reported to the fleet; an operator's approval or
// abort goes to whichever is waiting. Every transition is journaled (with the next commit) and marks its
// machine for the next save. The progress view is read from the machines here.

type ClusterActor = Actor<typeof clusterMachine>;
type ClusterSnap = SnapshotFrom<typeof clusterMachine>;

/** How a cluster machine ended, if it did: a final state, or held (which waits only for an operator's reinstate). */
const endedOutput = (snap: ClusterSnap): ClusterOutput | undefined =>
  snap.status === 'done' ? (snap.output as ClusterOutput) : snap.status === 'active' && snap.value === 'held' ? clusterOutputOf(snap.context) : undefined;

/** The top state of a cluster machine: `draining` for `draining.waiting`. */
const topState = (snap: ClusterSnap): string => (typeof snap.value === 'string' ? snap.value : Object.keys(snap.value)[0]!);
/** A state value as one key: `draining.waiting`. */
const stateKey = (value: unknown): string => (typeof value === 'string' ? value : Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}.${stateKey(v)}`).join(','));

export interface FleetBridgeDeps {
  record: RunRecord;
  clock: Clock;
  /** Whether the run's clock is virtual: abort requests are then looked for once per instant of it. */
  virtual: boolean;
  store: Pick<RunStore, 'recall'>;
  logger: Logger;
  /** Where transitions are journaled and machines marked for saving; the engine's own notes go through it too. */
  commits: Pick<GroupCommit, 'add' | 'note' | 'clusterAdded' | 'clusterMoved' | 'fleetMoved' | 'fail'>;
  clusterActors: ClusterActors;
  fleetActors: FleetActors;
  /** A cluster's top state changed (not on restore): the edge announces it. */
  onPhase?(cluster: string, from: string, to: string, reason: string | undefined): void;
}

export class FleetBridge implements SavedMachines {
  private readonly clusters = new Map<string, ClusterActor>();
  private readonly clusterLogic;
  private readonly fleetActor: Actor<typeof fleetMachine>;
  /** Clusters whose end the fleet has been told of. */
  private readonly reported = new Set<string>();
  private readonly lastState = new Map<string, string>();
  private readonly phaseSince = new Map<string, number>();
  /** When each cluster's machine started in this process: a finished cluster shows how long it took. */
  private readonly startedAt = new Map<string, number>();
  private abortSent = false;
  private reinstating: string | undefined;
  private lastAbortPoll: number | undefined;

  constructor(private readonly deps: FleetBridgeDeps) {
    this.clusterLogic = clusterMachine.provide({ actors: deps.clusterActors });
    const fleetLogic = fleetMachine.provide({
      actions: {
        // Runs inside the fleet's transition: start the cluster after it, never re-entrantly.
        startCluster: (_, params: { name: string }) => queueMicrotask(() => this.startCluster(params.name)),
      },
      actors: { confirmFleet: deps.fleetActors.confirmFleet },
    });
    const snapshot = deps.record.snapshot?.fleet;
    this.fleetActor = createActor(fleetLogic, { input: fleetInput(deps.record.plan), ...(snapshot ? { snapshot: snapshot as never } : {}) });
    this.fleetActor.subscribe({
      next: (snap) => {
        this.noteTransition('fleet', snap.value, undefined, snap.context.pause);
        deps.commits.fleetMoved();
      },
      error: (err) => deps.commits.fail(err),
    });
  }

  /** Clusters whose machines are running now. */
  inFlight(): ReadonlySet<string> {
    return new Set([...this.clusters].filter(([, a]) => a.getSnapshot().status === 'active' && !endedOutput(a.getSnapshot())).map(([n]) => n));
  }

  /** Clusters whose machines ended, and how. */
  outcomes(): ReadonlyMap<string, 'done' | 'held' | 'aborted'> {
    return new Map(
      [...this.clusters].flatMap(([n, a]) => {
        const out = endedOutput(a.getSnapshot());
        return out ? [[n, out.outcome] as const] : [];
      }),
    );
  }

  /** Clusters whose machines ended out of rotation. */
  heldOut(): ReadonlySet<string> {
    return new Set([...this.clusters].filter(([, a]) => endedOutput(a.getSnapshot())?.inRotation === false).map(([n]) => n));
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  cluster(name: string): { snapshot: unknown; summary: ClusterSummary } {
    const actor = this.clusters.get(name)!;
    const snap = actor.getSnapshot();
    const reason = snap.context.pause?.reason ?? snap.context.reason;
    return { snapshot: actor.getPersistedSnapshot(), summary: { state: topState(snap), ...(reason ? { reason } : {}) } };
  }

  fleet(): unknown {
    return this.fleetActor.getPersistedSnapshot();
  }

  /**
   * Starts the machines: the clusters restored from `restored`, the fleet, then any cluster the fleet
   * started whose machine never got persisted; one that ended while the process died reports again (the
   * fleet ignores duplicates).
   */
  start(restored: Record<string, unknown>): void {
    for (const [name, snapshot] of Object.entries(restored)) this.startCluster(name, snapshot);
    this.fleetActor.start();
    for (const [name, status] of Object.entries(this.fleetActor.getSnapshot().context.status)) {
      if ((status === 'running' || status === 'paused') && !this.clusters.has(name)) this.startCluster(name);
    }
    for (const [name, actor] of this.clusters) this.reportIfFinal(name, actor.getSnapshot());
    // A cluster still moving after its fleet ended is one being reinstated (a driver yielded or died midway).
    if (this.fleetActor.getSnapshot().status === 'done') {
      for (const [name, actor] of this.clusters) if (actor.getSnapshot().status === 'active' && !endedOutput(actor.getSnapshot())) this.reinstating = name;
    }
  }

  /** An operator's approval, journaled, then sent to every paused machine. */
  async approve(by: string): Promise<void> {
    const paused = [...this.clusters].filter(([, a]) => a.getSnapshot().value === 'paused');
    const fleetPaused = this.fleetActor.getSnapshot().value === 'paused';
    const names = [...paused.map(([n]) => n), ...(fleetPaused ? ['fleet'] : [])];
    await this.deps.commits.note('operator', `approved by ${by} (${names.join(', ') || 'nothing paused'})`, { data: { action: 'approve', by } });
    for (const [, actor] of paused) actor.send({ type: 'APPROVE', by });
    if (fleetPaused) this.fleetActor.send({ type: 'APPROVE', by });
  }

  /**
   * An operator's reinstatement of a held cluster, journaled, then sent to its machine: it goes back through
   * verification and the ramp. The fleet has ended (held); the run follows this one cluster to its new end.
   */
  async reinstate(name: string, by: string): Promise<void> {
    const actor = this.clusters.get(name);
    if (!actor || actor.getSnapshot().value !== 'held') throw new RunStateError(`cluster ${name} is not held: there is nothing to reinstate`);
    if (!actor.getSnapshot().can({ type: 'REINSTATE', by })) {
      throw new RunStateError(`cluster ${name} was held before it left rotation: it never left, so there is nothing to reinstate (start a new run)`);
    }
    await this.deps.commits.note('operator', `reinstate of ${name} by ${by}: back through verification, then the ramp`, { cluster: name, data: { action: 'reinstate', by, cluster: name } });
    this.reported.delete(name);
    this.reinstating = name;
    actor.send({ type: 'REINSTATE', by });
  }

  /** The cluster being reinstated, and how it ended once it has (done, or held again). */
  reinstated(): { name: string; output: ClusterOutput | undefined } | undefined {
    if (this.reinstating === undefined) return undefined;
    return { name: this.reinstating, output: endedOutput(this.clusters.get(this.reinstating)!.getSnapshot()) };
  }

  /**
   * Takes up an abort request; true if it did. On a virtual clock, once per instant of that clock (so two
   * runs of one plan and world see it at the same virtual points); against AWS, at most every 250 ms.
   */
  async pollAbort(): Promise<boolean> {
    if (this.abortSent) return false;
    const virtual = this.deps.virtual;
    const now = virtual ? this.deps.clock.now() : Date.now();
    if (this.lastAbortPoll !== undefined && (virtual ? now === this.lastAbortPoll : now - this.lastAbortPoll < 250)) return false;
    this.lastAbortPoll = now;
    const request = await this.deps.store.recall<{ by: string; reason: string }>(this.deps.record.runId, 'abort-request');
    if (!request) return false;
    this.abortSent = true;
    await this.deps.commits.note('operator', `abort by ${request.by} taken up: clusters still in rotation stop, clusters out return only through verification, clusters in maintenance are held`, { data: { action: 'abort', ...request } });
    this.fleetActor.send({ type: 'ABORT', by: request.by, reason: request.reason });
    for (const actor of this.clusters.values()) {
      if (actor.getSnapshot().status === 'active' && !endedOutput(actor.getSnapshot())) actor.send({ type: 'ABORT', by: request.by, reason: request.reason });
    }
    return true;
  }

  /** The fleet's output once it has ended. */
  ended(): FleetOutput | undefined {
    const snap = this.fleetActor.getSnapshot();
    return snap.status === 'done' ? (snap.output as FleetOutput) : undefined;
  }

  /** When each running cluster waits to be looked at again (only those a look can move). */
  dueChecks(): number[] {
    const dues: number[] = [];
    for (const actor of this.clusters.values()) {
      const snap = actor.getSnapshot();
      if (snap.status === 'active' && snap.context.nextCheckAt !== undefined && snap.can({ type: 'TICK', now: Number.MAX_SAFE_INTEGER })) {
        dues.push(snap.context.nextCheckAt);
      }
    }
    return dues;
  }

  /** Tells every running cluster whose look is due at `now`. */
  tick(now: number): void {
    for (const actor of this.clusters.values()) {
      const snap = actor.getSnapshot();
      if (snap.status === 'active' && snap.context.nextCheckAt !== undefined && snap.context.nextCheckAt <= now) actor.send({ type: 'TICK', now });
    }
  }

  /** Why the run is paused (every paused cluster's reason, and the fleet's), or undefined when nothing is. */
  pauseReason(): string | undefined {
    const paused = [...this.clusters.values()].filter((a) => a.getSnapshot().value === 'paused');
    const fleetSnap = this.fleetActor.getSnapshot();
    const fleetPause = fleetSnap.value === 'paused' ? fleetSnap.context.pause : undefined;
    if (!paused.length && !fleetPause) return undefined;
    return [...paused.map((a) => `${a.getSnapshot().context.input.name}: ${a.getSnapshot().context.pause?.reason ?? 'paused'}`), ...(fleetPause ? [`fleet: ${fleetPause.reason}`] : [])].join('; ');
  }

  /** The fleet's state, for a message. */
  fleetState(): string {
    return JSON.stringify(this.fleetActor.getSnapshot().value);
  }

  /** The run as the operator sees it now. */
  view(status: RunStatus, reason?: string): RunView {
    const { record, clock } = this.deps;
    return {
      runId: record.runId,
      planName: record.planName,
      status,
      now: clock.now(),
      ...(reason ? { reason } : {}),
      clusters: record.plan.fleet.clusters.map(({ name }) => {
        const actor = this.clusters.get(name);
        if (!actor) return { name, state: 'pending' };
        const snap = actor.getSnapshot();
        const c = snap.context;
        const failing = c.lastChecks.find((check) => !check.ok);
        const since = this.phaseSince.get(name);
        const started = this.startedAt.get(name);
        return {
          name,
          state: topState(snap),
          ...(c.pause?.reason ? { detail: c.pause.reason } : failing ? { detail: `${failing.name}: ${failing.observed}` } : {}),
          ...(c.reason && endedOutput(snap) ? { reason: c.reason } : c.pause?.reason ? { reason: c.pause.reason } : {}),
          ...(snap.status === 'active' && !endedOutput(snap) && c.nextCheckAt !== undefined ? { nextCheckAt: c.nextCheckAt } : {}),
          ...(since !== undefined ? { phaseSince: since } : {}),
          ...(started !== undefined ? { startedAt: started } : {}),
        };
      }),
    };
  }

  private startCluster(name: string, snapshot?: unknown): void {
    if (this.clusters.has(name)) return;
    const actor = createActor(this.clusterLogic, {
      input: clusterMachineInput(this.deps.record.plan, name),
      ...(snapshot ? { snapshot: snapshot as never } : {}),
    });
    this.clusters.set(name, actor);
    if (!snapshot) this.startedAt.set(name, this.deps.clock.now());
    this.deps.commits.clusterAdded(name);
    actor.subscribe({
      next: (snap) => this.onCluster(name, snap),
      error: (err) => this.deps.commits.fail(err),
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
      this.fleetActor.send({ type: 'CLUSTER.PAUSED', name, reason: snap.context.pause?.reason ?? 'paused' });
    } else if (wasPaused && key !== 'paused' && snap.status === 'active') {
      this.fleetActor.send({ type: 'CLUSTER.RESUMED', name });
    }
    this.reportIfFinal(name, snap);
    this.deps.commits.clusterMoved(name);
  }

  private reportIfFinal(name: string, snap: ClusterSnap): void {
    const out = endedOutput(snap);
    if (!out || this.reported.has(name)) return;
    this.reported.add(name);
    // A reinstated cluster ends after its fleet did: the run follows it alone (see reinstate).
    if (this.fleetActor.getSnapshot().status === 'done') return;
    if (out.outcome === 'done') this.fleetActor.send({ type: 'CLUSTER.DONE', name });
    else if (out.outcome === 'held') this.fleetActor.send({ type: 'CLUSTER.HELD', name, reason: out.reason ?? 'held', inRotation: out.inRotation });
    else this.fleetActor.send({ type: 'CLUSTER.ABORTED', name, ...(out.reason ? { reason: out.reason } : {}), inRotation: out.inRotation });
  }

  private noteTransition(name: string, value: unknown, snap: ClusterSnap | undefined, fleetPause?: FleetContext['pause']): void {
    const key = stateKey(value);
    const previous = this.lastState.get(name);
    if (previous === key) return;
    this.lastState.set(name, key);
    const at = this.deps.clock.now();
    if (snap && (previous === undefined || previous.split('.')[0] !== key.split('.')[0])) this.phaseSince.set(name, at);
    const context = snap?.context ?? (fleetPause ? { pause: fleetPause, drift: fleetPause.drift, reason: undefined } : undefined);
    const why = key === 'paused' ? context?.pause?.reason : key === 'held' || key === 'aborted' ? context?.reason : undefined;
    const message = `${name}: ${previous ?? '(start)'} -> ${key}${why ? ` (${why})` : ''}`;
    this.deps.commits.add({ at, kind: 'transition', ...(name === 'fleet' ? {} : { cluster: name }), message, data: { from: previous ?? null, to: key, ...(why ? { reason: why } : {}), ...(context?.drift ? { drift: context.drift } : {}) } });
    this.deps.logger.info({ runId: this.deps.record.runId, cluster: name, from: previous, to: key }, message);
    const [fromPhase, toPhase] = [previous?.split('.')[0], key.split('.')[0]!];
    if (name !== 'fleet' && fromPhase !== undefined && fromPhase !== toPhase) this.deps.onPhase?.(name, fromPhase, toPhase, why);
  }
}

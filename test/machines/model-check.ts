// Exhaustive path checks of the machines with the graph tools of xstate/graph.
// The monitors below judge each path from its events and state values only, never from the machine's own
// bookkeeping, so a broken guard cannot hide behind the context it corrupts.
import { initialTransition, transition, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import { getSimplePaths, getAdjacencyMap } from 'xstate/graph';
import type { ClusterMachineInput, ObserveOutput } from '../../machines/cluster.contract.js';
import type { ClusterMachine } from '../../machines/cluster.machine.js';
import type { FleetInput, FleetMachine } from '../../machines/fleet.machine.js';

type ClusterSnap = SnapshotFrom<ClusterMachine>;
type AnyEvent = { type: string; [k: string]: unknown };

export interface CheckReport {
  paths: number;
  states: number;
  violations: string[];
}

const stateOf = (snap: { value: unknown }) => JSON.stringify(snap.value);
const inState = (snap: { value: unknown }, name: string) => stateOf(snap).includes(`"${name}"`) || stateOf(snap) === `"${name}"`;

// ---------------------------------------------------------------- cluster

/** Every event each state can meet: operator events, ticks, and every outcome of the actor it runs. */
export function clusterEvents(snap: ClusterSnap): AnyEvent[] {
  if (snap.status !== 'active') return [];
  const c = snap.context;
  const now = c.now;
  const events: AnyEvent[] = [{ type: 'ABORT', by: 'op' }, { type: 'APPROVE', by: 'op' }];
  if (c.nextCheckAt !== undefined) events.push({ type: 'TICK', now: c.nextCheckAt });
  const soon = now + 1_000;
  const times = new Set<number>([soon]);
  if (c.deadline !== undefined) times.add(Math.max(c.deadline, soon));
  if (c.stableSince !== undefined) times.add(Math.max(c.stableSince + c.input.verify.stableForMs, soon));
  if (c.holdUntil !== undefined) times.add(Math.max(c.holdUntil, soon));

  for (const id of Object.keys(snap.children)) {
    const done = (output: unknown) => events.push({ type: `xstate.done.actor.${id}`, output });
    events.push({ type: `xstate.error.actor.${id}`, error: new Error(`${id} failed`) });
    switch (id) {
      case 'runPreflight':
        done({ at: soon, passed: true, originalWeight: 10 });
        done({ at: soon, passed: false, reason: 'memory 91% > 80%', originalWeight: 10 });
        break;
      case 'checkDrift':
        done({ at: soon, drift: null });
        done({ at: soon, drift: { weights: [], targetsAppeared: [], targetsVanished: [], summary: 'blue weight expected 10, live 3' } });
        break;
      case 'setWeight':
        done({ at: soon, before: 10, after: 0, changed: true });
        break;
      case 'deregisterTargets':
        done({ at: soon, targets: [{ id: 'i-1' }] });
        break;
      case 'startStep':
      case 'registerTargets':
      case 'secure':
        done({ at: soon });
        break;
      default:
        for (const at of times) {
          for (const status of ['done', 'not-yet', 'failed', 'drift'] as const) {
            const out: ObserveOutput = { at, status, ...(status === 'done' ? {} : { reason: `${id} ${status}` }) };
            done(out);
          }
        }
    }
  }
  return events;
}

/** Abstracts time away: two snapshots that differ only in clock values behave alike under clusterEvents. */
export function serializeCluster(snap: ClusterSnap): string {
  const c = snap.context;
  return JSON.stringify([
    snap.value,
    snap.status,
    c.outOfRotation,
    c.targets !== undefined,
    c.targetsRegistered,
    c.stepIndex,
    c.maintenance,
    c.rampIndex,
    c.pause?.kind,
    c.pause?.resumeTo,
    c.abort !== undefined,
    c.stableSince !== undefined,
    c.holdUntil !== undefined,
    c.nextCheckAt !== undefined,
    c.originalWeight !== undefined,
    c.outcome,
  ]);
}

interface ClusterMonitor {
  removed: boolean;
  stepsCompleted: number;
  stepsStarted: number;
  aborted: boolean;
  streakStart?: number;
  verifiedAfterSettled: boolean;
  secured: boolean;
}

/**
 * Invariants on one path:
 *  (a) entering `reactivating` happens only after the last removal, after maintenance completed (or was
 *      skipped by an abort before any step started), and then after a verification window of `stableFor`
 *      passed; entering it from `verifying` must be caused by that very verification result;
 *  (b) a path that ends (final state or paused) carries a reason unless it is done;
 *  (d) a cluster held after removal went through securing (weight 0, targets back) or a rollback.
 */
export function checkClusterPath(steps: Array<{ state: ClusterSnap; event: AnyEvent }>, input: ClusterMachineInput): string[] {
  const problems: string[] = [];
  const m: ClusterMonitor = { removed: false, stepsCompleted: 0, stepsStarted: 0, aborted: false, verifiedAfterSettled: false, secured: false };
  const settled = () => m.stepsCompleted >= input.steps.length || (m.aborted && m.stepsStarted === 0);
  const trail: string[] = [];
  let prev: ClusterSnap | undefined;
  for (const { state, event } of steps) {
    trail.push(`${event.type}${'output' in event ? JSON.stringify((event.output as { status?: string }).status ?? '') : ''} -> ${stateOf(state)}`);
    const out = (event as { output?: ObserveOutput }).output;
    if (prev) {
      if (event.type === 'xstate.done.actor.setWeight' && inState(prev, 'setZero')) {
        m.removed = true;
        m.stepsCompleted = 0;
        m.stepsStarted = 0;
        m.verifiedAfterSettled = false;
      }
      if (event.type === 'ABORT') m.aborted = true;
      if (event.type === 'xstate.done.actor.startStep') m.stepsStarted++;
      if (event.type === 'xstate.done.actor.observeStep' && out?.status === 'done') m.stepsCompleted++;
      if (event.type === 'APPROVE' && inState(prev, 'paused') && input.steps[m.stepsCompleted]?.kind === 'approval' && m.removed) {
        if (!inState(state, 'paused')) {
          m.stepsCompleted++;
          m.stepsStarted++;
        }
      }
      if (inState(state, 'verifying') && !inState(prev, 'verifying')) m.streakStart = undefined;
      let verificationPass = false;
      if (event.type === 'xstate.done.actor.verifyCluster' && out) {
        if (out.status === 'done') {
          m.streakStart ??= out.at;
          if (out.at - m.streakStart >= input.verify.stableForMs && settled()) {
            m.verifiedAfterSettled = true;
            verificationPass = true;
          }
        } else m.streakStart = undefined;
      }
      if (inState(state, 'securing') || inState(state, 'rollingBack')) m.secured = true;

      const entersReactivation = inState(state, 'reactivating') && !inState(prev, 'reactivating');
      if (entersReactivation) {
        if (!m.removed) problems.push('reactivated a cluster that was never removed');
        if (!m.verifiedAfterSettled) problems.push('reactivated before maintenance settled and verification passed');
        if (inState(prev, 'verifying') && !verificationPass) problems.push(`left verifying for reactivating on ${event.type} without a passing stable verification`);
      }
      if (state.status === 'done' && state.value === 'held' && m.removed && !m.secured) {
        problems.push('held after removal without securing the cluster (weight 0, targets back)');
      }
    }
    prev = state;
  }
  const last = steps.at(-1)?.state;
  if (last && last.status === 'done' && last.value !== 'done' && !last.context.reason) problems.push(`ended ${stateOf(last)} without a reason`);
  if (last && inState(last, 'paused') && !last.context.pause?.reason) problems.push('paused without a reason');
  return problems.map((p) => `${p}\n    path: ${trail.join('\n          ')}`);
}

export function checkClusterMachine(machine: ClusterMachine, input: ClusterMachineInput): CheckReport {
  const options = { input, events: clusterEvents, serializeState: serializeCluster, limit: 5_000_000 } as const;
  const paths = getSimplePaths(machine, options as never) as Array<{ steps: Array<{ state: ClusterSnap; event: AnyEvent }> }>;
  const violations: string[] = [];
  for (const path of paths) {
    for (const v of checkClusterPath(path.steps, input)) {
      if (violations.length < 20) violations.push(v);
    }
  }
  const adjacency = getAdjacencyMap(machine, options as never) as Record<string, { state: ClusterSnap; transitions: Record<string, { state: ClusterSnap }> }>;
  violations.push(...checkEnds(adjacency, (s) => serializeCluster(s as ClusterSnap), (s) => {
    const snap = s as ClusterSnap;
    return snap.status === 'done' || inState(snap, 'paused');
  }));
  return { paths: paths.length, states: Object.keys(adjacency).length, violations };
}

/** (b) liveness: from every reachable state some end (final or paused) is reachable; no trap cycles. */
function checkEnds(
  adjacency: Record<string, { state: unknown; transitions: Record<string, { state: unknown }> }>,
  serialize: (s: unknown) => string,
  isEnd: (s: unknown) => boolean,
): string[] {
  const reverse = new Map<string, Set<string>>();
  for (const [key, node] of Object.entries(adjacency)) {
    for (const t of Object.values(node.transitions)) {
      const to = serialize(t.state);
      if (!reverse.has(to)) reverse.set(to, new Set());
      reverse.get(to)!.add(key);
    }
  }
  const canEnd = new Set(Object.keys(adjacency).filter((k) => isEnd(adjacency[k]!.state)));
  const queue = [...canEnd];
  while (queue.length) {
    for (const from of reverse.get(queue.pop()!) ?? []) {
      if (!canEnd.has(from)) {
        canEnd.add(from);
        queue.push(from);
      }
    }
  }
  return Object.keys(adjacency)
    .filter((k) => !canEnd.has(k))
    .slice(0, 5)
    .map((k) => `state can never reach done, held, paused or aborted: ${k}`);
}

// ---------------------------------------------------------------- fleet

type FleetSnap = SnapshotFrom<FleetMachine>;

export function fleetEvents(snap: FleetSnap): AnyEvent[] {
  if (snap.status !== 'active') return [];
  const events: AnyEvent[] = [{ type: 'ABORT', by: 'op' }];
  for (const name of snap.context.input.clusters) {
    const status = snap.context.status[name];
    if (status === 'running') {
      events.push(
        { type: 'CLUSTER.DONE', name },
        { type: 'CLUSTER.HELD', name, reason: 'verification failed', inRotation: false },
        { type: 'CLUSTER.HELD', name, reason: 'preflight refused', inRotation: true },
        { type: 'CLUSTER.ABORTED', name, inRotation: true },
        { type: 'CLUSTER.PAUSED', name, reason: 'drift' },
      );
    } else if (status === 'paused') {
      events.push({ type: 'CLUSTER.RESUMED', name }, { type: 'CLUSTER.HELD', name, reason: 'aborted in maintenance', inRotation: false });
    } else if (status === 'pending') {
      // A stale or misrouted report about a cluster that never started must change nothing.
      events.push({ type: 'CLUSTER.DONE', name });
    }
  }
  return events;
}

const serializeFleet = (snap: FleetSnap) =>
  JSON.stringify([snap.value, snap.context.status, snap.context.out, snap.context.holds.length > 0, snap.context.abort !== undefined]);

/**
 * (c) never more than maxOutOfService clusters out of rotation, never fewer than minActiveClusters in.
 * "Out" is computed from the startCluster effects the machine emits and the reports it receives.
 * Also (b): every end other than done carries a reason, and the fleet starts nothing after a hold.
 */
export function checkFleetMachine(machine: FleetMachine, input: FleetInput): CheckReport {
  const options = { input, events: fleetEvents, serializeState: serializeFleet, limit: 5_000_000 } as const;
  const paths = getSimplePaths(machine, options as never) as Array<{ steps: Array<{ state: FleetSnap; event: AnyEvent }> }>;
  const [, initialActions] = initialTransition(machine, input);
  const violations: string[] = [];
  for (const path of paths) {
    const out = new Set<string>();
    let heldSeen = false;
    const started = (actions: Array<{ type: string; params?: unknown }>, where: string) => {
      for (const a of actions) {
        if (a.type !== 'startCluster') continue;
        const name = (a.params as { name: string }).name;
        if (heldSeen) violations.push(`started ${name} after a cluster was held (${where})`);
        out.add(name);
        if (out.size > input.maxOutOfService) violations.push(`${out.size} clusters out of rotation > maxOutOfService ${input.maxOutOfService} (${where})`);
        if (input.clusters.length - out.size < input.minActiveClusters) {
          violations.push(`${input.clusters.length - out.size} clusters in rotation < minActiveClusters ${input.minActiveClusters} (${where})`);
        }
      }
    };
    started(initialActions as never, 'initial');
    let prev: FleetSnap | undefined;
    for (const { state, event } of path.steps) {
      if (prev) {
        const name = event.name as string | undefined;
        const [, actions] = transition(machine, prev, event as never);
        if (name && out.has(name)) {
          if (event.type === 'CLUSTER.DONE') out.delete(name);
          if ((event.type === 'CLUSTER.HELD' || event.type === 'CLUSTER.ABORTED') && event.inRotation) out.delete(name);
        }
        if (event.type === 'CLUSTER.HELD' && prev.context.status[name!] !== 'pending') heldSeen = true;
        started(actions as never, `after ${event.type} ${name ?? ''}`);
      }
      prev = state;
    }
    const last = path.steps.at(-1)?.state;
    if (last && last.status === 'done' && last.value !== 'done' && !last.context.reason) violations.push(`fleet ended ${String(last.value)} without a reason`);
    if (violations.length > 20) break;
  }
  const adjacency = getAdjacencyMap(machine, options as never) as Record<string, { state: FleetSnap; transitions: Record<string, { state: FleetSnap }> }>;
  violations.push(
    ...checkEnds(adjacency, (s) => serializeFleet(s as FleetSnap), (s) => {
      const snap = s as FleetSnap;
      return snap.status === 'done' || Object.values(snap.context.status).includes('paused');
    }),
  );
  return { paths: paths.length, states: Object.keys(adjacency).length, violations };
}

export const isMachine = (m: unknown): m is AnyStateMachine => typeof m === 'object' && m !== null && 'transition' in m;

// Exhaustive checks of the machines with the graph tools of xstate/graph.
//
// A path property ("reactivation only after maintenance and then verification") is checked on the product
// of the machine and a monitor: an actor logic whose state is (machine snapshot, monitor state). Every path
// of the machine is a walk through the product graph, so checking every reachable product state checks
// every path, loops included, which plain simple-path enumeration cannot do (wait loops make it explode).
// The monitors judge from events, effects and state values only, never from the machine's own
// bookkeeping, so a broken guard cannot hide behind the context it corrupts.
import { initialTransition, transition, type ActorLogic, type AnyEventObject, type SnapshotFrom } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import type { ClusterMachineInput, ObserveOutput } from '../../machines/cluster.contract.js';
import type { ClusterMachine } from '../../machines/cluster.machine.js';
import type { FleetInput, FleetMachine } from '../../machines/fleet.machine.js';

type AnyEvent = AnyEventObject & Record<string, unknown>;

export interface CheckReport {
  /** Reachable (machine state x monitor) pairs: every path of the machine runs through these. */
  productStates: number;
  transitions: number;
  /** Distinct machine states reached. */
  machineStates: number;
  /** One shortest path per product state: the paths the violations are reported on. */
  paths: number;
  /** Distinct event sequences of up to `walkDepth` steps from the start; each is checked, as it only visits checked states. */
  walks: bigint;
  walkDepth: number;
  violations: string[];
}

interface Product<TSnap, TMon> {
  snap: TSnap;
  mon: TMon;
  status: 'active';
  output: undefined;
  error: undefined;
}

/** Builds the product logic: the machine steps purely, the monitor watches the step. */
function productLogic<TSnap, TMon>(
  machine: ClusterMachine | FleetMachine,
  input: unknown,
  initialMon: (snap: TSnap, actions: unknown[]) => TMon,
  step: (mon: TMon, prev: TSnap, event: AnyEvent, next: TSnap, actions: unknown[]) => TMon,
): ActorLogic<Product<TSnap, TMon>, AnyEvent, unknown> {
  return {
    transition: (state, event) => {
      const [next, actions] = transition(machine as never, state.snap as never, event as never) as unknown as [TSnap, unknown[]];
      return { ...state, snap: next, mon: step(state.mon, state.snap, event, next, actions) };
    },
    getInitialSnapshot: () => {
      const [snap, actions] = initialTransition(machine as never, input as never) as unknown as [TSnap, unknown[]];
      return { snap, mon: initialMon(snap, actions), status: 'active', output: undefined, error: undefined };
    },
    getPersistedSnapshot: (s) => s,
  } as ActorLogic<Product<TSnap, TMon>, AnyEvent, unknown>;
}

function explore<TSnap, TMon extends { bad?: string }>(
  logic: ActorLogic<Product<TSnap, TMon>, AnyEvent, unknown>,
  events: (snap: TSnap) => AnyEvent[],
  serialize: (p: Product<TSnap, TMon>) => string,
  machineKey: (snap: TSnap) => string,
  isEnd: (snap: TSnap) => boolean,
  describeStep: (snap: TSnap, event: AnyEvent) => string,
): CheckReport {
  const options = {
    events: (p: Product<TSnap, TMon>) => (p.mon.bad ? [] : events(p.snap)),
    serializeState: serialize,
    limit: 2_000_000,
  };
  const adjacency = getAdjacencyMap(logic, options as never) as unknown as Record<
    string,
    { state: Product<TSnap, TMon>; transitions: Record<string, { state: Product<TSnap, TMon> }> }
  >;
  const keys = Object.keys(adjacency);
  const violations: string[] = [];

  const badKeys = keys.filter((k) => adjacency[k]!.state.mon.bad);
  if (badKeys.length) {
    const paths = getShortestPaths(logic, { ...options, toState: (p: Product<TSnap, TMon>) => Boolean(p.mon.bad) } as never) as Array<{
      state: Product<TSnap, TMon>;
      steps: Array<{ state: Product<TSnap, TMon>; event: AnyEvent }>;
    }>;
    for (const path of paths.filter((p) => p.state.mon.bad).slice(0, 10)) {
      const trail = path.steps.map((s) => describeStep(s.state.snap, s.event));
      violations.push(`${path.state.mon.bad}\n    path: ${trail.join('\n          ')}`);
    }
  }

  // Liveness (b): from every reachable state some end (final, or paused for an operator) is reachable.
  const reverse = new Map<string, string[]>();
  let transitions = 0;
  for (const [key, node] of Object.entries(adjacency)) {
    for (const t of Object.values(node.transitions)) {
      transitions++;
      const to = serialize(t.state);
      reverse.set(to, [...(reverse.get(to) ?? []), key]);
    }
  }
  const canEnd = new Set(keys.filter((k) => isEnd(adjacency[k]!.state.snap) || adjacency[k]!.state.mon.bad));
  const queue = [...canEnd];
  while (queue.length) {
    for (const from of reverse.get(queue.pop()!) ?? []) {
      if (!canEnd.has(from)) {
        canEnd.add(from);
        queue.push(from);
      }
    }
  }
  for (const k of keys.filter((key) => !canEnd.has(key)).slice(0, 5)) {
    violations.push(`a state from which no end (done, held, paused, aborted) is reachable: ${machineKey(adjacency[k]!.state.snap)}`);
  }
  // Count walks from the start by dynamic programming over the product graph (BigInt: they explode).
  const walkDepth = 60;
  const start = keys[0]!;
  let frontier = new Map<string, bigint>([[start, 1n]]);
  let walks = 1n;
  for (let depth = 0; depth < walkDepth; depth++) {
    const nextFrontier = new Map<string, bigint>();
    for (const [key, count] of frontier) {
      for (const t of Object.values(adjacency[key]!.transitions)) {
        const to = serialize(t.state);
        nextFrontier.set(to, (nextFrontier.get(to) ?? 0n) + count);
        walks += count;
      }
    }
    frontier = nextFrontier;
  }
  return {
    walks,
    walkDepth,
    productStates: keys.length,
    transitions,
    machineStates: new Set(keys.map((k) => machineKey(adjacency[k]!.state.snap))).size,
    paths: keys.length,
    violations,
  };
}

const stateOf = (snap: { value: unknown }) => JSON.stringify(snap.value);
const inState = (snap: { value: unknown }, name: string) => stateOf(snap).includes(`"${name}"`);

// ---------------------------------------------------------------- cluster

type ClusterSnap = SnapshotFrom<ClusterMachine>;

/** Every event each state can meet: operator events, ticks, and every outcome of the actor it runs. */
export function clusterEvents(snap: ClusterSnap): AnyEvent[] {
  if (snap.status !== 'active') return [];
  const c = snap.context;
  const events: AnyEvent[] = [
    { type: 'ABORT', by: 'op' },
    { type: 'APPROVE', by: 'op' },
    { type: 'REINSTATE', by: 'op' },
  ];
  if (c.nextCheckAt !== undefined) events.push({ type: 'TICK', now: c.nextCheckAt });
  const soon = c.now + 1_000;
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
      case 'registerTargets':
        done({ at: soon, status: 'done' } satisfies ObserveOutput);
        done({ at: soon, status: 'drift', reason: 'blue weight expected 0, live 1' } satisfies ObserveOutput);
        break;
      case 'startStep':
      case 'secure':
        done({ at: soon });
        break;
      default:
        for (const at of times) {
          for (const status of ['done', 'not-yet', 'failed', 'drift'] as const) {
            done({ at, status, ...(status === 'done' ? {} : { reason: `${id} ${status}` }) } satisfies ObserveOutput);
          }
        }
    }
  }
  return events;
}

/** Abstracts clock values away: snapshots that differ only in times behave alike under clusterEvents. */
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
  drained: boolean;
  stepsCompleted: number;
  stepsStarted: number;
  aborted: boolean;
  streakStart?: number;
  verifiedAfterSettled: boolean;
  secured: boolean;
  /** An operator took the cluster back from held: maintenance counts as settled as it stood (they vouch), verification does not. */
  reinstated: boolean;
  bad?: string;
}

/**
 * Invariants:
 *  (a) entering `reactivating` happens only after the cluster was removed, after maintenance completed
 *      (or was skipped by an abort before any step started), and then after a verification window of
 *      `stableFor` passed; entering it from `verifying` must be caused by that very verification result;
 *  (b) every end other than done carries a reason, and an end is reachable from everywhere;
 *  (d) a cluster held after removal went through securing (weight 0, targets back) or a rollback;
 *  (f) verification after restoringTargets follows only a registration the edge reported done.
 */
function clusterStep(input: ClusterMachineInput) {
  return (m: ClusterMonitor, prev: ClusterSnap, event: AnyEvent, next: ClusterSnap): ClusterMonitor => {
    const mon = { ...m };
    const out = event.output as ObserveOutput | undefined;
    const settled = () => mon.reinstated || mon.stepsCompleted >= input.steps.length || (mon.aborted && mon.stepsStarted === 0);
    if (event.type === 'REINSTATE' && inState(prev, 'held') && !inState(next, 'held')) {
      if (!inState(next, 'verifying')) mon.bad = `(a) left held on REINSTATE for ${stateOf(next)}, not verifying`;
      // The guard lets only a cluster counted out of rotation back (a removal that failed counts out: its
      // weight may be 0); verification reads the weight 0 back before anything is ramped.
      Object.assign(mon, { reinstated: true, removed: true, verifiedAfterSettled: false, aborted: false, secured: false });
    }
    if (event.type === 'xstate.done.actor.setWeight' && inState(prev, 'setZero')) {
      Object.assign(mon, { removed: true, drained: false, stepsCompleted: 0, stepsStarted: 0, verifiedAfterSettled: false });
    }
    if (event.type === 'xstate.done.actor.observeDrain' && out?.status === 'done') mon.drained = true;
    if (event.type === 'ABORT') mon.aborted = true;
    if (event.type === 'xstate.done.actor.startStep') mon.stepsStarted++;
    if (event.type === 'xstate.done.actor.observeStep' && out?.status === 'done') mon.stepsCompleted++;
    const approvalDue = input.steps[mon.stepsCompleted]?.kind === 'approval';
    // An approval completes its step when the operator approves a pause reached during maintenance.
    if (event.type === 'APPROVE' && inState(prev, 'paused') && !inState(next, 'paused') && approvalDue && mon.drained) {
      mon.stepsCompleted++;
      mon.stepsStarted++;
    }
    if (inState(next, 'verifying') && !inState(prev, 'verifying')) mon.streakStart = undefined;
    let verificationPass = false;
    if (event.type === 'xstate.done.actor.verifyCluster' && out) {
      if (out.status === 'done') {
        mon.streakStart ??= out.at;
        if (out.at - mon.streakStart >= input.verify.stableForMs && settled()) {
          mon.verifiedAfterSettled = true;
          verificationPass = true;
        }
      } else mon.streakStart = undefined;
    }
    if (inState(next, 'securing') || inState(next, 'rollingBack')) mon.secured = true;
    // (f) deregister mode: verification starts on targets registered again only when the edge reported
    // them registered under a weight that read 0 (a drift there pauses or secures, never verifies).
    if (inState(prev, 'restoringTargets') && inState(next, 'verifying') && !(event.type === 'xstate.done.actor.registerTargets' && out?.status === 'done')) {
      mon.bad = `(f) left restoringTargets for verifying on ${event.type}${out?.status ? `(${out.status})` : ''} without the targets registered`;
    }

    if (inState(next, 'reactivating') && !inState(prev, 'reactivating')) {
      if (!mon.removed) mon.bad = '(a) reactivated a cluster that was never removed';
      else if (!mon.verifiedAfterSettled) mon.bad = '(a) reactivated before maintenance settled and verification passed';
      else if (inState(prev, 'verifying') && !verificationPass) mon.bad = `(a) left verifying for reactivating on ${event.type} without a passing stable verification`;
    }
    if (next.status === 'done' || (inState(next, 'held') && !inState(prev, 'held'))) {
      if (next.value === 'held' && mon.removed && !mon.secured) mon.bad = '(d) held after removal without securing the cluster';
      if (next.value !== 'done' && !next.context.reason) mon.bad = `(b) ended ${stateOf(next)} without a reason`;
    }
    if (inState(next, 'paused') && !next.context.pause?.reason) mon.bad = '(b) paused without a reason';
    return mon;
  };
}

export function checkClusterMachine(machine: ClusterMachine, input: ClusterMachineInput): CheckReport {
  const logic = productLogic<ClusterSnap, ClusterMonitor>(
    machine,
    input,
    () => ({ removed: false, drained: false, stepsCompleted: 0, stepsStarted: 0, aborted: false, verifiedAfterSettled: false, secured: false, reinstated: false }),
    clusterStep(input),
  );
  return explore(
    logic,
    clusterEvents,
    (p) =>
      serializeCluster(p.snap) +
      JSON.stringify([p.mon.removed, p.mon.drained, p.mon.stepsCompleted, p.mon.stepsStarted > 0, p.mon.aborted, p.mon.streakStart !== undefined, p.mon.verifiedAfterSettled, p.mon.secured, p.mon.reinstated, p.mon.bad]),
    serializeCluster,
    // Held is an end: it waits for an operator (reinstate), as paused does.
    (snap) => snap.status === 'done' || inState(snap, 'paused') || inState(snap, 'held'),
    (snap, event) => {
      const status = (event.output as { status?: string } | undefined)?.status;
      return `${event.type}${status ? `(${status})` : ''} -> ${stateOf(snap)}`;
    },
  );
}

// ---------------------------------------------------------------- fleet

type FleetSnap = SnapshotFrom<FleetMachine>;

export function fleetEvents(snap: FleetSnap): AnyEvent[] {
  if (snap.status !== 'active') return [];
  const events: AnyEvent[] = [{ type: 'ABORT', by: 'op' }];
  // The last look before done: every finished cluster in rotation, one out (drift), or the look failing.
  if (snap.children.confirmFleet) {
    const drift = { weights: [{ targetGroupArn: 'tg-a', expected: 1, live: 0 }], targetsAppeared: [], targetsVanished: [], summary: 'a weight expected 1, live 0' };
    events.push(
      { type: 'xstate.done.actor.confirmFleet', output: { at: 0, drift: null } },
      { type: 'xstate.done.actor.confirmFleet', output: { at: 0, drift } },
      { type: 'xstate.error.actor.confirmFleet', error: new Error('confirmFleet failed') },
    );
  }
  if (snap.value === 'paused') events.push({ type: 'APPROVE', by: 'op' });
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

interface FleetMonitor {
  out: string[];
  started: string[];
  heldSeen: boolean;
  /** The last look before done found every finished cluster in rotation (and nothing happened since). */
  confirmed: boolean;
  bad?: string;
}

/**
 * (c) never more than maxOutOfService clusters out of rotation, never fewer than minActiveClusters in;
 * "out" counts from each startCluster effect the machine emits until the cluster reports back in rotation.
 * Also: nothing starts after a hold, nothing starts twice, and every end other than done has a reason;
 * (e) the fleet ends done only right after a last look that found every finished cluster in rotation.
 */
function fleetMonitor(input: FleetInput, locations = input.locations) {
  const apply = (m: FleetMonitor, actions: unknown[], where: string): FleetMonitor => {
    const mon = { ...m, out: [...m.out], started: [...m.started] };
    for (const a of actions as Array<{ type: string; params?: { name?: string } }>) {
      if (a.type !== 'startCluster') continue;
      const name = a.params?.name ?? '<undefined>';
      if (mon.heldSeen) mon.bad ??= `started ${name} after a cluster was held (${where})`;
      if (mon.started.includes(name)) mon.bad ??= `started ${name} twice (${where})`;
      mon.started.push(name);
      mon.out.push(name);
      if (mon.out.length > input.maxOutOfService) mon.bad ??= `(c) ${mon.out.length} clusters out of rotation > maxOutOfService ${input.maxOutOfService} (${where})`;
      if (input.clusters.length - mon.out.length < input.minActiveClusters) {
        mon.bad ??= `(c) ${input.clusters.length - mon.out.length} clusters in rotation < minActiveClusters ${input.minActiveClusters} (${where})`;
      }
      // At several locations, minActiveClusters holds at each.
      for (const [location, members] of Object.entries(locations ?? {})) {
        const inRotation = members.filter((m) => !mon.out.includes(m)).length;
        if (inRotation < input.minActiveClusters) mon.bad ??= `(c) ${inRotation} clusters in rotation at location ${location} < minActiveClusters ${input.minActiveClusters} (${where})`;
      }
    }
    return mon;
  };
  return {
    initial: (_: FleetSnap, actions: unknown[]) => apply({ out: [], started: [], heldSeen: false, confirmed: false }, actions, 'initial'),
    step: (m: FleetMonitor, prev: FleetSnap, event: AnyEvent, next: FleetSnap, actions: unknown[]) => {
      const name = event.name as string | undefined;
      let mon: FleetMonitor = { ...m, out: [...m.out] };
      if (name && mon.out.includes(name)) {
        const backIn = event.type === 'CLUSTER.DONE' || ((event.type === 'CLUSTER.HELD' || event.type === 'CLUSTER.ABORTED') && event.inRotation === true);
        if (backIn) mon.out = mon.out.filter((n) => n !== name);
      }
      if (event.type === 'CLUSTER.HELD' && name && mon.started.includes(name)) mon.heldSeen = true;
      mon.confirmed = event.type === 'xstate.done.actor.confirmFleet' && (event.output as { drift: unknown }).drift === null;
      mon = apply(mon, actions, `after ${event.type} ${name ?? ''}`.trim());
      // (e) done only right after a look that found every finished cluster in rotation.
      if (next.status === 'done' && next.value === 'done' && !mon.confirmed) mon.bad ??= `(e) fleet ended done without confirming every finished cluster in rotation (after ${event.type})`;
      if (next.status === 'done' && next.value !== 'done' && !next.context.reason) mon.bad ??= `(b) fleet ended ${String(next.value)} without a reason`;
      void prev;
      return mon;
    },
  };
}

/** `locations`: what the monitor judges per location, the input's own unless given (to check a machine not told of them). */
export function checkFleetMachine(machine: FleetMachine, input: FleetInput, locations = input.locations): CheckReport {
  const monitor = fleetMonitor(input, locations);
  const logic = productLogic<FleetSnap, FleetMonitor>(machine, input, monitor.initial, monitor.step);
  return explore(
    logic,
    fleetEvents,
    (p) => serializeFleet(p.snap) + JSON.stringify([[...p.mon.out].sort(), [...p.mon.started].sort(), p.mon.heldSeen, p.mon.confirmed, p.mon.bad]),
    serializeFleet,
    (snap) => snap.status === 'done' || snap.value === 'paused' || Object.values(snap.context.status).includes('paused'),
    (snap, event) => `${event.type} ${String(event.name ?? '')} -> ${stateOf(snap)}`,
  );
}

import { assign, fromPromise, setup } from 'xstate';
import type { Drift, Millis } from './types.js';

// Rolls through the plan's clusters under the capacity budget. It never runs an AWS call itself: it
// decides which cluster starts next (the `startCluster` action, provided by the edge), and stops rolling
// at the first hold, so a step that breaks one cluster never rolls on to the rest. Before it ends done,
// one more look (the `confirmFleet` actor, provided by the edge) proves every cluster it finished is in
// rotation: a weight set to 0 by hand after a cluster finished must not end the run "done".

export type FleetClusterStatus = 'pending' | 'running' | 'paused' | 'done' | 'held' | 'aborted';

export interface FleetInput {
  clusters: string[];
  maxOutOfService: number;
  minActiveClusters: number;
  /**
   * A fleet at several locations: the clusters at each. minActiveClusters then holds at every location
   * (each keeps that many of its own in rotation); absent, the fleet is one location.
   */
  locations?: Record<string, string[]>;
}

export interface FleetContext {
  input: FleetInput;
  status: Record<string, FleetClusterStatus>;
  /** Clusters counted out of rotation: from the moment they start until they report back in rotation. */
  out: Record<string, boolean>;
  holds: Array<{ name: string; reason: string }>;
  abort?: { by: string; reason: string };
  reason?: string;
  /** Paused before ending done: the last look found a finished cluster out of rotation (or could not look). */
  pause?: { reason: string; drift?: Drift };
}

export interface ConfirmFleetInput {
  /** The clusters this run finished (all of them, when the fleet is about to end done). */
  clusters: string[];
}

export interface ConfirmFleetOutput {
  at: Millis;
  /** What differs from "every finished cluster in rotation"; null when nothing does. */
  drift: Drift | null;
}

export type FleetEvent =
  | { type: 'CLUSTER.DONE'; name: string }
  | { type: 'CLUSTER.HELD'; name: string; reason: string; inRotation: boolean }
  | { type: 'CLUSTER.ABORTED'; name: string; reason?: string; inRotation: boolean }
  | { type: 'CLUSTER.PAUSED'; name: string; reason: string }
  | { type: 'CLUSTER.RESUMED'; name: string }
  | { type: 'ABORT'; by: string; reason?: string }
  | { type: 'APPROVE'; by: string };

export interface FleetOutput {
  status: 'done' | 'held' | 'aborted';
  reason?: string;
  untouched: string[];
}

const countOut = (c: FleetContext) => Object.values(c.out).filter(Boolean).length;
const names = (c: FleetContext, s: FleetClusterStatus) => c.input.clusters.filter((n) => c.status[n] === s);
const active = (c: FleetContext) => names(c, 'running').length + names(c, 'paused').length;

/** Clusters at a location that cannot spare one more: taking any of them out breaks minActiveClusters there. */
function blockedByLocation(c: FleetContext): Set<string> {
  const blocked = new Set<string>();
  for (const members of Object.values(c.input.locations ?? {})) {
    const inRotation = members.filter((m) => !c.out[m]).length;
    if (inRotation - 1 < c.input.minActiveClusters) for (const m of members) blocked.add(m);
  }
  return blocked;
}

/**
 * Plan order: the first cluster not yet started. At several locations, the first whose locations can each
 * spare one (the removal's own guard would refuse the others, and a refusal holds the run), so that
 * clusters of other locations go meanwhile.
 */
export function nextPending(c: FleetContext): string | undefined {
  if (c.input.locations === undefined) return names(c, 'pending')[0];
  const blocked = blockedByLocation(c);
  return c.input.clusters.find((n) => c.status[n] === 'pending' && !blocked.has(n));
}

/** The next cluster the budget allows, or undefined. The `canStart` guard is the only gate. */
export function nextStartable(c: FleetContext): string | undefined {
  if (c.abort || c.holds.length > 0 || names(c, 'paused').length > 0) return undefined;
  const next = nextPending(c);
  if (next === undefined) return undefined;
  const out = countOut(c);
  const inRotation = c.input.clusters.length - out;
  if (out + 1 > c.input.maxOutOfService) return undefined;
  if (inRotation - 1 < c.input.minActiveClusters) return undefined;
  return next;
}

export const fleetMachine = setup({
  types: {
    context: {} as FleetContext,
    events: {} as FleetEvent,
    input: {} as FleetInput,
    output: {} as FleetOutput,
  },
  actors: {
    /** Provided by the edge: reads the listener and judges every finished cluster. */
    confirmFleet: fromPromise<ConfirmFleetOutput, ConfirmFleetInput>(async () => {
      throw new Error('actor "confirmFleet" was not provided');
    }),
  },
  actions: {
    /** Provided by the edge: create and start the cluster's machine. */
    startCluster: (_, _params: { name: string }) => {
      throw new Error('action "startCluster" was not provided');
    },
    markStarted: assign(({ context }, params: { name: string }) => ({
      status: { ...context.status, [params.name]: 'running' as const },
      out: { ...context.out, [params.name]: true },
    })),
    onDone: assign(({ context, event }) => {
      if (event.type !== 'CLUSTER.DONE') return {};
      return { status: { ...context.status, [event.name]: 'done' as const }, out: { ...context.out, [event.name]: false } };
    }),
    onHeld: assign(({ context, event }) => {
      if (event.type !== 'CLUSTER.HELD') return {};
      return {
        status: { ...context.status, [event.name]: 'held' as const },
        out: { ...context.out, [event.name]: !event.inRotation },
        holds: [...context.holds, { name: event.name, reason: event.reason }],
      };
    }),
    onAborted: assign(({ context, event }) => {
      if (event.type !== 'CLUSTER.ABORTED') return {};
      return { status: { ...context.status, [event.name]: 'aborted' as const }, out: { ...context.out, [event.name]: !event.inRotation } };
    }),
    onPaused: assign(({ context, event }) => {
      if (event.type !== 'CLUSTER.PAUSED') return {};
      return { status: { ...context.status, [event.name]: 'paused' as const } };
    }),
    onResumed: assign(({ context, event }) => {
      if (event.type !== 'CLUSTER.RESUMED') return {};
      return { status: { ...context.status, [event.name]: 'running' as const } };
    }),
    recordAbort: assign(({ context, event }) => {
      if (event.type !== 'ABORT' || context.abort) return {};
      return { abort: { by: event.by, reason: event.reason ?? 'aborted by operator' } };
    }),
    pauseForDrift: assign((_, { output }: { output: ConfirmFleetOutput }) => {
      const drift = output.drift ?? undefined;
      return { pause: { reason: `drift: ${drift?.summary ?? 'a finished cluster is out of rotation'}`, ...(drift ? { drift } : {}) } };
    }),
    pauseForError: assign((_, { error }: { error: unknown }) => {
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      return { pause: { reason: `could not confirm that every finished cluster is in rotation (${message}); approve to look again` } };
    }),
    clearPause: assign({ pause: undefined }),
    explainHeld: assign(({ context }) => {
      const untouched = names(context, 'pending');
      const holds = context.holds.map((h) => `${h.name}: ${h.reason}`).join('; ');
      // The run says "held (...)" around this reason: it names the holds, not the status again.
      return { reason: `${holds}${untouched.length ? `; left untouched: ${untouched.join(', ')}` : ''}` };
    }),
    explainAborted: assign(({ context }) => {
      const untouched = names(context, 'pending');
      return {
        reason: `aborted by ${context.abort?.by ?? 'operator'}: ${context.abort?.reason ?? ''}${untouched.length ? `; left untouched: ${untouched.join(', ')}` : ''}`,
      };
    }),
  },
  guards: {
    canStart: ({ context }) => nextStartable(context) !== undefined,
    settledAborted: ({ context }) => context.abort !== undefined && active(context) === 0,
    settledHeld: ({ context }) => context.holds.length > 0 && active(context) === 0,
    allDone: ({ context }) => context.input.clusters.every((n) => context.status[n] === 'done'),
    confirmedDrift: (_, { output }: { output: ConfirmFleetOutput }) => output.drift !== null,
    /** A cluster can report only while it runs: stale or duplicate reports change nothing. */
    fromRunning: ({ context, event }) => 'name' in event && ['running', 'paused'].includes(context.status[event.name] ?? ''),
  },
}).createMachine({
  id: 'fleet',
  context: ({ input }) => ({
    input,
    status: Object.fromEntries(input.clusters.map((n) => [n, 'pending' as const])),
    out: {},
    holds: [],
  }),
  initial: 'rolling',
  output: ({ context }) => ({
    status: context.abort ? 'aborted' : context.holds.length > 0 ? 'held' : 'done',
    ...(context.reason ? { reason: context.reason } : {}),
    untouched: names(context, 'pending'),
  }),
  states: {
    rolling: {
      always: [
        { guard: 'settledAborted', target: 'aborted' },
        { guard: 'settledHeld', target: 'held' },
        { guard: 'allDone', target: 'confirming' },
        {
          guard: 'canStart',
          actions: [
            { type: 'startCluster', params: ({ context }) => ({ name: nextPending(context)! }) },
            { type: 'markStarted', params: ({ context }) => ({ name: nextPending(context)! }) },
          ],
        },
      ],
      on: {
        'CLUSTER.DONE': { guard: 'fromRunning', actions: 'onDone' },
        'CLUSTER.HELD': { guard: 'fromRunning', actions: 'onHeld' },
        'CLUSTER.ABORTED': { guard: 'fromRunning', actions: 'onAborted' },
        'CLUSTER.PAUSED': { guard: 'fromRunning', actions: 'onPaused' },
        'CLUSTER.RESUMED': { guard: 'fromRunning', actions: 'onResumed' },
        ABORT: { actions: 'recordAbort' },
      },
    },
    confirming: {
      invoke: {
        id: 'confirmFleet',
        src: 'confirmFleet',
        input: ({ context }) => ({ clusters: names(context, 'done') }),
        // The confirmFleet actor's output and error reach the guard and actions typed, as dynamic params.
        onDone: [
          {
            guard: { type: 'confirmedDrift', params: ({ event }) => ({ output: event.output }) },
            target: 'paused',
            actions: { type: 'pauseForDrift', params: ({ event }) => ({ output: event.output }) },
          },
          { target: 'done' },
        ],
        onError: { target: 'paused', actions: { type: 'pauseForError', params: ({ event }) => ({ error: event.error }) } },
      },
      on: { ABORT: { target: 'aborted', actions: 'recordAbort' } },
    },
    /** Waits for an operator: approving looks again (the change put right, or accepted by putting it right). */
    paused: {
      on: {
        APPROVE: { target: 'confirming', actions: 'clearPause' },
        ABORT: { target: 'aborted', actions: 'recordAbort' },
      },
    },
    done: { type: 'final' },
    held: { type: 'final', entry: 'explainHeld' },
    aborted: { type: 'final', entry: 'explainAborted' },
  },
});

export type FleetMachine = typeof fleetMachine;

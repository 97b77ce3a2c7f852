import { assign, fromPromise, setup, type DoneActorEvent, type ErrorActorEvent } from 'xstate';
import type { Check, Drift, Millis, TargetRef } from './types.js';
import type {
  ClusterMachineInput,
  ClusterOutput,
  ClusterRef,
  DriftOutput,
  ObserveDrainInput,
  ObserveOutput,
  ObserveRampInput,
  ObserveStepInput,
  PreflightOutput,
  RegisterInput,
  SecureInput,
  SetWeightInput,
  SetWeightOutput,
  Stamped,
  StepInput,
  TargetsOutput,
  VerifyInput,
} from './cluster.contract.js';

// One cluster's maintenance. The promise quiesce makes lives here: the only transition into
// `reactivating` is guarded by "maintenance settled" and "verification passed and stayed passing".
// Time arrives as TICK events and as the `at` stamp of every actor output; nothing here reads a clock.

export type PauseKind = 'drift' | 'approval';
/** Where an approved pause continues. Explicit targets rather than history states: easier to audit. */
export type ResumeTarget = 'removing' | 'confirming' | 'draining' | 'maintaining' | 'observeStep' | 'restoringTargets' | 'verifying' | 'reactivating';
export type MaintenanceProgress = 'pending' | 'running' | 'complete' | 'skipped';

export interface ClusterContext {
  input: ClusterMachineInput;
  now: Millis;
  outOfRotation: boolean;
  originalWeight?: number;
  /** Targets deregistered by quiesce (deregister mode), already journaled by the edge before the call. */
  targets?: TargetRef[];
  targetsRegistered: boolean;
  removedAt?: Millis;
  deadline?: Millis;
  nextCheckAt?: Millis;
  stepIndex: number;
  stepStartedAt?: Millis;
  maintenance: MaintenanceProgress;
  stableSince?: Millis;
  verifiedAt?: Millis;
  rampIndex: number;
  holdUntil?: Millis;
  reason?: string;
  drift?: Drift;
  pause?: { kind: PauseKind; reason: string; resumeTo: ResumeTarget };
  abort?: { by: string; reason: string };
  approvals: Array<{ stepIndex: number; by: string }>;
  /** Who took the cluster back from held, each time (quiesce reinstate). */
  reinstatedBy?: string[];
  lastChecks: Check[];
  outcome?: ClusterOutput['outcome'];
}

export type ClusterEvent =
  | { type: 'TICK'; now: Millis }
  | { type: 'APPROVE'; by: string }
  | { type: 'ABORT'; by: string; reason?: string }
  /** An operator takes a held cluster back: through verification, then the ramp; never straight into rotation. */
  | { type: 'REINSTATE'; by: string };

/** Placeholder logic: the edge must `.provide()` every actor; running without one is a wiring bug. */
function required<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`actor "${name}" was not provided`);
  });
}

/** The share of its traffic (percent of its share before maintenance) ramp step `rampIndex` gives the cluster. */
const rampPercent = (context: ClusterContext): number => context.input.reactivate.ramp[context.rampIndex] ?? 100;

/** The earliest of: what the world's schedule suggests, the phase deadline, the end of a ramp hold. */
const nextCheck = (context: ClusterContext, out: Stamped & { recheckAt?: Millis }) => {
  const candidates = [out.recheckAt !== undefined && out.recheckAt > out.at ? out.recheckAt : out.at + context.input.pollMs];
  if (context.deadline !== undefined) candidates.push(Math.max(context.deadline, out.at + 1));
  if (context.holdUntil !== undefined && context.holdUntil > out.at) candidates.push(context.holdUntil);
  return Math.min(...candidates);
};

const pastDeadline = (context: ClusterContext, at: Millis) => context.deadline !== undefined && at >= context.deadline;

/**
 * XState types the event of an invoke's onDone by that actor's output; dynamic params hand the output on,
 * typed, to the named guard or action that judges it (https://stately.ai/docs/guards#guards-and-typescript),
 * so no guard or action reaches into an event of unknown shape.
 */
const output = <T>({ event }: { event: DoneActorEvent<T> }) => ({ output: event.output });
const observe = { type: 'observe', params: output } as const;

/** Pause for an operator on the drift the actor's verdict names; approving resumes at `resumeTo`. */
const pauseForDrift = (resumeTo: ResumeTarget) =>
  ({ type: 'pauseForDrift', params: <T>({ event }: { event: DoneActorEvent<T> }) => ({ resumeTo, output: event.output }) }) as const;

/** Hold with `prefix`, detailed by the failed actor's error, or by the reason of a verdict that cannot hold. */
const holdBecause = (prefix: string) =>
  ({
    type: 'holdBecause',
    params: ({ event }: { event: DoneActorEvent<ObserveOutput> | ErrorActorEvent }) =>
      'output' in event ? { prefix, reason: event.output.reason } : { prefix, error: event.error },
  }) as const;

/**
 * Abort before any maintenance step started: a cluster still in rotation simply stops; one already out
 * returns only through verification (targets registered again first in deregister mode).
 */
const abortBeforeMaintenance = [
  { guard: 'abortedInRotation', target: '#cluster.aborted', actions: 'abortUntouched' },
  { guard: 'abortedDetached', target: '#cluster.restoringTargets', actions: 'maintenanceSkipped' },
  { guard: 'abortRequested', target: '#cluster.verifying', actions: 'maintenanceSkipped' },
] as const;

/**
 * How a wait loop ends badly, the same for draining, maintenance steps and verification: drift pauses for
 * an operator; a permanent failure or the phase deadline secures and holds the cluster.
 */
const endsOfObservation = (resumeTo: ResumeTarget, failed: string, timedOut: string) =>
  [
    { guard: { type: 'outputDrift', params: output }, target: '#cluster.paused', actions: [observe, pauseForDrift(resumeTo)] },
    { guard: { type: 'outputFailed', params: output }, target: '#cluster.securing', actions: [observe, holdBecause(failed)] },
    { guard: { type: 'outputPastDeadline', params: output }, target: '#cluster.securing', actions: [observe, holdBecause(timedOut)] },
  ] as const;

export const clusterMachine = setup({
  types: {
    context: {} as ClusterContext,
    events: {} as ClusterEvent,
    input: {} as ClusterMachineInput,
    output: {} as ClusterOutput,
  },
  actors: {
    runPreflight: required<PreflightOutput, ClusterRef>('runPreflight'),
    checkDrift: required<DriftOutput, ClusterRef>('checkDrift'),
    setWeight: required<SetWeightOutput, SetWeightInput>('setWeight'),
    confirmWeight: required<ObserveOutput, ClusterRef & { weight: number }>('confirmWeight'),
    deregisterTargets: required<TargetsOutput, ClusterRef>('deregisterTargets'),
    observeDrain: required<ObserveOutput, ObserveDrainInput>('observeDrain'),
    startStep: required<Stamped, StepInput>('startStep'),
    observeStep: required<ObserveOutput, ObserveStepInput>('observeStep'),
    registerTargets: required<ObserveOutput, RegisterInput>('registerTargets'),
    verifyCluster: required<ObserveOutput, VerifyInput>('verifyCluster'),
    observeRamp: required<ObserveOutput, ObserveRampInput>('observeRamp'),
    secure: required<Stamped, SecureInput>('secure'),
  },
  guards: {
    due: ({ context, event }) => event.type === 'TICK' && (context.nextCheckAt === undefined || event.now >= context.nextCheckAt),
    abortRequested: ({ context }) => context.abort !== undefined,
    abortedInRotation: ({ context }) => context.abort !== undefined && !context.outOfRotation,
    abortedDetached: ({ context }) => context.abort !== undefined && context.targets !== undefined && !context.targetsRegistered,
    abortedInMaintenance: ({ context }) => context.abort !== undefined && context.maintenance === 'running',
    abortedWhile: ({ context }, params: { target: ResumeTarget }) => context.abort !== undefined && context.pause?.resumeTo === params.target,
    /** Aborting while the world differs from what quiesce set: stop there, out of rotation, never loop. */
    abortedOnDrift: ({ context }) => context.abort !== undefined && context.pause?.kind === 'drift' && context.outOfRotation,
    abortedAndDrift: ({ context }, { output }: { output: ObserveOutput }) => context.abort !== undefined && output.status === 'drift',
    targetsDetached: ({ context }) => context.targets !== undefined && !context.targetsRegistered,
    deregisterMode: ({ context }) => context.input.drainMode === 'deregister',
    allStepsDone: ({ context }) => context.stepIndex >= context.input.steps.length,
    approvalStep: ({ context }) => context.input.steps[context.stepIndex]?.kind === 'approval',
    pausedForApproval: ({ context }) => context.pause?.kind === 'approval',
    resumeTo: ({ context }, params: { target: ResumeTarget }) => context.pause?.resumeTo === params.target,
    /** Only a cluster held out of rotation has a way back; one held before it left never left. */
    heldOutOfRotation: ({ context }) => context.outOfRotation,
    /** This ramp step's weight read back, no threshold breached, and its hold has elapsed. */
    rampStepHeld: ({ context }, { output: out }: { output: ObserveOutput }) =>
      out.status === 'done' && context.holdUntil !== undefined && out.at >= context.holdUntil,
    rampComplete: ({ context }, { output: out }: { output: ObserveOutput }) => {
      const last = context.rampIndex >= context.input.reactivate.ramp.length - 1;
      return last && out.status === 'done' && context.holdUntil !== undefined && out.at >= context.holdUntil;
    },
    /**
     * The gate to reactivation. Maintenance must have settled (completed, or skipped because the run was
     * aborted before any step started) and this observation must end a passing window of `stableFor`.
     */
    verifiedAndStable: ({ context }, { output: out }: { output: ObserveOutput }) => {
      const settled = context.maintenance === 'complete' || context.maintenance === 'skipped';
      return (
        settled &&
        out.status === 'done' &&
        context.stableSince !== undefined &&
        out.at - context.stableSince >= context.input.verify.stableForMs
      );
    },
    outputDone: (_, { output }: { output: ObserveOutput }) => output.status === 'done',
    outputFailed: (_, { output }: { output: ObserveOutput }) => output.status === 'failed',
    outputDrift: (_, { output }: { output: ObserveOutput }) => output.status === 'drift',
    outputPastDeadline: ({ context }, { output }: { output: Stamped }) => pastDeadline(context, output.at),
    preflightPassed: (_, { output }: { output: PreflightOutput }) => output.passed,
    hasDrift: (_, { output }: { output: DriftOutput }) => output.drift !== null,
  },
  actions: {
    recordAbort: assign(({ context, event }) => {
      if (event.type !== 'ABORT' || context.abort) return {};
      return { abort: { by: event.by, reason: event.reason ?? 'aborted by operator' } };
    }),
    observe: assign(({ context }, { output }: { output: Stamped }) => ({
      now: Math.max(context.now, output.at),
      lastChecks: output.checks ?? context.lastChecks,
    })),
    tick: assign(({ context, event }) => (event.type === 'TICK' ? { now: Math.max(context.now, event.now) } : {})),
    schedule: assign(({ context }, { output }: { output: ObserveOutput }) => ({ nextCheckAt: nextCheck(context, output) })),
    startDeadline: assign(({ context }, params: { ms: 'readBack' | 'drain' | 'verify' | 'step' | 'hold' }) => {
      const i = context.input;
      const ms = {
        readBack: i.readBackTimeoutMs,
        drain: i.drain.timeoutMs,
        verify: i.verify.timeoutMs,
        step: i.steps[context.stepIndex]?.timeoutMs ?? 0,
        hold: i.readBackTimeoutMs + i.reactivate.holdMs,
      }[params.ms];
      return { deadline: context.now + ms, nextCheckAt: undefined };
    }),
    clearDeadline: assign({ deadline: undefined, nextCheckAt: undefined }),
    acceptPreflight: assign((_, { output }: { output: PreflightOutput }) => ({ originalWeight: output.originalWeight })),
    refusePreflight: assign((_, { output }: { output: PreflightOutput }) => ({ reason: `preflight refused: ${output.reason ?? 'a check failed'}` })),
    markRemoved: assign(({ context }, { output: out }: { output: SetWeightOutput }) => {
      // The weight captured at run start wins over what this call saw: a resumed run may find 0 already.
      return { outOfRotation: true, removedAt: out.at, originalWeight: context.originalWeight ?? out.before };
    }),
    /** Before the call returns we cannot know whether it landed: count the cluster as out from now on. */
    assumeOut: assign({ outOfRotation: true }),
    keepTargets: assign((_, { output }: { output: TargetsOutput }) => ({ targets: output.targets, targetsRegistered: false })),
    targetsBack: assign({ targetsRegistered: true }),
    pauseForDrift: assign((_, params: { resumeTo: ResumeTarget; output: ObserveOutput | DriftOutput }) => {
      const out = params.output;
      const drift = out.drift ?? undefined;
      const summary = drift?.summary ?? ('reason' in out && out.reason ? out.reason : 'live state differs from what quiesce set');
      return { drift, pause: { kind: 'drift' as const, reason: `drift: ${summary}`, resumeTo: params.resumeTo } };
    }),
    pauseForReadBack: assign(({ context }, params: { resumeTo: ResumeTarget }) => ({
      pause: {
        kind: 'drift' as const,
        reason: `drift: the weight did not read back as set within ${Math.round(context.input.readBackTimeoutMs / 1000)}s`,
        resumeTo: params.resumeTo,
      },
    })),
    /** A ramp step whose evidence never came (its weight never read back, or CloudWatch never answered whole). */
    pauseForRampEvidence: assign(({ context }, { output: out }: { output: ObserveOutput }) => {
      const within = Math.round((context.input.readBackTimeoutMs + context.input.reactivate.holdMs) / 1000);
      const reason = out.reason
        ? `no evidence for ramp step ${context.rampIndex + 1} within ${within}s: ${out.reason}`
        : `drift: the weight did not read back as set within ${Math.round(context.input.readBackTimeoutMs / 1000)}s`;
      return { pause: { kind: 'drift' as const, reason, resumeTo: 'reactivating' as const } };
    }),
    pauseForApproval: assign(({ context }) => ({
      pause: {
        kind: 'approval' as const,
        reason: `approval required: ${context.input.steps[context.stepIndex]?.label ?? 'approval step'}`,
        resumeTo: 'maintaining' as const,
      },
    })),
    approveStep: assign(({ context, event }) => ({
      approvals: [...context.approvals, { stepIndex: context.stepIndex, by: event.type === 'APPROVE' ? event.by : 'unknown' }],
      stepIndex: context.stepIndex + 1,
      maintenance: 'running' as const,
    })),
    clearPause: assign({ pause: undefined, drift: undefined }),
    stepStarted: assign((_, { output }: { output: Stamped }) => ({ stepStartedAt: output.at, maintenance: 'running' as const })),
    beginStep: assign({ maintenance: 'running' as const }),
    stepDone: assign(({ context }) => ({ stepIndex: context.stepIndex + 1, stepStartedAt: undefined })),
    maintenanceComplete: assign({ maintenance: 'complete' as const }),
    maintenanceSkipped: assign({ maintenance: 'skipped' as const }),
    holdBecause: assign((_, { prefix, reason, error }: { prefix: string; reason?: string | undefined; error?: unknown }) => {
      const detail = reason ?? (error instanceof Error ? error.message : error !== undefined ? String(error) : 'no detail');
      return { reason: `${prefix}: ${detail}` };
    }),
    holdForAbortInMaintenance: assign(({ context }) => ({
      reason: `aborted by ${context.abort?.by ?? 'operator'} during maintenance (${context.abort?.reason ?? ''}); held out of rotation, never reactivated automatically`,
    })),
    /** Params only when an actor's verdict found the drift; a paused cluster has it in its context. */
    holdForAbortOnDrift: assign(({ context }, params?: { output: ObserveOutput }) => {
      const drift = params?.output.drift?.summary ?? context.drift?.summary ?? context.pause?.reason ?? 'live state differs from what quiesce set';
      return {
        reason: `aborted by ${context.abort?.by ?? 'operator'} while the listener differed from what quiesce set (${drift}); held out of rotation, not reactivated`,
      };
    }),
    abortUntouched: assign(({ context }) => ({
      reason: `aborted by ${context.abort?.by ?? 'operator'} before leaving rotation (${context.abort?.reason ?? ''})`,
    })),
    stable: assign(({ context }, { output: out }: { output: ObserveOutput }) => ({
      stableSince: out.status === 'done' ? (context.stableSince ?? out.at) : undefined,
    })),
    verified: assign((_, { output }: { output: Stamped }) => ({ verifiedAt: output.at })),
    startHold: assign(({ context }, { output }: { output: Stamped }) => ({ holdUntil: output.at + context.input.reactivate.holdMs })),
    nextRamp: assign(({ context }) => ({ rampIndex: context.rampIndex + 1, holdUntil: undefined })),
    /**
     * Back from held: the hold's reason and any abort are spent, and maintenance counts as settled as it
     * stands (steps that did not complete are not run again: the operator vouches for the cluster, and
     * verification must still pass, for the whole stable window, before the ramp).
     */
    reinstate: assign(({ context, event }) => ({
      reinstatedBy: [...(context.reinstatedBy ?? []), event.type === 'REINSTATE' ? event.by : 'operator'],
      maintenance: context.maintenance === 'complete' ? ('complete' as const) : ('skipped' as const),
      reason: undefined,
      outcome: undefined,
      abort: undefined,
      pause: undefined,
      drift: undefined,
      verifiedAt: undefined,
      rampIndex: 0,
      holdUntil: undefined,
    })),
  },
}).createMachine({
  id: 'cluster',
  context: ({ input }) => ({
    input,
    now: 0,
    outOfRotation: false,
    targetsRegistered: true,
    stepIndex: 0,
    maintenance: 'pending',
    rampIndex: 0,
    approvals: [],
    lastChecks: [],
  }),
  initial: 'preflight',
  on: {
    ABORT: { actions: 'recordAbort' },
  },
  output: ({ context }) => clusterOutputOf(context),
  states: {
    preflight: {
      invoke: {
        id: 'runPreflight',
        src: 'runPreflight',
        input: ({ context }) => ({ cluster: context.input.name }),
        onDone: [
          { guard: 'abortRequested', target: 'aborted', actions: [observe, 'abortUntouched'] },
          { guard: { type: 'preflightPassed', params: output }, target: 'removing', actions: [observe, { type: 'acceptPreflight', params: output }] },
          { target: 'held', actions: [observe, { type: 'refusePreflight', params: output }] },
        ],
        onError: { target: 'held', actions: holdBecause('preflight failed') },
      },
      on: { ABORT: { target: 'aborted', actions: ['recordAbort', 'abortUntouched'] } },
    },

    removing: {
      initial: 'checkDrift',
      states: {
        checkDrift: {
          always: [
            { guard: 'abortRequested', target: '#cluster.aborted', actions: 'abortUntouched' },
          ],
          invoke: {
            id: 'checkDrift',
            src: 'checkDrift',
            input: ({ context }) => ({ cluster: context.input.name }),
            onDone: [
              { guard: { type: 'hasDrift', params: output }, target: '#cluster.paused', actions: [observe, pauseForDrift('removing')] },
              { target: 'setZero', actions: observe },
            ],
            onError: { target: '#cluster.held', actions: holdBecause('drift check failed before removal') },
          },
        },
        setZero: {
          entry: 'assumeOut',
          invoke: {
            id: 'setWeight',
            src: 'setWeight',
            input: ({ context }) => ({ cluster: context.input.name, percent: 0, purpose: 'remove' as const }),
            onDone: { target: '#cluster.confirming', actions: [observe, { type: 'markRemoved', params: output }] },
            onError: { target: '#cluster.securing', actions: holdBecause('could not set weight 0') },
          },
        },
      },
    },

    confirming: {
      entry: { type: 'startDeadline', params: { ms: 'readBack' } },
      initial: 'checking',
      states: {
        waiting: {
          always: [...abortBeforeMaintenance],
          on: { TICK: { guard: 'due', target: 'checking', actions: 'tick' } },
        },
        checking: {
          invoke: {
            id: 'confirmWeight',
            src: 'confirmWeight',
            input: ({ context }) => ({ cluster: context.input.name, weight: 0 }),
            onDone: [
              { guard: { type: 'outputDone', params: output }, target: 'afterConfirm', actions: observe },
              { guard: { type: 'outputDrift', params: output }, target: '#cluster.paused', actions: [observe, pauseForDrift('confirming')] },
              {
                guard: { type: 'outputPastDeadline', params: output },
                target: '#cluster.paused',
                actions: [observe, { type: 'pauseForReadBack', params: { resumeTo: 'confirming' } }],
              },
              { target: 'waiting', actions: [observe, { type: 'schedule', params: output }] },
            ],
            onError: { target: '#cluster.securing', actions: holdBecause('reading the weight back failed') },
          },
        },
        afterConfirm: {
          always: [
            ...abortBeforeMaintenance,
            { guard: 'deregisterMode', target: 'deregistering' },
            { target: '#cluster.draining' },
          ],
        },
        deregistering: {
          invoke: {
            id: 'deregisterTargets',
            src: 'deregisterTargets',
            input: ({ context }) => ({ cluster: context.input.name }),
            onDone: { target: '#cluster.draining', actions: [observe, { type: 'keepTargets', params: output }] },
            onError: { target: '#cluster.securing', actions: holdBecause('could not deregister targets') },
          },
        },
      },
    },

    draining: {
      entry: { type: 'startDeadline', params: { ms: 'drain' } },
      initial: 'checking',
      states: {
        waiting: {
          always: [...abortBeforeMaintenance],
          on: { TICK: { guard: 'due', target: 'checking', actions: 'tick' } },
        },
        checking: {
          invoke: {
            id: 'observeDrain',
            src: 'observeDrain',
            input: ({ context }) => ({
              cluster: context.input.name,
              mode: context.input.drainMode,
              removedAt: context.removedAt ?? context.now,
              minimumMs: context.input.drain.minimumMs,
            }),
            onDone: [
              { guard: { type: 'outputDone', params: output }, target: '#cluster.maintaining', actions: observe },
              ...endsOfObservation('draining', 'drain failed', 'drain timed out (the cluster stays out of rotation, which is safe)'),
              { target: 'waiting', actions: [observe, { type: 'schedule', params: output }] },
            ],
            onError: { target: '#cluster.securing', actions: holdBecause('drain observation failed') },
          },
        },
      },
    },

    maintaining: {
      initial: 'next',
      states: {
        next: {
          always: [
            { guard: 'abortedInMaintenance', target: '#cluster.abortInMaintenance' },
            ...abortBeforeMaintenance,
            { guard: 'allStepsDone', target: 'complete' },
            { guard: 'approvalStep', target: '#cluster.paused', actions: 'pauseForApproval' },
            { target: 'starting' },
          ],
        },
        starting: {
          entry: ['beginStep', { type: 'startDeadline', params: { ms: 'step' } }],
          invoke: {
            id: 'startStep',
            src: 'startStep',
            input: ({ context }) => ({ cluster: context.input.name, stepIndex: context.stepIndex }),
            onDone: { target: 'checking', actions: [observe, { type: 'stepStarted', params: output }] },
            onError: { target: '#cluster.securing', actions: holdBecause('maintenance step failed to start') },
          },
        },
        waiting: {
          always: [{ guard: 'abortRequested', target: '#cluster.abortInMaintenance' }],
          on: { TICK: { guard: 'due', target: 'checking', actions: 'tick' } },
        },
        checking: {
          invoke: {
            id: 'observeStep',
            src: 'observeStep',
            input: ({ context }) => ({
              cluster: context.input.name,
              stepIndex: context.stepIndex,
              startedAt: context.stepStartedAt ?? context.now,
            }),
            onDone: [
              { guard: { type: 'outputDone', params: output }, target: 'next', actions: [observe, 'stepDone'] },
              ...endsOfObservation('observeStep', 'maintenance step failed', 'maintenance step timed out'),
              { target: 'waiting', actions: [observe, { type: 'schedule', params: output }] },
            ],
            onError: { target: '#cluster.securing', actions: holdBecause('maintenance step failed') },
          },
        },
        complete: {
          entry: 'maintenanceComplete',
          always: [{ guard: 'targetsDetached', target: '#cluster.restoringTargets' }, { target: '#cluster.verifying' }],
        },
      },
    },

    /**
     * Deregister mode: targets come back while the weight is still 0, so they are health-checked but serve
     * nothing. The edge reads the weight first: one raised meanwhile (by hand, during an approval pause) is
     * drift, and no target is registered into rotation unverified.
     */
    restoringTargets: {
      invoke: {
        id: 'registerTargets',
        src: 'registerTargets',
        input: ({ context }) => ({ cluster: context.input.name, targets: context.targets ?? [] }),
        onDone: [
          { guard: { type: 'abortedAndDrift', params: output }, target: 'securing', actions: [observe, { type: 'holdForAbortOnDrift', params: output }] },
          { guard: { type: 'outputDrift', params: output }, target: 'paused', actions: [observe, pauseForDrift('restoringTargets')] },
          { guard: { type: 'outputDone', params: output }, target: 'verifying', actions: [observe, 'targetsBack'] },
          { target: 'securing', actions: [observe, holdBecause('could not register targets again')] },
        ],
        onError: { target: 'securing', actions: holdBecause('could not register targets again') },
      },
    },

    verifying: {
      entry: [{ type: 'startDeadline', params: { ms: 'verify' } }, assign({ stableSince: undefined })],
      initial: 'checking',
      states: {
        waiting: {
          on: { TICK: { guard: 'due', target: 'checking', actions: 'tick' } },
        },
        checking: {
          invoke: {
            id: 'verifyCluster',
            src: 'verifyCluster',
            input: ({ context }) => ({
              cluster: context.input.name,
              expectedWeight: 0,
              maintenanceRan: context.maintenance === 'complete',
            }),
            onDone: [
              { guard: { type: 'verifiedAndStable', params: output }, target: '#cluster.reactivating', actions: [observe, { type: 'verified', params: output }] },
              { guard: { type: 'abortedAndDrift', params: output }, target: '#cluster.securing', actions: [observe, { type: 'holdForAbortOnDrift', params: output }] },
              ...endsOfObservation('verifying', 'verification failed', 'verification timed out'),
              { target: 'waiting', actions: [observe, { type: 'stable', params: output }, { type: 'schedule', params: output }] },
            ],
            onError: { target: '#cluster.securing', actions: holdBecause('verification failed') },
          },
        },
      },
    },

    reactivating: {
      initial: 'setting',
      states: {
        setting: {
          invoke: {
            id: 'setWeight',
            src: 'setWeight',
            input: ({ context }) => ({
              cluster: context.input.name,
              percent: rampPercent(context),
              purpose: 'ramp' as const,
            }),
            onDone: { target: 'holding', actions: [observe, { type: 'startHold', params: output }, { type: 'startDeadline', params: { ms: 'hold' } }] },
            onError: { target: 'rollingBack', actions: holdBecause('could not raise the weight') },
          },
        },
        waiting: {
          on: { TICK: { guard: 'due', target: 'holding', actions: 'tick' } },
        },
        holding: {
          invoke: {
            id: 'observeRamp',
            src: 'observeRamp',
            input: ({ context }) => ({
              cluster: context.input.name,
              percent: rampPercent(context),
              since: (context.holdUntil ?? context.now) - context.input.reactivate.holdMs,
            }),
            onDone: [
              {
                guard: { type: 'outputFailed', params: output },
                target: 'rollingBack',
                actions: [observe, holdBecause('ramp breached a threshold; weight set back to 0')],
              },
              { guard: { type: 'abortedAndDrift', params: output }, target: 'rollingBack', actions: [observe, { type: 'holdForAbortOnDrift', params: output }] },
              { guard: { type: 'outputDrift', params: output }, target: '#cluster.paused', actions: [observe, pauseForDrift('reactivating')] },
              { guard: { type: 'rampComplete', params: output }, target: 'finished', actions: observe },
              { guard: { type: 'rampStepHeld', params: output }, target: 'setting', actions: [observe, 'nextRamp'] },
              { guard: { type: 'outputPastDeadline', params: output }, target: '#cluster.paused', actions: [observe, { type: 'pauseForRampEvidence', params: output }] },
              { target: 'waiting', actions: [observe, { type: 'schedule', params: output }] },
            ],
            onError: { target: 'rollingBack', actions: holdBecause('ramp observation failed; weight set back to 0') },
          },
        },
        rollingBack: {
          invoke: {
            id: 'setWeight',
            src: 'setWeight',
            input: ({ context }) => ({ cluster: context.input.name, percent: 0, purpose: 'rollback' as const }),
            onDone: { target: '#cluster.held', actions: observe },
            onError: {
              target: '#cluster.held',
              actions: holdBecause('ramp failed and the weight could NOT be set back to 0; check the listener now'),
            },
          },
        },
        finished: {
          always: [{ guard: 'abortRequested', target: '#cluster.aborted' }, { target: '#cluster.done' }],
        },
      },
    },

    paused: {
      always: [
        { guard: 'abortedInRotation', target: 'aborted', actions: ['abortUntouched', 'clearPause'] },
        { guard: 'abortedOnDrift', target: 'securing', actions: ['holdForAbortOnDrift', 'clearPause'] },
        { guard: 'abortedInMaintenance', target: 'abortInMaintenance', actions: 'clearPause' },
        { guard: { type: 'abortedWhile', params: { target: 'reactivating' } }, target: 'reactivating', actions: 'clearPause' },
        { guard: { type: 'abortedWhile', params: { target: 'verifying' } }, target: 'verifying', actions: 'clearPause' },
        { guard: 'abortedDetached', target: 'restoringTargets', actions: ['maintenanceSkipped', 'clearPause'] },
        { guard: 'abortRequested', target: 'verifying', actions: ['maintenanceSkipped', 'clearPause'] },
      ],
      on: {
        APPROVE: [
          { guard: 'pausedForApproval', target: 'maintaining', actions: ['approveStep', 'clearPause'] },
          { guard: { type: 'resumeTo', params: { target: 'removing' } }, target: 'removing', actions: 'clearPause' },
          { guard: { type: 'resumeTo', params: { target: 'confirming' } }, target: 'confirming', actions: 'clearPause' },
          { guard: { type: 'resumeTo', params: { target: 'draining' } }, target: 'draining', actions: 'clearPause' },
          { guard: { type: 'resumeTo', params: { target: 'observeStep' } }, target: 'maintaining.checking', actions: 'clearPause' },
          { guard: { type: 'resumeTo', params: { target: 'restoringTargets' } }, target: 'restoringTargets', actions: 'clearPause' },
          { guard: { type: 'resumeTo', params: { target: 'verifying' } }, target: 'verifying', actions: 'clearPause' },
          { guard: { type: 'resumeTo', params: { target: 'reactivating' } }, target: 'reactivating', actions: 'clearPause' },
        ],
      },
    },

    abortInMaintenance: {
      entry: 'holdForAbortInMaintenance',
      always: { target: 'securing' },
    },

    /** Every hold after removal passes here: weight 0 and the original targets registered, so nothing is lost. */
    securing: {
      invoke: {
        id: 'secure',
        src: 'secure',
        input: ({ context }) => ({
          cluster: context.input.name,
          targets: context.targets !== undefined && !context.targetsRegistered ? context.targets : undefined,
        }),
        onDone: { target: 'held', actions: [observe, 'targetsBack'] },
        onError: {
          target: 'held',
          actions: assign(({ context, event }) => ({
            reason: `${context.reason ?? 'held'}; securing the cluster also failed (${event.error instanceof Error ? event.error.message : String(event.error)}): check its weight and targets now`,
          })),
        },
      },
    },

    /**
     * Held: out of rotation (or never taken out), never reactivated automatically. Not final: the only way
     * out is an operator's REINSTATE, and it leads into verification. The edge counts a held cluster as
     * ended (clusterOutputOf) as it does a final one.
     */
    held: {
      entry: assign({ outcome: 'held' as const }),
      on: { REINSTATE: { guard: 'heldOutOfRotation', target: 'verifying', actions: 'reinstate' } },
    },
    aborted: {
      type: 'final',
      entry: assign(({ context }) => ({
        outcome: 'aborted' as const,
        reason: context.reason ?? `aborted by ${context.abort?.by ?? 'operator'}; returned to rotation only after verification`,
      })),
    },
    done: { type: 'final', entry: assign({ outcome: 'done' as const }) },
  },
});

export type ClusterMachine = typeof clusterMachine;

/** What a cluster that ended (done, aborted, or held) reports to the fleet. */
export function clusterOutputOf(context: ClusterContext): ClusterOutput {
  const outcome = context.outcome ?? 'held';
  return {
    outcome,
    ...(context.reason ? { reason: context.reason } : {}),
    inRotation: !context.outOfRotation || outcome === 'done' || (outcome === 'aborted' && context.verifiedAt !== undefined),
  };
}

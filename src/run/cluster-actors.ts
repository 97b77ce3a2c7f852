import { fromPromise } from 'xstate';
import type {
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
} from '../../machines/cluster.contract.js';
import type { Check, Drift, TargetRef } from '../../machines/types.js';
import { allLocations, isMultiLocation, combineObservations, combinePreflights, combineStamped, eachLocation, locatedDrift, locationsOf } from './locations.js';
import type { ConfirmFleetInput, ConfirmFleetOutput } from '../../machines/fleet.machine.js';
import { confirmFleet, fleetCapacityWithout } from './capacity.js';
import { AwsCallError, RefusedError } from '../errors.js';
import { firstLine } from '../one-line.js';
import { computeDrift } from '../traffic/drift.js';
import { expectedInFull } from '../traffic/ramp-scale.js';
import { runPreflight } from './preflight.js';
import { assertOutOfRotation, awaitWeightZero, reachableBeforeRegister } from './rotation-guards.js';
import { driftOutput, observeDrain, observeRamp, weightEvidence } from './observations.js';
import { otherRoutes, readRules } from './other-rules.js';
import { observeStep, startStep } from './maintenance-steps.js';
import { cancelUnfinishedCommands } from './compute-steps.js';
import { removeLeftoverCanaryRules, verifyCluster } from './verification.js';
import { baseline } from './baseline.js';
import { check } from './checks.js';
import { clusterSpec, type RunContext } from './run-context.js';
import { journal } from './journal.js';
import { shareModel } from './forward-shares.js';
import { setWeight } from './weight-change.js';

// The named actors the cluster machine invokes, implemented over the ports (Temporal's activities, in
// XState terms). The engine provides them with clusterMachine.provide({ actors }).

/** Lets the engine know when every effect is idle (or asleep on the virtual clock). */
export interface EffectTracker {
  begin(): void;
  end(): void;
  /** Resolves once the run record holding the state that invoked the effect is durable. */
  persisted(): Promise<void>;
}

export function createClusterActors(ctx: RunContext, tracker: EffectTracker) {
  // Journal a check only when its outcome changed since the last poll of the same phase: wait loops would
  // flood it otherwise. Keyed by phase too, so a check of one name in another phase is journaled afresh.
  const lastSeen = new Map<string, string>();
  const journalNewChecks = async (cluster: string, phase: string, checks: Check[] | undefined) => {
    const fresh = (checks ?? []).filter((c) => {
      const key = `${cluster}|${phase}|${c.name}`;
      const signature = `${c.ok}|${c.observed}`;
      if (lastSeen.get(key) === signature) return false;
      lastSeen.set(key, signature);
      return true;
    });
    if (!fresh.length) return;
    await ctx.store.appendJournal(
      ctx.runId,
      fresh.map((c) => ({
        at: c.at ?? ctx.clock.now(),
        kind: 'check' as const,
        cluster,
        message: `${cluster} ${c.name}: ${c.ok ? 'ok' : 'not ok'}, observed ${c.observed}${c.threshold ? `, expected ${c.threshold}` : ''}`,
        data: { phase, ...c },
      })),
    );
  };

  const effect = <I extends ClusterRef, O extends Stamped>(name: string, run: (input: I) => Promise<O>) =>
    fromPromise<O, I>(async ({ input }) => {
      tracker.begin();
      try {
        // Write-ahead: the state that invoked this effect is on disk before the effect touches AWS, so a
        // crash during it resumes into that state (whose effect is idempotent), never into an earlier one
        // that would mistake the run's own change for drift.
        await tracker.persisted();
        const out = await run(input);
        await journalNewChecks(input.cluster, name, out.checks);
        return out;
      } catch (err) {
        await journal(ctx, 'error', `${input.cluster}: ${name} failed: ${firstLine(err)}`, { cluster: input.cluster, data: { error: firstLine(err), name: err instanceof Error ? err.name : 'unknown' } });
        throw err;
      } finally {
        tracker.end();
      }
    });

  return {
    // Each effect on traffic runs at every location the cluster is at (locations.ts); one location is the run itself.
    runPreflight: effect<ClusterRef, PreflightOutput>('preflight', (i) => preflightEverywhere(ctx, i.cluster)),
    checkDrift: effect<ClusterRef, DriftOutput>('drift', (i) => checkDriftEverywhere(ctx, i.cluster)),
    setWeight: effect<SetWeightInput, SetWeightOutput>('setWeight', (i) => setWeightEverywhere(ctx, i)),
    confirmWeight: effect<ClusterRef & { weight: number }, ObserveOutput>('confirm', async (i) =>
      combineObservations(await eachLocation(ctx, i.cluster, (at) => confirmWeight(at, i.cluster, i.weight))),
    ),
    deregisterTargets: effect<ClusterRef, TargetsOutput>('deregister', (i) => deregisterTargets(ctx, i.cluster)),
    observeDrain: effect<ObserveDrainInput, ObserveOutput>('drain', async (i) => combineObservations(await eachLocation(ctx, i.cluster, (at) => observeDrain(at, i)))),
    startStep: effect<StepInput, Stamped>('startStep', async (i) => {
      await eachLocation(ctx, i.cluster, (at) => assertOutOfRotation(at, i.cluster, i.stepIndex));
      return startStep(ctx, i);
    }),
    observeStep: effect<ObserveStepInput, ObserveOutput>('step', (i) => observeStep(ctx, i)),
    registerTargets: effect<RegisterInput, ObserveOutput>('register', (i) => restoreTargets(ctx, i.cluster, i.targets)),
    verifyCluster: effect<VerifyInput, ObserveOutput>('verify', async (i) => combineObservations(await eachLocation(ctx, i.cluster, (at) => verifyCluster(at, i)))),
    observeRamp: effect<ObserveRampInput, ObserveOutput>('ramp', async (i) => combineObservations(await eachLocation(ctx, i.cluster, (at) => observeRamp(at, i)))),
    secure: effect<SecureInput, Stamped>('secure', (i) => secure(ctx, i)),
  };
}

export type ClusterActors = ReturnType<typeof createClusterActors>;

/** The fleet machine's one effect: its last look before it ends done (a read; nothing to write ahead). */
export function createFleetActors(ctx: RunContext, tracker: EffectTracker) {
  return {
    confirmFleet: fromPromise<ConfirmFleetOutput, ConfirmFleetInput>(async ({ input }) => {
      tracker.begin();
      try {
        // Every location: a cluster this run finished must be back at each one it is at.
        for (const at of allLocations(ctx)) {
          const finished = input.clusters.filter((c) => at.plan.fleet.clusters.some((s) => s.name === c));
          const out = await confirmFleet(at, finished);
          if (out.drift) return { ...out, drift: locatedDrift(at, out.drift) };
        }
        return { at: ctx.clock.now(), drift: null };
      } catch (err) {
        await journal(ctx, 'error', `fleet: confirmFleet failed: ${firstLine(err)}`, { data: { error: firstLine(err), name: err instanceof Error ? err.name : 'unknown' } });
        throw err;
      } finally {
        tracker.end();
      }
    }),
  };
}

export type FleetActors = ReturnType<typeof createFleetActors>;

/**
 * Preflight at every location the cluster is at, then the fleet's capacity across them: refused before any
 * change. The look across listeners is made here, right before the removal, and not again under each
 * listener's weight lock (which judges that listener's own capacity): it reads every listener, and the fleet
 * machine never has more clusters in flight than maxOutOfService.
 */
async function preflightEverywhere(ctx: RunContext, cluster: string): Promise<PreflightOutput> {
  const out = combinePreflights(await eachLocation(ctx, cluster, (at) => runPreflight(at, cluster)));
  if (!out.passed || !isMultiLocation(ctx)) return out;
  const at = ctx.clock.now();
  try {
    await fleetCapacityWithout(ctx, cluster);
  } catch (err) {
    if (!(err instanceof RefusedError)) throw err;
    const refusal = { ...check('preflight.capacity.fleet', false, err.message, 'the plan\'s capacity at every location together', err.message), at };
    return { ...out, at, passed: false, reason: `${refusal.name}: ${err.message}`, checks: [...(out.checks ?? []), refusal] };
  }
  return { ...out, checks: [...(out.checks ?? []), { ...check('preflight.capacity.fleet', true, 'capacity holds across locations', 'the plan\'s capacity at every location together'), at }] };
}

/** Puts the cluster at `percent` of its share at every location it is at, in the plan's order. */
async function setWeightEverywhere(ctx: RunContext, input: SetWeightInput): Promise<SetWeightOutput> {
  const outputs = await eachLocation(ctx, input.cluster, (at) => setWeight(at, input));
  const first = outputs[0]!.out;
  return { ...first, at: ctx.clock.now(), changed: outputs.some((o) => o.out.changed) };
}

/** The weight set reads back at one location. */
async function confirmWeight(ctx: RunContext, cluster: string, weight: number): Promise<ObserveOutput> {
  const now = ctx.clock.now();
  const evidence = await weightEvidence(ctx, cluster, weight);
  const checks = [{ ...evidence.check, at: now }];
  // Its own weight reads back; a neighbour set out of rotation by hand beyond the plan's capacity is drift.
  if (evidence.check.ok) return evidence.drift ? driftOutput(now, evidence) : { at: now, status: 'done', checks };
  // Another rule sending it traffic is not a read-back that is late: it is drift now.
  if (evidence.drift?.routes?.length) return { at: now, status: 'drift', drift: evidence.drift, ...(evidence.check.message ? { reason: evidence.check.message } : {}), checks };
  return { at: now, status: 'not-yet', recheckAt: now + 5_000, ...(evidence.check.message ? { reason: evidence.check.message } : {}), checks };
}

/** The drift check at every location the cluster is at: the first difference found is the run's. */
async function checkDriftEverywhere(ctx: RunContext, cluster: string): Promise<DriftOutput> {
  const outputs = await eachLocation(ctx, cluster, (at) => checkDrift(at, cluster));
  const drifted = outputs.find((o) => o.out.drift);
  const stamped = combineStamped(outputs);
  return { at: stamped.at, drift: drifted?.out.drift ? locatedDrift(drifted.ctx, drifted.out.drift) : null, ...(stamped.checks ? { checks: stamped.checks } : {}) };
}

/**
 * Compares the live listener with what the run expects before `cluster` leaves rotation: it and every
 * group not in flight at its share from the run start (at the ramp scale in force: another cluster's ramp
 * may have every weight scaled), the clusters this run held out at 0, the same groups, and this cluster's
 * targets. Clusters in flight are judged by their own read-backs.
 */
export async function checkDrift(ctx: RunContext, cluster: string): Promise<DriftOutput> {
  const spec = clusterSpec(ctx, cluster);
  const base = await baseline(ctx);
  const rules = await readRules(ctx);
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const { weights } = expectedInFull(live, await shareModel(ctx, cluster), spec.targetGroupArn);
  const liveTargets = await ctx.traffic.listTargets(spec.targetGroupArn);
  // About to leave rotation: from here until it is back, no other rule may send it traffic.
  const drift = computeDrift(
    { weights, groups: base.forward.targetGroups.map((g) => g.targetGroupArn), targets: { [spec.targetGroupArn]: (base.targets[cluster] ?? []).map((t) => t.id) }, exclusive: [spec.targetGroupArn] },
    { forward: live, targets: { [spec.targetGroupArn]: liveTargets.map((t) => t.id) }, otherRoutes: otherRoutes(ctx, cluster, rules) },
  );
  const at = ctx.clock.now();
  if (drift) await journal(ctx, 'drift', `${cluster}: drift detected: ${drift.summary}`, { cluster, data: { drift } });
  return { at, drift, checks: [{ ...check('drift', drift === null, drift ? drift.summary : 'listener matches the run', 'as recorded at run start'), at }] };
}

async function deregisterTargets(ctx: RunContext, cluster: string): Promise<TargetsOutput> {
  const spec = clusterSpec(ctx, cluster);
  // The list is on disk before the call that makes it unrecoverable from AWS.
  const targets = await ctx.store.remember<TargetRef[]>(ctx.runId, `targets:${cluster}`, () => ctx.traffic.listTargets(spec.targetGroupArn));
  await journal(ctx, 'intent', `${cluster}: deregister ${targets.length} targets`, { cluster, data: { targets } });
  await ctx.traffic.deregisterTargets(spec.targetGroupArn, targets);
  await ctx.store.remember(ctx.runId, `deregisteredAt:${cluster}`, async () => ctx.clock.now());
  await journal(ctx, 'effect', `${cluster}: DeregisterTargets ${targets.map((t) => t.id).join(', ')}`, { cluster, data: { call: 'DeregisterTargets', before: targets, after: [] } });
  return { at: ctx.clock.now(), targets };
}

/**
 * Deregister mode, after maintenance (or an abort before it): the targets come back while the weight reads
 * 0. A weight above 0 now was set outside this run: drift, and nothing is registered.
 */
async function restoreTargets(ctx: RunContext, cluster: string, targets: TargetRef[]): Promise<ObserveOutput> {
  let drift: Drift | undefined;
  for (const at of locationsOf(ctx, cluster)) {
    const found = await reachableBeforeRegister(at, cluster);
    if (found) {
      drift = locatedDrift(at, found);
      break;
    }
  }
  if (drift) {
    const at = ctx.clock.now();
    await journal(ctx, 'drift', `${cluster}: drift detected: ${drift.summary}`, { cluster, data: { drift } });
    const message = `${cluster} is reachable (${drift.summary}): its targets were not registered (they would take traffic unverified)`;
    return { at, status: 'drift', drift, reason: drift.summary, checks: [{ ...check('register.unreachable', false, drift.summary, 'weight 0, no other rule', message), at }] };
  }
  await registerTargets(ctx, cluster, targets);
  return { at: ctx.clock.now(), status: 'done' };
}

async function registerTargets(ctx: RunContext, cluster: string, targets: TargetRef[]): Promise<void> {
  const spec = clusterSpec(ctx, cluster);
  await journal(ctx, 'intent', `${cluster}: register ${targets.length} targets again (weight still 0)`, { cluster, data: { targets } });
  await ctx.traffic.registerTargets(spec.targetGroupArn, targets);
  await journal(ctx, 'effect', `${cluster}: RegisterTargets ${targets.map((t) => t.id).join(', ')}`, { cluster, data: { call: 'RegisterTargets', before: [], after: targets } });
}

/** How long securing keeps trying through transient AWS errors: a held cluster must not lose its targets. */
const SECURE_PERSISTENCE_MS = 30 * 60_000;

/**
 * A held cluster is left at weight 0 with its targets registered: out of rotation, nothing lost. Securing
 * often follows a failure of AWS itself (two minutes of 500s ended a drain), and giving up with the first
 * retry budget left the targets deregistered for good; so it outlasts transient errors, up to 30 minutes.
 */
async function secure(ctx: RunContext, input: SecureInput): Promise<Stamped> {
  const deadline = ctx.clock.now() + SECURE_PERSISTENCE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await setWeightEverywhere(ctx, { cluster: input.cluster, percent: 0, purpose: 'secure' });
      const targets = input.targets ?? (await deregisteredAndMissing(ctx, input.cluster));
      if (targets?.length) {
        // Registered under a weight that reads 0 everywhere, never under the one being replaced.
        await eachLocation(ctx, input.cluster, (at) => awaitWeightZero(at, input.cluster));
        await registerTargets(ctx, input.cluster, targets);
      }
      // A canary rule of this cluster (a crash mid-canary) would route its header to a held cluster.
      await eachLocation(ctx, input.cluster, (at) => removeLeftoverCanaryRules(at, (c) => c === input.cluster));
      // An abort, a failure or a timeout mid-step: no SSM command keeps running on a held cluster's instances.
      await cancelUnfinishedCommands(ctx, input.cluster);
      return { at: ctx.clock.now() };
    } catch (err) {
      if (!(err instanceof AwsCallError) || err.classification === 'fatal' || ctx.clock.now() >= deadline) throw err;
      await journal(ctx, 'error', `${input.cluster}: securing failed (${firstLine(err)}); trying again until ${new Date(deadline).toISOString()}`, { cluster: input.cluster });
      await ctx.clock.sleep(Math.min(60_000, 15_000 * 2 ** attempt));
    }
  }
}

/**
 * Targets this run set out to deregister (their list is remembered before the call) that are not
 * registered now. The machine learns the list only when DeregisterTargets succeeds; a call that failed
 * after taking effect (a 500 once the targets were gone) left it without one, and the cluster was held
 * with no targets: lost.
 */
async function deregisteredAndMissing(ctx: RunContext, cluster: string): Promise<TargetRef[] | undefined> {
  const intended = await ctx.store.recall<TargetRef[]>(ctx.runId, `targets:${cluster}`);
  if (!intended?.length) return undefined;
  const health = await ctx.traffic.describeTargetHealth(clusterSpec(ctx, cluster).targetGroupArn);
  const registered = new Set(health.filter((h) => h.state !== 'draining' && h.reason !== 'Target.NotRegistered').map((h) => `${h.target.id}:${h.target.port ?? ''}`));
  return intended.filter((t) => !registered.has(`${t.id}:${t.port ?? ''}`));
}

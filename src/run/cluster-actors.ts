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
import type { ConfirmFleetInput, ConfirmFleetOutput } from '../../machines/fleet.machine.js';
import { confirmFleet } from './capacity.js';
import { AwsCallError } from '../errors.js';
import { computeDrift, groupName } from '../traffic/drift.js';
import { expectedInFull, planShare, type WeightPlan } from '../traffic/ramp-scale.js';
import type { ForwardConfig } from '../ports/traffic.js';
import { TARGET_GROUPS_PER_FORWARD } from '../plan/schema.js';
import { runPreflight } from './preflight.js';
import { assertOutOfRotation, awaitWeightZero, capacityWithout, readyForTraffic, weightAboveZero } from './rotation-guards.js';
import { driftOutput, observeDrain, observeRamp, weightEvidence } from './observations.js';
import { otherRoutes, readRules } from './other-rules.js';
import { observeStep, startStep } from './maintenance-steps.js';
import { removeLeftoverCanaryRules, verifyCluster } from './verification.js';
import { baseline, check, clusterSpec, journal, weightOf, type RunContext } from './run-context.js';
import { rolesNow, shareModel } from './forward-shares.js';

// The named actors the cluster machine invokes, implemented over the ports (Temporal's activities, in
// XState terms). The engine provides them with clusterMachine.provide({ actors }).

/** Lets the engine know when every effect is idle (or asleep on the virtual clock). */
export interface EffectTracker {
  begin(): void;
  end(): void;
  /** Resolves once the run record holding the state that invoked the effect is durable. */
  persisted(): Promise<void>;
}

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

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
        await journal(ctx, 'error', `${input.cluster}: ${name} failed: ${oneLine(err)}`, { cluster: input.cluster, data: { error: oneLine(err), name: err instanceof Error ? err.name : 'unknown' } });
        throw err;
      } finally {
        tracker.end();
      }
    });

  return {
    runPreflight: effect<ClusterRef, PreflightOutput>('preflight', (i) => runPreflight(ctx, i.cluster)),
    checkDrift: effect<ClusterRef, DriftOutput>('drift', (i) => checkDrift(ctx, i.cluster)),
    setWeight: effect<SetWeightInput, SetWeightOutput>('setWeight', (i) => setWeight(ctx, i)),
    confirmWeight: effect<ClusterRef & { weight: number }, ObserveOutput>('confirm', async (i) => {
      const now = ctx.clock.now();
      const evidence = await weightEvidence(ctx, i.cluster, i.weight);
      const checks = [{ ...evidence.check, at: now }];
      // Its own weight reads back; a neighbour set out of rotation by hand beyond the plan's capacity is drift.
      if (evidence.check.ok) return evidence.drift ? driftOutput(now, evidence) : { at: now, status: 'done', checks };
      // Another rule sending it traffic is not a read-back that is late: it is drift now.
      if (evidence.drift?.routes?.length) return { at: now, status: 'drift', drift: evidence.drift, reason: evidence.check.message, checks };
      return { at: now, status: 'not-yet', recheckAt: now + 5_000, reason: evidence.check.message, checks };
    }),
    deregisterTargets: effect<ClusterRef, TargetsOutput>('deregister', (i) => deregisterTargets(ctx, i.cluster)),
    observeDrain: effect<ObserveDrainInput, ObserveOutput>('drain', (i) => observeDrain(ctx, i)),
    startStep: effect<StepInput, Stamped>('startStep', async (i) => {
      await assertOutOfRotation(ctx, i.cluster, i.stepIndex);
      return startStep(ctx, i);
    }),
    observeStep: effect<ObserveStepInput, ObserveOutput>('step', (i) => observeStep(ctx, i)),
    registerTargets: effect<RegisterInput, ObserveOutput>('register', (i) => restoreTargets(ctx, i.cluster, i.targets)),
    verifyCluster: effect<VerifyInput, ObserveOutput>('verify', (i) => verifyCluster(ctx, i)),
    observeRamp: effect<ObserveRampInput, ObserveOutput>('ramp', (i) => observeRamp(ctx, i)),
    secure: effect<SecureInput, Stamped>('secure', (i) => secure(ctx, i)),
  };
}

/** The fleet machine's one effect: its last look before it ends done (a read; nothing to write ahead). */
export function createFleetActors(ctx: RunContext, tracker: EffectTracker) {
  return {
    confirmFleet: fromPromise<ConfirmFleetOutput, ConfirmFleetInput>(async ({ input }) => {
      tracker.begin();
      try {
        return await confirmFleet(ctx, input.clusters);
      } catch (err) {
        await journal(ctx, 'error', `fleet: confirmFleet failed: ${oneLine(err)}`, { data: { error: oneLine(err), name: err instanceof Error ? err.name : 'unknown' } });
        throw err;
      } finally {
        tracker.end();
      }
    }),
  };
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

/**
 * Puts the cluster at `percent` of its share (0: out of rotation). The weights are planned on the read the
 * write replaces (src/traffic/ramp-scale.ts): mid-ramp every weight is scaled so a small weight still ramps
 * in steps, and the last step writes the exact originals back. The plan, scale included, is journaled as
 * intent before the write, under the listener's weight lock.
 */
async function setWeight(ctx: RunContext, input: SetWeightInput): Promise<SetWeightOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  const arn = spec.targetGroupArn;
  const guard = input.percent > 0 ? readyForTraffic(ctx, input.cluster) : await capacityWithout(ctx, input.cluster);
  const model = await shareModel(ctx, input.cluster);
  let planned: WeightPlan | undefined;
  let refused: Drift | undefined;
  const result = await ctx.traffic.setWeights(ctx.location, arn, async (live) => {
    await guard(live);
    // Roles as of this read: a cluster that finished while this change waited for the lock is steady now.
    const plan = planShare(live, { ...model, roles: rolesNow(ctx, input.cluster) }, arn, input.percent);
    if (plan.drift) {
      // Raising the weight rescales the others, and they are not where this run put them: nothing is sent.
      refused = computeDrift({ weights: Object.fromEntries(plan.drift.map((d) => [d.targetGroupArn, d.expected])), groups: live.targetGroups.map((g) => g.targetGroupArn) }, { forward: live })!;
      await journal(ctx, 'drift', `${input.cluster}: drift detected: ${refused.summary}; the weight was not raised`, { cluster: input.cluster, data: { drift: refused } });
      return {};
    }
    planned = plan;
    await journal(ctx, 'intent', `${input.cluster}: set weight to ${plan.weights[arn]} (${[`${input.purpose}${input.percent > 0 ? ` ${input.percent}%` : ''}`, scaleText(plan, live, arn)].filter(Boolean).join('; ')})`, {
      cluster: input.cluster,
      data: { ...input, targetGroupArn: arn, ...journaledWeights(plan, arn), scale: { before: plan.kBefore, after: plan.k, of: model.scale } },
    });
    return plan.weights;
  });
  const before = weightOf(result.before, arn) ?? 0;
  const after = weightOf(result.after, arn) ?? 0;
  if (refused) return { at: ctx.clock.now(), before, after, changed: false, drift: refused };
  await journal(
    ctx,
    'effect',
    `${input.cluster}: weight ${before} -> ${after}${[planned ? scaleText(planned, result.before, arn) : '', result.changed ? '' : 'already set: nothing sent'].filter(Boolean).map((t) => ` (${t})`).join('')}`,
    {
      cluster: input.cluster,
      data: {
        call: ctx.location.ruleArn ? 'ModifyRule' : 'ModifyListener',
        changed: result.changed,
        purpose: input.purpose,
        percent: input.percent,
        ...(planned ? { scale: { before: planned.kBefore, after: planned.k, of: model.scale } } : {}),
        ...journaledForward(result.before, result.after, arn, planned ? { before: planned.kBefore, after: planned.k } : undefined),
      },
    },
  );
  return { at: ctx.clock.now(), before, after, changed: result.changed };
}

/**
 * What a change does to the other groups, for the journal: "every weight x100 so the others keep their
 * shares: payments-green 1 -> 100, ..." when it scales them, "back to the original weights: ..." when it
 * ends the scaling, "weights at x100" for a step within a scaled ramp; nothing otherwise.
 */
function scaleText(plan: WeightPlan, live: ForwardConfig, own: string): string {
  const others = Object.entries(plan.weights).filter(([arn]) => arn !== own);
  const listed = others.length <= FULL_FORWARD_GROUPS ? others.map(([arn, w]) => `${groupName(arn)} ${weightOf(live, arn) ?? 'absent'} -> ${w}`).join(', ') : `${others.length} other target groups`;
  if (plan.k !== plan.kBefore) return `${plan.k > 1 ? `every weight x${plan.k} so the others keep their shares` : 'back to the original weights'}: ${listed}`;
  return plan.k > 1 ? `weights at x${plan.k}` : '';
}

/** A forward action AWS allows is journaled whole; a larger one (a synthetic sandbox fleet) by its changes. */
const FULL_FORWARD_GROUPS = TARGET_GROUPS_PER_FORWARD;

/** A plan's weights for the intent: every group when the forward is small, else the cluster's own and a count. */
function journaledWeights(plan: WeightPlan, own: string): { weights: Record<string, number>; rescaledGroups?: number } {
  const count = Object.keys(plan.weights).length;
  if (count <= FULL_FORWARD_GROUPS) return { weights: plan.weights };
  return { weights: { [own]: plan.weights[own]! }, rescaledGroups: count - 1 };
}

/**
 * The forward config before and after a weight change, for the journal. Whole when it is small (the report
 * shows the weights kept); otherwise the groups whose weight changed and the cluster's own, with a count of
 * the rest, and of those a ramp only rescaled (every weight times the same factor): an entry per change
 * that held every group made the journal grow with the square of the fleet.
 */
function journaledForward(
  before: ForwardConfig,
  after: ForwardConfig,
  own: string,
  scale?: { before: number; after: number },
): { before: ForwardConfig; after: ForwardConfig; unchangedGroups?: number; rescaledGroups?: number } {
  if (before.targetGroups.length <= FULL_FORWARD_GROUPS && after.targetGroups.length <= FULL_FORWARD_GROUPS) return { before, after };
  const was = (g: { targetGroupArn: string }) => weightOf(before, g.targetGroupArn);
  const now = (g: { targetGroupArn: string }) => weightOf(after, g.targetGroupArn);
  // A group in only one of the two has no weight in the other, so it counts as changed.
  const unchanged = (g: { targetGroupArn: string }) => g.targetGroupArn !== own && was(g) === now(g);
  const rescaled = (g: { targetGroupArn: string }) =>
    scale !== undefined && scale.before !== scale.after && g.targetGroupArn !== own && was(g) !== undefined && now(g) !== undefined && was(g)! * scale.after === now(g)! * scale.before;
  const listed = (g: { targetGroupArn: string }) => !unchanged(g) && !rescaled(g);
  const rescaledGroups = before.targetGroups.filter((g) => !unchanged(g) && rescaled(g)).length;
  return {
    before: { ...before, targetGroups: before.targetGroups.filter(listed) },
    after: { ...after, targetGroups: after.targetGroups.filter(listed) },
    unchangedGroups: before.targetGroups.filter(unchanged).length,
    ...(rescaledGroups ? { rescaledGroups } : {}),
  };
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
  const raised = await weightAboveZero(ctx, cluster);
  if (raised) {
    const spec = clusterSpec(ctx, cluster);
    const drift = computeDrift({ weights: { [spec.targetGroupArn]: 0 }, groups: raised.live.targetGroups.map((g) => g.targetGroupArn) }, { forward: raised.live })!;
    const at = ctx.clock.now();
    await journal(ctx, 'drift', `${cluster}: drift detected: ${drift.summary}`, { cluster, data: { drift } });
    const message = `${cluster}'s weight reads ${raised.weight}, expected 0: its targets were not registered (they would take traffic unverified)`;
    return { at, status: 'drift', drift, reason: drift.summary, checks: [{ ...check('register.weight', false, `weight ${raised.weight}`, '0', message), at }] };
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
      await setWeight(ctx, { cluster: input.cluster, percent: 0, purpose: 'secure' });
      const targets = input.targets ?? (await deregisteredAndMissing(ctx, input.cluster));
      if (targets?.length) {
        // Registered under a weight that reads 0, never under the one being replaced.
        await awaitWeightZero(ctx, input.cluster);
        await registerTargets(ctx, input.cluster, targets);
      }
      // A canary rule of this cluster (a crash mid-canary) would route its header to a held cluster.
      await removeLeftoverCanaryRules(ctx, (c) => c === input.cluster);
      return { at: ctx.clock.now() };
    } catch (err) {
      if (!(err instanceof AwsCallError) || err.classification === 'fatal' || ctx.clock.now() >= deadline) throw err;
      await journal(ctx, 'error', `${input.cluster}: securing failed (${oneLine(err)}); trying again until ${new Date(deadline).toISOString()}`, { cluster: input.cluster });
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

import type { Drift } from '../../machines/types.js';
import { RefusedError } from '../errors.js';
import { computeDrift } from '../traffic/drift.js';
import { READ_BACK_POLL_MS, READ_BACK_TIMEOUT_MS, weightOf, type ForwardConfig, type WeightGuard } from '../ports/traffic.js';
import { fleetHealth } from './fleet-health.js';
import { otherRoutes, reaching, readRules, routesText } from './other-rules.js';
import { requiredHealthyTargets } from './capacity.js';
import { baseline } from './baseline.js';
import { clusterSpec, type RunContext } from './run-context.js';

// Checked right as a weight changes a cluster's place in rotation, against the live listener: the
// last word on the two promises the audit holds quiesce to (nothing back into rotation unhealthy, never
// fewer clusters in rotation than the plan allows), whatever happened since the phase's own checks.

/** Evidence older than this when a cluster goes back into rotation is read again. */
const FRESH_EVIDENCE_MS = 5_000;
const FRESH_ATTEMPTS = 3;

/**
 * Before a cluster goes back into rotation (weight from 0 to more), its targets must be healthy now, not
 * when verification read them: a slow verification (CloudWatch reads taking tens of seconds) left its
 * target health that old, and targets flapping meanwhile went into rotation unhealthy. The read must also
 * be quick, or its answer is itself old news. A weight guard: it runs on the read the change is built on.
 */
export function readyForTraffic(ctx: RunContext, cluster: string): WeightGuard {
  const spec = clusterSpec(ctx, cluster);
  return async (live) => {
    if ((weightOf(live, spec.targetGroupArn) ?? 0) > 0) return;
    let tookMs = 0;
    for (let attempt = 0; attempt < FRESH_ATTEMPTS; attempt++) {
      const started = ctx.clock.now();
      const registered = await registeredHealth(ctx, spec.targetGroupArn);
      const unhealthy = registered.filter((h) => h.state !== 'healthy');
      if (registered.length === 0 || unhealthy.length > 0) {
        const detail = unhealthy.map((h) => `${h.target.id} ${h.state}`).join(', ') || 'no registered targets';
        throw new RefusedError(`${cluster} is not ready for traffic right before reactivation (${detail}); it stays out of rotation`);
      }
      tookMs = ctx.clock.now() - started;
      if (tookMs <= FRESH_EVIDENCE_MS) return;
    }
    throw new RefusedError(`${cluster}: reading its target health took ${Math.round(tookMs / 1000)}s ${FRESH_ATTEMPTS} times in a row; evidence that old cannot put it back into rotation`);
  };
}

/**
 * Before a cluster leaves rotation (weight from more to 0), the clusters left in rotation must satisfy the
 * plan's capacity: minActiveClusters, maxOutOfService and minHealthyTargets. Another cluster may be out for
 * reasons of its own (weight 0 set by hand, before the run or during it), or be leaving at the same moment
 * (maxOutOfService > 1): taking this one out too would break them, and taking the last one out is an
 * outage. Applies to removal, rollback and securing alike. A weight guard: the weights are judged on the
 * listener as this change finds it, under the listener's weight lock, after every earlier change of this
 * process read back, so two clusters leaving at once cannot both pass. Which other clusters have serving
 * targets, and how many are healthy, is read just before (shared with the reads of the same moment; above
 * `capacity.liveScanLimit`, CloudWatch vouches for the steady ones, as in preflight) and read again under
 * the lock when the change waited for it longer than FRESH_EVIDENCE_MS: the counts are never preflight's.
 * quiesce takes a cluster's weight to 0 before it deregisters its targets, so a change of ours there
 * always shows in the weights first.
 */
export async function capacityWithout(ctx: RunContext, cluster: string): Promise<WeightGuard> {
  const spec = clusterSpec(ctx, cluster);
  const others = ctx.plan.fleet.clusters.filter((c) => c.name !== cluster);
  let readAt = ctx.clock.now();
  let fleet = await fleetHealth(ctx, others);
  return async (live) => {
    // Weight 0, or no registered target (deregister mode): it serves nothing, so taking it out costs no capacity.
    if (!(await isInRotation(ctx, live, spec.targetGroupArn))) return;
    if (ctx.clock.now() - readAt > FRESH_EVIDENCE_MS) {
      readAt = ctx.clock.now();
      fleet = await fleetHealth(ctx, others);
    }
    const health = new Map(fleet.clusters.map((h) => [h.name, h]));
    const inRotation = others.filter((o) => (weightOf(live, o.targetGroupArn) ?? 0) > 0 && (health.get(o.name)?.registered ?? 0) > 0);
    const names = inRotation.map((o) => o.name);
    const out = ctx.plan.fleet.clusters.length - inRotation.length;
    const { minActiveClusters, maxOutOfService } = ctx.plan.capacity;
    if (inRotation.length < minActiveClusters || out > maxOutOfService) {
      const outNames = others.filter((c) => !names.includes(c.name)).map((c) => c.name);
      throw new RefusedError(
        `taking ${cluster} out of rotation would leave ${inRotation.length} cluster(s) in rotation (${names.join(', ') || 'none'}) and ${out} out (${[...outNames, cluster].join(', ')}); the plan allows at least ${minActiveClusters} in and at most ${maxOutOfService} out, so ${cluster} stays in rotation`,
      );
    }
    const base = await baseline(ctx);
    const min = requiredHealthyTargets(ctx, Object.values(base.targets).reduce((n, t) => n + t.length, 0));
    if (min === undefined) return;
    const healthy = inRotation.reduce((n, o) => n + (health.get(o.name)?.healthy ?? 0), 0);
    if (healthy >= min.required) return;
    throw new RefusedError(
      `taking ${cluster} out of rotation would leave ${healthy} healthy targets in rotation (${inRotation.map((o) => `${o.name} ${health.get(o.name)?.healthy ?? 0}`).join(', ') || 'none'}), fewer than capacity.minHealthyTargets ${min.label}, so ${cluster} stays in rotation`,
    );
  };
}

/**
 * Before a maintenance step starts, the cluster must be out of rotation now. Its phase read the weight
 * earlier (a drain observation whose CloudWatch reads took a minute), and a weight raised by hand in
 * between let a modify start on a cluster taking traffic. Another rule sending it traffic counts too.
 */
export async function assertOutOfRotation(ctx: RunContext, cluster: string, stepIndex: number): Promise<void> {
  const spec = clusterSpec(ctx, cluster);
  let tookMs = 0;
  for (let attempt = 0; attempt < FRESH_ATTEMPTS; attempt++) {
    const started = ctx.clock.now();
    const rules = await readRules(ctx);
    const live = await ctx.traffic.readForwardConfig(ctx.location);
    if (await isInRotation(ctx, live, spec.targetGroupArn)) {
      throw new RefusedError(
        `drift: ${cluster} is back in rotation (weight ${weightOf(live, spec.targetGroupArn) ?? 0}, set outside this run) right before maintenance step ${stepIndex + 1}; the step was not started`,
      );
    }
    const routes = reaching(otherRoutes(ctx, cluster, rules));
    if (routes.length > 0) {
      throw new RefusedError(`drift: ${cluster} is reachable through another rule (${routesText(routes)}) right before maintenance step ${stepIndex + 1}; the step was not started`);
    }
    tookMs = ctx.clock.now() - started;
    if (tookMs <= FRESH_EVIDENCE_MS) return;
  }
  throw new RefusedError(`${cluster}: reading the listener took ${Math.round(tookMs / 1000)}s ${FRESH_ATTEMPTS} times in a row; maintenance step ${stepIndex + 1} was not started on evidence that old`);
}

async function isInRotation(ctx: RunContext, live: ForwardConfig, targetGroupArn: string): Promise<boolean> {
  if ((weightOf(live, targetGroupArn) ?? 0) === 0) return false;
  return (await registeredHealth(ctx, targetGroupArn)).length > 0;
}

/** Registered targets: not draining out, not gone (AWS answers `unused` / Target.NotRegistered for those). */
async function registeredHealth(ctx: RunContext, targetGroupArn: string) {
  const health = await ctx.traffic.describeTargetHealth(targetGroupArn);
  return health.filter((h) => h.state !== 'draining' && h.reason !== 'Target.NotRegistered');
}

/**
 * Deregister mode, right before RegisterTargets: the cluster must be unreachable now, its weight reading 0
 * and no other rule forwarding to it. Targets registered under a weight above 0 (raised by hand while the
 * run waited for an approval, or while its process was down) go into rotation unverified. Returns what
 * reaches it, as drift.
 */
export async function reachableBeforeRegister(ctx: RunContext, cluster: string): Promise<Drift | undefined> {
  const spec = clusterSpec(ctx, cluster);
  let tookMs = 0;
  for (let attempt = 0; attempt < FRESH_ATTEMPTS; attempt++) {
    const started = ctx.clock.now();
    const rules = await readRules(ctx);
    const live = await ctx.traffic.readForwardConfig(ctx.location);
    const routes = reaching(otherRoutes(ctx, cluster, rules));
    if ((weightOf(live, spec.targetGroupArn) ?? 0) > 0 || routes.length > 0) {
      return computeDrift({ weights: { [spec.targetGroupArn]: 0 }, groups: live.targetGroups.map((g) => g.targetGroupArn), exclusive: [spec.targetGroupArn] }, { forward: live, otherRoutes: routes }) ?? undefined;
    }
    tookMs = ctx.clock.now() - started;
    if (tookMs <= FRESH_EVIDENCE_MS) return undefined;
  }
  throw new RefusedError(`${cluster}: reading the listener took ${Math.round(tookMs / 1000)}s ${FRESH_ATTEMPTS} times in a row; its targets were not registered on evidence that old`);
}

/**
 * Securing sets the weight to 0, then registers the targets again: only once the 0 reads back. A stale
 * read (AWS is eventually consistent) is waited out; a weight that never reads 0 is not registered under.
 */
export async function awaitWeightZero(ctx: RunContext, cluster: string): Promise<void> {
  const spec = clusterSpec(ctx, cluster);
  const started = ctx.clock.now();
  for (let attempt = 0; ; attempt++) {
    const verdict = await ctx.traffic.verifyWeight(ctx.location, spec.targetGroupArn, 0);
    if (verdict.status === 'ok') return;
    const waited = ctx.clock.now() - started;
    if (waited >= READ_BACK_TIMEOUT_MS) {
      throw new RefusedError(`${cluster}'s weight still reads ${verdict.live ?? 'missing'} ${Math.round(waited / 1000)}s after it was set to 0; its targets were not registered under it`);
    }
    await ctx.clock.sleep(Math.min(READ_BACK_POLL_MS[Math.min(attempt, READ_BACK_POLL_MS.length - 1)]!, READ_BACK_TIMEOUT_MS - waited));
  }
}

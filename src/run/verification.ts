import type { ObserveOutput } from '../../machines/cluster.contract.js';
import type { Check } from '../../machines/types.js';
import type { ClusterSpec } from '../plan/schema.js';
import { describeEngineVersionRule, engineVersionMatches } from '../plan/engine-version.js';
import { cacheReadiness, seconds, worstReading } from '../cache/readiness.js';
import { canaryThroughRule, leftoverRulesRemoved } from './canary-rule.js';
import { driftOutput, weightEvidence } from './observations.js';
import { modifyRequest, stepKey, type StepIntent } from './maintenance-steps.js';
import { baseline } from './baseline.js';
import { check, percent } from './checks.js';
import { clusterSpec, type RunContext } from './run-context.js';
import { FIRST_NODE_GROUP, nodeGroupPrimaryChecks } from './node-group-failover.js';
import type { TargetGroupSettings } from '../ports/traffic.js';
import type { ReplicationGroupView } from '../ports/cache.js';
import { engineNow } from '../cache/engine-switch.js';
import { INLINE_BUDGET_MS, INLINE_STEP_MS, learn, noteWeightRead, prior, recheckAround, targetGroupSettings, weightReadDue } from './cadence.js';

// "Healthy" means the cluster serves: every target healthy and as many as before, the cache on the
// intended primary at the requested version (engineVersionMatches), memory and lag under their
// thresholds, and, when configured, a real write and read through the primary and requests through the
// load balancer.
// A failure that waiting cannot fix (a version mismatch, a failover that did not move, a wrong AUTH
// token) is permanent; anything else is "not yet" until verify.timeout.

const CACHE_METRIC_WINDOW_MS = 10 * 60_000;
const SECOND = 1000;
/** Cache memory and lag are per-minute metrics: a look a minute apart misses none of their datapoints. */
const METRIC_PERIOD_MS = 60_000;

export { removeLeftoverCanaryRules } from './canary-rule.js';

/**
 * One look of the verification window. Targets first (one DescribeTargetHealth): while they are not all
 * healthy nothing else can pass, so the loop sleeps until they can be (registration, then one passing
 * health check for a new target) and the rest is read only once they are. A passing look
 * is followed by one every `windowStep` (at most a health-check interval times the healthy threshold, and
 * a minute) so that the last one lands exactly on the end of `stableFor`.
 */
export async function verifyCluster(ctx: RunContext, input: { cluster: string; expectedWeight: number; maintenanceRan: boolean }): Promise<ObserveOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  const loopStart = ctx.clock.now();
  for (;;) {
    const settings = await targetGroupSettings(ctx, input.cluster);
    const now = ctx.clock.now();
    const targets = await targetChecks(ctx, spec);
    if (targets.checks.every((c) => c.ok)) {
      await learnHealthyAfter(ctx, input.cluster, ctx.memory.lastNotHealthy.get(input.cluster) ?? now);
      return fullLook(ctx, spec, input, settings, targets.checks);
    }
    // The last look that found them not yet healthy, per process: the healthy instant is after it.
    ctx.memory.lastNotHealthy.set(input.cluster, now);
    const checks: Check[] = [...targets.checks];
    if (weightReadDue(ctx, input.cluster, now)) {
      const weight = await weightEvidence(ctx, input.cluster, input.expectedWeight, 'verify.weight');
      noteWeightRead(ctx, input.cluster, now);
      if (weight.drift) return driftOutput(now, weight);
      checks.unshift(weight.check);
    }
    const next = await targetsRecheckAt(ctx, input.cluster, settings, targets.initial, now);
    const failed = checks.filter((c) => !c.ok);
    const out: ObserveOutput = { at: now, status: 'not-yet', recheckAt: next, reason: failed.map((c) => `${c.name}: ${c.message ?? c.observed}`).join('; '), checks: checks.map((c) => ({ ...c, at: now })) };
    // One-second looks around the healthy instant are taken inside this observation: no wake-up each.
    if (next - now > INLINE_STEP_MS || next - loopStart > INLINE_BUDGET_MS) return out;
    await ctx.clock.sleep(next - now);
  }
}

async function fullLook(
  ctx: RunContext,
  spec: ClusterSpec,
  input: { cluster: string; expectedWeight: number; maintenanceRan: boolean },
  settings: TargetGroupSettings,
  targets: Check[],
): Promise<ObserveOutput> {
  // A canary rule this run could not delete (AWS failed the call, or the process died mid-canary) goes first.
  const leftovers = ctx.plan.verify.canary ? await leftoverRulesRemoved(ctx, input.cluster) : undefined;
  const now = ctx.clock.now();
  const weight = await weightEvidence(ctx, input.cluster, input.expectedWeight, 'verify.weight');
  noteWeightRead(ctx, input.cluster, now);
  if (weight.drift) return driftOutput(now, weight);

  const checks: Check[] = [weight.check, ...(leftovers && !leftovers.ok ? [leftovers] : [])];
  const permanent: Check[] = [];
  checks.push(...targets);

  if (spec.cache) {
    const cache = await cacheChecks(ctx, spec, input.maintenanceRan, now);
    checks.push(...cache.checks);
    permanent.push(...cache.permanent);
    if (ctx.plan.verify.redis && ctx.probes.redis && cache.settled) {
      const probe = await ctx.probes.redis(spec);
      checks.push(...probe.checks);
      if (!probe.ok && probe.permanent) permanent.push(...probe.checks.filter((c) => !c.ok));
    }
  }

  const canary = ctx.probes.canary;
  if (ctx.plan.verify.canary && canary && checks.every((c) => c.ok)) checks.push(...(await canaryThroughRule(ctx, input.cluster, canary)));

  // One time for the whole observation, on the run's clock (a probe's own stamps may be on another).
  const stamped = checks.map((c) => ({ ...c, at: now }));
  const failed = stamped.filter((c) => !c.ok);
  const step = windowStep(ctx.plan.verify.stableFor, settings);
  if (permanent.length) return { at: now, status: 'failed', reason: permanent.map((c) => `${c.name}: ${c.message ?? c.observed}`).join('; '), checks: stamped };
  if (failed.length) return { at: now, status: 'not-yet', recheckAt: now + Math.min(step, settings.healthCheck.intervalSeconds * SECOND), reason: failed.map((c) => `${c.name}: ${c.message ?? c.observed}`).join('; '), checks: stamped };
  return { at: now, status: 'done', recheckAt: now + step, checks: stamped };
}

/** One engine and one version on every member after a service update, and the change from before it, if any. */
function engineAfterUpdate(rg: string, view: ReplicationGroupView, before: string | undefined): Check {
  const now = engineNow(view);
  const uniform = new Set(view.members.map((m) => m.engine)).size === 1 && new Set(view.members.map((m) => m.engineVersion)).size === 1 && view.members.every((m) => m.engine && m.engineVersion);
  const observed = before !== undefined && before !== now ? `${before} → ${now}` : now;
  return check('verify.cache.engine-after-update', uniform, observed, 'one engine and version on every member', `${rg} members run ${now} after the service update`);
}

/**
 * The spacing of passing looks: `stableFor` divided evenly, no step longer than a minute (the cache
 * metrics' period) or than interval x healthy threshold. A target that turns unhealthy needs that many
 * passing checks, one interval apart, to be healthy again, so no unhealthy spell falls between two looks.
 */
export function windowStep(stableForMs: number, settings: TargetGroupSettings): number {
  const hc = settings.healthCheck;
  const longest = Math.min(METRIC_PERIOD_MS, hc.intervalSeconds * SECOND * Math.max(1, hc.healthyThreshold));
  if (stableForMs <= 0) return longest;
  return Math.ceil(stableForMs / Math.ceil(stableForMs / longest));
}

/** Every registered target healthy, and as many healthy as the cluster had when the run started. */
async function targetChecks(ctx: RunContext, spec: ClusterSpec): Promise<{ checks: Check[]; initial: boolean }> {
  const base = await baseline(ctx);
  const expectedTargets = base.targets[spec.name]?.length ?? 0;
  const health = await ctx.traffic.describeTargetHealth(spec.targetGroupArn);
  const registered = health.filter((h) => !(h.state === 'unused' && h.reason === 'Target.NotRegistered') && h.state !== 'draining');
  const healthy = registered.filter((h) => h.state === 'healthy');
  const notHealthy = registered.filter((h) => h.state !== 'healthy').map((h) => `${h.target.id} ${h.state}${h.reason ? ` (${h.reason})` : ''}`);
  return {
    checks: [
      check('verify.targets.healthy', notHealthy.length === 0 && registered.length > 0, `${healthy.length}/${registered.length} healthy`, 'all healthy', notHealthy.length ? `not healthy: ${notHealthy.join(', ')}` : 'no registered targets'),
      check('verify.targets.count', healthy.length >= expectedTargets, `${healthy.length} healthy`, `${expectedTargets} (as before maintenance)`, `${healthy.length} healthy targets, ${expectedTargets} before maintenance`),
    ],
    initial: registered.some((h) => h.state === 'initial'),
  };
}

const HEALTHY_AFTER = 'targets-healthy';

/**
 * When to look at the targets again. Targets just registered (state initial) are healthy after their
 * first passing check, not after the healthy threshold, which governs only later transitions ("After your
 * target is registered, it must pass one health check to be considered healthy",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
 * The registration and that first check take a delay learned from the clusters already verified; until
 * it is known, and after it, one look per second for an interval, then backing off.
 * Targets failing their checks change at most once per interval.
 */
async function targetsRecheckAt(ctx: RunContext, cluster: string, settings: TargetGroupSettings, initial: boolean, now: number): Promise<number> {
  const interval = settings.healthCheck.intervalSeconds * SECOND;
  if (!initial) return now + interval;
  const from = await initialSince(ctx, cluster, now);
  const delay = (await prior(ctx, cluster, HEALTHY_AFTER, HEALTHY_AFTER)) ?? 0;
  // The registration itself may take up to an interval: looks a second apart until then.
  return recheckAround(from + delay, now, 0, interval);
}

/** The first look that saw this cluster's targets initial: the registration, within a look. */
function initialSince(ctx: RunContext, cluster: string, now: number): Promise<number> {
  return ctx.store.remember(ctx.runId, `cadence:initial-since:${cluster}`, async () => now);
}

/**
 * Learns how long new targets took to be healthy (registration and first check) once they are, after
 * being seen initial. From the last look that saw them not healthy (a lower bound): the next cluster then
 * looks at most a second late.
 */
async function learnHealthyAfter(ctx: RunContext, cluster: string, notHealthyUntil: number): Promise<void> {
  const from = await ctx.store.recall<number>(ctx.runId, `cadence:initial-since:${cluster}`);
  if (from === undefined) return;
  await learn(ctx, cluster, HEALTHY_AFTER, { signature: HEALTHY_AFTER, ms: Math.max(0, notHealthyUntil + 1 - from) });
}

async function cacheChecks(ctx: RunContext, spec: ClusterSpec, maintenanceRan: boolean, now: number): Promise<{ checks: Check[]; permanent: Check[]; settled: boolean }> {
  const rg = spec.cache!.replicationGroupId;
  const view = await ctx.cache.describe(rg);
  const cache = cacheReadiness(view);
  const checks: Check[] = [
    check('verify.cache.available', cache.available, cache.availability, 'available, every member available', `${rg} is not available yet (${cache.availability})`),
    check('verify.cache.pending', cache.pending.length === 0, cache.pending.length ? `pending ${cache.pending.join('; ')}` : 'nothing pending', 'nothing pending', `${rg} still has pending modifications (${cache.pending.join('; ')})`),
  ];
  const permanent: Check[] = [];
  // Only a settled group can be judged for good: mid-operation, a wrong value may still change.
  const settled = cache.available && cache.pending.length === 0;
  const judged = (c: Check) => {
    checks.push(c);
    if (!c.ok && settled) permanent.push(c);
  };

  if (maintenanceRan) {
    for (const [index, step] of ctx.plan.maintenance.entries()) {
      if (!('elasticache' in step)) continue;
      if (step.elasticache === 'failover') {
        const intent = await ctx.store.recall<StepIntent>(ctx.runId, stepKey(spec.name, index));
        if (intent?.nodeGroupIds) {
          for (const c of await nodeGroupPrimaryChecks(ctx, stepKey(spec.name, index), intent, view)) judged(c);
          continue;
        }
        const primary = view.primaries[intent?.nodeGroupId ?? step.nodeGroupId ?? FIRST_NODE_GROUP];
        const wanted = intent?.expectedPrimary;
        const before = intent?.previousPrimary;
        const moved = primary !== undefined && primary !== before && (wanted === undefined || primary === wanted);
        judged(check('verify.cache.primary', moved, `primary ${primary ?? 'none'}`, wanted ? `${wanted}` : `not ${before ?? 'the previous primary'}`, `the failover did not hold: primary is ${primary ?? 'none'}, was ${before ?? 'unknown'} before${wanted ? `, ${wanted} intended` : ''}`));
      }
      if (step.elasticache === 'modify') {
        const request = modifyRequest(step);
        const exactly = (wanted: string) => `"${wanted}" exactly`;
        const fields: Array<[string, string | undefined, string[], (wanted: string, live: string) => boolean, (wanted: string) => string]> = [
          // Each member's engine as Describe reports it: a Modify response can still show the engine before.
          ['engine', request.engine, view.members.map((m) => m.engine ?? ''), (a, b) => a === b, (wanted) => `"${wanted}" on every member`],
          // Strings, never numbers: "7.10" is not "7.1", while "7.1.0" is how AWS reports "7.1".
          ['engine-version', request.engineVersion, view.engineVersions, engineVersionMatches, describeEngineVersionRule],
          ['node-type', request.cacheNodeType, view.cacheNodeTypes, (a, b) => a === b, exactly],
          ['parameter-group', request.cacheParameterGroupName, view.cacheParameterGroupNames, (a, b) => a === b, exactly],
        ];
        for (const [field, wanted, live, matches, rule] of fields) {
          if (wanted === undefined) continue;
          const shown = live.length ? [...new Set(live)].map((v) => `"${v}"`).join(', ') : 'unknown';
          judged(check(`verify.cache.${field}`, live.length > 0 && live.every((v) => matches(wanted, v)), shown, rule(wanted), `${rg} reports ${shown}, requested "${wanted}"`));
        }
      }
      // A service update may change the engine (engine-major-version-update): read what every member runs now.
      if (step.elasticache === 'service-update') {
        const intent = await ctx.store.recall<StepIntent>(ctx.runId, stepKey(spec.name, index));
        judged(engineAfterUpdate(rg, view, intent?.engineBefore));
      }
    }
  }

  // A cluster mode enabled group reports no role: every member is read, and primaries publish no
  // ReplicationLag ("only applicable for a node running as a read replica",
  // https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html).
  const replicas = view.members.filter((m) => m.role !== 'primary').map((m) => m.cacheClusterId);
  // Memory of every member and lag of the replicas in one request.
  const ids = view.members.map((m) => m.cacheClusterId);
  const latest = await ctx.metrics.cacheNodeLatestOf(ids, ['DatabaseMemoryUsagePercentage', 'ReplicationLag'], now - CACHE_METRIC_WINDOW_MS, now);
  if (!latest.known) {
    // Not "no datapoint" and not "under the threshold": CloudWatch did not return the readings whole.
    checks.push(check('verify.cache.metrics', false, latest.reason, 'every result Complete', latest.reason));
  } else {
    const memory = worstReading(latest.values.DatabaseMemoryUsagePercentage);
    const max = ctx.plan.verify.maxMemoryPercent;
    checks.push(
      check('verify.cache.memory', memory.value !== undefined && memory.value < max, `${percent(memory.value)}${memory.id ? ` on ${memory.id}` : ''}`, `< ${max}%`, memory.value === undefined ? `no DatabaseMemoryUsagePercentage datapoint for ${rg} in the last 10 minutes` : `cache memory ${percent(memory.value)} on ${memory.id} is at or above maxMemoryPercent ${max}%`),
    );
    if (replicas.length) {
      const lag = worstReading(Object.fromEntries(replicas.map((id) => [id, latest.values.ReplicationLag[id]])));
      const maxLag = ctx.plan.verify.maxReplicationLagSeconds;
      checks.push(
        check('verify.cache.replication-lag', lag.value === undefined || lag.value <= maxLag, lag.value === undefined ? 'no datapoint' : `${seconds(lag.value)} on ${lag.id}`, `<= ${maxLag}s`, `replication lag ${seconds(lag.value ?? 0)} on ${lag.id} is above verify.maxReplicationLagSeconds ${maxLag}s`),
      );
    }
  }
  return { checks, permanent, settled };
}

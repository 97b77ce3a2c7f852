import type { ObserveOutput } from '../../machines/cluster.contract.js';
import type { Check } from '../../machines/types.js';
import { baseline, check, clusterSpec, journal, percent, type RunContext } from './run-context.js';
import { weightEvidence } from './observations.js';
import { modifyRequest, type StepIntent } from './maintenance-steps.js';

// "Healthy" means the cluster serves: every target healthy and as many as before, the cache on the
// intended primary at exactly the requested version, memory and lag under their thresholds, and, when
// configured, a real write and read through the primary and requests through the load balancer.
// A failure that waiting cannot fix (a version mismatch, a failover that did not move) is permanent.

const CACHE_METRIC_WINDOW_MS = 10 * 60_000;

export async function verifyCluster(ctx: RunContext, input: { cluster: string; expectedWeight: number; maintenanceRan: boolean }): Promise<ObserveOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  const now = ctx.clock.now();
  const weight = await weightEvidence(ctx, input.cluster, input.expectedWeight);
  if (weight.drift) return { at: now, status: 'drift', drift: weight.drift, reason: weight.check.message, checks: [weight.check] };

  const checks: Check[] = [];
  const permanent: Check[] = [];
  const base = await baseline(ctx);
  const expectedTargets = base.targets[input.cluster]?.length ?? 0;
  const health = await ctx.traffic.describeTargetHealth(spec.targetGroupArn);
  const registered = health.filter((h) => !(h.state === 'unused' && h.reason === 'Target.NotRegistered') && h.state !== 'draining');
  const healthy = registered.filter((h) => h.state === 'healthy');
  const notHealthy = registered.filter((h) => h.state !== 'healthy').map((h) => `${h.target.id} ${h.state}${h.reason ? ` (${h.reason})` : ''}`);
  checks.push(
    check('verify.targets.healthy', notHealthy.length === 0 && registered.length > 0, `${healthy.length}/${registered.length} healthy`, 'all healthy', notHealthy.length ? `not healthy: ${notHealthy.join(', ')}` : 'no registered targets'),
    check('verify.targets.count', healthy.length >= expectedTargets, `${healthy.length} healthy`, `${expectedTargets} (as before maintenance)`, `${healthy.length} healthy targets, ${expectedTargets} before maintenance`),
  );

  if (spec.cache) {
    const rg = spec.cache.replicationGroupId;
    const view = await ctx.cache.describe(rg);
    const busy = view.members.filter((m) => m.status !== 'available').map((m) => `${m.cacheClusterId} ${m.status}`);
    const pending = Object.keys(view.pendingModifiedValues);
    checks.push(
      check('verify.cache.available', view.status === 'available' && busy.length === 0, `status ${view.status}${busy.length ? `; ${busy.join(', ')}` : ''}`, 'available, every member available'),
      check('verify.cache.pending', pending.length === 0, pending.length ? `pending ${pending.join(', ')}` : 'nothing pending', 'nothing pending'),
    );
    const settled = view.status === 'available' && busy.length === 0 && pending.length === 0;

    if (input.maintenanceRan) {
      for (const [index, step] of ctx.plan.maintenance.entries()) {
        if (!('elasticache' in step)) continue;
        if (step.elasticache === 'failover') {
          const intent = await ctx.store.recall<StepIntent>(ctx.runId, `step:${input.cluster}:${index}`);
          const primary = view.primaries[step.nodeGroupId];
          const wanted = intent?.expectedPrimary;
          const moved = primary !== undefined && primary !== intent?.previousPrimary && (wanted === undefined || primary === wanted);
          const c = check(
            'verify.cache.primary',
            moved,
            `primary ${primary ?? 'none'}`,
            wanted ? `${wanted}` : `not ${intent?.previousPrimary ?? 'the previous primary'}`,
            `the failover did not hold: primary is ${primary ?? 'none'}, was ${intent?.previousPrimary ?? 'unknown'} before`,
          );
          checks.push(c);
          if (!moved && settled) permanent.push(c);
        }
        if (step.elasticache === 'modify') {
          const request = modifyRequest(step);
          const fields: Array<[string, string | undefined, string[]]> = [
            ['engine-version', request.engineVersion, view.engineVersions],
            ['node-type', request.cacheNodeType, view.cacheNodeTypes],
            ['parameter-group', request.cacheParameterGroupName, view.cacheParameterGroupNames],
          ];
          for (const [field, wanted, live] of fields) {
            if (wanted === undefined) continue;
            // Exact string comparison on purpose: "7.10" is not "7.1" (seed 001).
            const ok = live.length > 0 && live.every((v) => v === wanted);
            const c = check(`verify.cache.${field}`, ok, live.length ? [...new Set(live)].map((v) => `"${v}"`).join(', ') : 'unknown', `"${wanted}" exactly`, `${rg} reports ${[...new Set(live)].map((v) => `"${v}"`).join(', ')}, requested "${wanted}"`);
            checks.push(c);
            if (!ok && settled) permanent.push(c);
          }
        }
      }
    }

    const members = view.members.map((m) => m.cacheClusterId);
    const memory = await ctx.metrics.cacheNodeLatest(members, 'DatabaseMemoryUsagePercentage', now - CACHE_METRIC_WINDOW_MS, now);
    const worst = Math.max(...Object.values(memory).map((v) => v ?? -1));
    const max = ctx.plan.verify.maxMemoryPercent;
    checks.push(check('verify.cache.memory', worst >= 0 && worst < max, percent(worst >= 0 ? worst : undefined), `< ${max}%`, `cache memory ${percent(worst)} is at or above ${max}% (seed 004)`));
    const replicas = view.members.filter((m) => m.role === 'replica').map((m) => m.cacheClusterId);
    if (replicas.length) {
      const lag = await ctx.metrics.cacheNodeLatest(replicas, 'ReplicationLag', now - CACHE_METRIC_WINDOW_MS, now);
      const worstLag = Math.max(0, ...Object.values(lag).map((v) => v ?? 0));
      checks.push(check('verify.cache.replication-lag', worstLag <= ctx.plan.verify.maxReplicationLagSeconds, `${worstLag}s`, `<= ${ctx.plan.verify.maxReplicationLagSeconds}s`));
    }
    if (ctx.plan.verify.redis && ctx.probes.redis && settled) {
      const probe = await ctx.probes.redis(spec);
      checks.push(...probe.checks);
    }
  }

  const canary = ctx.plan.verify.canary;
  if (canary && ctx.probes.canary && checks.every((c) => c.ok)) checks.push(...(await runCanaryThroughRule(ctx, input.cluster)));

  const stamped = checks.map((c) => ({ ...c, at: now }));
  const failed = stamped.filter((c) => !c.ok);
  const recheckAt = now + 10_000;
  if (permanent.length) return { at: now, status: 'failed', reason: permanent.map((c) => c.message ?? c.observed).join('; '), checks: stamped };
  if (failed.length) return { at: now, status: 'not-yet', recheckAt, reason: failed.map((c) => `${c.name}: ${c.message ?? c.observed}`).join('; '), checks: stamped };
  return { at: now, status: 'done', recheckAt, checks: stamped };
}

/**
 * While the cluster's weight is still 0, a temporary header rule routes only canary requests to it.
 * The rule is removed whatever happens; its ARN is remembered first so a crash cannot leave it behind.
 */
async function runCanaryThroughRule(ctx: RunContext, cluster: string): Promise<Check[]> {
  const spec = clusterSpec(ctx, cluster);
  const canary = ctx.plan.verify.canary!;
  const headerValue = `quiesce-${ctx.runId}-${cluster}`;
  const rule = await ctx.traffic.createCanaryRule(ctx.location.listenerArn, { targetGroupArn: spec.targetGroupArn, headerName: canary.headerName, headerValue });
  await ctx.store.appendJournal(ctx.runId, [{ at: ctx.clock.now(), kind: 'intent', cluster, message: `${cluster}: canary rule ${rule.ruleArn} created at priority ${rule.priority}`, data: { ruleArn: rule.ruleArn } }]);
  try {
    const result = await ctx.probes.canary!(spec, { headerName: canary.headerName, headerValue });
    return result.checks;
  } finally {
    await ctx.traffic.deleteCanaryRule(rule.ruleArn);
    await journal(ctx, 'effect', `${cluster}: canary rule ${rule.ruleArn} deleted`, { cluster, data: { ruleArn: rule.ruleArn } });
  }
}

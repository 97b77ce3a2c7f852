import type { TargetRef } from '../../machines/types.js';
import type { ClusterSpec } from '../plan/schema.js';
import type { StepClusterValues } from '../runbook/placeholders.js';
import { baseline } from './baseline.js';
import { locationsOf } from './locations.js';
import type { RunContext } from './run-context.js';

/**
 * What a runbook step knows of its cluster: the run, the target group, the targets as saved before the
 * drain (deregister mode's list, else the run's baseline, both written before the first change), and the
 * cache's id and endpoint (read now: a failover earlier in the runbook may have moved the primary).
 */
export async function stepClusterValues(ctx: RunContext, spec: ClusterSpec): Promise<StepClusterValues> {
  const targets = await savedTargets(ctx, spec.name);
  const values: StepClusterValues = { runId: ctx.runId, cluster: spec.name, targetGroupArn: spec.targetGroupArn, targets };
  if (spec.cache) {
    values.replicationGroupId = spec.cache.replicationGroupId;
    const endpoint = (await ctx.cache.describe(spec.cache.replicationGroupId)).primaryEndpoint;
    if (endpoint) values.cacheEndpoint = `${endpoint.address}:${endpoint.port}`;
  }
  return values;
}

/** The cluster's targets before the run changed anything. */
export async function savedTargets(ctx: RunContext, cluster: string): Promise<TargetRef[]> {
  const deregistered = await ctx.store.recall<TargetRef[]>(ctx.runId, `targets:${cluster}`);
  if (deregistered) return deregistered;
  // The targets at its first location: a cluster's instances are the same at each.
  return [...((await baseline(locationsOf(ctx, cluster)[0]!)).targets[cluster] ?? [])];
}

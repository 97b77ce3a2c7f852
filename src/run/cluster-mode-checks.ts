import type { Check } from '../../machines/types.js';
import type { Plan } from '../plan/schema.js';
import type { ReplicationGroupView } from '../ports/cache.js';
import { check } from './checks.js';

// What preflight refuses on a replication group's cluster mode, before the cluster leaves rotation: the
// maintenance AWS does not do on such a group, and a node group the plan names that the group lacks.

/** The steps of the plan that cannot run on this group, each as a failed check with AWS's reason. */
export function clusterModeChecks(plan: Plan, view: ReplicationGroupView): Check[] {
  const rg = view.replicationGroupId;
  const checks: Check[] = [];
  const steps = plan.maintenance.flatMap((s) => ('elasticache' in s ? [s] : []));
  if (view.clusterMode === 'enabled' && steps.some((s) => s.elasticache === 'reboot')) {
    checks.push(
      check(
        'preflight.cache.reboot',
        false,
        'cluster mode enabled',
        'cluster mode disabled',
        // https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_RebootCacheCluster.html
        `${rg} has cluster mode enabled, and ElastiCache does not reboot it ("Rebooting is not supported on Valkey or Redis OSS (cluster mode enabled) clusters", RebootCacheCluster API reference): remove the reboot step, or use modify or service-update`,
      ),
    );
  }
  if (view.clusterMode === 'enabled' && steps.some((s) => s.elasticache === 'failover' && s.method === 'primary-cluster-id')) {
    checks.push(
      check(
        'preflight.cache.promotion',
        false,
        'cluster mode enabled',
        'a replication group with a single primary',
        // https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html
        `${rg} has cluster mode enabled, and ModifyReplicationGroup PrimaryClusterId (method primary-cluster-id) is for replication groups with a single primary: use method test-failover, which fails over each node group in turn`,
      ),
    );
  }
  const known = view.nodeGroups.map((g) => g.nodeGroupId);
  for (const s of steps) {
    if (s.elasticache !== 'failover' || s.nodeGroupId === undefined || known.includes(s.nodeGroupId)) continue;
    checks.push(check('preflight.cache.node-group', false, `node groups ${known.join(', ') || 'none reported'}`, `node group ${s.nodeGroupId}`, `${rg} has no node group ${s.nodeGroupId} (it has ${known.join(', ') || 'none reported'}): fix nodeGroupId in the failover step, or leave it out to fail over every node group`));
  }
  return checks;
}

/** How many node groups one failover step moves on this group: TestFailover counts one call per node group. */
export function nodeGroupsOfStep(nodeGroupId: string | undefined, view: ReplicationGroupView | undefined): number {
  if (nodeGroupId !== undefined || !view || view.clusterMode !== 'enabled') return 1;
  return Math.max(1, view.nodeGroups.length);
}

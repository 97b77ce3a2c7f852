import type { ClusterMachineInput, StepKind } from '../../machines/cluster.contract.js';
import type { FleetInput } from '../../machines/fleet.machine.js';
import type { MaintenanceStep, Plan } from '../plan/schema.js';
import { READ_BACK_TIMEOUT_MS } from '../ports/traffic.js';

// The plan, translated into what the pure machines need to know: names, kinds and timings only.

export function stepKind(step: MaintenanceStep): StepKind {
  if ('elasticache' in step) return 'elasticache';
  if ('command' in step) return 'command';
  if ('http' in step) return 'http';
  if ('ssm' in step) return 'ssm';
  if ('ecs' in step) return 'ecs';
  return 'approval';
}

export function stepLabel(step: MaintenanceStep): string {
  if (step.name) return step.name;
  if ('elasticache' in step) {
    if (step.elasticache === 'modify') {
      const changes = [
        step.engineVersion && `engine ${step.engine ? `${step.engine} ` : ''}${step.engineVersion}`,
        step.cacheNodeType && `node type ${step.cacheNodeType}`,
        step.cacheParameterGroupName && `parameter group ${step.cacheParameterGroupName}`,
      ].filter(Boolean);
      return `ElastiCache modify (${changes.join(', ')})`;
    }
    if (step.elasticache === 'failover') return `ElastiCache failover (${step.method}, ${step.nodeGroupId ? `node group ${step.nodeGroupId}` : 'every node group'})`;
    if (step.elasticache === 'reboot') return `ElastiCache reboot (${Array.isArray(step.nodes) ? step.nodes.join(', ') : step.nodes})`;
    return `ElastiCache service update ${step.serviceUpdateName}`;
  }
  if ('command' in step) return `command ${step.command.join(' ')}`;
  if ('http' in step) return `${step.http.method} ${step.http.url}`;
  if ('ssm' in step) return `SSM Run Command ${step.ssm}`;
  if ('ecs' in step) return `ECS deploy ${step.service}${step.taskDefinition ? ` -> ${step.taskDefinition}` : ' (new deployment)'}`;
  return typeof step.approval === 'string' ? step.approval : (step.approval.message ?? 'operator approval');
}

const stepTimeout = (step: MaintenanceStep): number => ('timeout' in step ? step.timeout : 'http' in step ? step.http.timeout + (step.http.poll?.timeout ?? 0) : 0);

export function clusterMachineInput(plan: Plan, cluster: string): ClusterMachineInput {
  return {
    name: cluster,
    drainMode: plan.drain.mode,
    steps: plan.maintenance.map((step) => ({ kind: stepKind(step), label: stepLabel(step), timeoutMs: stepTimeout(step) })),
    drain: { minimumMs: plan.drain.minimum, timeoutMs: plan.drain.timeout },
    verify: { stableForMs: plan.verify.stableFor, timeoutMs: plan.verify.timeout },
    reactivate: { ramp: plan.reactivate.ramp, holdMs: plan.reactivate.hold },
    readBackTimeoutMs: READ_BACK_TIMEOUT_MS,
    pollMs: 15_000,
  };
}

export function fleetInput(plan: Plan): FleetInput {
  return {
    clusters: plan.fleet.clusters.map((c) => c.name),
    maxOutOfService: plan.capacity.maxOutOfService,
    minActiveClusters: plan.capacity.minActiveClusters,
    // Several locations: minActiveClusters holds at each (src/plan/schema.ts), so the fleet starts a cluster only where it can be spared.
    ...((plan.fleet.locations?.length ?? 1) > 1
      ? { locations: Object.fromEntries(plan.fleet.locations.map((l) => [l.name, plan.fleet.clusters.filter((c) => c.placements.some((p) => p.location === l.name)).map((c) => c.name)])) }
      : {}),
  };
}

import { describe, expect, it } from 'vitest';
import { planSchema } from '../../src/plan/schema.js';
import { READ_BACK_TIMEOUT_MS } from '../../src/ports/traffic.js';
import { clusterMachineInput, fleetInput, stepKind, stepLabel } from '../../src/run/machine-input.js';
import { planDoc } from '../e2e/deep-checks-harness.js';

// The plan, translated into what the pure machines know of it: each step's kind, label and timeout, and
// the phases' timings.

const MINUTE = 60_000;

const plan = planSchema.parse(
  planDoc(
    {
      capacity: { maxOutOfService: 2, minActiveClusters: 1 },
      drain: { mode: 'deregister', minimum: '2m', timeout: '10m' },
      maintenance: [
        { elasticache: 'failover' },
        { elasticache: 'modify', engineVersion: '7.1', cacheParameterGroupName: 'pg-7' },
        { elasticache: 'reboot', nodes: ['payments-blue-002', 'payments-blue-003'], timeout: '5m' },
        { elasticache: 'reboot', nodes: 'replicas' },
        { elasticache: 'service-update', serviceUpdateName: 'elasticache-20260101-001' },
        { command: ['./patch.sh', '--cluster', 'blue'], name: 'patch the hosts' },
        { http: { url: 'https://ops.example.com/start', timeout: '20s', poll: { url: 'https://ops.example.com/state', field: 'state', equals: 'done', timeout: '5m' } } },
        { http: { method: 'GET', url: 'https://ops.example.com/ping' } },
        { approval: 'ops lead signs off' },
        { approval: {} },
      ],
      verify: { stableFor: '1m', timeout: '15m' },
      reactivate: { ramp: [25, 100], hold: '3m' },
    },
    ['blue', 'green', 'gray'],
  ),
);

describe('the machines’ view of a plan', () => {
  it('each step has its kind and a label an operator recognises (a name given in the plan wins)', () => {
    expect(plan.maintenance.map(stepKind)).toEqual(['elasticache', 'elasticache', 'elasticache', 'elasticache', 'elasticache', 'command', 'http', 'http', 'approval', 'approval']);
    expect(plan.maintenance.map(stepLabel)).toEqual([
      'ElastiCache failover (test-failover, every node group)',
      'ElastiCache modify (engine 7.1, parameter group pg-7)',
      'ElastiCache reboot (payments-blue-002, payments-blue-003)',
      'ElastiCache reboot (replicas)',
      'ElastiCache service update elasticache-20260101-001',
      'patch the hosts',
      'POST https://ops.example.com/start',
      'GET https://ops.example.com/ping',
      'ops lead signs off',
      'operator approval',
    ]);
  });

  it('an engine switch is labelled with the engine it switches to', () => {
    const step = planSchema.parse(planDoc({ maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0', cacheParameterGroupName: 'pg-valkey8' }] })).maintenance[0]!;
    expect(stepLabel(step)).toBe('ElastiCache modify (engine valkey 8.0, parameter group pg-valkey8)');
  });

  it('ssm and ecs steps have their own kinds, labels and timeouts', () => {
    const steps = planSchema.parse(
      planDoc({ maintenance: [{ ssm: 'AWS-RunPatchBaseline', timeout: '45m' }, { ecs: 'deploy', cluster: 'payments', service: 'api-{cluster}', taskDefinition: 'api:20' }, { ecs: 'deploy', cluster: 'payments', service: 'api', forceNewDeployment: true }] }),
    ).maintenance;
    expect(steps.map(stepKind)).toEqual(['ssm', 'ecs', 'ecs']);
    expect(steps.map(stepLabel)).toEqual(['SSM Run Command AWS-RunPatchBaseline', 'ECS deploy api-{cluster} -> api:20', 'ECS deploy api (new deployment)']);
    expect(steps.map((s) => ('timeout' in s ? s.timeout : 0))).toEqual([45 * MINUTE, 30 * MINUTE, 30 * MINUTE]);
  });

  it("a step's timeout is its own; an http step's includes its poll; an approval has none", () => {
    const input = clusterMachineInput(plan, 'green');
    expect(input.steps.map((s) => s.timeoutMs)).toEqual([20 * MINUTE, 60 * MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 10 * MINUTE, 20_000 + 5 * MINUTE, 30_000, 0, 0]);
  });

  it("a cluster machine gets the plan's phase timings, in milliseconds", () => {
    const { steps, ...rest } = clusterMachineInput(plan, 'green');
    expect(steps[0]).toEqual({ kind: 'elasticache', label: 'ElastiCache failover (test-failover, every node group)', timeoutMs: 20 * MINUTE });
    expect(rest).toEqual({
      name: 'green',
      drainMode: 'deregister',
      drain: { minimumMs: 2 * MINUTE, timeoutMs: 10 * MINUTE },
      verify: { stableForMs: MINUTE, timeoutMs: 15 * MINUTE },
      reactivate: { ramp: [25, 100], holdMs: 3 * MINUTE },
      readBackTimeoutMs: READ_BACK_TIMEOUT_MS,
      pollMs: 15_000,
    });
  });

  it("the fleet machine gets the clusters in the plan's order and the capacity rules", () => {
    expect(fleetInput(plan)).toEqual({ clusters: ['blue', 'green', 'gray'], maxOutOfService: 2, minActiveClusters: 1 });
  });
});

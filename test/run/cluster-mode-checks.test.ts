import { describe, expect, it } from 'vitest';
import { clusterModeChecks, nodeGroupsOfStep } from '../../src/run/cluster-mode-checks.js';
import { sandboxRun } from './sandbox-context.js';

// The refusals on a replication group's cluster mode, and the node groups a failover step counts
// (preflight's use of both is in preflight-cluster-mode.test.ts).

const SHARDED = 'defaults:\n  cache: { shards: 3, replicas: 1 }\n';

describe('clusterModeChecks', () => {
  it('refuses reboot, promotion and an unknown node group on a cluster mode enabled group, each with its reason', async () => {
    const { ctx } = await sandboxRun({ maintenance: [{ elasticache: 'reboot' }, { elasticache: 'failover', method: 'primary-cluster-id' }, { elasticache: 'failover', nodeGroupId: '0007' }] }, SHARDED);
    const checks = clusterModeChecks(ctx.plan, await ctx.cache.describe('payments-blue'));
    expect(checks.map((c) => [c.name, c.ok, c.observed])).toEqual([
      ['preflight.cache.reboot', false, 'cluster mode enabled'],
      ['preflight.cache.promotion', false, 'cluster mode enabled'],
      ['preflight.cache.node-group', false, 'node groups 0001, 0002, 0003'],
    ]);
    expect(checks[2]!.message).toBe('payments-blue has no node group 0007 (it has 0001, 0002, 0003): fix nodeGroupId in the failover step, or leave it out to fail over every node group');
  });

  it('has nothing to say of a plain failover, or of a reboot on a cluster mode disabled group', async () => {
    const sharded = await sandboxRun({ maintenance: [{ elasticache: 'failover' }, { elasticache: 'failover', nodeGroupId: '0002' }] }, SHARDED);
    expect(clusterModeChecks(sharded.ctx.plan, await sharded.ctx.cache.describe('payments-blue'))).toEqual([]);
    const single = await sandboxRun({ maintenance: [{ elasticache: 'reboot' }] });
    expect(clusterModeChecks(single.ctx.plan, await single.ctx.cache.describe('payments-blue'))).toEqual([]);
  });
});

describe('nodeGroupsOfStep', () => {
  it('counts every node group of a cluster mode enabled group, one when the step names one or the group has a single primary', async () => {
    const sharded = await sandboxRun({}, SHARDED);
    const view = await sharded.ctx.cache.describe('payments-blue');
    expect(nodeGroupsOfStep(undefined, view)).toBe(3);
    expect(nodeGroupsOfStep('0002', view)).toBe(1);
    const single = await sandboxRun({});
    expect(nodeGroupsOfStep(undefined, await single.ctx.cache.describe('payments-blue'))).toBe(1);
    expect(nodeGroupsOfStep(undefined, undefined)).toBe(1);
  });
});

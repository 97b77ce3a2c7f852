import { TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { runPreflight } from '../../src/run/preflight.js';
import { startStep } from '../../src/run/maintenance-steps.js';
import { sandboxRun, takeOut } from './sandbox-context.js';

// Preflight on cluster mode enabled groups: the TestFailover budget counts one call per node group, and
// what AWS does not do on such a group (reboot, promotion) is refused before the cluster leaves rotation.

const SHARDED = 'defaults:\n  cache: { shards: 3, replicas: 1 }\n';
const checkNamed = (out: Awaited<ReturnType<typeof runPreflight>>, name: string) => out.checks?.find((c) => c.name === name);

describe('preflight on cluster mode enabled groups', () => {
  it('counts one TestFailover per node group: shards x failover steps x clusters not yet done', async () => {
    const { ctx, operator, world } = await sandboxRun({ maintenance: [{ elasticache: 'failover', timeout: '45m' }] }, SHARDED);
    // Ten node groups failed over in the last 24 hours, each waited out (failover, then recovery).
    for (let round = 0; round < 5; round++) {
      for (const rg of ['payments-blue', 'payments-green']) await operator.elasticache.send(new TestFailoverCommand({ ReplicationGroupId: rg, NodeGroupId: '0001' }));
      world.advanceBy(12 * 60_000);
    }
    // The last recovered node's lag minutes published (30 s while it rebooted).
    world.advanceBy(5 * 60_000);
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.test-failover-budget')).toMatchObject({ ok: false, observed: '10 used in the last 24h, 6 still planned' });
    expect(out.reason).toBe(
      'preflight.test-failover-budget: the plan needs 6 more TestFailover calls but 10 of 15 were used in the last 24 hours: AWS would refuse mid-fleet; wait until earlier calls leave the 24-hour window, or split the fleet across days',
    );
    // A step on one node group only counts one.
    const one = await sandboxRun({ maintenance: [{ elasticache: 'failover', nodeGroupId: '0002' }] }, SHARDED);
    expect(checkNamed(await runPreflight(one.ctx, 'blue'), 'preflight.test-failover-budget')).toMatchObject({ ok: true, observed: '0 used in the last 24h, 2 still planned' });
  });

  it("counts the node groups of a step underway whose call is not made yet, and reads a group out of rotation to count its node groups", async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover', timeout: '45m' }] }, SHARDED);
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    // blue: 0001 sent, 0002 and 0003 to come; green: not started, 3 node groups (read although blue is out).
    const out = await runPreflight(run.ctx, 'green');
    expect(checkNamed(out, 'preflight.test-failover-budget')).toMatchObject({ ok: true, observed: '1 used in the last 24h, 5 still planned' });
  });

  it('refuses a reboot step on a cluster mode enabled group, with AWS reason, in one line', async () => {
    const { ctx } = await sandboxRun({ maintenance: [{ elasticache: 'reboot', nodes: 'replicas' }] }, SHARDED);
    const out = await runPreflight(ctx, 'blue');
    expect(out.passed).toBe(false);
    expect(out.reason).toBe(
      'preflight.cache.reboot: payments-blue has cluster mode enabled, and ElastiCache does not reboot it ("Rebooting is not supported on Valkey or Redis OSS (cluster mode enabled) clusters", RebootCacheCluster API reference): remove the reboot step, or use modify or service-update',
    );
    // The same plan on a cluster mode disabled group passes that check (there is none).
    expect(checkNamed(await runPreflight((await sandboxRun({ maintenance: [{ elasticache: 'reboot', nodes: 'replicas' }] })).ctx, 'blue'), 'preflight.cache.reboot')).toBeUndefined();
  });

  it('refuses a promotion (primary-cluster-id), and a node group the group lacks', async () => {
    const promote = await runPreflight((await sandboxRun({ maintenance: [{ elasticache: 'failover', method: 'primary-cluster-id' }] }, SHARDED)).ctx, 'blue');
    expect(promote.reason).toBe(
      'preflight.cache.promotion: payments-blue has cluster mode enabled, and ModifyReplicationGroup PrimaryClusterId (method primary-cluster-id) is for replication groups with a single primary: use method test-failover, which fails over each node group in turn',
    );
    const missing = await runPreflight((await sandboxRun({ maintenance: [{ elasticache: 'failover', nodeGroupId: '0004' }] }, SHARDED)).ctx, 'blue');
    expect(missing.reason).toBe('preflight.cache.node-group: payments-blue has no node group 0004 (it has 0001, 0002, 0003): fix nodeGroupId in the failover step, or leave it out to fail over every node group');
  });

  it('passes a plain failover, modify and service update on a cluster mode enabled group', async () => {
    const { ctx } = await sandboxRun({ maintenance: [{ elasticache: 'failover', timeout: '45m' }, { elasticache: 'modify', engineVersion: '7.1' }] }, SHARDED);
    const out = await runPreflight(ctx, 'blue');
    expect(out.reason).toBeUndefined();
    expect(out.passed).toBe(true);
  });
});

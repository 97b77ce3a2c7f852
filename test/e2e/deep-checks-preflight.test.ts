import { BatchApplyUpdateActionCommand, ModifyReplicationGroupCommand, RebootCacheClusterCommand, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { checksOf, finalWorld, headerRules, LISTENER_ARN, planDoc, prepareWorld, quiesceMutations, runScenario, scenario, targetGroupArn, type PlanDoc, type Scenario } from './deep-checks-harness.js';

// Preflight refusals end to end: the CLI on the sandbox, one situation per check. Each run must stop at
// the first cluster's preflight with the failing check (its name, ok flag and observed value) in the
// journal and in the cluster's reason, and nothing may have been changed. The passing side of every
// check is asserted on a clean run in deep-checks-pass.test.ts.

const failover = { maintenance: [{ elasticache: 'failover' }] };

async function refused(s: Scenario, check: string) {
  const r = await runScenario(s);
  expect(r.code, r.stderr).toBe(1);
  expect(r.json.status).toBe('held');
  expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'held' });
  expect(r.json.clusters.slice(1).every((c: { state: string }) => c.state === 'pending')).toBe(true);
  // The operator's own changes made beforehand may be audited; quiesce's must never be.
  expect(finalWorld(s).violations.filter((v) => v.caller === 'quiesce')).toEqual([]);
  expect(quiesceMutations(finalWorld(s))).toEqual([]);
  const entries = (await checksOf(s, check)).filter((c) => c.cluster === 'blue');
  expect(entries, `no ${check} in the journal`).toHaveLength(1);
  const entry = entries[0]!;
  expect(entry).toMatchObject({ phase: 'preflight', ok: false });
  expect(r.json.clusters[0].reason).toBe(`preflight refused: ${check}: ${entry.message}`);
  return { result: r, check: entry };
}

const run = (plan: PlanDoc, world?: string) => scenario(planDoc(plan), world);

describe('preflight refuses, with the reading, and changes nothing', () => {
  it('another cluster in rotation with unhealthy targets (crash loop)', async () => {
    const s = run({}, 'events:\n  - { from: "-10m", crashLoop: { cluster: green } }\n');
    const { check } = await refused(s, 'preflight.others.green.targets');
    expect(check.observed).toBe('0/3 healthy');
    expect(check.message).toMatch(/^green is in rotation but not healthy \(i-\w+ unhealthy \(Target.FailedHealthChecks\)/);
  });

  it("another cluster's cache mid-operation (a modify someone started)", async () => {
    const s = run({});
    await prepareWorld(s, async (_world, { elasticache }) => {
      await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'payments-green', CacheNodeType: 'cache.r7g.xlarge', ApplyImmediately: true }));
    });
    const { check } = await refused(s, 'preflight.others.green.cache');
    expect(check.observed).toMatch(/^status modifying; payments-green-001 modifying, payments-green-002 modifying, payments-green-003 modifying; pending /);
    expect(check.message).toContain("green's cache payments-green is mid-operation");
  });

  it('capacity.minHealthyTargets as a count', async () => {
    const s = run({ capacity: { maxOutOfService: 1, minActiveClusters: 1, minHealthyTargets: 4 } });
    const { check } = await refused(s, 'preflight.capacity');
    expect(check).toMatchObject({ observed: '3 healthy targets would remain in rotation', threshold: '>= 4' });
  });

  it('capacity.minHealthyTargets as a percentage of the fleet', async () => {
    const s = run({ capacity: { maxOutOfService: 1, minActiveClusters: 1, minHealthyTargets: '60%' } });
    const { check } = await refused(s, 'preflight.capacity');
    expect(check).toMatchObject({ observed: '3 healthy targets would remain in rotation', threshold: '>= 60% of 6 = 4' });
  });

  it('its own cache not available (a member rebooting)', async () => {
    const s = run({});
    await prepareWorld(s, async (_world, { elasticache }) => {
      await elasticache.send(new RebootCacheClusterCommand({ CacheClusterId: 'payments-blue-002', CacheNodeIdsToReboot: ['0001'] }));
    });
    const { check } = await refused(s, 'preflight.cache.available');
    expect(check.observed).toBe('status available; payments-blue-002 rebooting cluster nodes');
  });

  it('its own cache with a change pending for the maintenance window (held on the members)', async () => {
    const s = run({});
    await prepareWorld(s, async (_world, { elasticache }) => {
      await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'payments-blue', EngineVersion: '7.1', ApplyImmediately: false }));
    });
    const { check } = await refused(s, 'preflight.cache.pending');
    expect(check.observed).toBe('pending payments-blue-001: EngineVersion; payments-blue-002: EngineVersion; payments-blue-003: EngineVersion');
  });

  it('automatic failover disabled when the plan fails over', async () => {
    const s = run(failover, 'clusters:\n  blue: { cache: { automaticFailover: false, multiAZ: false } }\n');
    const { check } = await refused(s, 'preflight.cache.automatic-failover');
    expect(check.observed).toBe('AutomaticFailover disabled');
  });

  it('memory at or above maxMemoryPercent (seed 004)', async () => {
    const s = run({}, 'events:\n  - { at: "-10m", memory: { replicationGroupId: payments-blue, percent: 91 } }\n');
    const { check } = await refused(s, 'preflight.cache.memory');
    expect(check).toMatchObject({ observed: '91% on payments-blue-001', threshold: '< 80%' });
  });

  it('replication lag above verify.maxReplicationLagSeconds', async () => {
    const s = run({}, 'events:\n  - { from: "-10m", replicationLag: { replicationGroupId: payments-blue, seconds: 25 } }\n');
    const { check } = await refused(s, 'preflight.cache.replication-lag');
    expect(check).toMatchObject({ observed: '25s on payments-blue-002', threshold: '<= 10s' });
  });

  it('stickiness longer than drain.timeout: the drain could never finish', async () => {
    const s = run({ drain: { timeout: '15m' } }, 'elbv2:\n  stickiness: { enabled: true, duration: "20m" }\n');
    const { check, result } = await refused(s, 'preflight.stickiness');
    expect(check).toMatchObject({ observed: 'target group stickiness 20m', threshold: '<= drain.timeout 15m' });
    expect(result.json.clusters[0].reason).toContain('the drain could never finish');
  });

  it('a deregistration delay no shorter than drain.timeout (deregister mode): the drain could never finish', async () => {
    const s = run({ drain: { mode: 'deregister', timeout: '10m' } }, 'defaults:\n  deregistrationDelay: "15m"\n');
    const { check, result } = await refused(s, 'preflight.deregistration-delay');
    expect(check).toMatchObject({ observed: 'deregistration delay 15m', threshold: '< drain.timeout 10m' });
    expect(result.json.clusters[0].reason).toContain('the drain could never finish');
  });

  it('a service update action in progress on its cache', async () => {
    const s = run({}, 'elasticache:\n  serviceUpdates:\n    - { name: elasticache-20260101-001, engine: redis, releasedAt: "2025-12-29T00:00:00Z" }\n');
    await prepareWorld(s, async (_world, { elasticache }) => {
      await elasticache.send(new BatchApplyUpdateActionCommand({ ReplicationGroupIds: ['payments-blue'], ServiceUpdateName: 'elasticache-20260101-001' }));
    });
    const { check } = await refused(s, 'preflight.cache.update-actions');
    expect(check.observed).toBe('elasticache-20260101-001 waiting-to-start');
  });

  it('a service update that does not exist (a misspelled name): refused before the cluster leaves rotation', async () => {
    const s = run({ maintenance: [{ elasticache: 'service-update', serviceUpdateName: 'elasticache-20260101-01' }] }, 'elasticache:\n  serviceUpdates:\n    - { name: elasticache-20260101-001 }\n');
    const { check } = await refused(s, 'preflight.cache.service-update');
    expect(check).toMatchObject({ observed: 'elasticache-20260101-01: no update action' });
    expect(check.message).toBe('no update action elasticache-20260101-01 for payments-blue: the service update does not exist or does not apply to this group');
  });

  it('a promotion (method primary-cluster-id) while Multi-AZ with automatic failover is enabled, which ElastiCache refuses', async () => {
    const s = run({ maintenance: [{ elasticache: 'failover', method: 'primary-cluster-id' }] });
    const { check } = await refused(s, 'preflight.cache.promotion');
    expect(check).toMatchObject({ observed: 'AutomaticFailover enabled, MultiAZ enabled', threshold: 'both disabled' });
    expect(check.message).toContain('use method test-failover, or turn both off on the group before the run');
  });

  it('a plan that would exhaust the TestFailover budget (15 node groups per rolling 24 h)', async () => {
    // Five clusters, the most one forward action holds; an operator tested 11 node groups earlier today.
    const names = ['blue', 'c01', 'c02', 'c03', 'c04'];
    const s = scenario(planDoc(failover, names));
    await prepareWorld(s, async (world, { elasticache }) => {
      for (const round of [names, names, ['blue']]) {
        for (const name of round) await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: `payments-${name}`, NodeGroupId: '0001' }));
        world.advanceBy(13 * 60_000); // failover and recovery over before the next round, and before the run
      }
    });
    const { check } = await refused(s, 'preflight.test-failover-budget');
    expect(check).toMatchObject({ observed: '11 used in the last 24h, 5 still planned', threshold: '<= 15 per rolling 24h' });
    // A promotion is no way around the budget on these groups: ElastiCache refuses it under Multi-AZ.
    expect(check.message).not.toContain('primary-cluster-id');
  });

  it('a stale canary rule from an earlier run on the listener', async () => {
    const s = run({ verify: { stableFor: '1m', timeout: '15m', canary: { requests: 5 } } });
    await prepareWorld(s, async (_world, { elbv2 }) => {
      await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: LISTENER_ARN,
          Priority: 7,
          Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: ['quiesce-run-earlier-blue'] } }],
          Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('blue'), Weight: 1 }] } }],
        }),
      );
    });
    const { check } = await refused(s, 'preflight.canary-rule');
    expect(check.observed).toBe('1 rule(s): priority 7 (quiesce-run-earlier-blue, untagged)');
    expect(check.message).toMatch(
      /^a canary rule this run did not create is on the listener \(arn:aws:elasticloadbalancing:.*listener-rule\/.*, header value quiesce-run-earlier-blue, no quiesce:canary tag\); delete it before running$/,
    );
    // Not this run's rule: preflight leaves it for a person to look at.
    expect(headerRules(finalWorld(s))).toHaveLength(1);
  });
});

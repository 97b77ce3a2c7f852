import { CreateRuleCommand, DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RebootCacheClusterCommand, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { baseline } from '../../src/run/baseline.js';
import { verifyCluster, windowStep } from '../../src/run/verification.js';
import type { TargetGroupSettings } from '../../src/ports/traffic.js';
import { stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import { canaryHeaderValue, canaryTagValue } from '../../src/run/canary-rule.js';
import { headerRules, LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, settle, takeOut, type SandboxRun } from './sandbox-context.js';

// verifyCluster called directly on a sandbox world, with the cluster out of rotation (weight 0) as it is
// during verification. Each check fails for its reason, and passes once the world is right.

const outOfRotation = (run: SandboxRun) => takeOut(run);

const verify = (run: SandboxRun, maintenanceRan = true) => verifyCluster(run.ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan });
const checkOf = (out: Awaited<ReturnType<typeof verifyCluster>>, name: string) => out.checks!.find((c) => c.name === name);

async function recordFailoverIntent(run: SandboxRun, intent: Partial<StepIntent>): Promise<void> {
  await run.store.remember<StepIntent>(run.ctx.runId, stepKey('blue', 0), async () => ({ nonce: 'n', requestedAt: run.world.now(), nodeGroupId: '0001', ...intent }));
}

describe('verifyCluster', () => {
  it('needs as many healthy targets as before maintenance', async () => {
    const run = await sandboxRun();
    await outOfRotation(run);
    await run.operator.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn('blue'), Targets: [{ Id: run.world.state.elbv2.targetGroups[targetGroupArn('blue')]!.targets[0]!.id, Port: 80 }] }));
    run.world.advanceBy(6 * 60_000); // past the deregistration delay: the target is gone
    const out = await verify(run);
    expect(out.status).toBe('not-yet');
    expect(checkOf(out, 'verify.targets.healthy')).toMatchObject({ ok: true, observed: '2/2 healthy' });
    expect(checkOf(out, 'verify.targets.count')).toMatchObject({ ok: false, observed: '2 healthy', threshold: '3 (as before maintenance)' });
    expect(out.reason).toContain('verify.targets.count: 2 healthy targets, 3 before maintenance');
  });

  it('needs every cache member available, and passes once the rebooted replica is back', async () => {
    const run = await sandboxRun();
    await outOfRotation(run);
    await run.operator.elasticache.send(new RebootCacheClusterCommand({ CacheClusterId: 'payments-blue-002', CacheNodeIdsToReboot: ['0001'] }));
    const during = await verify(run, false);
    expect(during.status).toBe('not-yet');
    expect(checkOf(during, 'verify.cache.available')).toMatchObject({ ok: false, observed: 'status available; payments-blue-002 rebooting cluster nodes' });
    run.world.advanceBy(5 * 60_000);
    const after = await verify(run, false);
    expect(checkOf(after, 'verify.cache.available')).toMatchObject({ ok: true, observed: 'status available' });
    expect(after.status).toBe('done');
  });

  it('fails for good when a failover did not hold: the primary is still the one from before', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover' }] });
    await outOfRotation(run);
    await recordFailoverIntent(run, { previousPrimary: 'payments-blue-001' });
    const out = await verify(run);
    expect(out.status).toBe('failed');
    expect(checkOf(out, 'verify.cache.primary')).toMatchObject({ ok: false, observed: 'primary payments-blue-001', threshold: 'not payments-blue-001' });
    expect(out.reason).toBe('verify.cache.primary: the failover did not hold: primary is payments-blue-001, was payments-blue-001 before');
  });

  it('passes the primary check once the failover moved it, and fails when it moved elsewhere than intended', async () => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'failover' }] });
    await outOfRotation(run);
    await recordFailoverIntent(run, { previousPrimary: 'payments-blue-001' });
    await run.operator.elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'payments-blue', NodeGroupId: '0001' }));
    run.world.advanceBy(15 * 60_000);
    const moved = await verify(run);
    expect(checkOf(moved, 'verify.cache.primary')).toMatchObject({ ok: true, observed: 'primary payments-blue-002' });
    expect(moved.status).toBe('done');

    const intended = await sandboxRun({ maintenance: [{ elasticache: 'failover', method: 'primary-cluster-id', targetPrimary: 'payments-blue-003' }] });
    await outOfRotation(intended);
    await recordFailoverIntent(intended, { previousPrimary: 'payments-blue-001', expectedPrimary: 'payments-blue-003' });
    await intended.operator.elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'payments-blue', NodeGroupId: '0001' }));
    intended.world.advanceBy(15 * 60_000);
    const elsewhere = await verify(intended);
    expect(elsewhere.status).toBe('failed');
    expect(checkOf(elsewhere, 'verify.cache.primary')).toMatchObject({ ok: false, observed: 'primary payments-blue-002', threshold: 'payments-blue-003' });
  });

  it.each([
    ['engine version', { engineVersion: '7.1' }, 'cache: { engineVersion: "7.10" }', 'verify.cache.engine-version', '"7.10"', '"7.1" or "7.1.N"'],
    ['engine version', { engineVersion: '7.1' }, 'cache: { engineVersion: "7.10.2" }', 'verify.cache.engine-version', '"7.10.2"', '"7.1" or "7.1.N"'],
    ['engine version', { engineVersion: '7.1.2' }, 'cache: { engineVersion: "7.1.20" }', 'verify.cache.engine-version', '"7.1.20"', '"7.1.2" exactly'],
    ['node type', { cacheNodeType: 'cache.r7g.xlarge' }, 'cache: { nodeType: cache.r7g.large }', 'verify.cache.node-type', '"cache.r7g.large"', '"cache.r7g.xlarge" exactly'],
  ])('compares the %s as a string, and a settled mismatch is permanent', async (_what, change, world, name, observed, threshold) => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'modify', ...change }] }, `clusters:\n  blue: { ${world} }\n`);
    await outOfRotation(run);
    const out = await verify(run);
    expect(out.status).toBe('failed');
    expect(checkOf(out, name)).toMatchObject({ ok: false, observed, threshold });
    expect(out.reason).toContain(`${name}: payments-blue reports ${observed}, requested`);
  });

  it.each([
    ['engine version', { engineVersion: '7.1' }, 'cache: { engineVersion: "7.1" }', 'verify.cache.engine-version', '"7.1.0"'],
    ['engine version', { engineVersion: '7.1.2' }, 'cache: { engineVersion: "7.1.2" }', 'verify.cache.engine-version', '"7.1.2"'],
    ['node type', { cacheNodeType: 'cache.r7g.xlarge' }, 'cache: { nodeType: cache.r7g.xlarge }', 'verify.cache.node-type', '"cache.r7g.xlarge"'],
  ])('passes the %s when it is the one requested (a version at the patch level AWS reports for it)', async (_what, change, world, name, observed) => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'modify', ...change }] }, `clusters:\n  blue: { ${world} }\n`);
    await outOfRotation(run);
    const out = await verify(run);
    expect(checkOf(out, name)).toMatchObject({ ok: true, observed });
    expect(out.status).toBe('done');
  });

  it("deletes its own leftover canary rule first, and never another cluster's, which may be mid-canary", async () => {
    const run = await sandboxRun({ verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } });
    await outOfRotation(run);
    const rule = (cluster: string, priority: number) =>
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: priority,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: [canaryHeaderValue(run.ctx.runId, cluster)] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn(cluster), Weight: 1 }] } }],
        Tags: [{ Key: 'quiesce:canary', Value: canaryTagValue(run.ctx.runId, cluster) }],
      });
    await run.operator.elbv2.send(rule('blue', 2));
    await run.operator.elbv2.send(rule('green', 3));
    const out = await verify(run);
    expect(out.status).toBe('done');
    expect(checkOf(out, 'canary.requests')).toMatchObject({ ok: true, observed: '3/3 returned 200' });
    expect(headerRules(run.world).map((r) => r.values)).toEqual([[canaryHeaderValue(run.ctx.runId, 'green')]]);
  });

  it('reports drift when the weight is not the 0 it must be while verifying', async () => {
    const run = await sandboxRun();
    await baseline(run.ctx);
    const out = await verify(run);
    expect(out.status).toBe('drift');
    expect(out.drift?.summary).toContain('payments-blue weight expected 0, live 1');
  });

  it('targets registered again: noticed healthy within a second of their first passing check, not after the healthy threshold', async () => {
    // A new target needs ONE passing check; HealthyThresholdCount (5 here) governs later transitions:
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
    const run = await sandboxRun({}, 'defaults:\n  healthCheck: { interval: "30s", healthyThreshold: 5, newTargetChecks: 1 }\n');
    await outOfRotation(run);
    const tg = targetGroupArn('blue');
    const targets = run.world.state.elbv2.targetGroups[tg]!.targets.map((t) => ({ Id: t.id, Port: 80 }));
    await run.operator.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
    run.world.advanceBy(6 * 60_000);
    await run.operator.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
    const registeredAt = run.clock.now();
    run.calls.length = 0;
    const out = await settle(run.clock, verify(run));
    // Healthy in the world after the 10 s registration delay and one check: registration + 10 s.
    const healthyAt = registeredAt + 10_000;
    expect(out.status).toBe('done');
    expect(out.at).toBeGreaterThanOrEqual(healthyAt);
    expect(out.at - healthyAt).toBeLessThanOrEqual(1_000);
    // Only target health until then (and the weight, read at most every 30 s); the weight, cache and
    // metrics once the targets are healthy.
    expect(run.calls.filter((c) => c !== 'DescribeTargetHealth')).toEqual(['DescribeTargetGroups', 'DescribeTargetGroupAttributes', 'DescribeListeners', 'DescribeRules', 'DescribeRules', 'DescribeReplicationGroups', 'DescribeCacheClusters', 'GetMetricData']);
    expect(run.calls.filter((c) => c === 'DescribeTargetHealth').length).toBeLessThanOrEqual(12);
    expect(out.recheckAt).toBe(out.at + 60_000);
  });

  it('targets registered again on the next cluster: one look, a sleep until the learned first check, then looks a second apart', async () => {
    const run = await sandboxRun({}, 'defaults:\n  healthCheck: { interval: "30s", healthyThreshold: 5, newTargetChecks: 1 }\n');
    // Learned on another cluster: new targets were healthy 10 s after they were first seen initial.
    await run.store.remember(run.ctx.runId, 'cadence:learned:green:targets-healthy', async () => ({ signature: 'targets-healthy', ms: 10_000 }));
    await outOfRotation(run);
    const tg = targetGroupArn('blue');
    const targets = run.world.state.elbv2.targetGroups[tg]!.targets.map((t) => ({ Id: t.id, Port: 80 }));
    await run.operator.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
    run.world.advanceBy(6 * 60_000);
    await run.operator.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
    const registeredAt = run.clock.now();
    const first = await verify(run);
    // The learned delay alone: no (healthy threshold - 1) intervals on top of it.
    expect(first).toMatchObject({ status: 'not-yet', recheckAt: registeredAt + 10_000 });
    run.clock.advanceTo(first.recheckAt!);
    const out = await settle(run.clock, verify(run));
    expect(out.status).toBe('done');
    expect(out.at - (registeredAt + 10_000)).toBeLessThanOrEqual(1_000);
  });

  it('spaces passing looks so the last lands on stableFor, no further apart than a minute or interval x healthy threshold', () => {
    const settings = (intervalSeconds: number, healthyThreshold: number): TargetGroupSettings => ({
      targetGroupArn: targetGroupArn('blue'),
      loadBalancerArns: [],
      targetType: 'instance',
      deregistrationDelaySeconds: 300,
      healthCheck: { intervalSeconds, timeoutSeconds: 5, healthyThreshold, unhealthyThreshold: 2 },
      stickiness: { enabled: false },
    });
    expect(windowStep(120_000, settings(30, 5))).toBe(60_000);
    expect(windowStep(100_000, settings(30, 5))).toBe(50_000);
    expect(windowStep(120_000, settings(10, 2))).toBe(20_000);
    expect(windowStep(45_000, settings(10, 5))).toBe(45_000);
  });
});

// A GetMetricData result that is not Complete (InternalError, Forbidden, PartialData without the rest) is
// unknown, never evidence: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
// The world's `metricStatus` fault makes CloudWatch answer so; every judgement built on metrics must wait.

const fault = (status: string, metric?: string) => `events:\n  - { from: "-10m", to: "3h", metricStatus: { status: ${status}${metric ? `, metric: ${metric}` : ''} } }\n`;

describe('CloudWatch results that are not Complete', () => {
  it('verification does not pass on cache metrics that are not Complete', async () => {
    const run = await sandboxRun({ verify: { stableFor: '1m', timeout: '15m' } }, fault('InternalError', 'DatabaseMemoryUsagePercentage'));
    await takeOut(run, 'blue');
    const out = await settle(run.clock, verifyCluster(run.ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan: false }));
    expect(out.status).toBe('not-yet');
    expect(out.checks!.find((c) => c.name === 'verify.cache.metrics')).toMatchObject({ ok: false, observed: expect.stringContaining('StatusCode InternalError for DatabaseMemoryUsagePercentage') });
    expect(out.checks!.map((c) => c.name)).not.toContain('verify.cache.memory');
  });
});

// An engine switch is judged on the engine AND the version of every member, as Describe reports them;
// the engine is read after a service update too, which can change it (engine-major-version-update).
const toValkey = { maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0' }] };

describe('verifying an engine switch', () => {
  it('passes when every member runs valkey at the version', async () => {
    const run = await sandboxRun(toValkey, 'clusters:\n  blue: { cache: { engine: valkey, engineVersion: "8.0" } }\n');
    await takeOut(run);
    const out = await verify(run);
    expect(checkOf(out, 'verify.cache.engine')).toMatchObject({ ok: true, observed: '"valkey"', threshold: '"valkey" on every member' });
    expect(checkOf(out, 'verify.cache.engine-version')).toMatchObject({ ok: true, observed: '"8.0.1"' });
    expect(out.status).toBe('done');
  });

  it('a group settled on redis fails for good, whatever its version says', async () => {
    const run = await sandboxRun(toValkey, 'clusters:\n  blue: { cache: { engine: redis, engineVersion: "7.1" } }\n');
    await takeOut(run);
    const out = await verify(run);
    expect(out.status).toBe('failed');
    expect(checkOf(out, 'verify.cache.engine')).toMatchObject({ ok: false, observed: '"redis"' });
    expect(out.reason).toContain('verify.cache.engine: payments-blue reports "redis", requested "valkey"');
  });
});

describe('verifying after a service update', () => {
  const update = { maintenance: [{ elasticache: 'service-update', serviceUpdateName: 'elasticache-eol-001' }] };
  const world = 'elasticache:\n  serviceUpdates:\n    - { name: elasticache-eol-001, type: engine-major-version-update, upgradesTo: { engine: valkey, engineVersion: "7.2" } }\n';

  it('reads the engine every member runs, and names the change from the one recorded before the step', async () => {
    const run = await sandboxRun(update, world);
    await takeOut(run);
    await run.store.remember<StepIntent>(run.ctx.runId, stepKey('blue', 0), async () => ({ nonce: 'n', requestedAt: run.world.now(), engineBefore: 'redis 6.2.6' }));
    const out = await verify(run);
    expect(checkOf(out, 'verify.cache.engine-after-update')).toMatchObject({ ok: true, observed: 'redis 6.2.6 → redis 7.0.7', threshold: 'one engine and version on every member' });
  });

  it('members left on different engines fail the check', async () => {
    const run = await sandboxRun(update, world);
    await takeOut(run);
    run.world.state.elasticache.cacheClusters['payments-blue-002']!.engine = 'valkey';
    run.world.state.elasticache.cacheClusters['payments-blue-002']!.engineVersion = '7.2.6';
    const out = await verify(run);
    expect(checkOf(out, 'verify.cache.engine-after-update')).toMatchObject({ ok: false, observed: 'redis, valkey 7.0.7, 7.2.6' });
    expect(out.status).toBe('failed');
  });
});

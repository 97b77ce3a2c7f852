import { CreateRuleCommand, DeregisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RebootCacheClusterCommand, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { baseline } from '../../src/run/run-context.js';
import { verifyCluster } from '../../src/run/verification.js';
import { stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import { canaryHeaderValue } from '../../src/run/canary-rule.js';
import { headerRules, LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, takeOut, type SandboxRun } from './sandbox-context.js';

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
    ['engine version', { engineVersion: '7.1' }, 'cache: { engineVersion: "7.10" }', 'verify.cache.engine-version', '"7.10"', '"7.1" exactly'],
    ['node type', { cacheNodeType: 'cache.r7g.xlarge' }, 'cache: { nodeType: cache.r7g.large }', 'verify.cache.node-type', '"cache.r7g.large"', '"cache.r7g.xlarge" exactly'],
  ])('compares the %s exactly as a string, and a settled mismatch is permanent', async (_what, change, world, name, observed, threshold) => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'modify', ...change }] }, `clusters:\n  blue: { ${world} }\n`);
    await outOfRotation(run);
    const out = await verify(run);
    expect(out.status).toBe('failed');
    expect(checkOf(out, name)).toMatchObject({ ok: false, observed, threshold });
    expect(out.reason).toContain(`${name}: payments-blue reports ${observed}, requested`);
  });

  it.each([
    ['engine version', { engineVersion: '7.1' }, 'cache: { engineVersion: "7.1" }', 'verify.cache.engine-version'],
    ['node type', { cacheNodeType: 'cache.r7g.xlarge' }, 'cache: { nodeType: cache.r7g.xlarge }', 'verify.cache.node-type'],
  ])('passes the %s when it is exactly the one requested', async (_what, change, world, name) => {
    const run = await sandboxRun({ maintenance: [{ elasticache: 'modify', ...change }] }, `clusters:\n  blue: { ${world} }\n`);
    await outOfRotation(run);
    const out = await verify(run);
    expect(checkOf(out, name)?.ok).toBe(true);
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
});

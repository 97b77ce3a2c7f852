import { CreateRuleCommand, DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { canaryHeaderValue, canaryTagValue } from '../../src/run/canary-rule.js';
import { checkDrift } from '../../src/run/cluster-actors.js';
import { LISTENERS_REREAD_MS, readRules } from '../../src/run/other-rules.js';
import { assertOutOfRotation } from '../../src/run/rotation-guards.js';
import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { verifyCluster } from '../../src/run/verification.js';
import { LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, settle, takeOut, type SandboxRun } from './sandbox-context.js';

// From removal to reactivation a rule besides the fleet's that starts forwarding to the cluster's group is
// drift: the drift check before removal, every weight read of the wait loops, the guard before a
// maintenance step. This run's own canary rule for the cluster is not such a rule.

const reportsRule = (weight: number, priority = 10) =>
  new CreateRuleCommand({
    ListenerArn: LISTENER_ARN,
    Priority: priority,
    Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/reports/*'] } }],
    Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('blue'), Weight: weight }] } }],
  });

/** A new target needs 5 checks 5 minutes apart here: registered again, blue stays unhealthy past any inline wait. */
const SLOW_HEALTH = 'defaults:\n  healthCheck:\n    interval: "300s"\n    newTargetChecks: 5\n';

/** Blue at weight 0 with its targets registered again and not yet healthy: verification's cheap look reads the weight. */
async function verifyingUnhealthy(run: SandboxRun): Promise<void> {
  await takeOut(run);
  const tg = targetGroupArn('blue');
  const targets = run.world.state.elbv2.targetGroups[tg]!.targets.map((t) => ({ Id: t.id, Port: 80 }));
  await run.operator.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
  run.world.advanceBy(6 * 60_000);
  await run.operator.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
}

const verify = (run: SandboxRun) => verifyCluster(run.ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan: true });

describe('another rule forwarding to a cluster out of rotation', () => {
  it('is drift while verifying, with the rule named; at weight 0 it sends nothing and is not', async () => {
    const run = await sandboxRun({}, SLOW_HEALTH);
    await verifyingUnhealthy(run);
    await run.operator.elbv2.send(reportsRule(0));
    expect((await settle(run.clock, verify(run))).status).toBe('not-yet');

    const other = await sandboxRun({}, SLOW_HEALTH);
    await verifyingUnhealthy(other);
    await other.operator.elbv2.send(reportsRule(1));
    const out = await settle(other.clock, verify(other));
    expect(out.status).toBe('drift');
    const ruleArn = other.world.state.elbv2.rules[0]!.arn;
    expect(out.drift?.routes).toEqual([{ targetGroupArn: targetGroupArn('blue'), ruleArn, listenerArn: LISTENER_ARN, priority: 10, weight: 1 }]);
    expect(out.reason).toBe(`blue is out of rotation in the fleet's forward but still reachable: rule ${ruleArn} (priority 10 of listener ${LISTENER_ARN}) forwards to payments-blue with weight 1`);
  });

  it("is not this run's canary rule for the cluster, left by a crash mid-canary", async () => {
    const run = await sandboxRun({ verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } }, SLOW_HEALTH);
    await verifyingUnhealthy(run);
    await run.operator.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: 1,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: [canaryHeaderValue(run.ctx.runId, 'blue')] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('blue'), Weight: 1 }] } }],
        Tags: [{ Key: 'quiesce:canary', Value: canaryTagValue(run.ctx.runId, 'blue') }],
      }),
    );
    expect((await settle(run.clock, verify(run))).status).toBe('not-yet');
  });

  it('is drift in the check right before removal, and refuses the start of a maintenance step', async () => {
    const run = await sandboxRun();
    await run.operator.elbv2.send(reportsRule(2));
    const drift = await checkDrift(run.ctx, 'blue');
    expect(drift.drift?.summary).toMatch(/^payments-blue is forwarded to by rule \S+ \(priority 10\) with weight 2$/);

    const later = await sandboxRun();
    await takeOut(later);
    await later.operator.elbv2.send(reportsRule(1));
    await expect(assertOutOfRotation(later.ctx, 'blue', 0)).rejects.toThrow(/^drift: blue is reachable through another rule \(rule \S+ \(priority 10 of listener \S+\) forwards to payments-blue with weight 1\) right before maintenance step 1; the step was not started$/);
  });

  it("reads every listener's rules at each look, and lists the listeners at most every 30 minutes", async () => {
    const run = await sandboxRun();
    const look = async () => {
      run.world.advanceBy(SHARED_READ_MS);
      run.calls.length = 0;
      await readRules(run.ctx);
      return [...run.calls];
    };
    expect(await look()).toEqual(['DescribeListeners', 'DescribeRules']);
    expect(await look()).toEqual(['DescribeRules']);
    run.world.advanceBy(LISTENERS_REREAD_MS);
    expect(await look()).toEqual(['DescribeListeners', 'DescribeRules']);
  });
});

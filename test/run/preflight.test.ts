import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { CreateRuleCommand, ModifyListenerCommand, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { canaryHeaderValue, canaryTagValue } from '../../src/run/canary-rule.js';
import { runPreflight } from '../../src/run/preflight.js';
import { headerRules, LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun } from './sandbox-context.js';

// runPreflight called directly on a sandbox world, for the edges of each check: both sides of a
// threshold, and situations the end-to-end tests cannot set up cheaply.

const capacity = (minHealthyTargets: number | string) => ({ capacity: { maxOutOfService: 1, minActiveClusters: 1, minHealthyTargets } });
const checkNamed = (out: Awaited<ReturnType<typeof runPreflight>>, name: string) => out.checks!.find((c) => c.name === name);

describe('runPreflight', () => {
  it.each([
    [3, true, '>= 3'],
    [4, false, '>= 4'],
    ['50%', true, '>= 50% of 6 = 3'],
    ['51%', false, '>= 51% of 6 = 4'],
  ])('capacity.minHealthyTargets %s: passes %s (3 healthy targets remain of 6)', async (min, ok, threshold) => {
    const { ctx } = await sandboxRun(capacity(min));
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.capacity')).toMatchObject({ ok, observed: '3 healthy targets would remain in rotation', threshold });
    expect(out.passed).toBe(ok);
  });

  it('does not judge a cluster that is out of rotation, and counts no capacity for it', async () => {
    const { ctx, operator } = await sandboxRun(capacity(1), '', { clusters: ['blue', 'green', 'gray'] });
    await operator.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: LISTENER_ARN,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: ['blue', 'green', 'gray'].map((c) => ({ TargetGroupArn: targetGroupArn(c), Weight: c === 'gray' ? 0 : 1 })) } }],
      }),
    );
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.others.gray.targets')).toBeUndefined();
    expect(checkNamed(out, 'preflight.capacity')?.observed).toBe('3 healthy targets would remain in rotation');
  });

  it("deletes this run's own leftover canary rule (a crash mid-canary) and passes; another run's rule refuses", async () => {
    const { ctx, operator, world } = await sandboxRun({ verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } });
    const rule = (value: string, priority: number, tag: string) =>
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: priority,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'x-quiesce-canary', Values: [value] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('green'), Weight: 1 }] } }],
        Tags: [{ Key: 'quiesce:canary', Value: tag }],
      });
    // This run's by its tag (the header name is matched case-insensitively, as the ALB does).
    await operator.elbv2.send(rule(canaryHeaderValue(ctx.runId, 'green').toUpperCase(), 3, canaryTagValue(ctx.runId, 'green')));
    const own = await runPreflight(ctx, 'blue');
    expect(checkNamed(own, 'preflight.canary-rule')).toMatchObject({ ok: true, observed: 'none' });
    expect(headerRules(world)).toEqual([]);
    expect((await ctx.store.readJournal(ctx.runId)).map((e) => e.message)).toContainEqual(expect.stringMatching(/^leftover canary rule \S+ deleted$/));

    await operator.elbv2.send(rule('quiesce-run-other-green', 4, 'run-other/green'));
    // A later preflight, past the window in which reads of one moment are shared.
    world.advanceBy(SHARED_READ_MS);
    const foreign = await runPreflight(ctx, 'blue');
    expect(foreign.passed).toBe(false);
    expect(checkNamed(foreign, 'preflight.canary-rule')).toMatchObject({ ok: false, observed: '1 rule(s): priority 4 (quiesce-run-other-green, tagged run-other/green)' });
    expect(headerRules(world)).toHaveLength(1);
  });

  it('leaves alone the canary rule of another cluster of this run that is in flight (it may be mid-canary)', async () => {
    const { ctx, operator, world } = await sandboxRun({ capacity: { maxOutOfService: 2, minActiveClusters: 1 }, verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } }, '', { clusters: ['blue', 'green', 'gray'] });
    ctx.inFlight = () => new Set(['blue', 'green']);
    await operator.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: 2,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: [canaryHeaderValue(ctx.runId, 'green')] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('green'), Weight: 1 }] } }],
        Tags: [{ Key: 'quiesce:canary', Value: canaryTagValue(ctx.runId, 'green') }],
      }),
    );
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.canary-rule')).toMatchObject({ ok: true, observed: 'none' });
    expect(headerRules(world)).toHaveLength(1);
    // Green's canary demands another header value: blue's canary rule can still go first, at priority 1.
    expect(checkNamed(out, 'preflight.canary-priority')).toMatchObject({ ok: true, observed: 'priority 1 free, ahead of every rule' });
  });

  it('looks for leftover canary rules under the default header even when the plan has no canary', async () => {
    const { ctx, operator } = await sandboxRun();
    await operator.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: 9,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: ['quiesce-run-old-blue'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('blue'), Weight: 1 }] } }],
      }),
    );
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.canary-rule')?.ok).toBe(false);
  });

  it('refuses a cluster that another rule forwards to with a weight above 0, in either forward form; weight 0 there sends nothing', async () => {
    const { ctx, operator, world } = await sandboxRun();
    const reports = (action: CreateRuleCommand['input']['Actions']) =>
      operator.elbv2.send(new CreateRuleCommand({ ListenerArn: LISTENER_ARN, Priority: 10, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/reports/*'] } }], Actions: action }));
    // The legacy single-group form: TargetGroupArn without a ForwardConfig, weight 1.
    await reports([{ Type: 'forward', TargetGroupArn: targetGroupArn('blue') }]);
    const ruleArn = world.state.elbv2.rules[0]!.arn;
    const refused = await runPreflight(ctx, 'blue');
    expect(refused.passed).toBe(false);
    expect(refused.reason).toBe(
      `preflight.other-rules: rule ${ruleArn} (priority 10 of listener ${LISTENER_ARN}) forwards to payments-blue with weight 1: weight 0 in the fleet's forward would not take blue out of rotation; take payments-blue out of that rule first`,
    );
    // Green is not in that rule: nothing to refuse.
    expect(checkNamed(await runPreflight(ctx, 'green'), 'preflight.other-rules')).toMatchObject({ ok: true, observed: 'no other rule forwards to payments-green' });

    await operator.elbv2.send(
      new ModifyRuleCommand({ RuleArn: ruleArn, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('blue'), Weight: 0 }, { TargetGroupArn: targetGroupArn('green'), Weight: 1 }] } }] }),
    );
    world.advanceBy(SHARED_READ_MS);
    const idle = await runPreflight(ctx, 'blue');
    expect(checkNamed(idle, 'preflight.other-rules')).toMatchObject({ ok: true, observed: '1 other rule(s) hold payments-blue at weight 0' });
    expect(idle.passed).toBe(true);
  });

  it("does not count this run's own canary rule for the cluster as another rule", async () => {
    const { ctx, operator } = await sandboxRun({ verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } });
    await operator.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: 1,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: [canaryHeaderValue(ctx.runId, 'blue')] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn('blue') }],
        Tags: [{ Key: 'quiesce:canary', Value: canaryTagValue(ctx.runId, 'blue') }],
      }),
    );
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.other-rules')).toMatchObject({ ok: true, observed: 'no other rule forwards to payments-blue' });
    expect(out.passed).toBe(true);
  });

  it('with a canary, refuses when no free priority comes ahead of every rule that could take the canary request', async () => {
    const { ctx, operator, world } = await sandboxRun({ verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } });
    // A rule for another host at priority 1: the canary request could still match it (its Host is not known to be another).
    await operator.elbv2.send(
      new CreateRuleCommand({ ListenerArn: LISTENER_ARN, Priority: 1, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['admin.example.com'] } }], Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403' } }] }),
    );
    const out = await runPreflight(ctx, 'blue');
    expect(out.reason).toBe(
      `preflight.canary-priority: no free rule priority below 1 on listener ${LISTENER_ARN} (rule ${world.state.elbv2.rules[0]!.arn} at priority 1 could take the canary request): canary requests would not reach blue; give the fleet's rule and the rules before it higher priority numbers, or drop verify.canary`,
    );
    // Without a canary in the plan there is nothing to place.
    const plain = await sandboxRun();
    expect(checkNamed(await runPreflight(plain.ctx, 'blue'), 'preflight.canary-priority')).toBeUndefined();
  });

  it('counts the TestFailover calls of the last 24 hours against the 15-node-group budget', async () => {
    const { ctx, operator, world } = await sandboxRun({ maintenance: [{ elasticache: 'failover' }] });
    // Seven rounds on each group: 14 calls, each waited out (failover, then recovery).
    for (let round = 0; round < 7; round++) {
      for (const rg of ['payments-blue', 'payments-green']) await operator.elasticache.send(new TestFailoverCommand({ ReplicationGroupId: rg, NodeGroupId: '0001' }));
      world.advanceBy(12 * 60_000);
    }
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.test-failover-budget')).toMatchObject({ ok: false, observed: '14 used in the last 24h, 2 still planned' });
    expect(checkNamed(out, 'preflight.test-failover-budget')?.message).toBe(
      'the plan needs 2 more TestFailover calls but 14 of 15 were used in the last 24 hours: AWS would refuse mid-fleet; wait until earlier calls leave the 24-hour window, or split the fleet across days',
    );
  });

  it('refuses a promotion (method primary-cluster-id) while Multi-AZ with automatic failover is enabled, as ElastiCache would', async () => {
    const promote = { maintenance: [{ elasticache: 'failover', method: 'primary-cluster-id' }] };
    const enabled = await runPreflight((await sandboxRun(promote)).ctx, 'blue');
    expect(enabled.passed).toBe(false);
    expect(checkNamed(enabled, 'preflight.cache.promotion')).toMatchObject({ ok: false, observed: 'AutomaticFailover enabled, MultiAZ enabled', threshold: 'both disabled' });
    expect(enabled.reason).toBe(
      'preflight.cache.promotion: ElastiCache does not promote a replica (method primary-cluster-id) while Multi-AZ with automatic failover is enabled on payments-blue (AutomaticFailover enabled, MultiAZ enabled): use method test-failover, or turn both off on the group before the run',
    );
    // TestFailover needs automatic failover; a promotion needs it off: only the check of the method planned.
    expect(checkNamed(enabled, 'preflight.cache.automatic-failover')).toBeUndefined();
    expect(checkNamed(enabled, 'preflight.test-failover-budget')).toBeUndefined();

    const disabled = await runPreflight((await sandboxRun(promote, 'defaults:\n  cache: { automaticFailover: false, multiAZ: false }\n')).ctx, 'blue');
    expect(checkNamed(disabled, 'preflight.cache.promotion')).toMatchObject({ ok: true, observed: 'AutomaticFailover disabled, MultiAZ disabled' });
    expect(disabled.passed).toBe(true);
  });

  it('refuses a service update that does not exist or does not apply to the group, before the cluster leaves rotation', async () => {
    const world = 'elasticache:\n  serviceUpdates:\n    - { name: elasticache-20260101-001, replicationGroups: [payments-green] }\n';
    const unknown = await sandboxRun({ maintenance: [{ elasticache: 'service-update', serviceUpdateName: 'elasticache-2026O101-001' }] }, world);
    const out = await runPreflight(unknown.ctx, 'blue');
    expect(out.passed).toBe(false);
    expect(checkNamed(out, 'preflight.cache.service-update')).toMatchObject({ ok: false, observed: 'elasticache-2026O101-001: no update action' });
    expect(out.reason).toBe('preflight.cache.service-update: no update action elasticache-2026O101-001 for payments-blue: the service update does not exist or does not apply to this group');

    const elsewhere = await sandboxRun({ maintenance: [{ elasticache: 'service-update', serviceUpdateName: 'elasticache-20260101-001' }] }, world);
    expect(checkNamed(await runPreflight(elsewhere.ctx, 'blue'), 'preflight.cache.service-update')?.ok).toBe(false);
    const applies = await runPreflight(elsewhere.ctx, 'green');
    expect(checkNamed(applies, 'preflight.cache.service-update')).toMatchObject({ ok: true, observed: 'elasticache-20260101-001: not-applied' });
    expect(applies.passed).toBe(true);
  });

  it('reports each check with the moment it was observed', async () => {
    const { ctx } = await sandboxRun();
    const out = await runPreflight(ctx, 'blue');
    expect(out.passed).toBe(true);
    expect(out.checks!.every((c) => c.at === out.at)).toBe(true);
    expect(out.originalWeight).toBe(1);
  });
});

describe('a serverless cache named as a replication group', () => {
  it('is refused before anything changes, in one line, whichever cluster names it', async () => {
    const { ctx, calls } = await sandboxRun({}, 'clusters:\n  green:\n    cache: { serverless: true }\n');
    for (const cluster of ['blue', 'green']) {
      const out = await runPreflight(ctx, cluster);
      expect(out.passed).toBe(false);
      expect(out.reason).toBe('preflight.cache.replication-group: payments-green is a serverless cache: it has no replication group to maintain');
    }
    expect(calls).toContain('DescribeServerlessCaches');
  });
});

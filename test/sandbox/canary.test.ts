import { ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { CreateRuleCommand, DeleteRuleCommand, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, RULE_ARN, planOf, tgArn, twoClusters } from './fixtures.js';

const BLUE = tgArn('blue', 1);

function setup(plan = twoClusters()) {
  const world = defaultWorldFromPlan(plan);
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

const canaryRule = new CreateRuleCommand({
  ListenerArn: LISTENER_ARN,
  Priority: 5,
  Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['blue'] } }],
  Actions: [{ Type: 'forward', TargetGroupArn: BLUE }],
});

describe('simulated requests through the load balancer', () => {
  it('routes a request carrying the canary header by the header rule, matching case-insensitively', async () => {
    const { world, elbv2 } = setup();
    const ruleArn = (await elbv2.send(canaryRule)).Rules?.[0]?.RuleArn;
    expect(world.simulateRequest({ headers: { 'x-canary': 'BLUE' } })).toMatchObject({
      status: 200,
      cluster: 'blue',
      ruleArn,
      targetGroupArn: BLUE,
    });
    const ordinary = world.simulateRequest();
    expect(ordinary.ruleArn).not.toBe(ruleArn);
    // Ordinary traffic does not carry the header: the rule takes none of it.
    world.advanceBy(60_000);
    expect(world.traffic.perCluster).toEqual({ blue: { requests: 6000, failed: 0 }, green: { requests: 6000, failed: 0 } });
    await elbv2.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    expect(world.simulateRequest({ headers: { 'X-Canary': 'blue' } }).ruleArn).not.toBe(ruleArn);
  });

  it('lets a canary see a cluster that is out of rotation but not ready', async () => {
    const { world, elbv2, elasticache } = setup();
    await elbv2.send(canaryRule);
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', CacheNodeType: 'cache.r7g.xlarge', ApplyImmediately: true }));
    expect(world.simulateRequest({ headers: { 'X-Canary': 'blue' } })).toMatchObject({ status: 500, reason: 'the cache has no healthy primary' });
    world.schedule({ at: '0s', crashLoop: { cluster: 'blue' } });
    expect(world.simulateRequest({ headers: { 'X-Canary': 'blue' } })).toMatchObject({ status: 502 });
  });

  it('routes ordinary traffic through the plan rule when the fleet lives in a rule', async () => {
    const plan = planOf(['blue', 'green'], { ruleArn: true });
    const { world, elbv2 } = setup(plan);
    expect(world.weights()).toEqual({ blue: 1, green: 1 });
    await elbv2.send(
      new ModifyRuleCommand({
        RuleArn: RULE_ARN,
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 0 }, { TargetGroupArn: tgArn('green', 2), Weight: 1 }] } }],
      }),
    );
    expect(world.weights()).toEqual({ blue: 0, green: 1 });
    world.advanceBy(60_000);
    expect(world.traffic.perCluster.blue?.requests).toBe(0);
    expect(world.traffic.perCluster.green?.requests).toBe(12_000);
  });
});

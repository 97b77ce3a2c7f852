import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { EXAMPLE_PLAN } from '../../infra/paths.js';
import { canaryRulePattern, permissionsForPlans, secretArn, type PermissionStatement } from '../../src/plan/permissions.js';
import { ACCOUNT, LISTENER, NIGHTLY_ORDERS, ORDERS_TG, RULE, examplePlan } from '../infra/fixtures.js';
import { INTERNAL_RULE, TWO_BALANCERS_TEXT, twoBalancersPlan } from '../helpers/two-balancers.js';

const ec = (kind: string, id: string) => `arn:aws:elasticache:us-east-1:${ACCOUNT}:${kind}:${id}`;

function resourcesFor(statements: PermissionStatement[], action: string): string[] {
  return statements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);
}

function actions(statements: PermissionStatement[]): Set<string> {
  return new Set(statements.flatMap((s) => s.actions));
}

describe('permissionsForPlans', () => {
  it('gives the example plan listener weights, failover and modify on its own groups, plus the reads', () => {
    const statements = permissionsForPlans([examplePlan().plan], { account: ACCOUNT });
    expect(resourcesFor(statements, 'elasticloadbalancing:ModifyListener')).toEqual([examplePlan().plan.fleet.listenerArn]);
    const groups = ['payments-blue', 'payments-green', 'payments-gray'].map((id) => ec('replicationgroup', id));
    expect(resourcesFor(statements, 'elasticache:TestFailover')).toEqual(groups);
    expect(resourcesFor(statements, 'elasticache:ModifyReplicationGroup')).toEqual(groups);
    for (const absent of [
      'elasticloadbalancing:ModifyRule',
      'elasticloadbalancing:RegisterTargets',
      'elasticloadbalancing:DeregisterTargets',
      'elasticloadbalancing:CreateRule',
      'elasticloadbalancing:DeleteRule',
      'elasticache:RebootCacheCluster',
      'elasticache:BatchApplyUpdateAction',
      'secretsmanager:GetSecretValue',
    ]) {
      expect(actions(statements).has(absent), absent).toBe(false);
    }
    expect(statements.every((s) => s.reason.length > 0)).toBe(true);
  });

  it('puts "*" only on read actions that AWS cannot scope', () => {
    const statements = permissionsForPlans([examplePlan().plan, parsePlan(NIGHTLY_ORDERS)], { account: ACCOUNT });
    const onStar = statements.filter((s) => s.resources.includes('*')).flatMap((s) => s.actions);
    expect(onStar.sort()).toEqual(['cloudwatch:GetMetricData', 'elasticache:Describe*', 'elasticloadbalancing:Describe*']);
  });

  it('weights a plan with ruleArn through ModifyRule on that rule, not ModifyListener', () => {
    const statements = permissionsForPlans([parsePlan(NIGHTLY_ORDERS)], { account: ACCOUNT });
    expect(resourcesFor(statements, 'elasticloadbalancing:ModifyRule')).toEqual([RULE]);
    expect(actions(statements).has('elasticloadbalancing:ModifyListener')).toBe(false);
  });

  it('grants a deregister-mode plan Register/DeregisterTargets on exactly its target groups', () => {
    const payments = parsePlan(examplePlanText().replace('mode: weight', 'mode: deregister'));
    const statements = permissionsForPlans([payments], { account: ACCOUNT });
    const groups = payments.fleet.clusters.map((c) => c.targetGroupArn);
    expect(resourcesFor(statements, 'elasticloadbalancing:DeregisterTargets')).toEqual(groups);
    expect(resourcesFor(statements, 'elasticloadbalancing:RegisterTargets')).toEqual(groups);
  });

  it('grants reboot on the member clusters only when a plan reboots', () => {
    const statements = permissionsForPlans([parsePlan(NIGHTLY_ORDERS)], { account: ACCOUNT });
    expect(resourcesFor(statements, 'elasticache:RebootCacheCluster')).toEqual([ec('cluster', 'orders-a-*'), ec('cluster', 'orders-b-*')]);
    expect(actions(permissionsForPlans([examplePlan().plan], { account: ACCOUNT })).has('elasticache:RebootCacheCluster')).toBe(false);
  });

  it('adds clusters a reboot step names explicitly', () => {
    const plan = parsePlan(NIGHTLY_ORDERS.replace('nodes: replicas', 'nodes: [orders-a-002, cache-extra]'));
    const reboot = resourcesFor(permissionsForPlans([plan], { account: ACCOUNT }), 'elasticache:RebootCacheCluster');
    expect(reboot).toEqual(expect.arrayContaining([ec('cluster', 'orders-a-002'), ec('cluster', 'cache-extra')]));
  });

  it('grants the service update on the groups and their member clusters', () => {
    const resources = resourcesFor(permissionsForPlans([parsePlan(NIGHTLY_ORDERS)], { account: ACCOUNT }), 'elasticache:BatchApplyUpdateAction');
    expect(resources.sort()).toEqual(
      [ec('replicationgroup', 'orders-a'), ec('replicationgroup', 'orders-b'), ec('cluster', 'orders-a-*'), ec('cluster', 'orders-b-*')].sort(),
    );
  });

  it('reads the Redis AUTH token only from the secret the plan names', () => {
    const statements = permissionsForPlans([parsePlan(NIGHTLY_ORDERS)], { account: ACCOUNT });
    expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toEqual([
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders/redis-auth-??????`,
    ]);
  });

  it('creates canary rules under the plan listener only, naming the target groups they forward to', () => {
    const statements = permissionsForPlans([parsePlan(NIGHTLY_ORDERS)], { account: ACCOUNT });
    const pattern = canaryRulePattern(LISTENER);
    expect(pattern).toBe(
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/orders/6d0ecf831eec9f09/9f2b7c1d3e4a5b6c/*',
    );
    expect(resourcesFor(statements, 'elasticloadbalancing:CreateRule').sort()).toEqual([LISTENER, pattern, ...ORDERS_TG].sort());
    expect(resourcesFor(statements, 'elasticloadbalancing:DeleteRule')).toEqual([pattern]);
    // Every rule under the listener matches the pattern: the tag keeps DeleteRule to quiesce's own canaries.
    const del = statements.filter((s) => s.actions.includes('elasticloadbalancing:DeleteRule'));
    expect(del.map((s) => s.conditions)).toEqual([{ Null: { 'aws:ResourceTag/quiesce:canary': 'false' } }]);
    const tag = statements.filter((s) => s.actions.includes('elasticloadbalancing:AddTags'));
    expect(tag.map((s) => [s.resources, s.conditions])).toEqual([[[pattern], { StringEquals: { 'elasticloadbalancing:CreateAction': 'CreateRule' } }]]);
  });

  it('scopes a primary-cluster-id failover and a parameter group change', () => {
    const plan = parsePlan(
      examplePlanText()
        .replace('- elasticache: failover        # move the primary to a replica and prove it moved', '- elasticache: failover\n    method: primary-cluster-id')
        .replace('engineVersion: "7.1"', 'cacheParameterGroupName: payments-params'),
    );
    const statements = permissionsForPlans([plan], { account: ACCOUNT });
    expect(actions(statements).has('elasticache:TestFailover')).toBe(false);
    expect(resourcesFor(statements, 'elasticache:ModifyReplicationGroup')).toEqual(
      expect.arrayContaining([ec('replicationgroup', 'payments-blue'), ec('parametergroup', 'payments-params')]),
    );
  });

  it('merges plans: one statement per purpose, resources de-duplicated', () => {
    const a = examplePlan().plan;
    const statements = permissionsForPlans([a, a], { account: ACCOUNT });
    expect(resourcesFor(statements, 'elasticloadbalancing:ModifyListener')).toEqual([a.fleet.listenerArn]);
    expect(statements.filter((s) => s.actions.includes('elasticache:TestFailover'))).toHaveLength(1);
  });
});

describe('secretArn', () => {
  it('matches the random suffix Secrets Manager adds to a name', () => {
    expect(secretArn('db/token', 'aws', 'eu-west-1', ACCOUNT)).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db/token-??????`);
  });
  it('keeps a complete ARN and completes a partial one', () => {
    const full = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db/token-AbC123`;
    expect(secretArn(full, 'aws', 'eu-west-1', ACCOUNT)).toBe(full);
    expect(secretArn(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db/token`, 'aws', 'eu-west-1', ACCOUNT)).toBe(
      `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db/token-??????`,
    );
  });
});

function examplePlanText(): string {
  return readFileSync(EXAMPLE_PLAN, 'utf8');
}

describe('permissions of ssm and ecs steps', () => {
  const withSteps = (steps: string) => parsePlan(readFileSync(EXAMPLE_PLAN, 'utf8').replace(/maintenance:\n(  - .*\n|    .*\n)+/, `maintenance:\n${steps}`));
  const MUTATIONS = ['ssm:SendCommand', 'ssm:CancelCommand', 'ecs:UpdateService'];

  it('sends the document to the cluster targets: the AWS document and the instances of the account and region, never "*"', () => {
    const statements = permissionsForPlans([withSteps('  - ssm: AWS-RunPatchBaseline\n    parameters: { Operation: [Install] }\n')], { account: ACCOUNT });
    expect(resourcesFor(statements, 'ssm:SendCommand').sort()).toEqual(['arn:aws:ec2:us-east-1:123456789012:instance/*', 'arn:aws:ssm:us-east-1::document/AWS-RunPatchBaseline']);
    expect(resourcesFor(statements, 'ssm:CancelCommand')).toEqual(['arn:aws:ec2:us-east-1:123456789012:instance/*']);
    for (const action of MUTATIONS) expect(resourcesFor(statements, action)).not.toContain('*');
  });

  it('scopes named instances by ARN and tagged ones by a tag condition on the instances only; an own document carries the account', () => {
    const ids = permissionsForPlans([withSteps('  - ssm: patch-app\n    targets: { instanceIds: [i-0123456789abcdef0] }\n')], { account: ACCOUNT });
    expect(resourcesFor(ids, 'ssm:SendCommand').sort()).toEqual(['arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0', 'arn:aws:ssm:us-east-1:123456789012:document/patch-app']);
    const tagged = permissionsForPlans([withSteps('  - ssm: AWS-RunShellScript\n    parameters: { commands: ["systemctl restart app"] }\n    targets: { tags: { Cluster: ["{cluster}"] } }\n')], { account: ACCOUNT });
    const onInstances = tagged.filter((s) => s.actions.includes('ssm:SendCommand') && s.resources.some((r) => r.includes(':instance/')));
    expect(onInstances.map((s) => s.conditions)).toEqual([
      { StringEquals: { 'aws:ResourceTag/Cluster': ['blue'] } },
      { StringEquals: { 'aws:ResourceTag/Cluster': ['green'] } },
      { StringEquals: { 'aws:ResourceTag/Cluster': ['gray'] } },
    ]);
    const onDocument = tagged.filter((s) => s.resources.some((r) => r.includes(':document/')));
    expect(onDocument.every((s) => s.conditions === undefined)).toBe(true);
  });

  it('updates exactly each cluster\'s ECS service, with placeholders filled per cluster', () => {
    const statements = permissionsForPlans([withSteps('  - ecs: deploy\n    cluster: payments\n    service: "api-{cluster}"\n    taskDefinition: "payments-api:42"\n')], { account: ACCOUNT });
    expect(resourcesFor(statements, 'ecs:UpdateService')).toEqual(['blue', 'green', 'gray'].map((c) => `arn:aws:ecs:us-east-1:${ACCOUNT}:service/payments/api-${c}`));
    expect(resourcesFor(statements, 'ecs:DescribeTasks')).toEqual([`arn:aws:ecs:us-east-1:${ACCOUNT}:task/payments/*`]);
    const onStar = statements.filter((s) => s.resources.includes('*')).flatMap((s) => s.actions);
    expect(onStar.filter((a) => a.startsWith('ecs:'))).toEqual([]);
    for (const action of MUTATIONS) expect(resourcesFor(statements, action)).not.toContain('*');
  });

  it('puts "*" only on the reads SSM cannot scope', () => {
    const statements = permissionsForPlans([withSteps('  - ssm: AWS-RunPatchBaseline\n  - ecs: deploy\n    cluster: payments\n    service: "{cluster}"\n    forceNewDeployment: true\n')], { account: ACCOUNT });
    const onStar = statements.filter((s) => s.resources.includes('*')).flatMap((s) => s.actions);
    expect(onStar.sort()).toEqual(['cloudwatch:GetMetricData', 'elasticache:Describe*', 'elasticloadbalancing:Describe*', 'ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands']);
  });
});

describe('permissionsForPlans on a fleet at several locations', () => {
  const listenerOf = (plan: ReturnType<typeof twoBalancersPlan>, name: string) => plan.fleet.locations.find((l) => l.name === name)!.listenerArn;
  const everyGroup = (plan: ReturnType<typeof twoBalancersPlan>) => plan.fleet.clusters.flatMap((c) => c.placements.map((p) => p.targetGroupArn));

  it("weights every location's forward action: each listener's default, or its rule", () => {
    const both = twoBalancersPlan();
    expect(resourcesFor(permissionsForPlans([both], { account: ACCOUNT }), 'elasticloadbalancing:ModifyListener')).toEqual([listenerOf(both, 'external'), listenerOf(both, 'internal')]);
    const ruled = twoBalancersPlan({ internalRule: true });
    const statements = permissionsForPlans([ruled], { account: ACCOUNT });
    expect(resourcesFor(statements, 'elasticloadbalancing:ModifyListener')).toEqual([listenerOf(ruled, 'external')]);
    expect(resourcesFor(statements, 'elasticloadbalancing:ModifyRule')).toEqual([INTERNAL_RULE]);
  });

  it('creates and deletes canary rules under each location\'s listener, naming every placement\'s target group', () => {
    const plan = parsePlan(TWO_BALANCERS_TEXT.replace('verify:\n', 'verify:\n  canary:\n    path: /healthz\n'));
    expect(plan.verify.canary).toBeDefined();
    const statements = permissionsForPlans([plan], { account: ACCOUNT });
    const listeners = [listenerOf(plan, 'external'), listenerOf(plan, 'internal')];
    const patterns = listeners.map(canaryRulePattern);
    expect(everyGroup(plan)).toHaveLength(6);
    expect(resourcesFor(statements, 'elasticloadbalancing:CreateRule').sort()).toEqual([...listeners, ...patterns, ...everyGroup(plan)].sort());
    expect(resourcesFor(statements, 'elasticloadbalancing:DeleteRule')).toEqual(patterns);
    expect(resourcesFor(statements, 'elasticloadbalancing:AddTags')).toEqual(patterns);
  });

  it('grants Register/DeregisterTargets on the target groups of every location', () => {
    // Deregister mode takes clusters at one location each: two behind each load balancer here.
    const ext = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments-ext/50dc6c495c0c9188/f2f7dc8efc522ab2';
    const int = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments-int/6a1f0c2e9b7d4a35/0b5e8c7d2a4f6e19';
    const tg = (name: string, i: number) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/${String(i).padStart(16, '0')}`;
    const clusters = (names: string[], first: number) => names.map((n, i) => `        - name: ${n}\n          targetGroupArn: ${tg(`payments-${n}`, first + i)}\n`).join('');
    const fleet = `fleet:\n  locations:\n    - name: external\n      listenerArn: ${ext}\n      clusters:\n${clusters(['a', 'b'], 1)}    - name: internal\n      listenerArn: ${int}\n      clusters:\n${clusters(['c', 'd'], 3)}`;
    const text = TWO_BALANCERS_TEXT.replace(/^fleet:\n(?: {2,}.*\n)+/m, fleet).replace('mode: weight', 'mode: deregister').replace('minActiveClusters: 2', 'minActiveClusters: 1').replace(/^maintenance:\n(?: {2,}.*\n)+/m, 'maintenance:\n  - command: ["./patch.sh", "{cluster}"]\n');
    const plan = parsePlan(text);
    expect(plan.fleet.clusters.map((c) => c.placements.map((p) => p.location))).toEqual([['external'], ['external'], ['internal'], ['internal']]);
    const statements = permissionsForPlans([plan], { account: ACCOUNT });
    expect(resourcesFor(statements, 'elasticloadbalancing:DeregisterTargets')).toEqual([1, 2, 3, 4].map((i) => tg(`payments-${'abcd'[i - 1]}`, i)));
    expect(resourcesFor(statements, 'elasticloadbalancing:ModifyListener')).toEqual([ext, int]);
  });
});

// The AWS permissions a set of plans needs, derived from the plans alone. Pure, so the same list feeds
// the Lambda's IAM policy and the review page's "permissions this plan needs". Every mutating action is
// scoped to ARNs named by the plans (or to resources a run creates under the plan's listener); only the
// read actions that AWS does not scope by resource get "*".
import { CANARY_RULE_TAG } from '../ports/traffic.js';
import { parseArn } from './arn.js';
import { fillStep, placeholderValues } from '../runbook/placeholders.js';
import type { ClusterSpec, EcsStep, MaintenanceStep, Plan, SsmStep } from './schema.js';

export interface PermissionStatement {
  actions: string[];
  resources: string[];
  /** IAM condition block, when resources alone cannot scope the action narrowly enough. */
  conditions?: Record<string, Record<string, string | string[]>>;
  /** Why quiesce needs it, in words a reviewer can check against the plan. */
  reason: string;
}

export interface PermissionsOptions {
  /** The account that owns the ElastiCache groups and secrets (ELB ARNs carry their own). */
  account: string;
}

/** The read actions that get `Resource: "*"`; nothing else ever does. */
export const READ_STATEMENTS: readonly PermissionStatement[] = [
  {
    actions: ['elasticloadbalancing:Describe*'],
    resources: ['*'],
    reason:
      'read listeners, rules, target groups, target health and the load balancer DNS name; ELBv2 Describe* calls do not support resource-level permissions',
  },
  {
    actions: ['elasticache:Describe*'],
    resources: ['*'],
    reason:
      'read replication groups, member clusters, events and service update actions; DescribeEvents and DescribeUpdateActions do not support resource-level permissions',
  },
  {
    actions: ['cloudwatch:GetMetricData'],
    resources: ['*'],
    reason: 'read request counts, 5xx counts and ElastiCache metrics; GetMetricData does not support resource-level permissions',
  },
];

export function permissionsForPlans(plans: readonly Plan[], options: PermissionsOptions): PermissionStatement[] {
  const out = new StatementSet();
  for (const plan of plans) addPlan(out, plan, options.account);
  return [...out.statements(), ...READ_STATEMENTS.map((s) => ({ ...s, actions: [...s.actions], resources: [...s.resources] }))];
}

function addPlan(out: StatementSet, plan: Plan, account: string): void {
  const listener = parseArn(plan.fleet.listenerArn);
  const partition = listener?.partition ?? 'aws';
  // Every location's forward action is weighted, and every target group a cluster has at any of them.
  const locations = plan.fleet.locations;
  const several = locations.length > 1;
  const targetGroups = plan.fleet.clusters.flatMap((c) => c.placements.map((p) => p.targetGroupArn));

  const rules = locations.flatMap((l) => (l.ruleArn ? [l.ruleArn] : []));
  const listeners = locations.filter((l) => !l.ruleArn).map((l) => l.listenerArn);
  out.add(['elasticloadbalancing:ModifyRule'], rules, several ? "set target group weights in the forward action of each location's ruleArn" : 'set target group weights in the forward action of fleet.ruleArn');
  out.add(
    ['elasticloadbalancing:ModifyListener'],
    listeners,
    several ? "set target group weights in the default forward action of each location's listener without a ruleArn" : "set target group weights in the listener's default forward action",
  );

  if (plan.drain.mode === 'deregister') {
    out.add(
      ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:RegisterTargets'],
      targetGroups,
      'drain.mode is deregister: take targets out of their group and register them again afterwards',
    );
  }

  if (plan.verify.canary) {
    const listenerArns = [...new Set(locations.map((l) => l.listenerArn))];
    const patterns = listenerArns.map(canaryRulePattern);
    // The rule ARN does not exist before CreateRule, so the listener and a pattern under it are the
    // narrowest scope; the forward action names a target group, so those are listed too. Each location's
    // listener: the canary goes through the load balancer a placement's target group belongs to.
    out.add(
      ['elasticloadbalancing:CreateRule'],
      [...listenerArns, ...patterns, ...targetGroups],
      'verify.canary: create a header-matched rule that sends canary requests to the maintained group',
    );
    // Tagging on create needs AddTags too, limited to tags sent with CreateRule (no tagging of other rules).
    out.add(['elasticloadbalancing:AddTags'], patterns, 'verify.canary: tag the canary rule as it is created', { StringEquals: { 'elasticloadbalancing:CreateAction': 'CreateRule' } });
    // The rule ARN is unknown before CreateRule: the tag, not the ARN, keeps other rules of the listener out of reach.
    out.add(['elasticloadbalancing:DeleteRule'], patterns, 'verify.canary: delete canary rules quiesce created (tagged quiesce:canary)', { Null: { [`aws:ResourceTag/${CANARY_RULE_TAG}`]: 'false' } });
  }

  const groups = plan.fleet.clusters.flatMap((c) => (c.cache ? [c.cache.replicationGroupId] : []));
  const region = plan.region;
  const groupArn = (id: string) => `arn:${partition}:elasticache:${region}:${account}:replicationgroup:${id}`;
  const memberArns = (id: string) => [`arn:${partition}:elasticache:${region}:${account}:cluster:${id}-*`];
  const steps = plan.maintenance;

  if (steps.some(isTestFailover)) {
    out.add(['elasticache:TestFailover'], groups.map(groupArn), 'failover (test-failover): fail the primary over to a replica');
  }
  if (steps.some(isPrimaryClusterIdFailover)) {
    out.add(
      ['elasticache:ModifyReplicationGroup'],
      groups.map(groupArn),
      'failover (primary-cluster-id): promote a replica with ModifyReplicationGroup PrimaryClusterId',
    );
  }
  for (const step of steps) {
    if (!('elasticache' in step)) continue;
    if (step.elasticache === 'modify') {
      const parameterGroups = step.cacheParameterGroupName
        ? [`arn:${partition}:elasticache:${region}:${account}:parametergroup:${step.cacheParameterGroupName}`]
        : [];
      out.add(
        ['elasticache:ModifyReplicationGroup'],
        [...groups.map(groupArn), ...parameterGroups],
        'modify: change engine version, node type or parameter group with ApplyImmediately',
      );
    } else if (step.elasticache === 'reboot') {
      // Members are named <group>-001 (or <group>-0001-001); clusters named in the step are added as is.
      const named = Array.isArray(step.nodes)
        ? step.nodes.map((id) => `arn:${partition}:elasticache:${region}:${account}:cluster:${id}`)
        : [];
      out.add(['elasticache:RebootCacheCluster'], [...groups.flatMap(memberArns), ...named], 'reboot: reboot member cache clusters');
    } else if (step.elasticache === 'service-update') {
      out.add(
        ['elasticache:BatchApplyUpdateAction'],
        [...groups.map(groupArn), ...groups.flatMap(memberArns)],
        'service-update: apply the service update to the replication group and its member clusters',
      );
    }
  }

  for (const step of steps) {
    if ('ssm' in step) addSsmStep(out, plan, step, partition, account);
    if ('ecs' in step) addEcsStep(out, plan, step, partition, account);
  }

  const secretId = plan.verify.redis?.authTokenSecretId;
  if (secretId) {
    out.add(['secretsmanager:GetSecretValue'], [secretArn(secretId, partition, region, account)], 'verify.redis: read the Redis AUTH token');
  }
  const webhookSecret = plan.notify?.webhook?.urlSecretId;
  if (webhookSecret) {
    out.add(['secretsmanager:GetSecretValue'], [secretArn(webhookSecret, partition, region, account)], 'notify.webhook: read the webhook URL');
  }
  // Every run publishes its lifecycle to the default event bus (source quiesce).
  out.add(['events:PutEvents'], [`arn:${partition}:events:${region}:${account}:event-bus/default`], 'notifications: publish the run lifecycle to EventBridge');
}

/** A step as it runs for one cluster: placeholders known before the run filled (the run id and targets are not). */
function forCluster<S extends SsmStep | EcsStep>(step: S, spec: ClusterSpec): S {
  return fillStep(step, placeholderValues({ runId: '*', cluster: spec.name, targetGroupArn: spec.targetGroupArn, targets: [], replicationGroupId: spec.cache?.replicationGroupId ?? '' }));
}

/**
 * SSM Run Command. SendCommand is authorized on the document and on each instance, so each gets its own
 * statement: a tag condition on the instances must not apply to the document, which carries no such tag.
 * An AWS-owned document's ARN has no account. The instances: the ids named in the step, or those carrying
 * the step's tags (condition aws:ResourceTag/<key> on `instance/*`, the form AWS's own managed policies
 * use to allow SendCommand to tagged instances; the SSM user guide's page for it was not found to cite:
 * unconfirmed), or, by
 * default, the cluster's targets: known only when the run saves them, so every instance of the plan's
 * account and region (never "*").
 */
function addSsmStep(out: StatementSet, plan: Plan, step: SsmStep, partition: string, account: string): void {
  const region = plan.region;
  const document = step.ssm.startsWith('arn:')
    ? step.ssm
    : `arn:${partition}:ssm:${region}:${step.ssm.startsWith('AWS-') || step.ssm.startsWith('AWSEC2-') ? '' : account}:document/${step.ssm}`;
  out.add(['ssm:SendCommand'], [document], `ssm ${step.ssm}: run the document (SendCommand authorizes the document and each instance)`);
  const instance = (id: string) => `arn:${partition}:ec2:${region}:${account}:instance/${id}`;
  const allInstances = instance('*');
  const reason = `ssm ${step.ssm}: send the command to the cluster's instances, and cancel it on an abort`;
  for (const spec of plan.fleet.clusters) {
    const targets = forCluster(step, spec).targets;
    if (targets && 'instanceIds' in targets) {
      out.add(['ssm:SendCommand', 'ssm:CancelCommand'], targets.instanceIds.map(instance), `${reason} (instance ids named in the step)`);
    } else if (targets && 'tags' in targets) {
      for (const [key, values] of Object.entries(targets.tags)) {
        out.add(['ssm:SendCommand', 'ssm:CancelCommand'], [allInstances], `${reason} (instances tagged ${key})`, { StringEquals: { [`aws:ResourceTag/${key}`]: values } });
      }
    } else {
      out.add(['ssm:SendCommand', 'ssm:CancelCommand'], [allInstances], `${reason} (the cluster's targets, known only when the run saves them: every instance of the account in ${region})`);
    }
  }
  out.add(
    ['ssm:ListCommands', 'ssm:ListCommandInvocations', 'ssm:GetCommandInvocation'],
    ['*'],
    'ssm: read the command and each invocation back (status and output); these reads do not support resource-level permissions',
  );
}

/**
 * ECS deployments: UpdateService and DescribeServices on each cluster's service; the running tasks are
 * listed (ListTasks, scoped to the ECS cluster by the ecs:cluster condition) and described (tasks of that
 * ECS cluster).
 */
function addEcsStep(out: StatementSet, plan: Plan, step: EcsStep, partition: string, account: string): void {
  const region = plan.region;
  for (const spec of plan.fleet.clusters) {
    const filled = forCluster(step, spec);
    const ecsCluster = filled.cluster.startsWith('arn:') ? filled.cluster.replace(/^.*:cluster\//, '') : filled.cluster;
    const clusterArn = `arn:${partition}:ecs:${region}:${account}:cluster/${ecsCluster}`;
    const service = `arn:${partition}:ecs:${region}:${account}:service/${ecsCluster}/${filled.service}`;
    out.add(['ecs:UpdateService', 'ecs:DescribeServices'], [service], 'ecs deploy: update the service and read its deployments back');
    out.add(['ecs:DescribeTasks'], [`arn:${partition}:ecs:${region}:${account}:task/${ecsCluster}/*`], "ecs deploy: read the running tasks' task definition and images (the identity gate)");
    out.add(['ecs:ListTasks'], [`arn:${partition}:ecs:${region}:${account}:container-instance/${ecsCluster}/*`], 'ecs deploy: list the service\'s running tasks', { ArnEquals: { 'ecs:cluster': clusterArn } });
  }
}

/** Every rule under the plan's listener: `listener-rule/app/<lb>/<lb-id>/<listener-id>/*`. */
export function canaryRulePattern(listenerArn: string): string {
  const arn = parseArn(listenerArn);
  if (!arn) throw new Error(`not an ARN: ${listenerArn}`);
  const rest = arn.resource.replace(/^listener\//, '');
  return `arn:${arn.partition}:elasticloadbalancing:${arn.region}:${arn.account}:listener-rule/${rest}/*`;
}

/**
 * Secrets Manager appends "-" and 6 random characters to a secret's name in its ARN, so a name (or an ARN
 * without that suffix) is matched with `-??????`: exactly that suffix, not every secret sharing a prefix.
 */
export function secretArn(secretId: string, partition: string, region: string, account: string): string {
  if (secretId.startsWith('arn:')) return /-[A-Za-z0-9]{6}$/.test(secretId) ? secretId : `${secretId}-??????`;
  return `arn:${partition}:secretsmanager:${region}:${account}:secret:${secretId}-??????`;
}

function isTestFailover(step: MaintenanceStep): boolean {
  return 'elasticache' in step && step.elasticache === 'failover' && step.method === 'test-failover';
}

function isPrimaryClusterIdFailover(step: MaintenanceStep): boolean {
  return 'elasticache' in step && step.elasticache === 'failover' && step.method === 'primary-cluster-id';
}

/** Statements keyed by action list and reason, resources merged and de-duplicated across plans. */
class StatementSet {
  private readonly byKey = new Map<string, PermissionStatement>();

  add(actions: string[], resources: string[], reason: string, conditions?: PermissionStatement['conditions']): void {
    if (resources.length === 0) return;
    const key = `${actions.join(',')}|${reason}|${JSON.stringify(conditions ?? null)}`;
    const existing = this.byKey.get(key);
    if (existing) {
      for (const r of resources) if (!existing.resources.includes(r)) existing.resources.push(r);
    } else {
      this.byKey.set(key, { actions: [...actions], resources: [...new Set(resources)], ...(conditions ? { conditions } : {}), reason });
    }
  }

  statements(): PermissionStatement[] {
    return [...this.byKey.values()];
  }
}

// Walks the IAM statements of a synthesized template, for the least-privilege checks.
import type { Template } from 'aws-cdk-lib/assertions';

export type Json = Record<string, unknown>;
export type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

/**
 * Allowed on "*" although not reads: Step Functions' vended log delivery, which CDK grants the state
 * machine role for CloudWatch Logs logging and which AWS does not scope by resource.
 */
export const LOG_DELIVERY_ON_STAR = new Set([
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

/** The mutating actions quiesce's own policy may hold; each must name resources. */
export const QUIESCE_MUTATIONS = [
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyRule',
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:CreateRule',
  'elasticloadbalancing:DeleteRule',
  'elasticloadbalancing:AddTags',
  'elasticache:TestFailover',
  'elasticache:ModifyReplicationGroup',
  'elasticache:RebootCacheCluster',
  'elasticache:BatchApplyUpdateAction',
  'secretsmanager:GetSecretValue',
  'ssm:SendCommand',
  'ssm:CancelCommand',
  'ecs:UpdateService',
];

/** Read-only by name: the part after "service:" starts with Describe, Get or List. Anything else mutates. */
export function isRead(action: string): boolean {
  return /^[a-z0-9-]+:(Describe|Get|List)/.test(action);
}

export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

export function resourcesOf(s: Statement): unknown[] {
  return Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}

/** Every statement of every AWS::IAM::Policy and of every role's inline Policies. */
export function allStatements(template: Template): Array<{ where: string; statement: Statement }> {
  const out: Array<{ where: string; statement: Statement }> = [];
  for (const [id, r] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const doc = (r as Json).Properties as { PolicyDocument: { Statement: Statement[] } };
    for (const statement of doc.PolicyDocument.Statement) out.push({ where: id, statement });
  }
  for (const [id, r] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    const props = ((r as Json).Properties ?? {}) as { Policies?: Array<{ PolicyDocument: { Statement: Statement[] } }> };
    for (const policy of props.Policies ?? []) for (const statement of policy.PolicyDocument.Statement) out.push({ where: id, statement });
  }
  return out;
}

/** "<policy id>: <actions>" for every Allow statement granting a mutating action on "*". */
export function mutatingOnStar(template: Template): string[] {
  return allStatements(template).flatMap(({ where, statement }) => {
    if (statement.Effect !== 'Allow' || !resourcesOf(statement).includes('*')) return [];
    const mutating = actionsOf(statement).filter((a) => !isRead(a) && !LOG_DELIVERY_ON_STAR.has(a));
    return mutating.length > 0 ? [`${where}: ${mutating.join(', ')}`] : [];
  });
}

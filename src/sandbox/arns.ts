// ARN parsing for the ELBv2 resources a plan names. The CloudWatch dimensions of a target
// group and a load balancer are suffixes of their ARNs.

export interface ElbArnParts {
  partition: string;
  region: string;
  accountId: string;
}

export interface TargetGroupArnParts extends ElbArnParts {
  name: string;
  id: string;
}

export interface ListenerArnParts extends ElbArnParts {
  loadBalancerName: string;
  loadBalancerId: string;
  listenerId: string;
}

export interface RuleArnParts extends ListenerArnParts {
  ruleId: string;
}

const PREFIX = '^arn:(aws[a-z-]*):elasticloadbalancing:([a-z0-9-]+):(\\d{12}):';
const TARGET_GROUP = new RegExp(`${PREFIX}targetgroup/([A-Za-z0-9-]{1,32})/([0-9a-zA-Z]+)$`);
const LISTENER = new RegExp(`${PREFIX}listener/app/([A-Za-z0-9-]{1,32})/([0-9a-zA-Z]+)/([0-9a-zA-Z]+)$`);
const RULE = new RegExp(`${PREFIX}listener-rule/app/([A-Za-z0-9-]{1,32})/([0-9a-zA-Z]+)/([0-9a-zA-Z]+)/([0-9a-zA-Z]+)$`);

export function parseTargetGroupArn(arn: string): TargetGroupArnParts | null {
  const m = TARGET_GROUP.exec(arn);
  if (!m) return null;
  return { partition: m[1]!, region: m[2]!, accountId: m[3]!, name: m[4]!, id: m[5]! };
}

export function parseListenerArn(arn: string): ListenerArnParts | null {
  const m = LISTENER.exec(arn);
  if (!m) return null;
  return {
    partition: m[1]!,
    region: m[2]!,
    accountId: m[3]!,
    loadBalancerName: m[4]!,
    loadBalancerId: m[5]!,
    listenerId: m[6]!,
  };
}

export function parseRuleArn(arn: string): RuleArnParts | null {
  const m = RULE.exec(arn);
  if (!m) return null;
  return {
    partition: m[1]!,
    region: m[2]!,
    accountId: m[3]!,
    loadBalancerName: m[4]!,
    loadBalancerId: m[5]!,
    listenerId: m[6]!,
    ruleId: m[7]!,
  };
}

export function loadBalancerArn(p: ListenerArnParts): string {
  return `arn:${p.partition}:elasticloadbalancing:${p.region}:${p.accountId}:loadbalancer/app/${p.loadBalancerName}/${p.loadBalancerId}`;
}

export function listenerRuleArn(p: ListenerArnParts, ruleId: string): string {
  return `arn:${p.partition}:elasticloadbalancing:${p.region}:${p.accountId}:listener-rule/app/${p.loadBalancerName}/${p.loadBalancerId}/${p.listenerId}/${ruleId}`;
}

/** `targetgroup/<name>/<id>` or `app/<name>/<id>`: the resource part after the account. */
export function cloudWatchDimension(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.startsWith('loadbalancer/') ? resource.slice('loadbalancer/'.length) : resource;
}

/** "eu-west-1" → "euw1", as in ElastiCache endpoint names. */
export function regionShortCode(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  return `${area}${direction.charAt(0)}${number}`;
}

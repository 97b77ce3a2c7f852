// ARNs are checked for shape, resource type and region before anything talks to AWS: an ARN from the
// wrong region or of the wrong type would otherwise surface as a confusing AWS error mid-run.
import { ConfigError } from '../errors.js';
import type { TargetGroupDimensions } from '../ports/metrics.js';

export type ElbResourceType = 'listener' | 'listener-rule' | 'targetgroup' | 'loadbalancer';

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

const ARN = /^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):(\d{12}):(.+)$/;

const ELB_RESOURCE: Record<ElbResourceType, RegExp> = {
  listener: /^listener\/(app)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
  'listener-rule': /^listener-rule\/(app)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
  targetgroup: /^targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  loadbalancer: /^loadbalancer\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
};

/**
 * What checkElbArn accepts as one pattern, for the plan's JSON Schema: the same shape and resource type,
 * in any region (a pattern cannot compare the ARN's region with the plan's).
 */
export function elbArnPattern(type: ElbResourceType): string {
  return `^arn:(aws|aws-cn|aws-us-gov):elasticloadbalancing:[a-z0-9-]*:\\d{12}:${ELB_RESOURCE[type].source.slice(1)}`;
}

export function parseArn(text: string): ParsedArn | undefined {
  const m = ARN.exec(text);
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}

/** Returns a one-line problem description, or undefined when the ARN is an ELBv2 ARN of `type`. */
export function checkElbArn(text: string, type: ElbResourceType, region: string): string | undefined {
  const arn = parseArn(text);
  if (!arn) return `is not a valid ARN (expected arn:aws:elasticloadbalancing:${region}:<account>:${type}/...)`;
  if (arn.service !== 'elasticloadbalancing') {
    return `is a ${arn.service} ARN; expected an elasticloadbalancing ${type} ARN`;
  }
  const kind = arn.resource.split('/')[0];
  if (kind !== type) return `is a ${kind} ARN; expected a ${type} ARN`;
  if (!ELB_RESOURCE[type].test(arn.resource)) return `has a malformed ${type} resource part "${arn.resource}"`;
  if (arn.region !== region) return `is in region ${arn.region}, but the plan's region is ${region}`;
  return undefined;
}

/** The listener ARN a rule belongs to. */
export function listenerOfRule(ruleArn: string): string {
  const arn = parseArn(ruleArn);
  if (!arn) return '';
  const [, app, name, lbId, listenerId] = arn.resource.split('/');
  return `arn:${arn.partition}:elasticloadbalancing:${arn.region}:${arn.account}:listener/${app}/${name}/${lbId}/${listenerId}`;
}

// The CloudWatch dimensions of a target group are suffixes of the plan's ARNs
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).

/** `targetgroup/<name>/<id>`, the CloudWatch TargetGroup dimension, from a target group ARN. */
export function targetGroupDimension(targetGroupArn: string): string {
  const resource = parseArn(targetGroupArn)?.resource ?? '';
  if (!/^targetgroup\/[^/]+\/[^/]+$/.test(resource)) throw new ConfigError(`not a target group ARN: ${targetGroupArn}`);
  return resource;
}

/** `app/<name>/<id>`, the CloudWatch LoadBalancer dimension, from a load balancer, listener or rule ARN. */
export function loadBalancerDimension(arn: string): string {
  const parts = (parseArn(arn)?.resource ?? '').split('/');
  const [kind, type, name, id] = parts;
  const known = kind === 'loadbalancer' || kind === 'listener' || kind === 'listener-rule';
  if (!known || type !== 'app' || !name || !id) {
    throw new ConfigError(`not an Application Load Balancer, listener or rule ARN: ${arn}`);
  }
  return `app/${name}/${id}`;
}

export function targetGroupDimensions(targetGroupArn: string, loadBalancerOrListenerArn: string): TargetGroupDimensions {
  return { targetGroup: targetGroupDimension(targetGroupArn), loadBalancer: loadBalancerDimension(loadBalancerOrListenerArn) };
}

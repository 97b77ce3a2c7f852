import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { REPO_ROOT } from './sandbox-runs.js';

// The fleet of examples/two-balancers.plan.yaml: three clusters, each with a
// target group behind an external and an internal load balancer.

export const TWO_BALANCERS_FILE = join(REPO_ROOT, 'examples/two-balancers.plan.yaml');
export const TWO_BALANCERS_TEXT = readFileSync(TWO_BALANCERS_FILE, 'utf8');

const INTERNAL_LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments-int/6a1f0c2e9b7d4a35/0b5e8c7d2a4f6e19';
/** A rule of the internal listener, for a plan whose internal location weights a rule's forward action. */
export const INTERNAL_RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/payments-int/6a1f0c2e9b7d4a35/0b5e8c7d2a4f6e19/9d8c7b6a5f4e3d21';

/** The plan as written, or with the internal location's forward action in a rule. */
export function twoBalancersPlan(options: { internalRule?: boolean } = {}): Plan {
  const text = options.internalRule ? TWO_BALANCERS_TEXT.replace(`listenerArn: ${INTERNAL_LISTENER}\n`, `listenerArn: ${INTERNAL_LISTENER}\n      ruleArn: ${INTERNAL_RULE}\n`) : TWO_BALANCERS_TEXT;
  if (options.internalRule && text === TWO_BALANCERS_TEXT) throw new Error('the fixture no longer names the internal listener as expected');
  return parsePlan(text);
}

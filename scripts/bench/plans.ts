// The plans the benchmark runs: the example plan in either drain mode, and generated fleets of N
// clusters for the scale runs. Plans go through the real loader, so they are what a user would write.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { parsePlan } from '../../src/plan/load.js';
import { TARGET_GROUPS_PER_FORWARD, type Plan } from '../../src/plan/schema.js';

export const EXAMPLE_PLAN_FILE = fileURLToPath(new URL('../../examples/payments.plan.yaml', import.meta.url));

/** examples/payments.plan.yaml with `drain.mode` set; everything else as written. */
export function examplePlan(mode: 'weight' | 'deregister'): Plan {
  const doc = parseDocument(readFileSync(EXAMPLE_PLAN_FILE, 'utf8'));
  doc.setIn(['drain', 'mode'], mode);
  return parsePlan(doc.toString(), `payments.plan.yaml (drain.mode ${mode})`);
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/**
 * The world-file `defaults` entry for the fleet's groups: Multi-AZ with automatic failover off, since
 * ElastiCache refuses a promotion (PrimaryClusterId) otherwise and preflight refuses it up front.
 */
export const FLEET_CACHE_DEFAULTS = 'cache: { automaticFailover: false, multiAZ: false }';

/**
 * More than 5 clusters behind one listener's forward action is a topology AWS does not allow (an ALB
 * forward action holds at most 5 target groups, not adjustable). The scale runs need such fleets, so they
 * are synthetic stress runs: the plan is allowed exactly what its world declares, and every row says so.
 */
export const SYNTHETIC_TOPOLOGY = 'a topology AWS does not allow';

export const isSyntheticFleet = (clusters: number): boolean => clusters > TARGET_GROUPS_PER_FORWARD;

/** The world-file line that allows a fleet of `clusters` in one forward action (none when AWS allows it). */
export function fleetWorldYaml(clusters: number): string {
  return isSyntheticFleet(clusters) ? `elbv2: { syntheticTargetGroupsPerForward: ${clusters} }\n` : '';
}

/**
 * A fleet of `clusters` clusters behind one listener, each with its own replication group, maintained
 * like the example plan (failover, then modify to "7.1"), `maxOutOfService` at a time. The failover
 * promotes a replica with PrimaryClusterId: TestFailover allows 15 node groups per account and day, and
 * preflight rightly refuses a plan that needs more. Run it on groups with FLEET_CACHE_DEFAULTS, and only
 * against a world with fleetWorldYaml().
 */
export function fleetPlan(clusters: number, maxOutOfService: number): Plan {
  const account = '123456789012';
  const lb = 'app/fleet/50dc6c495c0c9188';
  const names = Array.from({ length: clusters }, (_, i) => `c${String(i + 1).padStart(3, '0')}`);
  const text = [
    'version: 1',
    `name: fleet-${clusters}`,
    'region: us-east-1',
    'fleet:',
    `  listenerArn: arn:aws:elasticloadbalancing:us-east-1:${account}:listener/${lb}/f2f7dc8efc522ab2`,
    '  clusters:',
    ...names.flatMap((name, i) => [
      `    - name: ${name}`,
      `      targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:${account}:targetgroup/fleet-${name}/${hex(i + 1, 16)}`,
      `      cache: { replicationGroupId: fleet-${name} }`,
    ]),
    'capacity:',
    `  maxOutOfService: ${maxOutOfService}`,
    `  minActiveClusters: ${Math.max(1, clusters - maxOutOfService)}`,
    'drain: { mode: weight, minimum: 60s, timeout: 15m }',
    'maintenance:',
    '  - elasticache: failover',
    '    method: primary-cluster-id',
    '  - elasticache: modify',
    '    engineVersion: "7.1"',
    'verify: { stableFor: 2m, timeout: 20m, maxMemoryPercent: 80 }',
    'reactivate: { ramp: [10, 50, 100], hold: 1m }',
    '',
  ].join('\n');
  const allowance = isSyntheticFleet(clusters) ? { syntheticTargetGroupsPerForward: clusters } : {};
  return parsePlan(text, `fleet-${clusters}.plan.yaml`, allowance);
}

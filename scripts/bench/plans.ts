// The plans the benchmark runs: the example plan in either drain mode, and generated fleets of N
// clusters (the scale runs: locationsFleetPlan). Plans go through the real loader, so they are what a user would write.
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

/** More than 5 clusters behind one forward action: a topology AWS does not allow (see fleetPlan). */
const isSyntheticFleet = (clusters: number): boolean => clusters > TARGET_GROUPS_PER_FORWARD;

/** Listeners per load balancer in locationsFleetPlan: see its comment for why. */
export const LISTENERS_PER_BALANCER = 4;

/** The locations fleet's shape: ceil(N/5) listeners, LISTENERS_PER_BALANCER to a load balancer. */
export function locationsFleetShape(clusters: number): { listeners: number; balancers: number } {
  const listeners = Math.ceil(clusters / TARGET_GROUPS_PER_FORWARD);
  return { listeners, balancers: Math.ceil(listeners / LISTENERS_PER_BALANCER) };
}

/**
 * A fleet of `clusters` clusters AWS allows: 5 per listener (an ALB forward action holds at most 5 target
 * groups), listed under `fleet.locations`, 4 listeners to a load balancer. At 200 clusters that is 40
 * listeners on 10 ALBs, each ALB within its quotas with room to spare or exactly at them: 4 of 50 listeners,
 * 20 of 100 target groups, 1,000 of 1,000 targets (50 per cluster; the default, adjustable), and 10 of the
 * 50 ALBs a Region allows by default
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html). Several
 * listeners to one balancer exercise what 40 single-listener balancers would not: a listener read lists its
 * balancer's other listeners and rules. Each cluster has its own replication group and is at one location.
 *
 * Capacity holds at each location: `minActiveClusters` of the location's 5 stay in rotation, so it must be
 * below 5 (and below the last location's count when `clusters` is not a multiple of 5).
 * `maxOutOfService` counts clusters across the fleet. Maintenance as fleetPlan. No synthetic allowance:
 * the plan parses as a user's would.
 */
export function locationsFleetPlan(clusters: number, maxOutOfService: number, minActiveClusters: number): Plan {
  const account = '123456789012';
  const { listeners } = locationsFleetShape(clusters);
  const names = Array.from({ length: clusters }, (_, i) => `c${String(i + 1).padStart(3, '0')}`);
  const locations = Array.from({ length: listeners }, (_, l) => {
    const balancer = Math.floor(l / LISTENERS_PER_BALANCER);
    const lb = `app/fleet-${String(balancer + 1).padStart(2, '0')}/${hex(0x50dc0000 + balancer, 16)}`;
    return {
      name: `fleet-${String(balancer + 1).padStart(2, '0')}-l${(l % LISTENERS_PER_BALANCER) + 1}`,
      listenerArn: `arn:aws:elasticloadbalancing:us-east-1:${account}:listener/${lb}/${hex(0xf2f70000 + l, 16)}`,
      clusters: names.slice(l * TARGET_GROUPS_PER_FORWARD, (l + 1) * TARGET_GROUPS_PER_FORWARD),
    };
  });
  const text = [
    'version: 1',
    `name: fleet-${clusters}-locations`,
    'region: us-east-1',
    'fleet:',
    '  locations:',
    ...locations.flatMap((loc) => [
      `    - name: ${loc.name}`,
      `      listenerArn: ${loc.listenerArn}`,
      '      clusters:',
      ...loc.clusters.flatMap((name) => {
        const i = names.indexOf(name);
        return [
          `        - name: ${name}`,
          `          targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:${account}:targetgroup/fleet-${name}/${hex(i + 1, 16)}`,
          `          cache: { replicationGroupId: fleet-${name} }`,
        ];
      }),
    ]),
    'capacity:',
    `  maxOutOfService: ${maxOutOfService}`,
    `  minActiveClusters: ${minActiveClusters}`,
    ...FLEET_PLAN_TAIL,
  ].join('\n');
  return parsePlan(text, `fleet-${clusters}-locations.plan.yaml`);
}

/** What every generated fleet does to a cluster: the example plan's maintenance (see fleetPlan). */
const FLEET_PLAN_TAIL = [
  'drain: { mode: weight, minimum: 60s, timeout: 15m }',
  'maintenance:',
  '  - elasticache: failover',
  '    method: primary-cluster-id',
  '  - elasticache: modify',
  '    engineVersion: "7.1"',
  'verify: { stableFor: 2m, timeout: 20m, maxMemoryPercent: 80 }',
  'reactivate: { ramp: [10, 50, 100], hold: 1m }',
  '',
];

/**
 * A fleet of `clusters` clusters behind one listener, each with its own replication group, maintained
 * like the example plan (failover, then modify to "7.1"), `maxOutOfService` at a time. The failover
 * promotes a replica with PrimaryClusterId: TestFailover allows 15 node groups per account and day, and
 * preflight rightly refuses a plan that needs more. Run it on groups with FLEET_CACHE_DEFAULTS. More than 5
 * clusters is a topology AWS does not allow (an ALB forward action holds at most 5 target groups): the plan
 * is then allowed exactly that, and only a world declaring `elbv2.syntheticTargetGroupsPerForward` runs it.
 * The scale runs use locationsFleetPlan.
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
    ...FLEET_PLAN_TAIL,
  ].join('\n');
  const allowance = isSyntheticFleet(clusters) ? { syntheticTargetGroupsPerForward: clusters } : {};
  return parsePlan(text, `fleet-${clusters}.plan.yaml`, allowance);
}

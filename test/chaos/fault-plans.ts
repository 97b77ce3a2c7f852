// The plans random fault schedules run against: small fleets with short AWS timings, so one run costs
// a fraction of a second and hundreds fit in `npm test`. Every field a plan can vary in a way that changes
// what can go wrong (drain mode, which maintenance, an approval step) is drawn by fast-check.
import fc from 'fast-check';
import { planSchema, type Plan } from '../../src/plan/schema.js';
import type { WorldFile } from '../../src/sandbox/index.js';

const ACCOUNT = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
export const CLUSTER_NAMES = ['blue', 'green', 'gray'] as const;

export type StepsKind = 'failover' | 'modify' | 'failover+modify' | 'reboot' | 'approval+failover';

export interface PlanShape {
  clusters: 2 | 3;
  mode: 'weight' | 'deregister';
  steps: StepsKind;
  /** Two clusters out at once share the listener's forward action: their weight changes must not collide. */
  maxOutOfService?: 1 | 2;
  /** How the other clusters' health is read: live, or CloudWatch first (`capacity.liveScanLimit: 0`, as a large fleet). */
  fleetScan?: 'live' | 'metrics';
}

export const planShapeArb: fc.Arbitrary<PlanShape> = fc.record({
  clusters: fc.constantFrom<2 | 3>(2, 2, 2, 3),
  mode: fc.constantFrom<'weight' | 'deregister'>('weight', 'deregister'),
  steps: fc.constantFrom<StepsKind>('failover', 'modify', 'failover+modify', 'failover+modify', 'reboot', 'approval+failover'),
  maxOutOfService: fc.constantFrom<1 | 2>(1, 1, 2),
  fleetScan: fc.constantFrom<'live' | 'metrics'>('live', 'live', 'metrics'),
});

const STEPS: Record<StepsKind, unknown[]> = {
  failover: [{ elasticache: 'failover', timeout: '5m' }],
  modify: [{ elasticache: 'modify', engineVersion: '7.1', timeout: '10m' }],
  'failover+modify': [
    { elasticache: 'failover', timeout: '5m' },
    { elasticache: 'modify', engineVersion: '7.1', timeout: '10m' },
  ],
  reboot: [{ elasticache: 'reboot', nodes: 'replicas', timeout: '5m' }],
  'approval+failover': [{ approval: 'the on-call engineer confirms' }, { elasticache: 'failover', timeout: '5m' }],
};

export function planFor(shape: PlanShape): Plan {
  const names = CLUSTER_NAMES.slice(0, shape.clusters);
  return planSchema.parse({
    version: 1,
    name: 'chaos',
    region: 'us-east-1',
    fleet: {
      listenerArn: `${ACCOUNT}:listener/app/chaos/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      clusters: names.map((name, i) => ({
        name,
        targetGroupArn: `${ACCOUNT}:targetgroup/chaos-${name}/${String(i + 1).padStart(16, '0')}`,
        cache: { replicationGroupId: `chaos-${name}` },
      })),
    },
    capacity: {
      maxOutOfService: outOfService(shape),
      minActiveClusters: shape.clusters - outOfService(shape),
      ...(shape.fleetScan === 'metrics' ? { liveScanLimit: 0 } : {}),
    },
    drain: { mode: shape.mode, minimum: '30s', timeout: '10m', quietMinutes: 1 },
    maintenance: STEPS[shape.steps],
    verify: { stableFor: '30s', timeout: '10m' },
    reactivate: { ramp: [50, 100], hold: '30s' },
  });
}

/** Two at once only in a fleet of three, so that one cluster always serves. */
const outOfService = (shape: PlanShape): 1 | 2 => (shape.clusters === 3 ? (shape.maxOutOfService ?? 1) : 1);

/** The topology every schedule starts from: AWS's behaviours, with short timings. */
export const FAST_WORLD: WorldFile = {
  defaults: { deregistrationDelay: '20s', healthCheck: { interval: '5s', healthyThreshold: 2, unhealthyThreshold: 2 } },
  elbv2: { registrationDelay: '5s' },
  elasticache: { timings: { failover: '20s', recovery: '30s', modify: '60s', reboot: '30s', promote: '20s' } },
};

/**
 * How long, in virtual time, a run of this plan may take at most: every phase at its timeout, every
 * ramp step at its read-back and hold, for every cluster in turn, plus an hour of slack for retries and
 * throttled calls. A run that is still going past it has lost its way (liveness).
 */
export function virtualBoundMs(plan: Plan): number {
  const readBack = 120_000;
  const steps = plan.maintenance.reduce((sum, s) => sum + ('timeout' in s && typeof s.timeout === 'number' ? s.timeout : 0), 0);
  const perCluster = readBack + plan.drain.timeout + steps + plan.verify.timeout + plan.reactivate.ramp.length * (readBack + plan.reactivate.hold) + readBack;
  return plan.fleet.clusters.length * perCluster + 3_600_000;
}

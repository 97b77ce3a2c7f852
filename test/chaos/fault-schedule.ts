// Random fault schedules (issue 8.2): what can happen to AWS while a run is under way, at random
// virtual times from 5 minutes before the run to 40 minutes into it. Each event is a world-file event,
// so a failing schedule shrunk by fast-check can be pasted into a world file and replayed with the CLI.
import fc from 'fast-check';
import type { WorldEvent, WorldFile } from '../../src/sandbox/index.js';
import { CLUSTER_NAMES, FAST_WORLD, type PlanShape } from './fault-plans.js';

export interface Schedule {
  plan: PlanShape;
  seed: number;
  events: WorldEvent[];
  /** What the operator does when the run pauses: approve (then abort if it pauses again), or abort. */
  onPause?: 'approve' | 'abort';
}

const SERVICES = ['elbv2', 'elasticache', 'cloudwatch'] as const;
const OPERATIONS: Record<(typeof SERVICES)[number], string[]> = {
  elbv2: ['DescribeListeners', 'DescribeRules', 'DescribeTargetHealth', 'ModifyListener', 'DeregisterTargets', 'RegisterTargets'],
  elasticache: ['DescribeReplicationGroups', 'DescribeCacheClusters', 'DescribeEvents', 'TestFailover', 'ModifyReplicationGroup', 'RebootCacheCluster'],
  cloudwatch: ['GetMetricData'],
};

/** The metrics quiesce reads: drain, ramp, the fleet scan, cache memory and lag. */
const METRICS = ['RequestCount', 'HTTPCode_Target_5XX_Count', 'HealthyHostCount', 'UnHealthyHostCount', 'DatabaseMemoryUsagePercentage', 'ReplicationLag'];

const seconds = (s: number) => (s < 0 ? `-${-s}s` : `${s}s`);

/** A window [from, to) in whole seconds relative to the run start. */
const windowArb = (maxLength: number) =>
  fc.record({ from: fc.integer({ min: -300, max: 2400 }), length: fc.integer({ min: 10, max: maxLength }) }).map(({ from, length }) => ({ from: seconds(from), to: seconds(from + length) }));
const instantArb = fc.integer({ min: -300, max: 2400 }).map((at) => ({ at: seconds(at) }));

const serviceOp = fc.constantFrom(...SERVICES).chain((service) => fc.record({ service: fc.constant(service), operation: fc.option(fc.constantFrom(...OPERATIONS[service]), { nil: undefined }) }));

function eventArb(clusters: readonly string[]): fc.Arbitrary<WorldEvent> {
  const cluster = fc.constantFrom(...clusters);
  const group = cluster.map((c) => `chaos-${c}`);
  const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return fc.oneof(
    // Throttling bursts: the service's token buckets refill at a crawl.
    fc.tuple(windowArb(600), fc.constantFrom(...SERVICES), fc.constantFrom(0.05, 0.2, 1)).map(([w, service, rate]) => ({ ...w, throttle: { service, rate } })),
    // 5xx, ECONNRESET, timeouts: on every call or one operation, sometimes after the call took effect.
    fc
      .tuple(windowArb(300), serviceOp, fc.constantFrom('http500', 'http503', 'econnreset', 'timeout') as fc.Arbitrary<'http500'>, fc.constantFrom(0.1, 0.3, 0.6, 1), fc.constantFrom('before', 'after') as fc.Arbitrary<'before'>)
      .map(([w, so, kind, rate, when]) => ({ ...w, apiFault: clean({ service: so.service, operation: so.operation, kind, rate, when }) })),
    // Slow reads: the answer arrives late, describing the world as it was.
    fc.tuple(windowArb(600), serviceOp, fc.constantFrom(2, 20, 60)).map(([w, so, s]) => ({ ...w, slowReads: clean({ service: so.service, operation: so.operation, seconds: s }) })),
    // CloudWatch results that are not Complete (PartialData, InternalError, Forbidden): unknown, never evidence.
    fc
      .tuple(windowArb(600), fc.constantFrom('PartialData', 'InternalError', 'Forbidden') as fc.Arbitrary<'InternalError'>, fc.option(fc.constantFrom(...METRICS), { nil: undefined }), fc.constantFrom(0.3, 1))
      .map(([w, status, metric, rate]) => ({ ...w, metricStatus: clean({ status, metric, rate }) })),
    // Stale reads after a modify.
    fc.tuple(windowArb(900), fc.constantFrom('elbv2', 'elasticache') as fc.Arbitrary<'elbv2'>, fc.constantFrom(5, 30, 90)).map(([w, service, s]) => ({ ...w, staleReads: { service, seconds: s } })),
    // Somebody changes a weight by hand, for good or for a while.
    fc.tuple(fc.oneof(instantArb, windowArb(600)), cluster, fc.constantFrom(0, 1, 2)).map(([t, c, weight]) => ({ ...t, manualWeight: { cluster: c, weight } })),
    fc.tuple(instantArb, group).map(([t, rg]) => ({ ...t, failoverNoop: { replicationGroupId: rg } })),
    fc.tuple(windowArb(900), cluster, fc.integer({ min: 1, max: 3 }), fc.constantFrom('20s', '60s')).map(([w, c, count, period]) => ({ ...w, targetFlap: { cluster: c, count, period } })),
    fc.tuple(windowArb(600), cluster, fc.integer({ min: 1, max: 3 })).map(([w, c, count]) => ({ ...w, targetUnhealthy: { cluster: c, count } })),
    fc.tuple(windowArb(600), cluster).map(([w, c]) => ({ ...w, crashLoop: { cluster: c } })),
    fc.tuple(fc.oneof(instantArb, windowArb(900)), group, fc.constantFrom(55, 85, 95, 100)).map(([t, rg, percent]) => ({ ...t, memory: { replicationGroupId: rg, percent } })),
    fc.tuple(instantArb, group, fc.constantFrom('7.10', '7.1.2', '7.0')).map(([t, rg, engineVersion]) => ({ ...t, versionReported: { replicationGroupId: rg, engineVersion } })),
  ) as fc.Arbitrary<WorldEvent>;
}

export function scheduleArb(planArb: fc.Arbitrary<PlanShape>, maxEvents = 6): fc.Arbitrary<Schedule> {
  return planArb.chain((plan) =>
    fc.record({
      plan: fc.constant(plan),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      events: fc.array(eventArb(CLUSTER_NAMES.slice(0, plan.clusters)), { maxLength: maxEvents }),
      onPause: fc.constantFrom<'approve' | 'abort'>('approve', 'abort'),
    }),
  );
}

export function worldFileFor(schedule: Schedule): WorldFile {
  return { ...FAST_WORLD, seed: schedule.seed, events: schedule.events };
}

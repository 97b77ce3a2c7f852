import { DeregisterTargetsCommand, DescribeTargetHealthCommand, ModifyListenerCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { targetGroupDimensions } from '../../src/plan/arn.js';
import { RefusedError } from '../../src/errors.js';
import { fleetHealth, type FleetHealth } from '../../src/run/fleet-health.js';
import { runPreflight } from '../../src/run/preflight.js';
import { capacityWithout } from '../../src/run/rotation-guards.js';
import { baseline } from '../../src/run/baseline.js';
import type { RunContext } from '../../src/run/run-context.js';
import { LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, settle, type SandboxRun } from './sandbox-context.js';
import { runSchedule } from '../chaos/schedule-run.js';

// The fleet scan before a cluster leaves rotation, on a sandbox world of four clusters: read live up to
// capacity.liveScanLimit other clusters, above it one CloudWatch read vouching for the steady ones and a
// live read of every cluster it cannot vouch for. The world starts at 09:00:00 with 15 minutes of
// history and publishes a minute 60 s after it ends, so the first scan's last published minute ends at 08:59.

const CLUSTERS = ['blue', 'green', 'gray', 'amber'];
const MINUTE = 60_000;
const at = (time: string) => Date.parse(`2026-01-05T${time}Z`);

/** capacity with the given liveScanLimit (the plan's default when undefined). */
const capacity = (liveScanLimit?: number) => ({ capacity: { maxOutOfService: 1, minActiveClusters: 1, ...(liveScanLimit === undefined ? {} : { liveScanLimit }) } });

interface FleetRun extends SandboxRun {
  /** The clusters read live with DescribeTargetHealth through the run's traffic port, in order. */
  liveReads: string[];
}

/** A run of the four clusters with its baseline recorded (3 healthy targets each), and no call counted yet. */
async function fleetRun(overrides: Record<string, unknown>, worldText = ''): Promise<FleetRun> {
  const run = await sandboxRun(overrides, worldText, { clusters: CLUSTERS });
  expect(run.world.now()).toBe(at('09:00:00'));
  await baseline(run.ctx);
  const liveReads: string[] = [];
  const inner = run.ctx.traffic;
  const nameOf = new Map(run.ctx.plan.fleet.clusters.map((c) => [c.targetGroupArn, c.name]));
  run.ctx.traffic = {
    ...inner,
    describeTargetHealth: (arn, targets) => {
      liveReads.push(nameOf.get(arn) ?? arn);
      return inner.describeTargetHealth(arn, targets);
    },
  };
  run.calls.length = 0;
  return { ...run, liveReads };
}

function forget(run: FleetRun): void {
  run.calls.length = 0;
  run.liveReads.length = 0;
}

const othersThan = (ctx: RunContext, name: string) => ctx.plan.fleet.clusters.filter((c) => c.name !== name);
const count = (calls: string[], name: string) => calls.filter((c) => c === name).length;
const sources = (fleet: FleetHealth) => Object.fromEntries(fleet.clusters.map((c) => [c.name, c.source]));
const checkNamed = (out: Awaited<ReturnType<typeof runPreflight>>, name: string) => out.checks!.find((c) => c.name === name);

/** Target health of a cluster as a human reads it now, outside quiesce's clients. */
async function operatorHealth(run: SandboxRun, cluster: string): Promise<Array<{ id: string; state: string }>> {
  const out = await run.operator.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn(cluster) }));
  return (out.TargetHealthDescriptions ?? []).map((d) => ({ id: d.Target?.Id ?? '', state: d.TargetHealth?.State ?? '' }));
}

async function deregisterByHand(run: SandboxRun, cluster: string, howMany: number): Promise<void> {
  const ids = (await operatorHealth(run, cluster)).slice(0, howMany).map((t) => t.id);
  expect(ids).toHaveLength(howMany);
  await run.operator.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn(cluster), Targets: ids.map((Id) => ({ Id })) }));
}

/** What the scan saw of one cluster: its host counts in the FLEET_SCAN_MINUTES published minutes ending at `through`. */
async function publishedHostCounts(run: SandboxRun, cluster: string, through: number) {
  const dims = targetGroupDimensions(targetGroupArn(cluster), LISTENER_ARN);
  const counts = await run.ctx.metrics.targetGroupMinutesOf(dims, ['HealthyHostCount', 'UnHealthyHostCount'], through - 3 * MINUTE, through);
  if (!counts.HealthyHostCount.known || !counts.UnHealthyHostCount.known) throw new Error('the host counts came back incomplete');
  return { healthy: counts.HealthyHostCount.minutes.map((m) => m.value), unhealthy: counts.UnHealthyHostCount.minutes.map((m) => m.value) };
}

describe('fleetHealth', () => {
  it.each([
    ['the default liveScanLimit (40)', undefined],
    ['liveScanLimit equal to the number of other clusters (3)', 3],
  ])('with %s reads every other cluster live with DescribeTargetHealth and makes no GetMetricData', async (_label, limit) => {
    const run = await fleetRun(capacity(limit));
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(run.calls).toEqual(['DescribeTargetHealth', 'DescribeTargetHealth', 'DescribeTargetHealth']);
    expect(run.liveReads).toEqual(['green', 'gray', 'amber']);
    expect(fleet.metricsThrough).toBeUndefined();
    expect(fleet.clusters).toEqual(
      ['green', 'gray', 'amber'].map((name) => ({ name, registered: 3, healthy: 3, unhealthy: [], source: 'live' })),
    );
  });

  it('above the limit, a steady fleet is vouched for by one GetMetricData and no DescribeTargetHealth; preflight says so', async () => {
    const run = await fleetRun(capacity(1));
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(run.calls).toEqual(['GetMetricData']);
    expect(run.liveReads).toEqual([]);
    // The last published minute is 08:58-08:59 at 09:00:00 (60 s publication delay).
    expect(fleet.metricsThrough).toBe(at('08:59:00'));
    expect(fleet.clusters).toEqual(
      ['green', 'gray', 'amber'].map((name) => ({ name, registered: 3, healthy: 3, unhealthy: [], source: 'metrics' })),
    );

    forget(run);
    const out = await runPreflight(run.ctx, 'blue');
    expect(out.passed).toBe(true);
    expect(checkNamed(out, 'preflight.others')).toMatchObject({
      ok: true,
      observed: '3/3 other clusters in rotation with every target healthy (3 vouched for by CloudWatch through 08:59 UTC, 0 read live); 3/3 caches available, nothing pending',
    });
    // The other clusters' health came from the CloudWatch read just made (same published minute): no live read, no new request for it.
    expect(run.liveReads).toEqual([]);
    expect(run.calls).not.toContain('DescribeTargetHealth');
    // Its one GetMetricData is blue's own cache memory and lag.
    expect(count(run.calls, 'GetMetricData')).toBe(1);
  });

  it('reads live a cluster with an unhealthy target in the published minutes, and preflight refuses with its own check', async () => {
    const run = await fleetRun(capacity(1), 'events:\n  - { from: "-10m", targetUnhealthy: { cluster: gray, count: 1 } }\n');
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(sources(fleet)).toEqual({ green: 'metrics', gray: 'live', amber: 'metrics' });
    expect(run.liveReads).toEqual(['gray']);
    expect(count(run.calls, 'GetMetricData')).toBe(1);
    expect(count(run.calls, 'DescribeTargetHealth')).toBe(1);
    const gray = fleet.clusters.find((c) => c.name === 'gray')!;
    expect(gray).toMatchObject({ registered: 3, healthy: 2 });
    expect(gray.unhealthy).toEqual([expect.stringMatching(/^i-[0-9a-f]+ unhealthy \(Target\.ResponseCodeMismatch\)$/)]);

    const out = await runPreflight(run.ctx, 'blue');
    expect(out.passed).toBe(false);
    expect(checkNamed(out, 'preflight.others.gray.targets')).toMatchObject({ ok: false, observed: '2/3 healthy', threshold: 'all healthy' });
    expect(checkNamed(out, 'preflight.others.green.targets')).toBeUndefined();
    expect(checkNamed(out, 'preflight.others.amber.targets')).toBeUndefined();
    expect(checkNamed(out, 'preflight.others')).toMatchObject({
      ok: false,
      observed: '2/3 other clusters in rotation with every target healthy (2 vouched for by CloudWatch through 08:59 UTC, 1 read live); 3/3 caches available, nothing pending',
    });
    expect(out.reason).toMatch(/^preflight\.others\.gray\.targets: gray is in rotation but not healthy \(i-[0-9a-f]+ unhealthy \(Target\.ResponseCodeMismatch\)\)/);
  });

  it('the documented price: a cluster that turned unhealthy after the last published minute is vouched for by CloudWatch in this scan; a scan after those minutes are published reads it live and refuses', async () => {
    // gray crash-loops from 09:01:00, the end of the last minute published at 09:02:30.
    const run = await fleetRun(capacity(1), 'events:\n  - { from: "1m", crashLoop: { cluster: gray } }\n');
    run.world.advanceBy(150_000);
    expect(run.world.now()).toBe(at('09:02:30'));
    // Right now every one of gray's targets fails its health checks, as a human reading it live sees...
    expect((await operatorHealth(run, 'gray')).map((t) => t.state)).toEqual(['unhealthy', 'unhealthy', 'unhealthy']);
    // ...yet the scan vouches for gray on the minutes published through 09:01, all healthy: the price.
    const early = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(early.metricsThrough).toBe(at('09:01:00'));
    expect(early.clusters.find((c) => c.name === 'gray')).toEqual({ name: 'gray', registered: 3, healthy: 3, unhealthy: [], source: 'metrics' });
    expect(run.liveReads).toEqual([]);
    const passing = await runPreflight(run.ctx, 'blue');
    expect(checkNamed(passing, 'preflight.others')).toMatchObject({ ok: true });
    expect(checkNamed(passing, 'preflight.others.gray.targets')).toBeUndefined();

    // Once the unhealthy minutes are published (through 09:04 at 09:05), gray is read live and refused.
    run.world.advanceBy(150_000);
    expect(run.world.now()).toBe(at('09:05:00'));
    forget(run);
    const late = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(late.metricsThrough).toBe(at('09:04:00'));
    expect(sources(late)).toEqual({ green: 'metrics', gray: 'live', amber: 'metrics' });
    expect(run.liveReads).toEqual(['gray']);
    expect(late.clusters.find((c) => c.name === 'gray')).toMatchObject({ registered: 3, healthy: 0 });
    const refused = await runPreflight(run.ctx, 'blue');
    expect(refused.passed).toBe(false);
    expect(checkNamed(refused, 'preflight.others.gray.targets')).toMatchObject({ ok: false, observed: '0/3 healthy' });
    expect(checkNamed(refused, 'preflight.others')?.observed).toContain('(2 vouched for by CloudWatch through 09:04 UTC, 1 read live)');
  });

  it('reads live every cluster of the run that is in flight, however steady CloudWatch shows it', async () => {
    const run = await fleetRun(capacity(1));
    run.ctx.inFlight = () => new Set(['blue', 'green', 'amber']);
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(sources(fleet)).toEqual({ green: 'live', gray: 'metrics', amber: 'live' });
    expect(run.liveReads).toEqual(['green', 'amber']);
    expect(run.calls).toEqual(['GetMetricData', 'DescribeTargetHealth', 'DescribeTargetHealth']);
    expect(fleet.metricsThrough).toBe(at('08:59:00'));

    const out = await runPreflight(run.ctx, 'blue');
    expect(checkNamed(out, 'preflight.others')).toMatchObject({
      ok: true,
      observed: '3/3 other clusters in rotation with every target healthy (1 vouched for by CloudWatch through 08:59 UTC, 2 read live); 3/3 caches available, nothing pending',
    });
  });

  it('reads live a cluster with fewer healthy hosts than its baseline targets (a target deregistered by hand, published)', async () => {
    const run = await fleetRun(capacity(1));
    await deregisterByHand(run, 'gray', 1);
    // 09:00 to 09:01, with 2 healthy hosts, is published at 09:02.
    run.world.advanceBy(2 * MINUTE);
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(fleet.metricsThrough).toBe(at('09:01:00'));
    expect(sources(fleet)).toEqual({ green: 'metrics', gray: 'live', amber: 'metrics' });
    expect(run.liveReads).toEqual(['gray']);
    // Live, the draining target no longer serves: the two left are healthy.
    expect(fleet.clusters.find((c) => c.name === 'gray')).toEqual({ name: 'gray', registered: 2, healthy: 2, unhealthy: [], source: 'live' });
  });

  it('reads live a cluster whose healthy hosts dipped below its baseline in an earlier published minute, back to it in the latest', async () => {
    const run = await fleetRun(capacity(1));
    // One of gray's targets deregistered by hand and registered again 150 s later: out of the healthy count
    // from 09:00 until the new registration's first passing check, at 09:02:40.
    const [id] = (await operatorHealth(run, 'gray')).map((t) => t.id);
    await deregisterByHand(run, 'gray', 1);
    run.world.advanceBy(2.5 * MINUTE);
    await run.operator.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn('gray'), Targets: [{ Id: id! }] }));
    run.world.advanceBy(2.5 * MINUTE);
    expect((await publishedHostCounts(run, 'gray', at('09:04:00'))).healthy).toEqual([2, 2, 3]);
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(fleet.metricsThrough).toBe(at('09:04:00'));
    expect(sources(fleet)).toEqual({ green: 'metrics', gray: 'live', amber: 'metrics' });
    expect(run.liveReads).toEqual(['gray']);
    expect(fleet.clusters.find((c) => c.name === 'gray')).toEqual({ name: 'gray', registered: 3, healthy: 3, unhealthy: [], source: 'live' });
  });

  it('reads live a cluster with an unhealthy host in a published minute even when its healthy hosts never fell below its baseline', async () => {
    // gray gets two more targets by hand (healthy by 09:03), then one target answers 500 from 09:04.
    const run = await fleetRun(capacity(1), 'events:\n  - { from: "4m", targetUnhealthy: { cluster: gray, count: 1 } }\n');
    const added = ['i-00000000000000001', 'i-00000000000000002'];
    await run.operator.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn('gray'), Targets: added.map((Id) => ({ Id })) }));
    run.world.advanceBy(8 * MINUTE);
    expect((await operatorHealth(run, 'gray')).map((t) => t.state).sort()).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'unhealthy']);
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(fleet.metricsThrough).toBe(at('09:07:00'));
    expect(sources(fleet)).toEqual({ green: 'metrics', gray: 'live', amber: 'metrics' });
    expect(run.liveReads).toEqual(['gray']);
    expect(fleet.clusters.find((c) => c.name === 'gray')).toMatchObject({ registered: 5, healthy: 4 });
    // Only UnHealthyHostCount held it back: at least 4 healthy hosts (baseline 3) in every minute of the scan.
    const seen = await publishedHostCounts(run, 'gray', at('09:07:00'));
    expect(seen.healthy).toHaveLength(3);
    expect(Math.min(...seen.healthy)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...seen.unhealthy)).toBe(1);
  });

  it('reads live a cluster missing a datapoint in one of the published minutes (its group taken off the listener by hand)', async () => {
    const run = await fleetRun(capacity(1));
    const kept = CLUSTERS.filter((c) => c !== 'gray');
    await run.operator.elbv2.send(
      new ModifyListenerCommand({ ListenerArn: LISTENER_ARN, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: kept.map((c) => ({ TargetGroupArn: targetGroupArn(c), Weight: 1 })) } }] }),
    );
    run.world.advanceBy(2 * MINUTE);
    const fleet = await fleetHealth(run.ctx, othersThan(run.ctx, 'blue'));
    expect(fleet.metricsThrough).toBe(at('09:01:00'));
    expect(sources(fleet)).toEqual({ green: 'metrics', gray: 'live', amber: 'metrics' });
    expect(run.liveReads).toEqual(['gray']);
    // A group no action uses reports its targets `unused`: none serves.
    expect(fleet.clusters.find((c) => c.name === 'gray')).toEqual({ name: 'gray', registered: 0, healthy: 0, unhealthy: [], source: 'live' });
    // 08:58 and 08:59 were published for gray, all healthy; 09:00, unused throughout, was not.
    expect(await publishedHostCounts(run, 'gray', at('09:01:00'))).toEqual({ healthy: [3, 3], unhealthy: [0, 0] });
  });

  it('makes one GetMetricData per published minute: scans within the same minute share it, the next minute reads again', async () => {
    const run = await fleetRun(capacity(1));
    const others = othersThan(run.ctx, 'blue');
    const first = await fleetHealth(run.ctx, others);
    run.world.advanceBy(30_000);
    const second = await fleetHealth(run.ctx, others);
    // capacityWithout scans the fleet too (blue's others), and shares the same read.
    await capacityWithout(run.ctx, 'green');
    expect(first.metricsThrough).toBe(at('08:59:00'));
    expect(second.metricsThrough).toBe(at('08:59:00'));
    expect(count(run.calls, 'GetMetricData')).toBe(1);

    run.world.advanceBy(30_000);
    expect(run.world.now()).toBe(at('09:01:00'));
    const third = await fleetHealth(run.ctx, others);
    expect(third.metricsThrough).toBe(at('09:00:00'));
    expect(count(run.calls, 'GetMetricData')).toBe(2);
    expect(run.liveReads).toEqual([]);
    expect([first, second, third].every((f) => f.clusters.every((c) => c.source === 'metrics'))).toBe(true);
  });
});

describe('capacityWithout above liveScanLimit', () => {
  it('counts a cluster whose every target was deregistered by hand (published) as out of rotation, and refuses to take another out past maxOutOfService', async () => {
    const run = await fleetRun(capacity(1));
    // Before: three others in rotation with targets, so blue may leave (1 out of 4).
    const before = await capacityWithout(run.ctx, 'blue');
    await expect(before(await run.ctx.traffic.readForwardConfig(run.ctx.location))).resolves.toBeUndefined();
    expect(run.liveReads).toEqual(['blue']);

    await deregisterByHand(run, 'gray', 3);
    run.world.advanceBy(2 * MINUTE);
    forget(run);
    const guard = await capacityWithout(run.ctx, 'blue');
    // The scan: one new CloudWatch read (a new published minute); gray, with no healthy host in it, is read live.
    expect(run.calls).toEqual(['GetMetricData', 'DescribeTargetHealth']);
    expect(run.liveReads).toEqual(['gray']);
    const live = await run.ctx.traffic.readForwardConfig(run.ctx.location);
    // gray still has weight 1: it is out of rotation only because it has no serving target.
    expect(live.targetGroups.find((g) => g.targetGroupArn === targetGroupArn('gray'))?.weight).toBe(1);
    const refusal = guard(live);
    await expect(refusal).rejects.toBeInstanceOf(RefusedError);
    await expect(refusal).rejects.toThrow(
      'taking blue out of rotation would leave 2 cluster(s) in rotation (green, amber) and 2 out (gray, blue); the plan allows at least 1 in and at most 1 out, so blue stays in rotation',
    );
  });
});

// Found by npm run chaos: with the other clusters' health read CloudWatch first, two clusters leaving at
// once asked for the same published minute. The first read was asleep in a retry backoff (GetMetricData
// answering 503) on the virtual clock; the second waited on it without counting as idle, so the clock
// never moved and the run hung. Waiting on another effect's read now counts as idle.

describe('the fleet scan while GetMetricData fails for a while', () => {
  it('two clusters leaving at once, GetMetricData answering 503: the run ends, with no violation', async () => {
    const outcome = await runSchedule({
      plan: { clusters: 3, mode: 'weight', steps: 'failover+modify', maxOutOfService: 2, fleetScan: 'metrics' },
      seed: 1,
      events: [{ from: '0s', to: '5m', apiFault: { service: 'cloudwatch', operation: 'GetMetricData', kind: 'http503', rate: 1, when: 'before' } }],
    });
    expect(outcome.violations).toEqual([]);
    expect(outcome.problems).toEqual([]);
    expect(['done', 'held']).toContain(outcome.status);
  }, 20_000);

  it('the schedule chaos found (seed 20260106) ends held: gray stays out, its cache memory at 100%', async () => {
    const outcome = await runSchedule({
      plan: { clusters: 3, mode: 'weight', steps: 'failover+modify', maxOutOfService: 2, fleetScan: 'metrics' },
      seed: 155706,
      events: [
        { from: '301s', to: '555s', apiFault: { service: 'cloudwatch', operation: 'GetMetricData', kind: 'http503', rate: 1, when: 'before' } },
        { from: '103s', to: '966s', memory: { replicationGroupId: 'chaos-gray', percent: 100 } },
        { from: '751s', to: '1025s', throttle: { service: 'elasticache', rate: 0.2 } },
        { from: '2126s', to: '2473s', targetUnhealthy: { cluster: 'gray', count: 1 } },
      ],
      onPause: 'abort',
    });
    expect(outcome.violations).toEqual([]);
    expect(outcome.problems).toEqual([]);
    expect(outcome.status).toBe('held');
  }, 20_000);
});

// A GetMetricData result that is not Complete (InternalError, Forbidden, PartialData without the rest) is
// unknown, never evidence: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
// The world's `metricStatus` fault makes CloudWatch answer so; every judgement built on metrics must wait.

const fault = (status: string, metric?: string) => `events:\n  - { from: "-10m", to: "3h", metricStatus: { status: ${status}${metric ? `, metric: ${metric}` : ''} } }\n`;

describe('CloudWatch results that are not Complete', () => {
  it('the fleet scan vouches for no neighbour whose host counts are not Complete: each is read live', async () => {
    const run = await sandboxRun({ capacity: { maxOutOfService: 1, minActiveClusters: 1, liveScanLimit: 0 } }, fault('InternalError', 'HealthyHostCount'), { clusters: ['blue', 'green', 'gray'] });
    const others = run.ctx.plan.fleet.clusters.filter((c) => c.name !== 'blue');
    await baseline(run.ctx);
    run.calls.length = 0;
    const fleet = await settle(run.clock, fleetHealth(run.ctx, others));
    expect(fleet.clusters.map((c) => [c.name, c.source])).toEqual([
      ['green', 'live'],
      ['gray', 'live'],
    ]);
    expect(run.calls.filter((c) => c === 'DescribeTargetHealth')).toHaveLength(2);
    expect(run.calls).toContain('GetMetricData');
  });
});

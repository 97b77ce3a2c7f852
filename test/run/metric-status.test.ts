import { describe, expect, it } from 'vitest';
import { fleetHealth } from '../../src/run/fleet-health.js';
import { baseline } from '../../src/run/baseline.js';
import { observeDrain, observeRamp } from '../../src/run/observations.js';
import { verifyCluster } from '../../src/run/verification.js';
import { sandboxRun, settle, takeOut } from './sandbox-context.js';

// A GetMetricData result that is not Complete (InternalError, Forbidden, PartialData without the rest) is
// unknown, never evidence: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
// The world's `metricStatus` fault makes CloudWatch answer so; every judgement built on metrics must wait.

const MINUTE = 60_000;
const fault = (status: string, metric?: string) => `events:\n  - { from: "-10m", to: "3h", metricStatus: { status: ${status}${metric ? `, metric: ${metric}` : ''} } }\n`;

describe('CloudWatch results that are not Complete', () => {
  it('a drain whose RequestCount comes back InternalError is not drained, however long it has been quiet', async () => {
    const run = await sandboxRun({ drain: { mode: 'weight', minimum: '30s', timeout: '30m', quietMinutes: 1 } }, fault('InternalError', 'RequestCount'));
    await takeOut(run, 'blue');
    const removedAt = run.clock.now();
    run.clock.advanceTo(removedAt + 6 * MINUTE);
    const out = await settle(run.clock, observeDrain(run.ctx, { cluster: 'blue', mode: 'weight', removedAt, minimumMs: 30_000 }));
    expect(out.status).toBe('not-yet');
    expect(out.checks!.find((c) => c.name === 'drain.request-count')).toMatchObject({ ok: false, observed: expect.stringContaining('StatusCode InternalError for RequestCount') });
    expect(out.recheckAt).toBeGreaterThan(out.at);
  });

  it('a ramp step whose 5xx come back Forbidden does not pass at the end of its hold', async () => {
    const run = await sandboxRun({ reactivate: { ramp: [50, 100], hold: '1m' } }, fault('Forbidden', 'HTTPCode_Target_5XX_Count'));
    const since = run.clock.now();
    run.clock.advanceTo(since + MINUTE);
    const out = await settle(run.clock, observeRamp(run.ctx, { cluster: 'blue', percent: 100, since }));
    expect(out.status).toBe('not-yet');
    expect(out.reason).toMatch(/^ramp.metrics: CloudWatch returned StatusCode Forbidden for HTTPCode_Target_5XX_Count/);
    expect(out.checks!.map((c) => c.name)).not.toContain('ramp.5xx');
  });

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

  it('verification does not pass on cache metrics that are not Complete', async () => {
    const run = await sandboxRun({ verify: { stableFor: '1m', timeout: '15m' } }, fault('InternalError', 'DatabaseMemoryUsagePercentage'));
    await takeOut(run, 'blue');
    const out = await settle(run.clock, verifyCluster(run.ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan: false }));
    expect(out.status).toBe('not-yet');
    expect(out.checks!.find((c) => c.name === 'verify.cache.metrics')).toMatchObject({ ok: false, observed: expect.stringContaining('StatusCode InternalError for DatabaseMemoryUsagePercentage') });
    expect(out.checks!.map((c) => c.name)).not.toContain('verify.cache.memory');
  });
});

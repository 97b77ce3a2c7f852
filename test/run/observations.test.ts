import { describe, expect, it } from 'vitest';
import { observeDrain, observeRamp } from '../../src/run/observations.js';
import { baseline } from '../../src/run/baseline.js';
import { sandboxRun, settle, takeOut } from './sandbox-context.js';

// observeRamp called directly: before the hold ends it judges the minutes CloudWatch has published and
// returns at once; at the end of the hold it waits until the hold's last minute is published.

const MINUTE = 60_000;

describe('observeRamp', () => {
  it('right after the set reads only the weight back, and looks again mid-hold', async () => {
    const { ctx, clock, calls } = await sandboxRun({ reactivate: { ramp: [50, 100], hold: '2m' } });
    // The run's baseline is read when it starts, long before a ramp.
    await baseline(ctx);
    clock.advanceTo(clock.now() + 1_000);
    calls.length = 0;
    const since = clock.now();
    const out = await observeRamp(ctx, { cluster: 'blue', percent: 100, since });
    expect(out.status).toBe('done');
    expect(out.checks!.map((c) => [c.name, c.ok])).toEqual([['ramp.weight', true]]);
    expect(out.recheckAt).toBe(since + MINUTE);
    expect(calls).toEqual(['DescribeListeners']);
  });

  it('mid-hold judges only published minutes, in one metrics request, without waiting, then looks at the end of the hold', async () => {
    const { ctx, clock, calls } = await sandboxRun({ reactivate: { ramp: [50, 100], hold: '4m' } });
    const since = clock.now();
    clock.advanceTo(since + 2 * MINUTE);
    const out = await observeRamp(ctx, { cluster: 'blue', percent: 100, since });
    expect(out.status).toBe('done');
    expect(out.at).toBe(since + 2 * MINUTE);
    expect(out.recheckAt).toBe(since + 4 * MINUTE);
    expect(out.checks!.map((c) => c.name)).toEqual(['ramp.unhealthy-hosts', 'ramp.5xx', 'ramp.unhealthy-host-count']);
    expect(calls).toEqual(['DescribeTargetHealth', 'GetMetricData']);
  });

  it('at the end of a hold waits for its last minute to be published, then catches 5xx from it', async () => {
    const { ctx, clock, world } = await sandboxRun({ reactivate: { ramp: [50, 100], hold: '1m' } });
    const since = clock.now() + 10_000;
    clock.advanceTo(since);
    const holdEnd = since + MINUTE;
    // One target answers 500 for the last 15 s of the hold: no health check sees it, only the metrics will.
    world.schedule({ from: `${holdEnd - 20_000 - world.state.startedAt}ms`, to: `${holdEnd - 5_000 - world.state.startedAt}ms`, targetUnhealthy: { cluster: 'blue', count: 1 } });
    clock.advanceTo(holdEnd);
    const out = await settle(clock, observeRamp(ctx, { cluster: 'blue', percent: 100, since }));
    const published = Math.ceil(holdEnd / MINUTE) * MINUTE + ctx.metricsLagMs;
    expect(out.at).toBe(published);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^ramp.5xx: \d+ target 5xx responses at 100% of its share in /);
    expect(out.checks!.find((c) => c.name === 'ramp.unhealthy-hosts')).toMatchObject({ ok: true, observed: '0 unhealthy now' });
  });

  it('a quiet hold ends done once its last minute is published', async () => {
    const { ctx, clock } = await sandboxRun();
    const since = clock.now();
    clock.advanceTo(since + MINUTE);
    const out = await settle(clock, observeRamp(ctx, { cluster: 'blue', percent: 100, since }));
    expect(out.status).toBe('done');
    expect(out.at).toBe(Math.ceil((since + MINUTE) / MINUTE) * MINUTE + ctx.metricsLagMs);
    expect(out.checks!.map((c) => [c.name, c.ok])).toEqual([
      ['ramp.weight', true],
      ['ramp.unhealthy-hosts', true],
      ['ramp.5xx', true],
      ['ramp.unhealthy-host-count', true],
    ]);
  });
});

// A GetMetricData result that is not Complete (InternalError, Forbidden, PartialData without the rest) is
// unknown, never evidence: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
// The world's `metricStatus` fault makes CloudWatch answer so; every judgement built on metrics must wait.

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
});

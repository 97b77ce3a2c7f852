import { describe, expect, it } from 'vitest';
import { observeRamp } from '../../src/run/observations.js';
import { baseline } from '../../src/run/baseline.js';
import { sandboxRun, settle } from './sandbox-context.js';

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

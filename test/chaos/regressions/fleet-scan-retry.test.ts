import { describe, expect, it } from 'vitest';
import { runSchedule } from '../schedule-run.js';

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

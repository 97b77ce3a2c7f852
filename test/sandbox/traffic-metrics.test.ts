import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, type SandboxWorld, type WorldFile } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, minutes, tgArn, twoClusters } from './fixtures.js';

const BLUE = tgArn('blue', 1);
const GREEN = tgArn('green', 2);

function setup(file: WorldFile = {}) {
  const world = defaultWorldFromPlan(twoClusters(), file);
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

function query(id: string, metric: string, arn: string, stat = 'Sum'): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        MetricName: metric,
        Dimensions: [
          { Name: 'TargetGroup', Value: arn.split(':').slice(5).join(':') },
          { Name: 'LoadBalancer', Value: 'app/shop-alb/50dc6c495c0c9188' },
        ],
      },
      Period: 60,
      Stat: stat,
    },
  };
}

function since(world: SandboxWorld, ms: number): { StartTime: Date; EndTime: Date } {
  return { StartTime: new Date(world.state.startedAt), EndTime: new Date(world.state.startedAt + ms) };
}

const sticky = (weight: number) =>
  new ModifyListenerCommand({
    ListenerArn: LISTENER_ARN,
    DefaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: weight },
            { TargetGroupArn: GREEN, Weight: 1 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
        },
      },
    ],
  });

describe('traffic model', () => {
  it('splits requests by weight and counts them per cluster', () => {
    const { world } = setup();
    world.advanceBy(minutes(1));
    expect(world.traffic).toEqual({
      requests: 12_000,
      failed: 0,
      perCluster: { blue: { requests: 6000, failed: 0 }, green: { requests: 6000, failed: 0 } },
    });
  });

  it('keeps sticky clients on a weight-0 group until their cookie expires', async () => {
    const { world, elbv2, cloudwatch } = setup({ elbv2: { stickiness: { enabled: true, duration: '300s' } }, traffic: { stickyFraction: 0.5 } });
    await elbv2.send(sticky(0));
    world.advanceBy(minutes(5));
    const blueAfterExpiry = world.traffic.perCluster.blue?.requests ?? 0;
    // Half the clients are sticky, half of those held a blue cookie; cookies run out linearly over 300 s.
    expect(blueAfterExpiry).toBeGreaterThanOrEqual(7499);
    expect(blueAfterExpiry).toBeLessThanOrEqual(7500);
    world.advanceBy(minutes(7));
    expect(world.traffic.perCluster.blue?.requests).toBe(blueAfterExpiry);

    const out = await cloudwatch.send(
      new GetMetricDataCommand({ MetricDataQueries: [query('blue', 'RequestCount', BLUE)], ...since(world, minutes(12)) }),
    );
    const result = out.MetricDataResults?.[0];
    expect(result?.StatusCode).toBe('Complete');
    // Newest first; the idle minutes from 09:05 on have no datapoint at all.
    expect(result?.Timestamps?.map((t) => t.toISOString())).toEqual([
      '2026-01-05T09:04:00.000Z',
      '2026-01-05T09:03:00.000Z',
      '2026-01-05T09:02:00.000Z',
      '2026-01-05T09:01:00.000Z',
      '2026-01-05T09:00:00.000Z',
    ]);
    const expected = [300, 900, 1500, 2100, 2700];
    result?.Values?.forEach((v, i) => expect(Math.abs(v - (expected[i] ?? 0))).toBeLessThanOrEqual(1));
  });

  it('sends nothing to a weight-0 group without stickiness', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: LISTENER_ARN,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 0 }, { TargetGroupArn: GREEN, Weight: 3 }] } }],
      }),
    );
    world.advanceBy(minutes(2));
    expect(world.traffic.perCluster).toEqual({ blue: { requests: 0, failed: 0 }, green: { requests: 24_000, failed: 0 } });
  });

  it('fails requests routed to a group whose cache has no healthy primary', () => {
    const { world } = setup({ events: [{ from: '60s', to: '120s', memory: { replicationGroupId: 'blue-cache', percent: 100 } }] });
    world.advanceBy(minutes(3));
    expect(world.traffic.perCluster.blue).toEqual({ requests: 18_000, failed: 6000 });
    expect(world.traffic.perCluster.green?.failed).toBe(0);
  });
});

describe('CloudWatch GetMetricData', () => {
  it('publishes no RequestCount datapoint for idle minutes, but health gauges every minute', async () => {
    const { world, cloudwatch } = setup({ traffic: { ratePerSecond: 0 } });
    world.advanceBy(minutes(10));
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query('requests', 'RequestCount', BLUE), query('healthy', 'HealthyHostCount', BLUE, 'Average')],
        ...since(world, minutes(10)),
      }),
    );
    const [requests, healthy] = out.MetricDataResults ?? [];
    expect(requests?.Values).toEqual([]);
    expect(healthy?.Values).toHaveLength(9);
    expect(new Set(healthy?.Values)).toEqual(new Set([3]));
  });

  it('shows a minute only once it has ended plus the publishing delay', async () => {
    const { world, cloudwatch } = setup();
    const read = async () =>
      (
        await cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: [query('r', 'RequestCount', BLUE)],
            ...since(world, minutes(10)),
            ScanBy: 'TimestampAscending',
          }),
        )
      ).MetricDataResults?.[0]?.Values;
    world.advanceBy(minutes(2) - 1);
    expect(await read()).toEqual([]);
    world.advanceBy(1);
    expect(await read()).toEqual([6000]);
  });

  it('reports cache metrics per node', async () => {
    const { world, cloudwatch } = setup({ events: [{ at: '30s', memory: { replicationGroupId: 'green-cache', percent: 91 } }] });
    world.advanceBy(minutes(3));
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: 'mem',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ElastiCache',
                MetricName: 'DatabaseMemoryUsagePercentage',
                Dimensions: [
                  { Name: 'CacheClusterId', Value: 'green-cache-001' },
                  { Name: 'CacheNodeId', Value: '0001' },
                ],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
        ...since(world, minutes(3)),
      }),
    );
    expect(out.MetricDataResults?.[0]?.Values).toEqual([91, 91]);
  });
});

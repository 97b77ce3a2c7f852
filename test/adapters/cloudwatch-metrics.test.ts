import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  createCloudWatchMetrics,
  loadBalancerDimension,
  targetGroupDimension,
  targetGroupDimensions,
} from '../../src/adapters/cloudwatch-metrics.js';
import { ConfigError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { LB_ARN, LISTENER_ARN, RULE_ARN, TG_BLUE } from '../helpers/aws-fixtures.js';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const M = 60_000;
const T0 = Date.UTC(2026, 5, 1, 3, 0, 0);
const dims = { targetGroup: 'targetgroup/payments-blue/1111111111111111', loadBalancer: 'app/payments/0123456789abcdef' };

function makePort() {
  return createCloudWatchMetrics({ client, clock: new ManualClock(T0, { autoAdvance: true }), budget });
}

beforeEach(() => {
  cw.reset();
});

describe('createCloudWatchMetrics', () => {
  it('reports a minute without a RequestCount datapoint as 0 (ALB publishes only while requests flow)', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(T0 + M), new Date(T0 + 3 * M)], Values: [120, 7], StatusCode: 'Complete' }],
    });
    const minutes = await makePort().targetGroupMinutes(dims, 'RequestCount', T0, T0 + 5 * M);
    expect(minutes).toEqual([
      { minute: T0, value: 0 },
      { minute: T0 + M, value: 120 },
      { minute: T0 + 2 * M, value: 0 },
      { minute: T0 + 3 * M, value: 7 },
      { minute: T0 + 4 * M, value: 0 },
    ]);
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 5 * M),
      MetricDataQueries: [
        {
          Id: 'm0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [
                { Name: 'TargetGroup', Value: dims.targetGroup },
                { Name: 'LoadBalancer', Value: dims.loadBalancer },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: true,
        },
      ],
    });
  });

  it('zero-fills HTTPCode_Target_5XX_Count too, and keeps only complete minutes', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(T0 + 2 * M)], Values: [3] }] });
    // 03:00:30 .. 03:03:45 holds the complete minutes 03:01 and 03:02.
    const minutes = await makePort().targetGroupMinutes(dims, 'HTTPCode_Target_5XX_Count', T0 + 30_000, T0 + 3 * M + 45_000);
    expect(minutes).toEqual([
      { minute: T0 + M, value: 0 },
      { minute: T0 + 2 * M, value: 3 },
    ]);
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: new Date(T0 + M), EndTime: new Date(T0 + 3 * M) });
  });

  it('leaves gauge minutes without data out, reads UnHealthyHostCount as Maximum, and follows NextToken', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(T0)], Values: [0] }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(T0 + 2 * M)], Values: [1] }] });
    const minutes = await makePort().targetGroupMinutes(dims, 'UnHealthyHostCount', T0, T0 + 3 * M);
    expect(minutes).toEqual([
      { minute: T0, value: 0 },
      { minute: T0 + 2 * M, value: 1 },
    ]);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cw).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, { NextToken: 'page-2' });
    expect(cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!.Stat).toBe('Maximum');
  });

  it('asks nothing for a window without a complete minute', async () => {
    await expect(makePort().targetGroupMinutes(dims, 'RequestCount', T0 + 10_000, T0 + 50_000)).resolves.toEqual([]);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });

  it('returns the latest cache node value per cluster, undefined when there is none', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'c0', Timestamps: [new Date(T0), new Date(T0 + 2 * M), new Date(T0 + M)], Values: [40, 61.5, 55] },
        { Id: 'c1', Timestamps: [], Values: [] },
      ],
    });
    const latest = await makePort().cacheNodeLatest(['payments-blue-001', 'payments-blue-002'], 'DatabaseMemoryUsagePercentage', T0, T0 + 5 * M);
    expect(latest).toEqual({ 'payments-blue-001': 61.5, 'payments-blue-002': undefined });
    const queries = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!;
    expect(queries[1]).toEqual({
      Id: 'c1',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ElastiCache',
          MetricName: 'DatabaseMemoryUsagePercentage',
          Dimensions: [
            { Name: 'CacheClusterId', Value: 'payments-blue-002' },
            { Name: 'CacheNodeId', Value: '0001' },
          ],
        },
        Period: 60,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
  });
});

describe('CloudWatch dimension helpers', () => {
  it('derives targetgroup/<name>/<id> and app/<name>/<id>', () => {
    expect(targetGroupDimension(TG_BLUE)).toBe('targetgroup/payments-blue/1111111111111111');
    expect(loadBalancerDimension(LB_ARN)).toBe('app/payments/0123456789abcdef');
    expect(loadBalancerDimension(LISTENER_ARN)).toBe('app/payments/0123456789abcdef');
    expect(loadBalancerDimension(RULE_ARN)).toBe('app/payments/0123456789abcdef');
    expect(targetGroupDimensions(TG_BLUE, LISTENER_ARN)).toEqual(dims);
  });

  it('rejects ARNs of the wrong kind with a ConfigError', () => {
    expect(() => targetGroupDimension(LB_ARN)).toThrow(ConfigError);
    expect(() => loadBalancerDimension(TG_BLUE)).toThrow(ConfigError);
    expect(() => loadBalancerDimension('arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/0123456789abcdef')).toThrow(
      /not an Application Load Balancer/,
    );
  });
});

describe('createCloudWatchMetrics: several metrics per request', () => {
  it('reads 5xx and UnHealthyHostCount of a group with one GetMetricData, each with its own missing-minute rule', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'm0', Timestamps: [new Date(T0 + M)], Values: [3], StatusCode: 'Complete' },
        { Id: 'm1', Timestamps: [new Date(T0)], Values: [1], StatusCode: 'Complete' },
      ],
    });
    const series = await makePort().targetGroupMinutesOf(dims, ['HTTPCode_Target_5XX_Count', 'UnHealthyHostCount'], T0, T0 + 2 * M);
    expect(series).toEqual({
      HTTPCode_Target_5XX_Count: [
        { minute: T0, value: 0 },
        { minute: T0 + M, value: 3 },
      ],
      UnHealthyHostCount: [{ minute: T0, value: 1 }],
    });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const queries = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!;
    expect(queries.map((q) => [q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat])).toEqual([
      ['HTTPCode_Target_5XX_Count', 'Sum'],
      ['UnHealthyHostCount', 'Maximum'],
    ]);
  });

  it('reads memory and lag of every member with one GetMetricData, the latest value of each', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'c0', Timestamps: [new Date(T0), new Date(T0 + M)], Values: [40, 42], StatusCode: 'Complete' },
        { Id: 'c1', Timestamps: [], Values: [], StatusCode: 'Complete' },
        { Id: 'c3', Timestamps: [new Date(T0 + M)], Values: [0.5], StatusCode: 'Complete' },
      ],
    });
    const latest = await makePort().cacheNodeLatestOf(['a-001', 'a-002'], ['DatabaseMemoryUsagePercentage', 'ReplicationLag'], T0, T0 + 2 * M);
    expect(latest).toEqual({ DatabaseMemoryUsagePercentage: { 'a-001': 42, 'a-002': undefined }, ReplicationLag: { 'a-001': undefined, 'a-002': 0.5 } });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });
});

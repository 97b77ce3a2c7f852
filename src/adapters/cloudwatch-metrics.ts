// MetricsPort over CloudWatch GetMetricData, one-minute periods.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricStat } from '@aws-sdk/client-cloudwatch';
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { CacheNodeMetric, MetricsPort, MinuteValue, TargetGroupDimensions, TargetGroupMetric } from '../ports/metrics.js';
import { ConfigError } from '../errors.js';
import { createAwsCaller, type AwsCall, type RetryBudget } from '../aws/retry-budget.js';
import { silentLogger } from '../logger.js';
import { parseArn } from '../plan/arn.js';

export interface CloudWatchMetricsOptions {
  client: CloudWatchClient;
  clock: Clock;
  budget: RetryBudget;
  logger?: Logger;
}

const MINUTE_MS = 60_000;
const PERIOD_S = 60;
/** GetMetricData accepts at most 500 queries per request. */
const MAX_QUERIES = 500;

/** Counts are summed; a gauge is read on its worst side for the check that uses it. */
const TARGET_GROUP_STAT: Record<TargetGroupMetric, string> = {
  RequestCount: 'Sum',
  HTTPCode_Target_5XX_Count: 'Sum',
  UnHealthyHostCount: 'Maximum',
  HealthyHostCount: 'Minimum',
};

/**
 * The ALB publishes RequestCount and HTTPCode_Target_5XX_Count only for minutes in which requests flowed
 * (5XX only when non-zero), so a minute without a datapoint is a count of 0, not a gap. Host counts are
 * gauges: a missing minute is unknown and is left out.
 */
const ZERO_WHEN_MISSING = new Set<TargetGroupMetric>(['RequestCount', 'HTTPCode_Target_5XX_Count']);

const CACHE_STAT: Record<CacheNodeMetric, string> = {
  DatabaseMemoryUsagePercentage: 'Maximum',
  ReplicationLag: 'Maximum',
  EngineCPUUtilization: 'Maximum',
};

export function createCloudWatchMetrics(options: CloudWatchMetricsOptions): MetricsPort {
  const call = createAwsCaller(options.clock, options.budget, 'CloudWatch', options.logger ?? silentLogger);
  const { client } = options;

  /**
   * One query per item, in requests of at most MAX_QUERIES: the datapoints of each item, in the order
   * given (query ids `<prefix><index within its request>`).
   */
  async function seriesOf<T>(items: readonly T[], prefix: string, metricOf: (item: T) => MetricStat, resourceOf: (chunk: readonly T[]) => string, startMs: number, endMs: number) {
    const out: Array<Map<number, number>> = [];
    for (let offset = 0; offset < items.length; offset += MAX_QUERIES) {
      const chunk = items.slice(offset, offset + MAX_QUERIES);
      const queries: MetricDataQuery[] = chunk.map((item, i) => ({ Id: `${prefix}${i}`, MetricStat: metricOf(item), ReturnData: true }));
      const series = await fetchSeries(client, call, resourceOf(chunk), startMs, endMs, queries);
      chunk.forEach((_, i) => out.push(series.get(`${prefix}${i}`) ?? new Map<number, number>()));
    }
    return out;
  }

  async function targetGroupsMinutesOf<M extends TargetGroupMetric>(groups: readonly TargetGroupDimensions[], metrics: readonly M[], startMs: number, endMs: number) {
    const results = groups.map(() => Object.fromEntries(metrics.map((m) => [m, [] as MinuteValue[]])) as Record<M, MinuteValue[]>);
    const { first, end } = completeMinutes(startMs, endMs);
    if (end <= first || metrics.length === 0 || groups.length === 0) return results;
    // Every metric of every group in one request where it fits: a wait loop pays one call per look, not one per metric.
    const pairs = groups.flatMap((dims, g) => metrics.map((metric) => ({ g, dims, metric })));
    const series = await seriesOf(
      pairs,
      'm',
      ({ dims, metric }) => ({
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: metric,
          Dimensions: [
            { Name: 'TargetGroup', Value: dims.targetGroup },
            { Name: 'LoadBalancer', Value: dims.loadBalancer },
          ],
        },
        Period: PERIOD_S,
        Stat: TARGET_GROUP_STAT[metric],
      }),
      (chunk) => {
        const names = [...new Set(chunk.map((c) => c.dims.targetGroup))];
        return `${metrics.join(',')} ${names.length === 1 ? names[0] : `${names.length} target groups`}`;
      },
      first,
      end,
    );
    pairs.forEach(({ g, metric }, i) => {
      const points = series[i]!;
      const out = results[g]![metric];
      for (let minute = first; minute < end; minute += MINUTE_MS) {
        const value = points.get(minute);
        if (value !== undefined) out.push({ minute, value });
        else if (ZERO_WHEN_MISSING.has(metric)) out.push({ minute, value: 0 });
      }
    });
    return results;
  }

  async function targetGroupMinutesOf<M extends TargetGroupMetric>(dims: TargetGroupDimensions, metrics: readonly M[], startMs: number, endMs: number) {
    return (await targetGroupsMinutesOf([dims], metrics, startMs, endMs))[0]!;
  }

  async function cacheNodeLatestOf<M extends CacheNodeMetric>(cacheClusterIds: string[], metrics: readonly M[], startMs: number, endMs: number) {
    const result = Object.fromEntries(metrics.map((m) => [m, Object.fromEntries(cacheClusterIds.map((id) => [id, undefined]))])) as Record<M, Record<string, number | undefined>>;
    if (cacheClusterIds.length === 0 || metrics.length === 0 || endMs <= startMs) return result;
    const pairs = metrics.flatMap((metric) => cacheClusterIds.map((id) => ({ metric, id })));
    const series = await seriesOf(
      pairs,
      'c',
      ({ metric, id }) => ({
        Metric: {
          Namespace: 'AWS/ElastiCache',
          MetricName: metric,
          Dimensions: [
            { Name: 'CacheClusterId', Value: id },
            // Cluster-mode-disabled members hold one node each, always 0001.
            { Name: 'CacheNodeId', Value: '0001' },
          ],
        },
        Period: PERIOD_S,
        Stat: CACHE_STAT[metric],
      }),
      (chunk) => `${[...new Set(chunk.map((c) => c.metric))].join(',')} ${[...new Set(chunk.map((c) => c.id))].join(',')}`,
      startMs,
      endMs,
    );
    pairs.forEach(({ metric, id }, i) => {
      const points = series[i]!;
      if (points.size === 0) return;
      const latest = Math.max(...points.keys());
      const perNode: Record<string, number | undefined> = result[metric];
      perNode[id] = points.get(latest);
    });
    return result;
  }

  return {
    targetGroupMinutesOf,
    targetGroupsMinutesOf,
    cacheNodeLatestOf,
    async targetGroupMinutes(dims, metric, startMs, endMs) {
      return (await targetGroupMinutesOf(dims, [metric], startMs, endMs))[metric];
    },
    async cacheNodeLatest(cacheClusterIds, metric, startMs, endMs) {
      return (await cacheNodeLatestOf(cacheClusterIds, [metric], startMs, endMs))[metric];
    },
  };
}

/** Datapoints per query id, keyed by period start (ms), across every NextToken page. */
async function fetchSeries(
  client: CloudWatchClient,
  call: AwsCall,
  resource: string,
  startMs: number,
  endMs: number,
  queries: MetricDataQuery[],
): Promise<Map<string, Map<number, number>>> {
  const series = new Map<string, Map<number, number>>();
  let nextToken: string | undefined;
  do {
    const out = await call('GetMetricData', resource, () =>
      client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(startMs),
          EndTime: new Date(endMs),
          ScanBy: 'TimestampAscending',
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
    );
    for (const r of out.MetricDataResults ?? []) {
      if (!r.Id) continue;
      const points = series.get(r.Id) ?? new Map<number, number>();
      const timestamps = r.Timestamps ?? [];
      const values = r.Values ?? [];
      timestamps.forEach((t, i) => {
        const v = values[i];
        if (v !== undefined) points.set(t.getTime(), v);
      });
      series.set(r.Id, points);
    }
    nextToken = out.NextToken;
  } while (nextToken);
  return series;
}

/** The complete one-minute periods within [startMs, endMs): first minute start, end exclusive. */
function completeMinutes(startMs: number, endMs: number): { first: number; end: number } {
  return { first: Math.ceil(startMs / MINUTE_MS) * MINUTE_MS, end: Math.floor(endMs / MINUTE_MS) * MINUTE_MS };
}

/** `targetgroup/<name>/<id>`, the CloudWatch TargetGroup dimension, from a target group ARN. */
export function targetGroupDimension(targetGroupArn: string): string {
  const resource = parseArn(targetGroupArn)?.resource ?? '';
  if (!/^targetgroup\/[^/]+\/[^/]+$/.test(resource)) throw new ConfigError(`not a target group ARN: ${targetGroupArn}`);
  return resource;
}

/** `app/<name>/<id>`, the CloudWatch LoadBalancer dimension, from a load balancer, listener or rule ARN. */
export function loadBalancerDimension(arn: string): string {
  const parts = (parseArn(arn)?.resource ?? '').split('/');
  const [kind, type, name, id] = parts;
  const known = kind === 'loadbalancer' || kind === 'listener' || kind === 'listener-rule';
  if (!known || type !== 'app' || !name || !id) {
    throw new ConfigError(`not an Application Load Balancer, listener or rule ARN: ${arn}`);
  }
  return `app/${name}/${id}`;
}

export function targetGroupDimensions(targetGroupArn: string, loadBalancerOrListenerArn: string): TargetGroupDimensions {
  return { targetGroup: targetGroupDimension(targetGroupArn), loadBalancer: loadBalancerDimension(loadBalancerOrListenerArn) };
}

// MetricsPort over CloudWatch GetMetricData, one-minute periods.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricStat } from '@aws-sdk/client-cloudwatch';
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { CacheNodeMetric, LatestValues, MetricsPort, MinuteSeries, MinuteValue, TargetGroupDimensions, TargetGroupMetric, UnknownMetrics } from '../ports/metrics.js';
import { backoffMs, createAwsCaller, type AwsCall, type RetryBudget } from '../aws/retry-budget.js';
import { silentLogger } from '../logger.js';

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
/** How long results that are not Complete are asked for again before they are reported unknown. */
const INCOMPLETE_RETRY_MS = 30_000;

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
  const logger = options.logger ?? silentLogger;
  const call = createAwsCaller(options.clock, options.budget, 'CloudWatch', logger);
  const { client, clock, budget } = options;

  /**
   * Every query's datapoints, asked again (those not Complete only) with backoff on the clock until they
   * are all Complete or the retry time is spent: AWS says to retry an InternalError, and a result that
   * stays incomplete is reported as such, never filled in.
   */
  async function completeSeries(resource: string, startMs: number, endMs: number, queries: MetricDataQuery[]): Promise<Map<string, SeriesResult>> {
    const started = clock.now();
    const limitMs = Math.min(budget.budgetMs, INCOMPLETE_RETRY_MS);
    const results = new Map<string, SeriesResult>();
    let pending = queries;
    for (let retry = 0; ; retry++) {
      const fetched = await fetchSeries(client, call, resource, startMs, endMs, pending);
      for (const q of pending) results.set(q.Id!, fetched.get(q.Id!) ?? { points: new Map(), status: 'missing' });
      pending = pending.filter((q) => results.get(q.Id!)!.status !== 'Complete');
      if (pending.length === 0) return results;
      const remainingMs = limitMs - (clock.now() - started);
      if (remainingMs <= 0) return results;
      const delayMs = Math.min(remainingMs, backoffMs(retry, 'transient', budget));
      const statuses = [...new Set(pending.map((q) => results.get(q.Id!)!.status))].join(', ');
      logger.warn({ service: 'CloudWatch', operation: 'GetMetricData', resource, statuses, incomplete: pending.length, delayMs, remainingMs }, `retrying CloudWatch GetMetricData: ${pending.length} result(s) ${statuses}`);
      await clock.sleep(delayMs);
    }
  }

  /**
   * One query per item, in requests of at most MAX_QUERIES: the datapoints of each item and the status
   * CloudWatch gave them, in the order given (query ids `<prefix><index within its request>`).
   */
  async function seriesOf<T>(items: readonly T[], prefix: string, metricOf: (item: T) => MetricStat, resourceOf: (chunk: readonly T[]) => string, startMs: number, endMs: number) {
    const out: SeriesResult[] = [];
    for (let offset = 0; offset < items.length; offset += MAX_QUERIES) {
      const chunk = items.slice(offset, offset + MAX_QUERIES);
      const queries: MetricDataQuery[] = chunk.map((item, i) => ({ Id: `${prefix}${i}`, MetricStat: metricOf(item), ReturnData: true }));
      const series = await completeSeries(resourceOf(chunk), startMs, endMs, queries);
      chunk.forEach((_, i) => out.push(series.get(`${prefix}${i}`)!));
    }
    return out;
  }

  async function targetGroupsMinutesOf<M extends TargetGroupMetric>(groups: readonly TargetGroupDimensions[], metrics: readonly M[], startMs: number, endMs: number) {
    const empty = (): MinuteSeries => ({ known: true, minutes: [] });
    const results = groups.map(() => Object.fromEntries(metrics.map((m) => [m, empty()])) as Record<M, MinuteSeries>);
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
    pairs.forEach(({ g, dims, metric }, i) => {
      const result = series[i]!;
      if (result.status !== 'Complete') {
        results[g]![metric] = unknown(result, `${metric} of ${dims.targetGroup}`);
        return;
      }
      const minutes: MinuteValue[] = [];
      for (let minute = first; minute < end; minute += MINUTE_MS) {
        const value = result.points.get(minute);
        if (value !== undefined) minutes.push({ minute, value });
        else if (ZERO_WHEN_MISSING.has(metric)) minutes.push({ minute, value: 0 });
      }
      results[g]![metric] = { known: true, minutes };
    });
    return results;
  }

  async function targetGroupMinutesOf<M extends TargetGroupMetric>(dims: TargetGroupDimensions, metrics: readonly M[], startMs: number, endMs: number) {
    return (await targetGroupsMinutesOf([dims], metrics, startMs, endMs))[0]!;
  }

  async function cacheNodeLatestOf<M extends CacheNodeMetric>(cacheClusterIds: string[], metrics: readonly M[], startMs: number, endMs: number): Promise<LatestValues<M>> {
    const values = Object.fromEntries(metrics.map((m) => [m, Object.fromEntries(cacheClusterIds.map((id) => [id, undefined]))])) as Record<M, Record<string, number | undefined>>;
    if (cacheClusterIds.length === 0 || metrics.length === 0 || endMs <= startMs) return { known: true, values };
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
    // The readings are judged together (the worst member): one unknown member leaves the judgement unknown.
    const incomplete = pairs.findIndex((_, i) => series[i]!.status !== 'Complete');
    if (incomplete >= 0) return unknown(series[incomplete]!, `${pairs[incomplete]!.metric} of ${pairs[incomplete]!.id}`);
    pairs.forEach(({ metric, id }, i) => {
      const points = series[i]!.points;
      if (points.size === 0) return;
      const latest = Math.max(...points.keys());
      const perNode: Record<string, number | undefined> = values[metric];
      perNode[id] = points.get(latest);
    });
    return { known: true, values };
  }

  return {
    targetGroupMinutesOf,
    targetGroupsMinutesOf,
    cacheNodeLatestOf,
    async targetGroupMinutes(dims, metric, startMs, endMs) {
      return (await targetGroupMinutesOf(dims, [metric], startMs, endMs))[metric];
    },
    async cacheNodeLatest(cacheClusterIds, metric, startMs, endMs) {
      return cacheNodeLatestOf(cacheClusterIds, [metric], startMs, endMs);
    },
  };
}

/** One query's datapoints across every page, with the StatusCode of its last result (`missing`: none came back). */
interface SeriesResult {
  points: Map<number, number>;
  status: string;
  message?: string;
}

function unknown(result: SeriesResult, what: string): UnknownMetrics {
  const status = result.status === 'missing' ? 'no result' : `StatusCode ${result.status}`;
  return { known: false, status: result.status, reason: `CloudWatch returned ${status} for ${what}${result.message ? ` (${result.message})` : ''}: not evidence` };
}

/**
 * Datapoints per query id, keyed by period start (ms), across every NextToken page. A result's StatusCode
 * is kept as the last page gave it: `PartialData` means more datapoints follow on the next page, so only
 * the last page's status says whether the series is whole.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
 */
async function fetchSeries(
  client: CloudWatchClient,
  call: AwsCall,
  resource: string,
  startMs: number,
  endMs: number,
  queries: MetricDataQuery[],
): Promise<Map<string, SeriesResult>> {
  const series = new Map<string, SeriesResult>();
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
      const known = series.get(r.Id);
      const points = known?.points ?? new Map<number, number>();
      const timestamps = r.Timestamps ?? [];
      const values = r.Values ?? [];
      timestamps.forEach((t, i) => {
        const v = values[i];
        if (v !== undefined) points.set(t.getTime(), v);
      });
      // A result without a StatusCode does not say it is complete.
      const message = (r.Messages ?? []).map((m) => [m.Code, m.Value].filter(Boolean).join(': ')).filter(Boolean).join('; ');
      series.set(r.Id, { points, status: r.StatusCode ?? 'missing', ...(message ? { message } : {}) });
    }
    nextToken = out.NextToken;
  } while (nextToken);
  return series;
}

/** The complete one-minute periods within [startMs, endMs): first minute start, end exclusive. */
function completeMinutes(startMs: number, endMs: number): { first: number; end: number } {
  return { first: Math.ceil(startMs / MINUTE_MS) * MINUTE_MS, end: Math.floor(endMs / MINUTE_MS) * MINUTE_MS };
}

/** CloudWatch reads, one-minute resolution. Where AWS documents it, a missing datapoint means zero. */

/** ALB metrics usually land within a couple of minutes; younger minutes are not evidence of zero. */
export const AWS_METRICS_LAG_MS = 180_000;

export interface MinuteValue {
  /** Start of the one-minute period, ms epoch. */
  minute: number;
  value: number;
}

export type TargetGroupMetric = 'RequestCount' | 'HTTPCode_Target_5XX_Count' | 'UnHealthyHostCount' | 'HealthyHostCount';
export type CacheNodeMetric = 'DatabaseMemoryUsagePercentage' | 'ReplicationLag' | 'EngineCPUUtilization';

export interface TargetGroupDimensions {
  /** `targetgroup/<name>/<id>`, derived from the target group ARN. */
  targetGroup: string;
  /** `app/<name>/<id>`, derived from the load balancer (or listener) ARN. */
  loadBalancer: string;
}

/**
 * A read CloudWatch did not answer in full: a MetricDataResult whose StatusCode was not `Complete`
 * (`PartialData`, `InternalError`, `Forbidden`) after every page and the adapter's retries, or no result
 * at all for a query. It is not evidence of anything: not "no requests", not "no 5xx", not "healthy".
 */
export interface UnknownMetrics {
  known: false;
  /** CloudWatch's StatusCode for the result (`missing` when the query got no result). */
  status: string;
  /** One line: which metric, which status, CloudWatch's message if any. */
  reason: string;
}

/** The minutes of one metric, or unknown. */
export type MinuteSeries = { known: true; minutes: MinuteValue[] } | UnknownMetrics;

/** Latest value per cache cluster and metric (undefined: no datapoint in the window), or unknown. */
export type LatestValues<M extends CacheNodeMetric> = { known: true; values: Record<M, Record<string, number | undefined>> } | UnknownMetrics;

export interface MetricsPort {
  /**
   * One value per complete minute in [startMs, endMs). For count metrics a minute without a datapoint is
   * reported as 0 (ALB publishes only while requests flow); for gauges a missing minute is left out.
   */
  targetGroupMinutes(
    dims: TargetGroupDimensions,
    metric: TargetGroupMetric,
    startMs: number,
    endMs: number,
  ): Promise<MinuteSeries>;
  /** Several metrics of one target group in one request: the same minutes as `targetGroupMinutes`, per metric. */
  targetGroupMinutesOf<M extends TargetGroupMetric>(
    dims: TargetGroupDimensions,
    metrics: readonly M[],
    startMs: number,
    endMs: number,
  ): Promise<Record<M, MinuteSeries>>;
  /**
   * The same minutes for many target groups, in as few requests as GetMetricData allows (500 queries
   * each): one entry per group, in the order given. A fleet scan pays one call, not one per group.
   */
  targetGroupsMinutesOf<M extends TargetGroupMetric>(
    groups: readonly TargetGroupDimensions[],
    metrics: readonly M[],
    startMs: number,
    endMs: number,
  ): Promise<Array<Record<M, MinuteSeries>>>;
  /** Several cache metrics in one request: the latest value per cache cluster, per metric; unknown if any result is. */
  cacheNodeLatestOf<M extends CacheNodeMetric>(
    cacheClusterIds: string[],
    metrics: readonly M[],
    startMs: number,
    endMs: number,
  ): Promise<LatestValues<M>>;
  /** Latest value per cache cluster (node 0001) of the metric within the window; missing if none. */
  cacheNodeLatest<M extends CacheNodeMetric>(
    cacheClusterIds: string[],
    metric: M,
    startMs: number,
    endMs: number,
  ): Promise<LatestValues<M>>;
}

/** The first unknown among several series, if any: one unknown makes a judgement over all of them unknown. */
export function firstUnknown(series: ReadonlyArray<{ known: true } | UnknownMetrics>): UnknownMetrics | undefined {
  return series.find((s): s is UnknownMetrics => !s.known);
}

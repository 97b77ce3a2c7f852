/** CloudWatch reads, one-minute resolution. Where AWS documents it, a missing datapoint means zero. */

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
  ): Promise<MinuteValue[]>;
  /** Several metrics of one target group in one request: the same minutes as `targetGroupMinutes`, per metric. */
  targetGroupMinutesOf<M extends TargetGroupMetric>(
    dims: TargetGroupDimensions,
    metrics: readonly M[],
    startMs: number,
    endMs: number,
  ): Promise<Record<M, MinuteValue[]>>;
  /**
   * The same minutes for many target groups, in as few requests as GetMetricData allows (500 queries
   * each): one entry per group, in the order given. A fleet scan pays one call, not one per group.
   */
  targetGroupsMinutesOf<M extends TargetGroupMetric>(
    groups: readonly TargetGroupDimensions[],
    metrics: readonly M[],
    startMs: number,
    endMs: number,
  ): Promise<Array<Record<M, MinuteValue[]>>>;
  /** Several cache metrics in one request: the latest value per cache cluster, per metric. */
  cacheNodeLatestOf<M extends CacheNodeMetric>(
    cacheClusterIds: string[],
    metrics: readonly M[],
    startMs: number,
    endMs: number,
  ): Promise<Record<M, Record<string, number | undefined>>>;
  /** Latest value per cache cluster (node 0001) of the metric within the window; missing if none. */
  cacheNodeLatest(
    cacheClusterIds: string[],
    metric: CacheNodeMetric,
    startMs: number,
    endMs: number,
  ): Promise<Record<string, number | undefined>>;
}

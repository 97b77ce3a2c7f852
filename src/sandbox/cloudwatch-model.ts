// CloudWatch GetMetricData over the per-minute rows of metrics-recorder.ts. A minute is
// visible only once it has ended plus the publishing delay; counters that were zero for a
// minute have no datapoint, as AWS publishes them only while requests flow.
import {
  InvalidNextToken,
  InvalidParameterValueException,
  type Dimension,
  type GetMetricDataInput,
  type GetMetricDataOutput,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { cloudWatchDimension } from './arns.js';
import { command, type CommandSpec } from './command-spec.js';
import { MINUTE_MS } from './metrics-recorder.js';
import { sdkError } from './sdk-errors.js';
import type { WorldCore } from './world-core.js';

interface Point {
  t: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

const counter = (t: number, value: number): Point | null =>
  value >= 1 ? { t, sum: value, count: value, min: 1, max: 1 } : null;
const gauge = (t: number, avg: number, min = avg, max = avg): Point => ({ t, sum: avg, count: 1, min, max });

function dimensionMap(dimensions: Dimension[] | undefined): Map<string, string> {
  return new Map((dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
}

/** Load balancers and target groups by their CloudWatch dimension values (fleet scans ask for hundreds per request). */
interface DimensionIndex {
  loadBalancers: Map<string, string>;
  /** `<LoadBalancer dimension> <TargetGroup dimension>` to target group ARN. */
  groups: Map<string, string>;
}

// Load balancers and target groups exist from the world's build on (no command creates one): one index per state.
const indexes = new WeakMap<object, DimensionIndex>();

function dimensionIndex(core: WorldCore): DimensionIndex {
  const state = core.state;
  const known = indexes.get(state.elbv2);
  if (known) return known;
  const loadBalancers = new Map(state.elbv2.loadBalancers.map((l) => [cloudWatchDimension(l.arn), l.arn]));
  const lbDimension = new Map([...loadBalancers].map(([dim, arn]) => [arn, dim]));
  const groups = new Map<string, string>();
  for (const g of Object.values(state.elbv2.targetGroups)) {
    const lb = g.loadBalancerArn ? lbDimension.get(g.loadBalancerArn) : undefined;
    if (lb !== undefined) groups.set(`${lb} ${cloudWatchDimension(g.arn)}`, g.arn);
  }
  const index = { loadBalancers, groups };
  indexes.set(state.elbv2, index);
  return index;
}

/** The rows of minutes starting in [start, end); rows are in time order, so a fleet scan's 3 minutes cost 3 rows, not the retention's 60. */
function within<T extends [number, ...number[]]>(rows: T[], start: number, end: number): T[] {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]![0] < start) lo = mid + 1;
    else hi = mid;
  }
  let last = lo;
  while (last < rows.length && rows[last]![0] < end) last++;
  return rows.slice(lo, last);
}

function albPoints(core: WorldCore, metric: string, dims: Map<string, string>, start: number, end: number): Point[] {
  const index = dimensionIndex(core);
  const state = core.state;
  const lbDim = dims.get('LoadBalancer') ?? '';
  const lbArn = index.loadBalancers.get(lbDim);
  if (!lbArn) return [];
  if (dims.size === 1) {
    const rows = within(state.metrics.lb[lbArn] ?? [], start, end);
    if (metric === 'RequestCount') return rows.map(([t, r]) => counter(t, r)).filter((p): p is Point => p !== null);
    if (metric === 'HTTPCode_ELB_5XX_Count') return rows.map(([t, , e]) => counter(t, e)).filter((p): p is Point => p !== null);
    return [];
  }
  if (dims.size !== 2) return [];
  const groupArn = index.groups.get(`${lbDim} ${dims.get('TargetGroup') ?? ''}`);
  if (!groupArn) return [];
  const rows = within(state.metrics.alb[groupArn] ?? [], start, end);
  const points: Array<Point | null> = rows.map((row) => {
    const [t, requests, target5xx, , hAvg, hMin, hMax, uAvg, uMin, uMax, used] = row;
    switch (metric) {
      case 'RequestCount':
        return counter(t, requests);
      case 'HTTPCode_Target_5XX_Count':
        return counter(t, target5xx);
      case 'RequestCountPerTarget':
        return requests >= 1 ? gauge(t, requests / Math.max(1, hAvg)) : null;
      case 'HealthyHostCount':
        return used ? gauge(t, hAvg, hMin, hMax) : null;
      case 'UnHealthyHostCount':
        return used ? gauge(t, uAvg, uMin, uMax) : null;
      default:
        return null;
    }
  });
  return points.filter((p): p is Point => p !== null);
}

const CACHE_COLUMNS: Record<string, number> = {
  DatabaseMemoryUsagePercentage: 1,
  EngineCPUUtilization: 2,
  ReplicationLag: 3,
  CurrConnections: 4,
  Evictions: 5,
};

function cachePoints(core: WorldCore, metric: string, dims: Map<string, string>, start: number, end: number): Point[] {
  const column = CACHE_COLUMNS[metric];
  const id = dims.get('CacheClusterId');
  if (column === undefined || id === undefined) return [];
  const node = dims.get('CacheNodeId');
  if (dims.size > 2 || (dims.size === 2 && node !== '0001')) return [];
  const rows = within(core.state.metrics.cache[id] ?? [], start, end);
  return rows.filter((row) => (row[column] ?? -1) >= 0).map((row) => gauge(row[0], row[column] ?? 0));
}

function statOf(points: Point[], stat: string): number {
  let sum = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    sum += p.sum;
    count += p.count;
    min = Math.min(min, p.min);
    max = Math.max(max, p.max);
  }
  switch (stat) {
    case 'Sum':
      return sum;
    case 'SampleCount':
      return count;
    case 'Average':
      return count > 0 ? sum / count : 0;
    case 'Minimum':
      return min;
    default:
      return max;
  }
}

const STATS = new Set(['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum']);
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

function runQuery(core: WorldCore, query: MetricDataQuery, start: number, end: number, descending: boolean, asOf: number): MetricDataResult {
  const stat = query.MetricStat;
  if (!stat?.Metric) {
    throw sdkError(InvalidParameterValueException, `Query ${String(query.Id)}: the sandbox models MetricStat queries only`);
  }
  const period = stat.Period ?? 60;
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw sdkError(InvalidParameterValueException, `Query ${String(query.Id)}: Period must be a multiple of 60`);
  }
  if (!stat.Stat || !STATS.has(stat.Stat)) {
    throw sdkError(
      InvalidParameterValueException,
      `Query ${String(query.Id)}: the sandbox models the statistics ${[...STATS].join(', ')}, not ${String(stat.Stat)}`,
    );
  }
  const dims = dimensionMap(stat.Metric.Dimensions);
  const metric = stat.Metric.MetricName ?? '';
  let points: Point[] = [];
  if (stat.Metric.Namespace === 'AWS/ApplicationELB') points = albPoints(core, metric, dims, start, end);
  else if (stat.Metric.Namespace === 'AWS/ElastiCache') points = cachePoints(core, metric, dims, start, end);
  const visibleBefore = asOf - MINUTE_MS - core.state.settings.cloudwatch.publishDelayMs;
  const periodMs = period * 1000;
  const buckets = new Map<number, Point[]>();
  for (const p of points) {
    if (p.t > visibleBefore || p.t < start || p.t >= end) continue;
    const bucket = Math.floor(p.t / periodMs) * periodMs;
    const list = buckets.get(bucket);
    if (list) list.push(p);
    else buckets.set(bucket, [p]);
  }
  const times = [...buckets.keys()].sort((a, b) => (descending ? b - a : a - b));
  return {
    Id: query.Id,
    Label: query.Label ?? metric,
    Timestamps: times.map((t) => new Date(t)),
    Values: times.map((t) => statOf(buckets.get(t) ?? [], stat.Stat ?? 'Average')),
    StatusCode: 'Complete',
    Messages: [],
  };
}

/**
 * Where a paged answer stands: the world time its first page described (later pages describe the same
 * minutes) and how many datapoints of each query earlier pages delivered. Opaque to callers.
 */
interface PageCursor {
  asOf: number;
  delivered: Record<string, number>;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string): PageCursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageCursor;
    if (typeof cursor.asOf === 'number' && cursor.delivered && typeof cursor.delivered === 'object') return cursor;
  } catch {
    // Not base64url JSON: not a token this service issued; answered below as AWS does.
  }
  throw sdkError(InvalidNextToken, 'The next token specified is invalid.');
}

/** AWS's default MaxDatapoints: the datapoints one GetMetricData page holds before paginating. */
const DEFAULT_MAX_DATAPOINTS = 100_800;

/** A `metricStatus` fault in effect for this metric, drawn with its rate (seeded). */
function statusFault(core: WorldCore, metric: string): 'PartialData' | 'InternalError' | 'Forbidden' | null {
  for (const { body } of core.state.events.active) {
    if (body.type !== 'metricStatus') continue;
    if (body.metric !== null && body.metric !== metric) continue;
    if (body.rate >= 1 || core.random() < body.rate) return body.status;
  }
  return null;
}

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html: a page holds at
// most MaxDatapoints (default 100,800) datapoints; NextToken asks for the rest.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html: each result's
// StatusCode is Complete (every datapoint of the range returned), PartialData (more on the next page, with
// NextToken), InternalError (retry) or Forbidden. What the datapoints of an InternalError or Forbidden
// result hold is not documented: the sandbox returns none.
function getMetricData(core: WorldCore, input: GetMetricDataInput): GetMetricDataOutput {
  const queries = input.MetricDataQueries ?? [];
  if (queries.length === 0 || queries.length > 500) {
    throw sdkError(InvalidParameterValueException, 'MetricDataQueries must hold between 1 and 500 queries');
  }
  if (!input.StartTime || !input.EndTime || input.StartTime.getTime() >= input.EndTime.getTime()) {
    throw sdkError(InvalidParameterValueException, 'StartTime must be before EndTime');
  }
  const ids = new Set<string>();
  for (const q of queries) {
    if (!q.Id || !QUERY_ID.test(q.Id) || ids.has(q.Id)) {
      throw sdkError(InvalidParameterValueException, `Query id '${String(q.Id)}' is invalid or duplicated`);
    }
    ids.add(q.Id);
  }
  const maxDatapoints = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) {
    throw sdkError(InvalidParameterValueException, 'MaxDatapoints must be a positive integer');
  }
  const firstPage = input.NextToken === undefined;
  const cursor = firstPage ? { asOf: core.now(), delivered: {} } : decodeCursor(input.NextToken!);
  const descending = input.ScanBy !== 'TimestampAscending';
  const start = input.StartTime.getTime();
  const end = input.EndTime.getTime();
  let room = maxDatapoints;
  let more = false;
  const delivered: Record<string, number> = { ...cursor.delivered };
  const results: MetricDataResult[] = [];
  for (const q of queries.filter((query) => query.ReturnData !== false)) {
    const full = runQuery(core, q, start, end, descending, cursor.asOf);
    const id = q.Id!;
    const times = full.Timestamps ?? [];
    const values = full.Values ?? [];
    // A scripted fault answers first pages only, so a paged answer always ends.
    const fault = firstPage ? statusFault(core, q.MetricStat?.Metric?.MetricName ?? '') : null;
    if (fault === 'InternalError' || fault === 'Forbidden') {
      results.push({ ...full, Timestamps: [], Values: [], StatusCode: fault, Messages: [{ Code: fault, Value: `sandbox: scripted ${fault} for this result` }] });
      continue;
    }
    const from = cursor.delivered[id] ?? 0;
    let to = Math.min(times.length, from + room);
    // PartialData: half of what would fit now, the rest on the next page.
    if (fault === 'PartialData') to = from + Math.floor((to - from) / 2);
    room -= to - from;
    delivered[id] = to;
    const partial = fault === 'PartialData' || to < times.length;
    if (partial) more = true;
    results.push({ ...full, Timestamps: times.slice(from, to), Values: values.slice(from, to), StatusCode: partial ? 'PartialData' : 'Complete' });
  }
  return {
    MetricDataResults: results,
    Messages: [],
    ...(more ? { NextToken: encodeCursor({ asOf: cursor.asOf, delivered }) } : {}),
  };
}

export const cloudwatchCommands: Record<string, CommandSpec> = {
  GetMetricData: command(false, getMetricData),
};

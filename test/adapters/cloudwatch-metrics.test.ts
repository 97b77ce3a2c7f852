import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { createCloudWatchMetrics } from '../../src/adapters/cloudwatch-metrics.js';
import { AwsCallError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { awsServiceError } from '../helpers/aws-fixtures.js';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const M = 60_000;
const T0 = Date.UTC(2026, 5, 1, 3, 0, 0);
const dims = { targetGroup: 'targetgroup/payments-blue/1111111111111111', loadBalancer: 'app/payments/0123456789abcdef' };

const known = (minutes: Array<{ minute: number; value: number }>) => ({ known: true, minutes });

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
    expect(minutes).toEqual(known([
      { minute: T0, value: 0 },
      { minute: T0 + M, value: 120 },
      { minute: T0 + 2 * M, value: 0 },
      { minute: T0 + 3 * M, value: 7 },
      { minute: T0 + 4 * M, value: 0 },
    ]));
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
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(T0 + 2 * M)], Values: [3], StatusCode: 'Complete' }] });
    // 03:00:30 .. 03:03:45 holds the complete minutes 03:01 and 03:02.
    const minutes = await makePort().targetGroupMinutes(dims, 'HTTPCode_Target_5XX_Count', T0 + 30_000, T0 + 3 * M + 45_000);
    expect(minutes).toEqual(known([
      { minute: T0 + M, value: 0 },
      { minute: T0 + 2 * M, value: 3 },
    ]));
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: new Date(T0 + M), EndTime: new Date(T0 + 3 * M) });
  });

  it('leaves gauge minutes without data out, reads UnHealthyHostCount as Maximum, and follows NextToken', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(T0)], Values: [0], StatusCode: 'PartialData' }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(T0 + 2 * M)], Values: [1], StatusCode: 'Complete' }] });
    const minutes = await makePort().targetGroupMinutes(dims, 'UnHealthyHostCount', T0, T0 + 3 * M);
    expect(minutes).toEqual(known([
      { minute: T0, value: 0 },
      { minute: T0 + 2 * M, value: 1 },
    ]));
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cw).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, { NextToken: 'page-2' });
    expect(cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!.Stat).toBe('Maximum');
  });

  it('asks nothing for a window without a complete minute', async () => {
    await expect(makePort().targetGroupMinutes(dims, 'RequestCount', T0 + 10_000, T0 + 50_000)).resolves.toEqual(known([]));
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });

  it('returns the latest cache node value per cluster, undefined when there is none', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'c0', Timestamps: [new Date(T0), new Date(T0 + 2 * M), new Date(T0 + M)], Values: [40, 61.5, 55], StatusCode: 'Complete' },
        { Id: 'c1', Timestamps: [], Values: [], StatusCode: 'Complete' },
      ],
    });
    const latest = await makePort().cacheNodeLatest(['payments-blue-001', 'payments-blue-002'], 'DatabaseMemoryUsagePercentage', T0, T0 + 5 * M);
    expect(latest).toEqual({ known: true, values: { DatabaseMemoryUsagePercentage: { 'payments-blue-001': 61.5, 'payments-blue-002': undefined } } });
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
      HTTPCode_Target_5XX_Count: known([
        { minute: T0, value: 0 },
        { minute: T0 + M, value: 3 },
      ]),
      UnHealthyHostCount: known([{ minute: T0, value: 1 }]),
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
        { Id: 'c2', Timestamps: [], Values: [], StatusCode: 'Complete' },
        { Id: 'c3', Timestamps: [new Date(T0 + M)], Values: [0.5], StatusCode: 'Complete' },
      ],
    });
    const latest = await makePort().cacheNodeLatestOf(['a-001', 'a-002'], ['DatabaseMemoryUsagePercentage', 'ReplicationLag'], T0, T0 + 2 * M);
    expect(latest).toEqual({ known: true, values: { DatabaseMemoryUsagePercentage: { 'a-001': 42, 'a-002': undefined }, ReplicationLag: { 'a-001': undefined, 'a-002': 0.5 } } });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });
});

describe('createCloudWatchMetrics: many target groups', () => {
  const GROUPS = 300;
  const groupDims = Array.from({ length: GROUPS }, (_, g) => ({
    targetGroup: `targetgroup/tg-${String(g).padStart(3, '0')}/${String(g).padStart(16, '0')}`,
    loadBalancer: 'app/payments/0123456789abcdef',
  }));
  /** What the fake answers for query `m<i>` of request `r` (0-based): distinct across requests and ids, never 0. */
  const valueOf = (request: number, i: number) => request * 1_000 + i + 1;
  /** The request and query id that carry pair `p` (group g, metric k at p = 2g + k) when 500 fit a request. */
  const valueOfPair = (p: number) => valueOf(Math.floor(p / 500), p % 500);

  /**
   * Answers every query of each request by its id alone, the way CloudWatch does, results in reverse order:
   * a RequestCount point only at T0 + M (T0 is missing), a HealthyHostCount point only at T0 (T0 + M is missing).
   */
  function answerByQueryId() {
    let request = 0;
    cw.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      const r = request++;
      const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
        const i = Number(q.Id!.slice(1));
        const at = q.MetricStat?.Metric?.MetricName === 'RequestCount' ? T0 + M : T0;
        return { Id: q.Id, Timestamps: [new Date(at)], Values: [valueOf(r, i)], StatusCode: 'Complete' };
      });
      return { MetricDataResults: results.reverse() };
    });
  }

  it('reads 300 groups x 2 metrics with exactly 2 GetMetricData requests (500 + 100 queries, ids m0..)', async () => {
    answerByQueryId();
    await makePort().targetGroupsMinutesOf(groupDims, ['RequestCount', 'HealthyHostCount'], T0, T0 + 2 * M);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    const [first, second] = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!);
    expect(first!.map((q) => q.Id)).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
    expect(second!.map((q) => q.Id)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    const named = (q: MetricDataQuery) => [q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat];
    // Pair p = 2g + k: group g's metrics side by side, the second request starting at group 250.
    expect(named(first![0]!)).toEqual([groupDims[0]!.targetGroup, 'RequestCount', 'Sum']);
    expect(named(first![499]!)).toEqual([groupDims[249]!.targetGroup, 'HealthyHostCount', 'Minimum']);
    expect(named(second![0]!)).toEqual([groupDims[250]!.targetGroup, 'RequestCount', 'Sum']);
    expect(named(second![99]!)).toEqual([groupDims[299]!.targetGroup, 'HealthyHostCount', 'Minimum']);
    for (const call of cw.commandCalls(GetMetricDataCommand)) {
      expect(call.args[0].input).toMatchObject({ StartTime: new Date(T0), EndTime: new Date(T0 + 2 * M) });
    }
  });

  it("gives each group its own values, in the groups' order, with each metric's missing-minute rule", async () => {
    answerByQueryId();
    const series = await makePort().targetGroupsMinutesOf(groupDims, ['RequestCount', 'HealthyHostCount'], T0, T0 + 2 * M);
    expect(series).toHaveLength(GROUPS);
    const expected = (g: number) => ({
      // A count: the missing minute T0 reads 0.
      RequestCount: known([
        { minute: T0, value: 0 },
        { minute: T0 + M, value: valueOfPair(2 * g) },
      ]),
      // A gauge: the missing minute T0 + M is left out.
      HealthyHostCount: known([{ minute: T0, value: valueOfPair(2 * g + 1) }]),
    });
    // First request, its last group, the first groups of the second request, and the last group.
    expect(series[0]).toEqual({ RequestCount: known([{ minute: T0, value: 0 }, { minute: T0 + M, value: 1 }]), HealthyHostCount: known([{ minute: T0, value: 2 }]) });
    expect(series[1]).toEqual(expected(1));
    expect(series[249]).toEqual({ RequestCount: known([{ minute: T0, value: 0 }, { minute: T0 + M, value: 499 }]), HealthyHostCount: known([{ minute: T0, value: 500 }]) });
    expect(series[250]).toEqual({ RequestCount: known([{ minute: T0, value: 0 }, { minute: T0 + M, value: 1_001 }]), HealthyHostCount: known([{ minute: T0, value: 1_002 }]) });
    expect(series[299]).toEqual({ RequestCount: known([{ minute: T0, value: 0 }, { minute: T0 + M, value: 1_099 }]), HealthyHostCount: known([{ minute: T0, value: 1_100 }]) });
    series.forEach((s, g) => expect(s, `group ${g}`).toEqual(expected(g)));
  });

  it('keeps one group a one-group call, and answers every group with nothing asked when the window has no complete minute', async () => {
    answerByQueryId();
    const one = await makePort().targetGroupsMinutesOf([groupDims[7]!], ['HealthyHostCount'], T0, T0 + 2 * M);
    expect(one).toEqual([{ HealthyHostCount: known([{ minute: T0, value: 1 }]) }]);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    cw.resetHistory();
    const none = await makePort().targetGroupsMinutesOf(groupDims.slice(0, 3), ['RequestCount', 'HealthyHostCount'], T0 + 10_000, T0 + 50_000);
    expect(none).toEqual([0, 1, 2].map(() => ({ RequestCount: known([]), HealthyHostCount: known([]) })));
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });

  it('names the failed request by its metrics and its number of target groups', async () => {
    cw.on(GetMetricDataCommand)
      .callsFakeOnce(async (input: GetMetricDataCommandInput) => ({ MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, Timestamps: [], Values: [], StatusCode: 'Complete' })) }))
      .rejects(awsServiceError({ name: 'AccessDenied', Code: 'AccessDenied', status: 403, message: 'User is not authorized' }));
    const err = await makePort()
      .targetGroupsMinutesOf(groupDims, ['RequestCount', 'HealthyHostCount'], T0, T0 + 2 * M)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    // The second request holds groups 250..299.
    expect((err as AwsCallError).resource).toBe('RequestCount,HealthyHostCount 50 target groups');
    expect((err as AwsCallError).message).toMatch(/^CloudWatch GetMetricData on RequestCount,HealthyHostCount 50 target groups failed: AccessDenied \(fatal, /);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
  });
});

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html: StatusCode is
// Complete, PartialData (more datapoints on the next page), InternalError (retry) or Forbidden.
describe('createCloudWatchMetrics: results that are not Complete', () => {
  it.each(['InternalError', 'Forbidden', 'PartialData'])('reads a RequestCount result that stays %s as unknown, never as minutes of 0, after retrying on the clock', async (status) => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: status as 'Complete' }] });
    const clock = new ManualClock(T0, { autoAdvance: true });
    const series = await createCloudWatchMetrics({ client, clock, budget }).targetGroupMinutes(dims, 'RequestCount', T0, T0 + 3 * M);
    expect(series).toEqual({ known: false, status, reason: expect.stringContaining(`StatusCode ${status} for RequestCount of ${dims.targetGroup}`) });
    // Asked again with backoff on the injected clock, within the budget (10 s here), then given up.
    expect(cw.commandCalls(GetMetricDataCommand).length).toBeGreaterThan(1);
    expect(clock.now() - T0).toBeGreaterThan(0);
    expect(clock.now() - T0).toBeLessThanOrEqual(budget.budgetMs);
  });

  it('asks again for an InternalError result only, and uses the answer once it is Complete', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm0', Timestamps: [new Date(T0)], Values: [4], StatusCode: 'Complete' },
          { Id: 'm1', Timestamps: [], Values: [], StatusCode: 'InternalError', Messages: [{ Code: 'InternalError', Value: 'try again' }] },
        ],
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'm1', Timestamps: [new Date(T0)], Values: [2], StatusCode: 'Complete' }] });
    const series = await makePort().targetGroupMinutesOf(dims, ['HTTPCode_Target_5XX_Count', 'UnHealthyHostCount'], T0, T0 + M);
    expect(series).toEqual({ HTTPCode_Target_5XX_Count: known([{ minute: T0, value: 4 }]), UnHealthyHostCount: known([{ minute: T0, value: 2 }]) });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cw.commandCalls(GetMetricDataCommand)[1]!.args[0].input.MetricDataQueries!.map((q) => q.Id)).toEqual(['m1']);
  });

  it('reads a query CloudWatch returned no result for, or one without a StatusCode, as unknown', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm1', Timestamps: [new Date(T0)], Values: [0] }] });
    const series = await makePort().targetGroupMinutesOf(dims, ['RequestCount', 'UnHealthyHostCount'], T0, T0 + M);
    expect(series.RequestCount).toMatchObject({ known: false, status: 'missing' });
    expect(series.UnHealthyHostCount).toMatchObject({ known: false, status: 'missing' });
  });

  it('makes a cache reading unknown when one member is not Complete (the worst member is what is judged)', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'c0', Timestamps: [new Date(T0)], Values: [40], StatusCode: 'Complete' },
        { Id: 'c1', Timestamps: [], Values: [], StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'not authorized' }] },
      ],
    });
    const latest = await makePort().cacheNodeLatest(['a-001', 'a-002'], 'DatabaseMemoryUsagePercentage', T0, T0 + M);
    expect(latest).toEqual({ known: false, status: 'Forbidden', reason: expect.stringMatching(/StatusCode Forbidden for DatabaseMemoryUsagePercentage of a-002 \(Forbidden: not authorized\)/) });
  });
});

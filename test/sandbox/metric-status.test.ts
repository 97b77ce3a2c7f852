import { GetMetricDataCommand, InvalidNextToken, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile, type WorldFile } from '../../src/sandbox/index.js';
import { REGION, minutes, tgArn, twoClusters } from './fixtures.js';

// GetMetricData's StatusCode and pages, as the API reference describes them:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html

const BLUE = tgArn('blue', 1);
const GREEN = tgArn('green', 2);

function setup(file: WorldFile = {}) {
  const world = defaultWorldFromPlan(twoClusters(), file);
  world.advanceBy(minutes(8));
  return { world, ...createSandboxClients(world, { region: REGION, maxAttempts: 1 }) };
}

function query(id: string, metric: string, arn: string): MetricDataQuery {
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
      Stat: 'Sum',
    },
  };
}

type Page = { MetricDataResults?: MetricDataResult[]; NextToken?: string };

describe('GetMetricData StatusCode and pages', () => {
  it('pages at MaxDatapoints: PartialData and a NextToken, then the rest, Complete', async () => {
    const { world, cloudwatch } = setup();
    const range = { StartTime: new Date(world.state.startedAt), EndTime: new Date(world.state.startedAt + minutes(6)) };
    const queries = [query('b', 'RequestCount', BLUE), query('g', 'RequestCount', GREEN)];
    const whole = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, ...range }));
    expect(whole.NextToken).toBeUndefined();
    expect(whole.MetricDataResults?.map((r) => [r.Id, r.StatusCode, r.Values?.length])).toEqual([
      ['b', 'Complete', 6],
      ['g', 'Complete', 6],
    ]);

    const pages: Page[] = [];
    let token: string | undefined;
    do {
      const page: Page = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, ...range, MaxDatapoints: 4, ...(token ? { NextToken: token } : {}) }));
      pages.push(page);
      token = page.NextToken;
    } while (token);
    expect(pages).toHaveLength(3);
    expect(pages[0]!.MetricDataResults?.map((r) => [r.Id, r.StatusCode, r.Values?.length])).toEqual([
      ['b', 'PartialData', 4],
      ['g', 'PartialData', 0],
    ]);
    expect(pages.at(-1)!.MetricDataResults?.map((r) => r.StatusCode)).toEqual(['Complete', 'Complete']);
    // Every datapoint exactly once, across the pages.
    for (const id of ['b', 'g']) {
      const paged = pages.flatMap((p) => p.MetricDataResults!.filter((r) => r.Id === id).flatMap((r) => r.Values ?? []));
      expect(paged).toEqual(whole.MetricDataResults!.find((r) => r.Id === id)!.Values);
    }
  });

  it('answers InternalError and Forbidden results without datapoints while a metricStatus fault holds, and Complete after it', async () => {
    for (const status of ['InternalError', 'Forbidden'] as const) {
      const { world, cloudwatch } = setup({ events: [{ from: '0s', to: '10m', metricStatus: { status, metric: 'RequestCount' } }] });
      const range = { StartTime: new Date(world.now() - minutes(5)), EndTime: new Date(world.now()) };
      const out = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [query('r', 'RequestCount', BLUE), query('e', 'HTTPCode_Target_5XX_Count', BLUE)], ...range }));
      expect(out.MetricDataResults?.map((r) => [r.Id, r.StatusCode, r.Values?.length ?? 0])).toEqual([
        ['r', status, 0],
        ['e', 'Complete', 0],
      ]);
      expect(out.MetricDataResults?.[0]?.Messages?.[0]?.Code).toBe(status);
      world.advanceBy(minutes(3));
      const after = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [query('r', 'RequestCount', BLUE)], ...range }));
      expect(after.MetricDataResults?.[0]?.StatusCode).toBe('Complete');
      expect(after.MetricDataResults?.[0]?.Values?.length).toBeGreaterThan(0);
    }
  });

  it('answers PartialData with part of the datapoints and a NextToken whose page completes them', async () => {
    const { world, cloudwatch } = setup({ events: [{ from: '0s', to: '1h', metricStatus: { status: 'PartialData' } }] });
    const range = { StartTime: new Date(world.state.startedAt), EndTime: new Date(world.state.startedAt + minutes(6)) };
    const first = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [query('r', 'RequestCount', BLUE)], ...range }));
    expect(first.MetricDataResults?.[0]).toMatchObject({ StatusCode: 'PartialData' });
    expect(first.MetricDataResults?.[0]?.Values).toHaveLength(3);
    expect(first.NextToken).toBeDefined();
    const second = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [query('r', 'RequestCount', BLUE)], ...range, NextToken: first.NextToken }));
    expect(second.MetricDataResults?.[0]).toMatchObject({ StatusCode: 'Complete' });
    expect(second.MetricDataResults?.[0]?.Values).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses a NextToken it did not issue with InvalidNextToken', async () => {
    const { world, cloudwatch } = setup();
    const range = { StartTime: new Date(world.state.startedAt), EndTime: new Date(world.now()) };
    const err = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [query('r', 'RequestCount', BLUE)], ...range, NextToken: 'not-a-token' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidNextToken);
  });

  it('reads metricStatus from a world file, and rejects an unknown status', () => {
    const file = parseWorldFile('events:\n  - { from: "0s", to: "5m", metricStatus: { status: InternalError, metric: RequestCount, rate: 0.5 } }\n', 'world.yaml');
    expect(file.events?.[0]?.metricStatus).toEqual({ status: 'InternalError', metric: 'RequestCount', rate: 0.5 });
    expect(() => parseWorldFile('events:\n  - { from: "0s", metricStatus: { status: Incomplete } }\n', 'world.yaml')).toThrow(/metricStatus/);
  });
});

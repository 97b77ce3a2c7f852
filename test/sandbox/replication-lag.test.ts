import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile } from '../../src/sandbox/index.js';
import { minutes, REGION, twoClusters } from './fixtures.js';

// The replicationLag event: the group's available replicas publish the scripted ReplicationLag while it lasts.

async function latestLag(world: ReturnType<typeof defaultWorldFromPlan>, cacheClusterId: string): Promise<number | undefined> {
  const { cloudwatch } = createSandboxClients(world, { region: REGION });
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(world.now() - minutes(5)),
      EndTime: new Date(world.now()),
      MetricDataQueries: [
        {
          Id: 'lag',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ElastiCache',
              MetricName: 'ReplicationLag',
              Dimensions: [
                { Name: 'CacheClusterId', Value: cacheClusterId },
                { Name: 'CacheNodeId', Value: '0001' },
              ],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return out.MetricDataResults?.[0]?.Values?.[0];
}

describe('replicationLag event', () => {
  it('publishes the scripted lag for the replicas during its window, and the usual lag after it', async () => {
    const file = parseWorldFile('events:\n  - { from: "1m", to: "5m", replicationLag: { replicationGroupId: blue-cache, seconds: 25 } }\n', 'world.yaml');
    const world = defaultWorldFromPlan(twoClusters(), file);
    world.advanceBy(minutes(4));
    expect(await latestLag(world, 'blue-cache-002')).toBe(25);
    expect(await latestLag(world, 'green-cache-002')).toBeCloseTo(0.001);
    world.advanceBy(minutes(4));
    expect(await latestLag(world, 'blue-cache-002')).toBeCloseTo(0.001);
    expect(world.mutations.map((m) => m.command)).toEqual(['replicationLag:start', 'replicationLag:end']);
  });

  it('names an unknown replication group in one line', () => {
    const file = parseWorldFile('events:\n  - { at: "1m", replicationLag: { replicationGroupId: nope, seconds: 25 } }\n', 'world.yaml');
    expect(() => defaultWorldFromPlan(twoClusters(), file, 'world.yaml')).toThrow('world.yaml: events[0]: replicationLag: no such replication group "nope"');
  });
});

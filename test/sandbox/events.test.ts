import { DescribeEventsCommand, DescribeReplicationGroupsCommand, ModifyReplicationGroupCommand, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { DescribeListenersCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, type SandboxWorld, type WorldFile } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, minutes, seconds, tgArn, twoClusters } from './fixtures.js';

function setup(file: WorldFile) {
  const world = defaultWorldFromPlan(twoClusters(), file);
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

const at = (world: SandboxWorld, ms: number) => world.advanceTo(world.state.startedAt + ms);

describe('scripted events', () => {
  it('manualWeight edits the listener by hand at its time, recorded as a script mutation', async () => {
    const { world, elbv2 } = setup({ events: [{ at: '90s', manualWeight: { cluster: 'blue', weight: 0 } }] });
    at(world, seconds(89));
    expect(world.weights()).toEqual({ blue: 1, green: 1 });
    at(world, seconds(90));
    expect(world.weights()).toEqual({ blue: 0, green: 1 });
    const listener = (await elbv2.send(new DescribeListenersCommand({ ListenerArns: [LISTENER_ARN] }))).Listeners?.[0];
    expect(listener?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups?.[0]).toEqual({ TargetGroupArn: tgArn('blue', 1), Weight: 0 });
    expect(world.mutations).toEqual([
      { at: world.state.startedAt + seconds(90), service: 'elbv2', command: 'ModifyListener', resource: LISTENER_ARN, caller: 'script:manualWeight' },
    ]);
  });

  it('failoverNoop accepts TestFailover and PrimaryClusterId but nothing moves and no completion is written', async () => {
    const { world, elasticache } = setup({ events: [{ at: '0s', failoverNoop: { replicationGroupId: 'blue-cache' } }] });
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0001' }));
    at(world, minutes(15));
    // A promotion needs Multi-AZ with automatic failover off first.
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', AutomaticFailoverEnabled: false, MultiAZEnabled: false, ApplyImmediately: true }));
    await elasticache.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', PrimaryClusterId: 'blue-cache-002', ApplyImmediately: true }),
    );
    at(world, minutes(30));
    const rg = (await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'blue-cache' }))).ReplicationGroups?.[0];
    expect(rg?.Status).toBe('available');
    expect(rg?.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary')?.CacheClusterId).toBe('blue-cache-001');
    const events = await elasticache.send(new DescribeEventsCommand({ Duration: 60 }));
    expect(events.Events?.map((e) => e.Message)).toEqual(['Test Failover API called for node group 0001']);
    expect(world.traffic.perCluster.blue?.failed).toBe(0);
  });

  it('crashLoop makes every target fail from its start, and health checks notice it', async () => {
    const { world, elbv2 } = setup({ events: [{ from: '60s', to: '5m', crashLoop: { cluster: 'green' } }] });
    const states = async () =>
      ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn('green', 2) }))).TargetHealthDescriptions ?? []).map(
        (d) => d.TargetHealth?.State,
      );
    at(world, seconds(99));
    expect(await states()).toEqual(['healthy', 'healthy', 'healthy']);
    at(world, seconds(100));
    expect(await states()).toEqual(['unhealthy', 'unhealthy', 'unhealthy']);
    at(world, seconds(429));
    expect(await states()).toEqual(['unhealthy', 'unhealthy', 'unhealthy']);
    at(world, seconds(430));
    expect(await states()).toEqual(['healthy', 'healthy', 'healthy']);
    // Every request in the window failed, also once all targets were unhealthy (ALB fails open to them).
    at(world, minutes(10));
    expect(world.traffic.perCluster.green).toEqual({ requests: 60_000, failed: 24_000 });
    expect(world.simulateRequest()).toMatchObject({ status: 200 });
  });

  it('targetUnhealthy fails one target until the load balancer stops routing to it', async () => {
    const { world, elbv2 } = setup({ events: [{ at: '60s', targetUnhealthy: { cluster: 'blue', count: 1 } }] });
    at(world, minutes(5));
    const health = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn('blue', 1) }))).TargetHealthDescriptions ?? [];
    expect(health.map((d) => d.TargetHealth?.State)).toEqual(['unhealthy', 'healthy', 'healthy']);
    expect(health[0]?.TargetHealth?.Reason).toBe('Target.ResponseCodeMismatch');
    // Failing from 60 s until the second failed check at 100 s: a third of blue's 100 requests/s.
    expect(world.traffic.perCluster.blue?.failed).toBe(1333);
  });

  it('memory sets the cache memory at its time, visible in CloudWatch', async () => {
    const { world, cloudwatch } = setup({ events: [{ at: '2m', memory: { replicationGroupId: 'blue-cache', percent: 87 } }] });
    at(world, minutes(5));
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(world.state.startedAt),
        EndTime: new Date(world.now()),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ElastiCache',
                MetricName: 'DatabaseMemoryUsagePercentage',
                Dimensions: [
                  { Name: 'CacheClusterId', Value: 'blue-cache-001' },
                  { Name: 'CacheNodeId', Value: '0001' },
                ],
              },
              Period: 60,
              Stat: 'Average',
            },
          },
        ],
      }),
    );
    expect(out.MetricDataResults?.[0]?.Values).toEqual([40, 40, 87, 87]);
  });

  it('targetFlap toggles targets during its window and leaves them healthy after', async () => {
    const { world, elbv2 } = setup({ events: [{ from: '0s', to: '10m', targetFlap: { cluster: 'blue', count: 2, period: '90s' } }] });
    const seen = new Set<string>();
    for (let s = 0; s < 600; s += 30) {
      at(world, seconds(s));
      const health = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn('blue', 1) }))).TargetHealthDescriptions ?? [];
      seen.add(health.map((d) => d.TargetHealth?.State).join(','));
    }
    expect(seen).toContain('unhealthy,unhealthy,healthy');
    expect(seen).toContain('healthy,healthy,healthy');
    at(world, minutes(20));
    const after = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn('blue', 1) }))).TargetHealthDescriptions ?? [];
    expect(after.map((d) => d.TargetHealth?.State)).toEqual(['healthy', 'healthy', 'healthy']);
  });
});

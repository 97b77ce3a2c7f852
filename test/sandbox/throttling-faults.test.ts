import { CloudWatchServiceException, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  APICallRateForCustomerExceededFault,
  DescribeReplicationGroupsCommand,
  ElastiCacheServiceException,
  ModifyReplicationGroupCommand,
  TestFailoverCommand,
} from '@aws-sdk/client-elasticache';
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, type WorldFile } from '../../src/sandbox/index.js';
import { REGION, seconds, tgArn, twoClusters } from './fixtures.js';

const BLUE = tgArn('blue', 1);

function setup(file: WorldFile = {}, maxAttempts?: number) {
  const world = defaultWorldFromPlan(twoClusters(), file);
  return { world, ...createSandboxClients(world, { region: REGION, ...(maxAttempts ? { maxAttempts } : {}) }) };
}

const describeHealth = () => new DescribeTargetHealthCommand({ TargetGroupArn: BLUE });

describe('throttling', () => {
  it('is a token bucket of 40 refilled at 10 per second for ELBv2 Describe calls', async () => {
    const { world, elbv2 } = setup({}, 1);
    for (let i = 0; i < 40; i++) await elbv2.send(describeHealth());
    const error = await elbv2.send(describeHealth()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1 } });
    world.advanceBy(seconds(1));
    for (let i = 0; i < 10; i++) await elbv2.send(describeHealth());
    await expect(elbv2.send(describeHealth())).rejects.toMatchObject({ name: 'Throttling' });
  });

  it('lets the SDK retry middleware retry ELBv2 throttling, waiting on the virtual clock', async () => {
    const { world, elbv2 } = setup();
    for (let i = 0; i < 40; i++) await elbv2.send(describeHealth());
    const before = world.now();
    const out = await elbv2.send(describeHealth());
    expect(out.$metadata.attempts).toBeGreaterThanOrEqual(2);
    expect(world.now()).toBeGreaterThanOrEqual(before + 100);
  });

  it('is retried by the SDK with its own retry strategy too (real sleeps, frozen clock: still throttled)', async () => {
    const world = defaultWorldFromPlan(twoClusters());
    const { elbv2 } = createSandboxClients(world, { region: REGION, retryStrategy: new ConfiguredRetryStrategy(3, 1) });
    for (let i = 0; i < 40; i++) await elbv2.send(describeHealth());
    await expect(elbv2.send(describeHealth())).rejects.toMatchObject({ name: 'Throttling', $metadata: { attempts: 3 } });
  });

  it('answers a throttled ElastiCache Describe with Throttling (HTTP 400), which the SDK retries on the virtual clock', async () => {
    const { world, elasticache } = setup({ elasticache: { throttle: { describe: { bucket: 2, refillPerSecond: 20 } } } });
    await elasticache.send(new DescribeReplicationGroupsCommand({}));
    await elasticache.send(new DescribeReplicationGroupsCommand({}));
    const before = world.now();
    const out = await elasticache.send(new DescribeReplicationGroupsCommand({}));
    expect(out.$metadata.attempts).toBeGreaterThanOrEqual(2);
    expect(world.now()).toBeGreaterThan(before);

    const once = setup({ elasticache: { throttle: { describe: { bucket: 1, refillPerSecond: 1 } } } }, 1);
    await once.elasticache.send(new DescribeReplicationGroupsCommand({}));
    const error = await once.elasticache.send(new DescribeReplicationGroupsCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElastiCacheServiceException);
    expect(error).not.toBeInstanceOf(APICallRateForCustomerExceededFault);
    expect(error).toMatchObject({ name: 'Throttling', Code: 'Throttling', message: 'Rate exceeded', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  });

  it('answers a throttled TestFailover with APICallRateForCustomerExceeded, the one operation whose model declares it; the SDK does not retry it', async () => {
    const { world, elasticache } = setup({ elasticache: { throttle: { mutate: { bucket: 1, refillPerSecond: 0.001 } } } });
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0001' }));
    const error = await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'green-cache', NodeGroupId: '0001' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APICallRateForCustomerExceededFault);
    expect(error).toMatchObject({ Code: 'APICallRateForCustomerExceeded', $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1 } });
    // Any other mutating call throttled by the same bucket answers the common Throttling code.
    const modify = await elasticache
      .send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'green-cache', EngineVersion: '7.1', ApplyImmediately: true }))
      .catch((e: unknown) => e);
    expect(modify).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(world.violations.filter((v) => v.kind === 'sdk-model-mismatch')).toEqual([]);
  });

  it('answers a throttled CloudWatch GetMetricData with Throttling (HTTP 400), which the SDK retries', async () => {
    const { world, cloudwatch } = setup({ cloudwatch: { throttle: { bucket: 1, refillPerSecond: 1 } } }, 1);
    const query = () =>
      new GetMetricDataCommand({
        StartTime: new Date(world.now() - 600_000),
        EndTime: new Date(world.now()),
        MetricDataQueries: [
          { Id: 'q', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount' }, Period: 60, Stat: 'Sum' } },
        ],
      });
    await cloudwatch.send(query());
    const error = await cloudwatch.send(query()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudWatchServiceException);
    expect(error).toMatchObject({ name: 'Throttling', Code: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } });

    const retried = setup({ cloudwatch: { throttle: { bucket: 1, refillPerSecond: 20 } } });
    await retried.cloudwatch.send(query());
    const out = await retried.cloudwatch.send(query());
    expect(out.$metadata.attempts).toBeGreaterThanOrEqual(2);
  });

  it('slows the refill while a throttle event is active', async () => {
    const { world, elbv2 } = setup({ events: [{ from: '0s', to: '10m', throttle: { service: 'elbv2', rate: 0.1 } }] }, 1);
    for (let i = 0; i < 40; i++) await elbv2.send(describeHealth());
    world.advanceBy(seconds(9));
    await expect(elbv2.send(describeHealth())).rejects.toMatchObject({ name: 'Throttling' });
    world.advanceBy(seconds(1));
    await elbv2.send(describeHealth());
    expect(world.mutations.map((m) => [m.command, m.caller])).toEqual([['throttle:start', 'script:throttle']]);
  });
});

describe('injected faults', () => {
  it('throws 503s the SDK retries until its attempts run out', async () => {
    const { elbv2 } = setup({ events: [{ at: '0s', apiFault: { service: 'elbv2', operation: 'DescribeTargetGroups', kind: 'http503' } }] });
    const error = await elbv2.send(new DescribeTargetGroupsCommand({})).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503, attempts: 3 } });
    await elbv2.send(describeHealth());
  });

  it('throws network errors the SDK classifies as transient', async () => {
    const { elasticache } = setup({ events: [{ at: '0s', apiFault: { service: 'elasticache', kind: 'econnreset' } }] });
    const error = await elasticache.send(new DescribeReplicationGroupsCommand({})).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET', $metadata: { attempts: 3 } });
  });

  it('draws probabilistic faults from the seeded generator, so runs repeat exactly', async () => {
    const run = async () => {
      const { elbv2 } = setup({ seed: 7, events: [{ at: '0s', apiFault: { service: 'elbv2', kind: 'http500', rate: 0.5 } }] });
      const attempts: number[] = [];
      for (let i = 0; i < 10; i++) {
        const out = await elbv2.send(describeHealth()).catch((e: { $metadata: { attempts: number } }) => e);
        attempts.push(out.$metadata.attempts ?? 0);
      }
      return attempts;
    };
    const first = await run();
    expect(first.some((a) => a > 1)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it('can fail after the change was applied, so the SDK retry meets its own operation', async () => {
    const file: WorldFile = {
      events: [{ at: '0s', apiFault: { service: 'elasticache', operation: 'TestFailover', kind: 'timeout', when: 'after' } }],
    };
    const once = setup(file, 1);
    const failover = () => new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0001' });
    await expect(once.elasticache.send(failover())).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(once.world.mutations.filter((m) => m.command === 'TestFailover')).toHaveLength(1);

    // With retries the second attempt finds the failover it started: the error hides the success.
    const retried = setup(file);
    await expect(retried.elasticache.send(failover())).rejects.toMatchObject({
      name: 'InvalidReplicationGroupStateFault',
      $metadata: { attempts: 2 },
    });
    expect(retried.world.mutations.filter((m) => m.command === 'TestFailover')).toHaveLength(1);
  });
});

import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import * as elasticacheSdk from '@aws-sdk/client-elasticache';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan } from '../../src/sandbox/index.js';
import { sdkError, validationError, type SdkErrorClass } from '../../src/sandbox/sdk-errors.js';
import { LISTENER_ARN, REGION, tgArn, twoClusters } from './fixtures.js';

// Every error the sandbox throws carries the HTTP status, wire code and fault its model declares: the
// `httpError`, `awsQueryError` and `error` traits of the error's schema in the SDK client package.

function setup() {
  const world = defaultWorldFromPlan(twoClusters());
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );

describe('sandbox errors as the models declare them', () => {
  it('answers an unknown replication group with ReplicationGroupNotFoundFault, HTTP 404', async () => {
    // https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeReplicationGroups.html
    const { elasticache } = setup();
    const error = await caught(elasticache.send(new elasticacheSdk.DescribeReplicationGroupsCommand({ ReplicationGroupId: 'nope' })));
    expect(error).toBeInstanceOf(elasticacheSdk.ReplicationGroupNotFoundFault);
    expect(error).toMatchObject({
      Code: 'ReplicationGroupNotFoundFault',
      Type: 'Sender',
      $fault: 'client',
      $metadata: { httpStatusCode: 404, attempts: 1 },
    });
  });

  it('answers an unknown cache cluster with CacheClusterNotFound, HTTP 404, and an unknown node group with NodeGroupNotFoundFault, HTTP 404', async () => {
    const { elasticache } = setup();
    const cluster = await caught(elasticache.send(new elasticacheSdk.DescribeCacheClustersCommand({ CacheClusterId: 'nope-001' })));
    expect(cluster).toBeInstanceOf(elasticacheSdk.CacheClusterNotFoundFault);
    expect(cluster).toMatchObject({ Code: 'CacheClusterNotFound', $metadata: { httpStatusCode: 404 } });
    const nodeGroup = await caught(elasticache.send(new elasticacheSdk.TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0002' })));
    expect(nodeGroup).toBeInstanceOf(elasticacheSdk.NodeGroupNotFoundFault);
    expect(nodeGroup).toMatchObject({ Code: 'NodeGroupNotFoundFault', $metadata: { httpStatusCode: 404 } });
  });

  it('answers an unknown ELBv2 target group or listener with HTTP 400, as the ELBv2 model declares', async () => {
    const { elbv2 } = setup();
    const group = await caught(elbv2.send(new elbv2Sdk.DescribeTargetHealthCommand({ TargetGroupArn: tgArn('nope', 9) })));
    expect(group).toBeInstanceOf(elbv2Sdk.TargetGroupNotFoundException);
    expect(group).toMatchObject({ Code: 'TargetGroupNotFound', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const listener = await caught(
      elbv2.send(new elbv2Sdk.ModifyListenerCommand({ ListenerArn: `${LISTENER_ARN.slice(0, -1)}0`, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn('blue', 1) }] })),
    );
    expect(listener).toBeInstanceOf(elbv2Sdk.ListenerNotFoundException);
    expect(listener).toMatchObject({ Code: 'ListenerNotFound', $metadata: { httpStatusCode: 400 } });
  });

  it('answers a CloudWatch InvalidParameterValue with its Query-compatible code, HTTP 400', async () => {
    const { world, cloudwatch } = setup();
    const error = await caught(
      cloudwatch.send(new cloudwatchSdk.GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(world.now() - 60_000), EndTime: new Date(world.now()) })),
    );
    expect(error).toBeInstanceOf(cloudwatchSdk.InvalidParameterValueException);
    expect(error).toMatchObject({ Code: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
  });

  it('builds every error shape the three client packages export with the status, code and fault of its schema', () => {
    let checked = 0;
    for (const sdk of [elbv2Sdk, elasticacheSdk, cloudwatchSdk] as Array<Record<string, unknown>>) {
      for (const [key, schema] of Object.entries(sdk)) {
        if (!key.endsWith('$') || !Array.isArray(schema) || schema[0] !== -3 || String(schema[1]).startsWith('smithy.ts.sdk.synthetic.')) continue;
        const Class = sdk[key.slice(0, -1)] as SdkErrorClass<Error>;
        // The schema as the package ships it: [-3, namespace, name, { awsQueryError: [code, status], error, httpError }, ...].
        // A few CloudWatch errors have neither trait: their code is their name and, by Smithy's default, HTTP 400.
        const traits = schema[3] as { awsQueryError?: [string, number]; error: 'client' | 'server'; httpError?: number };
        const error = sdkError(Class, 'message');
        expect(error, key).toBeInstanceOf(Class);
        expect(error, key).toMatchObject({
          Code: traits.awsQueryError?.[0] ?? schema[2],
          $fault: traits.error,
          $metadata: { httpStatusCode: traits.httpError ?? 400 },
        });
        checked += 1;
      }
    }
    // ELBv2, ElastiCache and CloudWatch together model well over a hundred errors.
    expect(checked).toBeGreaterThan(100);
  });

  it('answers the common errors the models do not name as the service base exception with the documented status', () => {
    const error = validationError('elbv2', 'bad');
    expect(error).toBeInstanceOf(elbv2Sdk.ElasticLoadBalancingV2ServiceException);
    expect(error).toMatchObject({ name: 'ValidationError', Code: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  });
});

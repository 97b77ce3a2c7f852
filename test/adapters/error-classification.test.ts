// Every classified error, through every port: what comes out is an AwsCallError with the right
// classification and a one-line message naming the code, the operation and the resource; retryable
// errors are retried on the clock until the budget is spent, fatal ones are thrown at once.
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeListenersCommand, ElasticLoadBalancingV2Client, HealthUnavailableException, TargetGroupNotFoundException } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  APICallRateForCustomerExceededFault,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  InvalidParameterValueException,
  TestFailoverCommand,
} from '@aws-sdk/client-elasticache';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createElbv2Traffic } from '../../src/adapters/elbv2-traffic.js';
import { createElastiCacheCache } from '../../src/adapters/elasticache-cache.js';
import { createCloudWatchMetrics } from '../../src/adapters/cloudwatch-metrics.js';
import { AwsCallError, BudgetExhaustedError, type AwsErrorClassification } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { LISTENER_ARN, awsServiceError, networkError, timeoutError } from '../helpers/aws-fixtures.js';

const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
const elb = mockClient(ElasticLoadBalancingV2Client);
const ec = mockClient(ElastiCacheClient);
const cw = mockClient(CloudWatchClient);
const budget = { budgetMs: 30_000, baseDelayMs: 200, maxDelayMs: 5_000, random: () => 0.5 };
const T0 = Date.UTC(2026, 5, 1, 3, 0, 0);

interface Case {
  label: string;
  make: () => Error;
  classification: AwsErrorClassification;
  code: string;
  /** HTTP attempts the SDK reports per failed call. */
  sdkAttempts: number;
}

const throttled = (label: string, make: () => Error, code: string, sdkAttempts = 3): Case => ({ label, make, classification: 'throttled', code, sdkAttempts });
const transient = (label: string, make: () => Error, code: string, sdkAttempts = 3): Case => ({ label, make, classification: 'transient', code, sdkAttempts });
const fatal = (label: string, make: () => Error, code: string): Case => ({ label, make, classification: 'fatal', code, sdkAttempts: 1 });

const CASES: Case[] = [
  throttled('Throttling', () => awsServiceError({ name: 'Throttling', Code: 'Throttling', status: 400, message: 'Rate exceeded', attempts: 3 }), 'Throttling'),
  throttled('ThrottlingException', () => awsServiceError({ name: 'ThrottlingException', Code: 'ThrottlingException', status: 400, attempts: 3 }), 'ThrottlingException'),
  throttled('TooManyRequestsException', () => awsServiceError({ name: 'TooManyRequestsException', status: 429, attempts: 3 }), 'TooManyRequestsException'),
  throttled('RequestLimitExceeded', () => awsServiceError({ name: 'RequestLimitExceeded', Code: 'RequestLimitExceeded', status: 400, attempts: 3 }), 'RequestLimitExceeded'),
  throttled('RequestThrottled', () => awsServiceError({ name: 'RequestThrottled', Code: 'RequestThrottled', status: 400, attempts: 3 }), 'RequestThrottled'),
  throttled('SlowDown', () => awsServiceError({ name: 'SlowDown', Code: 'SlowDown', status: 503, attempts: 3 }), 'SlowDown'),
  // ElastiCache's own throttle: HTTP 400, and the SDK makes a single attempt.
  throttled(
    'APICallRateForCustomerExceeded (wire code)',
    () => Object.assign(new APICallRateForCustomerExceededFault({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400, attempts: 1 } }), { Code: 'APICallRateForCustomerExceeded' }),
    'APICallRateForCustomerExceeded',
    1,
  ),
  throttled(
    'APICallRateForCustomerExceededFault (class only)',
    () => new APICallRateForCustomerExceededFault({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400, attempts: 1 } }),
    'APICallRateForCustomerExceededFault',
    1,
  ),
  transient('HTTP 500', () => awsServiceError({ name: 'InternalFailure', Code: 'InternalFailure', status: 500, attempts: 3 }), 'InternalFailure'),
  transient('HTTP 502 (unparseable body)', () => awsServiceError({ name: 'Unknown', status: 502, message: 'Unknown', attempts: 3 }), 'HTTP 502'),
  transient('HTTP 503', () => awsServiceError({ name: 'ServiceUnavailable', Code: 'ServiceUnavailable', status: 503, attempts: 3 }), 'ServiceUnavailable'),
  transient('HTTP 504 (unparseable body)', () => awsServiceError({ name: 'Unknown', status: 504, message: 'Unknown', attempts: 3 }), 'HTTP 504'),
  transient('ECONNRESET', () => networkError('ECONNRESET'), 'ECONNRESET'),
  transient('ETIMEDOUT', () => networkError('ETIMEDOUT'), 'ETIMEDOUT'),
  transient('EPIPE', () => networkError('EPIPE'), 'EPIPE'),
  transient('ECONNREFUSED', () => networkError('ECONNREFUSED'), 'ECONNREFUSED'),
  transient('TimeoutError', () => timeoutError(), 'TimeoutError'),
  transient(
    'HealthUnavailable',
    () => Object.assign(new HealthUnavailableException({ message: 'health unavailable', $metadata: { httpStatusCode: 500, attempts: 3 } }), { Code: 'HealthUnavailable' }),
    'HealthUnavailable',
  ),
  fatal(
    'InvalidParameterValue',
    () => Object.assign(new InvalidParameterValueException({ message: 'bad value', $metadata: { httpStatusCode: 400, attempts: 1 } }), { Code: 'InvalidParameterValue' }),
    'InvalidParameterValue',
  ),
  fatal(
    'TargetGroupNotFound',
    () => Object.assign(new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: { httpStatusCode: 400, attempts: 1 } }), { Code: 'TargetGroupNotFound' }),
    'TargetGroupNotFound',
  ),
  fatal('AccessDenied', () => awsServiceError({ name: 'AccessDenied', Code: 'AccessDenied', status: 403, message: 'User is not authorized' }), 'AccessDenied'),
];

interface PortCase {
  port: string;
  service: string;
  operation: string;
  resource: string;
  arrange: (make: () => Error) => void;
  calls: () => number;
  act: (clock: ManualClock) => Promise<unknown>;
}

const PORTS: PortCase[] = [
  {
    port: 'TrafficPort.readForwardConfig',
    service: 'ELBv2',
    operation: 'DescribeListeners',
    resource: LISTENER_ARN,
    arrange: (make) => elb.on(DescribeListenersCommand).callsFake(async () => Promise.reject(make())),
    calls: () => elb.commandCalls(DescribeListenersCommand).length,
    act: (clock) =>
      createElbv2Traffic({ client: new ElasticLoadBalancingV2Client({ region: 'us-east-1', credentials: creds }), clock, budget }).readForwardConfig({
        listenerArn: LISTENER_ARN,
      }),
  },
  {
    port: 'CachePort.describe',
    service: 'ElastiCache',
    operation: 'DescribeReplicationGroups',
    resource: 'payments-blue',
    arrange: (make) => ec.on(DescribeReplicationGroupsCommand).callsFake(async () => Promise.reject(make())),
    calls: () => ec.commandCalls(DescribeReplicationGroupsCommand).length,
    act: (clock) => createElastiCacheCache({ client: new ElastiCacheClient({ region: 'us-east-1', credentials: creds }), clock, budget }).describe('payments-blue'),
  },
  {
    port: 'CachePort.startFailover',
    service: 'ElastiCache',
    operation: 'TestFailover',
    resource: 'payments-blue',
    arrange: (make) => ec.on(TestFailoverCommand).callsFake(async () => Promise.reject(make())),
    calls: () => ec.commandCalls(TestFailoverCommand).length,
    act: (clock) =>
      createElastiCacheCache({ client: new ElastiCacheClient({ region: 'us-east-1', credentials: creds }), clock, budget }).startFailover('payments-blue', {
        method: 'test-failover',
        nodeGroupId: '0001',
      }),
  },
  {
    port: 'MetricsPort.targetGroupMinutes',
    service: 'CloudWatch',
    operation: 'GetMetricData',
    resource: 'RequestCount targetgroup/payments-blue/1111111111111111',
    arrange: (make) => cw.on(GetMetricDataCommand).callsFake(async () => Promise.reject(make())),
    calls: () => cw.commandCalls(GetMetricDataCommand).length,
    act: (clock) =>
      createCloudWatchMetrics({ client: new CloudWatchClient({ region: 'us-east-1', credentials: creds }), clock, budget }).targetGroupMinutes(
        { targetGroup: 'targetgroup/payments-blue/1111111111111111', loadBalancer: 'app/payments/0123456789abcdef' },
        'RequestCount',
        T0,
        T0 + 5 * 60_000,
      ),
  },
];

beforeEach(() => {
  elb.reset();
  ec.reset();
  cw.reset();
});

describe.each(PORTS)('$port', (p) => {
  it.each(CASES)('$label comes out as $classification', async (c) => {
    p.arrange(c.make);
    const clock = new ManualClock(T0, { autoAdvance: true });
    const err = await p.act(clock).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AwsCallError);
    const e = err as AwsCallError;
    expect(e.classification).toBe(c.classification);
    expect(e.code).toBe(c.code);
    expect(e.service).toBe(p.service);
    expect(e.operation).toBe(p.operation);
    expect(e.resource).toBe(p.resource);
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.message).not.toMatch(/\n/);
    expect(e.message.startsWith(`${p.service} ${p.operation} on ${p.resource} failed: ${c.code} (${c.classification}, `)).toBe(true);

    const calls = p.calls();
    expect(e.attempts).toBe(calls * c.sdkAttempts);
    if (c.classification === 'fatal') {
      expect(err).not.toBeInstanceOf(BudgetExhaustedError);
      expect(calls).toBe(1);
      expect(clock.sleeps).toEqual([]);
    } else {
      expect(err).toBeInstanceOf(BudgetExhaustedError);
      expect(calls).toBeGreaterThan(2);
      // Retried on the injected clock, until the budget was spent.
      expect(clock.now() - T0).toBe(budget.budgetMs);
      expect(clock.sleeps.every((ms) => ms <= budget.maxDelayMs)).toBe(true);
      expect(e.message).toContain(`retry budget ${budget.budgetMs} ms spent`);
    }
  });

  it('rethrows an error that is not an AWS error untouched', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    p.arrange(() => bug);
    const err = await p.act(new ManualClock(T0, { autoAdvance: true })).catch((e: unknown) => e);
    expect(err).toBe(bug);
    expect(p.calls()).toBe(1);
  });
});

it('formats the message of an exhausted ElastiCache throttle on one line', async () => {
  ec.on(TestFailoverCommand).callsFake(async () =>
    Promise.reject(
      Object.assign(new APICallRateForCustomerExceededFault({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400, attempts: 1 } }), {
        Code: 'APICallRateForCustomerExceeded',
      }),
    ),
  );
  const clock = new ManualClock(T0, { autoAdvance: true });
  const port = createElastiCacheCache({ client: new ElastiCacheClient({ region: 'us-east-1', credentials: creds }), clock, budget: { ...budget, budgetMs: 10_000 } });
  const err = (await port.startFailover('payments-blue', { method: 'test-failover', nodeGroupId: '0001' }).catch((e: unknown) => e)) as AwsCallError;
  const attempts = ec.commandCalls(TestFailoverCommand).length;
  expect(err.message).toBe(
    `ElastiCache TestFailover on payments-blue failed: APICallRateForCustomerExceeded (throttled, ${attempts} attempts, retry budget 10000 ms spent): Rate exceeded`,
  );
});

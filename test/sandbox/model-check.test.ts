import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeReplicationGroupsCommand, ReplicationGroupNotFoundFault } from '@aws-sdk/client-elasticache';
import { DescribeTargetHealthCommand, ModifyListenerCommand, type ModifyListenerCommandInput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it, vi } from 'vitest';
import { SandboxModelError } from '../../src/sandbox/model-check.js';
import { createSandboxClients, defaultWorldFromPlan } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, tgArn, twoClusters } from './fixtures.js';

// Every sandbox client checks requests, answers and errors against the SDK's own model of the service:
// a mismatch fails the call with a SandboxModelError and is recorded as an `sdk-model-mismatch` violation.

const BLUE = tgArn('blue', 1);
const GREEN = tgArn('green', 2);

function setup() {
  const world = defaultWorldFromPlan(twoClusters());
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

function weights(blue: unknown, green: unknown): ModifyListenerCommandInput {
  return {
    ListenerArn: LISTENER_ARN,
    DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: blue }, { TargetGroupArn: GREEN, Weight: green }] } }],
  } as ModifyListenerCommandInput;
}

async function rejection(promise: Promise<unknown>): Promise<SandboxModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SandboxModelError);
  return error as SandboxModelError;
}

describe('the SDK model check on requests', () => {
  it('refuses an unknown member, which the SDK serializer would silently drop', async () => {
    const { world, elbv2 } = setup();
    const input = { TargetGroupArn: BLUE, IncludeDraining: true } as unknown as ConstructorParameters<typeof DescribeTargetHealthCommand>[0];
    const error = await rejection(elbv2.send(new DescribeTargetHealthCommand(input)));
    expect(error.message).toBe("elbv2 DescribeTargetHealth request does not fit the AWS SDK's model: IncludeDraining: DescribeTargetHealthInput has no member IncludeDraining");
    expect(world.violations).toEqual([
      expect.objectContaining({ kind: 'sdk-model-mismatch', caller: 'quiesce', command: 'DescribeTargetHealth', message: error.message }),
    ]);
  });

  it('refuses a member of the wrong type, deep in the input, and changes nothing', async () => {
    const { world, elbv2 } = setup();
    const error = await rejection(elbv2.send(new ModifyListenerCommand(weights(0, '1'))));
    expect(error.message).toContain('DefaultActions[0].ForwardConfig.TargetGroups[1].Weight: expected a finite number, got string "1"');
    expect(world.weights()).toEqual({ blue: 1, green: 1 });
    expect(world.mutations).toEqual([]);
    expect(world.violations.map((v) => v.kind)).toEqual(['sdk-model-mismatch']);
  });

  it('refuses a missing required member', async () => {
    const { world, elbv2 } = setup();
    const input = {} as ConstructorParameters<typeof DescribeTargetHealthCommand>[0];
    const error = await rejection(elbv2.send(new DescribeTargetHealthCommand(input)));
    expect(error.message).toContain('TargetGroupArn: required member of DescribeTargetHealthInput is missing');
    expect(world.violations).toHaveLength(1);
  });

  it('refuses a timestamp that is not a Date', async () => {
    const { world, cloudwatch } = setup();
    const input = { MetricDataQueries: [], StartTime: world.now() - 60_000, EndTime: new Date(world.now()) } as unknown as ConstructorParameters<typeof GetMetricDataCommand>[0];
    const error = await rejection(cloudwatch.send(new GetMetricDataCommand(input)));
    expect(error.message).toContain('StartTime: expected a timestamp (a valid Date), got number');
  });

  it('refuses a value outside the enum of a member or of a list', async () => {
    const { elbv2 } = setup();
    const action = { ...weights(0, 1), DefaultActions: [{ Type: 'forwards', TargetGroupArn: BLUE }] } as unknown as ModifyListenerCommandInput;
    const error = await rejection(elbv2.send(new ModifyListenerCommand(action)));
    expect(error.message).toContain('DefaultActions[0].Type: expected one of authenticate-cognito, authenticate-oidc, fixed-response, forward, jwt-validation, redirect, got string "forwards"');
    const include = { TargetGroupArn: BLUE, Include: ['AnomalyDetection', 'Everything'] } as unknown as ConstructorParameters<typeof DescribeTargetHealthCommand>[0];
    const listed = await rejection(elbv2.send(new DescribeTargetHealthCommand(include)));
    expect(listed.message).toBe(
      "elbv2 DescribeTargetHealth request does not fit the AWS SDK's model: Include[1]: expected one of All, AnomalyDetection, got string \"Everything\"",
    );
  });

  it('lets a request that fits the model through', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(new ModifyListenerCommand(weights(0, 1)));
    expect(world.weights()).toEqual({ blue: 0, green: 1 });
    expect(world.violations).toEqual([]);
  });
});

describe('the SDK model check on answers', () => {
  it('refuses an answer with a member the model does not have', async () => {
    const { world, elbv2 } = setup();
    vi.spyOn(world, 'handle').mockReturnValue({ TargetHealthDescriptions: [{ Target: { Id: 'i-1', Port: 80 }, Healthy: true }] });
    const error = await rejection(elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: BLUE })));
    expect(error.message).toBe(
      "elbv2 DescribeTargetHealth response does not fit the AWS SDK's model: TargetHealthDescriptions[0].Healthy: TargetHealthDescription has no member Healthy",
    );
    expect(world.violations.map((v) => [v.kind, v.command])).toEqual([['sdk-model-mismatch', 'DescribeTargetHealth']]);
  });

  it('refuses an answer with a member of the wrong type', async () => {
    const { world, elbv2 } = setup();
    vi.spyOn(world, 'handle').mockReturnValue({ TargetHealthDescriptions: [{ Target: { Id: 'i-1', Port: '80' } }] });
    const error = await rejection(elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: BLUE })));
    expect(error.message).toContain('TargetHealthDescriptions[0].Target.Port: expected a finite number, got string "80"');
  });

  it('refuses an answer missing a member the model requires', async () => {
    const { world, elbv2 } = setup();
    vi.spyOn(world, 'handle').mockReturnValue({ TargetHealthDescriptions: [{ Target: { Port: 80 } }] });
    const error = await rejection(elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: BLUE })));
    expect(error.message).toContain('TargetHealthDescriptions[0].Target.Id: required member of TargetDescription is missing');
  });

  it('refuses a value outside the enum of a member, such as a target health state AWS never reports', async () => {
    const { world, elbv2 } = setup();
    vi.spyOn(world, 'handle').mockReturnValue({ TargetHealthDescriptions: [{ Target: { Id: 'i-1' }, TargetHealth: { State: 'Healthy', Reason: 'Target.NotInUse' } }] });
    const error = await rejection(elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: BLUE })));
    expect(error.message).toContain('TargetHealthDescriptions[0].TargetHealth.State: expected one of draining, healthy, initial, unavailable, unhealthy, unhealthy.draining, unused, got string "Healthy"');
    expect(error.message).not.toContain('Reason');
  });

  it('refuses a timestamp answered as a string, where the SDK would hand out a Date', async () => {
    const { world, elasticache } = setup();
    vi.spyOn(world, 'handle').mockReturnValue({ ReplicationGroups: [{ ReplicationGroupId: 'blue-cache', ReplicationGroupCreateTime: '2026-01-05T09:00:00Z' }] });
    const error = await rejection(elasticache.send(new DescribeReplicationGroupsCommand({})));
    expect(error.message).toContain('ReplicationGroups[0].ReplicationGroupCreateTime: expected a timestamp (a valid Date), got string');
  });
});

describe('the SDK model check on errors', () => {
  it('refuses a modeled error with an HTTP status its model does not declare', async () => {
    const { world, elasticache } = setup();
    const wrong = new ReplicationGroupNotFoundFault({ message: 'not found', $metadata: { httpStatusCode: 400 } });
    vi.spyOn(world, 'handle').mockImplementation(() => {
      throw Object.assign(wrong, { Code: 'ReplicationGroupNotFoundFault' });
    });
    const error = await rejection(elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'nope' })));
    expect(error.message).toBe("elasticache DescribeReplicationGroups error does not fit the AWS SDK's model: ReplicationGroupNotFoundFault: HTTP 400, the model says 404");
    expect(error.cause).toBe(wrong);
    expect(world.violations.map((v) => v.kind)).toEqual(['sdk-model-mismatch']);
  });

  it('refuses an error that is neither modeled nor one of the common errors', async () => {
    const { world, elbv2 } = setup();
    const { ElasticLoadBalancingV2ServiceException } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    vi.spyOn(world, 'handle').mockImplementation(() => {
      throw new ElasticLoadBalancingV2ServiceException({ name: 'TargetGroupMissing', $fault: 'client', message: 'x', $metadata: { httpStatusCode: 400 } });
    });
    const error = await rejection(elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: BLUE })));
    expect(error.message).toContain("elbv2 error TargetGroupMissing is neither in the SDK's model nor one of AWS's common errors");
  });
});

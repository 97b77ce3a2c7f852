import {
  CreateRuleCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  InvalidTargetException,
  ModifyListenerCommand,
  PriorityInUseException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, type SandboxWorld } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, seconds, tgArn, twoClusters } from './fixtures.js';

const BLUE = tgArn('blue', 1);
const GREEN = tgArn('green', 2);
const NEW_TARGET = 'i-0123456789abcdef0';

function setup(file = {}) {
  const world = defaultWorldFromPlan(twoClusters(), file);
  const { elbv2 } = createSandboxClients(world, { region: REGION });
  return { world, elbv2 };
}

async function health(elbv2: ReturnType<typeof setup>['elbv2'], arn: string, id?: string): Promise<TargetHealthDescription[]> {
  const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, ...(id ? { Targets: [{ Id: id }] } : {}) }));
  return out.TargetHealthDescriptions ?? [];
}

function weightsTo(blue: number, green: number) {
  return new ModifyListenerCommand({
    ListenerArn: LISTENER_ARN,
    DefaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: blue },
            { TargetGroupArn: GREEN, Weight: green },
          ],
        },
      },
    ],
  });
}

const at = (world: SandboxWorld, s: number) => world.advanceTo(world.state.startedAt + seconds(s));

describe('ELBv2 target health', () => {
  it('shows a deregistered target as draining for the whole delay, then not registered', async () => {
    const { world, elbv2 } = setup();
    const [first] = await health(elbv2, BLUE);
    const id = first?.Target?.Id ?? '';
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: id }] }));
    expect((await health(elbv2, BLUE, id))[0]?.TargetHealth).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
    at(world, 299);
    expect((await health(elbv2, BLUE, id))[0]?.TargetHealth?.State).toBe('draining');
    expect(await health(elbv2, BLUE)).toHaveLength(3);
    at(world, 300);
    expect((await health(elbv2, BLUE, id))[0]?.TargetHealth).toMatchObject({ State: 'unused', Reason: 'Target.NotRegistered' });
    expect(await health(elbv2, BLUE)).toHaveLength(2);
  });

  it('lets DeregisterTargets succeed for a target that is not registered', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: NEW_TARGET }] }));
    expect(await health(elbv2, BLUE)).toHaveLength(3);
    expect(world.mutations.at(-1)).toMatchObject({ command: 'DeregisterTargets', caller: 'quiesce', resource: BLUE });
  });

  it('makes a new target healthy after ONE passing health check, whatever the healthy threshold', async () => {
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html:
    // "After your target is registered, it must pass one health check to be considered healthy."
    const { world, elbv2 } = setup();
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: NEW_TARGET }] }));
    expect((await health(elbv2, BLUE, NEW_TARGET))[0]?.TargetHealth).toMatchObject({
      State: 'initial',
      Reason: 'Elb.RegistrationInProgress',
    });
    // Registration takes 10 s; the first check runs as it ends and is enough (healthy threshold 5 notwithstanding).
    at(world, 9);
    expect((await health(elbv2, BLUE, NEW_TARGET))[0]?.TargetHealth?.State).toBe('initial');
    expect(world.nextChangeAt()).toBe(world.state.startedAt + seconds(10));
    at(world, 10);
    expect((await health(elbv2, BLUE, NEW_TARGET))[0]?.TargetHealth).toEqual({ State: 'healthy' });
  });

  it('still needs the healthy threshold for a target that turned unhealthy to be healthy again', async () => {
    const { world, elbv2 } = setup();
    world.schedule({ from: '0s', to: '60s', targetUnhealthy: { cluster: 'blue', count: 1 } });
    const id = (await health(elbv2, BLUE))[0]?.Target?.Id ?? '';
    // The condition ends at 60 s: 5 consecutive passing checks (every 30 s) before it is healthy again.
    at(world, 60);
    expect((await health(elbv2, BLUE, id))[0]?.TargetHealth?.State).toBe('unhealthy');
    const healthyAt = world.nextChangeAt();
    expect(healthyAt).not.toBeNull();
    expect(healthyAt! - (world.state.startedAt + seconds(60))).toBeGreaterThanOrEqual(seconds(4 * 30));
    world.advanceTo(healthyAt!);
    expect((await health(elbv2, BLUE, id))[0]?.TargetHealth).toEqual({ State: 'healthy' });
  });

  it('honours a world setting of several checks for a new target (a more conservative reading)', async () => {
    const { world, elbv2 } = setup({ defaults: { healthCheck: { newTargetChecks: 5 } } });
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: NEW_TARGET }] }));
    // The 5th passing check is at 10 + 4 * 30 s.
    at(world, 129);
    expect((await health(elbv2, BLUE, NEW_TARGET))[0]?.TargetHealth).toMatchObject({ State: 'initial', Reason: 'Elb.InitialHealthChecking' });
    at(world, 130);
    expect((await health(elbv2, BLUE, NEW_TARGET))[0]?.TargetHealth).toEqual({ State: 'healthy' });
  });

  it('refuses an Availability Zone for targets of an instance target group, and never reports one', async () => {
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html:
    // "This parameter is not supported if the target type of the target group is instance or alb."
    const { world, elbv2 } = setup();
    const [first] = await health(elbv2, BLUE);
    expect(first?.Target).toEqual({ Id: first?.Target?.Id, Port: 80 });
    const id = first?.Target?.Id ?? '';
    const withZone = [{ Id: NEW_TARGET, Port: 80, AvailabilityZone: 'us-east-1a' }];
    const mutations = world.mutations.length;
    for (const send of [
      () => elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: BLUE, Targets: withZone })),
      () => elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: id, AvailabilityZone: 'all' }] })),
      () => elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: BLUE, Targets: withZone })),
    ]) {
      await expect(send()).rejects.toMatchObject({ name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    }
    // Refused, so nothing changed: no new target, none draining.
    expect(world.mutations.length).toBe(mutations);
    expect((await health(elbv2, BLUE)).map((d) => d.TargetHealth?.State)).toEqual(['healthy', 'healthy', 'healthy']);
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: NEW_TARGET, Port: 80 }] }));
    expect((await health(elbv2, BLUE, NEW_TARGET))[0]?.Target).toEqual({ Id: NEW_TARGET, Port: 80 });
  });

  it('keeps health-checking a group whose weight is 0', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(weightsTo(0, 1));
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: NEW_TARGET }] }));
    at(world, 130);
    expect((await health(elbv2, BLUE, NEW_TARGET))[0]?.TargetHealth?.State).toBe('healthy');
    world.schedule({ at: '140s', crashLoop: { cluster: 'blue' } });
    // Unhealthy threshold 2: the checks at 160 s and 190 s fail.
    at(world, 189);
    expect((await health(elbv2, BLUE)).every((d) => d.TargetHealth?.State === 'healthy')).toBe(true);
    at(world, 190);
    const after = await health(elbv2, BLUE);
    expect(after.every((d) => d.TargetHealth?.State === 'unhealthy')).toBe(true);
    expect(after[0]?.TargetHealth?.Reason).toBe('Target.FailedHealthChecks');
  });

  it('reports the targets of a group no rule uses as unused / Target.NotInUse', async () => {
    const { elbv2 } = setup();
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: LISTENER_ARN,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: GREEN, Weight: 1 }] } }],
      }),
    );
    const blue = await health(elbv2, BLUE);
    expect(blue.map((d) => d.TargetHealth?.Reason)).toEqual(['Target.NotInUse', 'Target.NotInUse', 'Target.NotInUse']);
    const groups = await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [BLUE] }));
    expect(groups.TargetGroups?.[0]).toMatchObject({
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      LoadBalancerArns: [],
    });
  });
});

describe('ELBv2 listeners and rules', () => {
  it('replaces the whole action list on ModifyListener', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(weightsTo(0, 1));
    expect(world.weights()).toEqual({ blue: 0, green: 1 });
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: LISTENER_ARN,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: GREEN }],
      }),
    );
    const listener = (await elbv2.send(new DescribeListenersCommand({ ListenerArns: [LISTENER_ARN] }))).Listeners?.[0];
    expect(listener?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups).toEqual([{ TargetGroupArn: GREEN, Weight: 1 }]);
    expect(world.weights()).toEqual({ blue: 0, green: 1 });
  });

  it('rejects weights outside 0-999 and unknown target groups with the SDK error classes', async () => {
    const { elbv2 } = setup();
    await expect(elbv2.send(weightsTo(1000, 1))).rejects.toMatchObject({ name: 'ValidationError', $fault: 'client' });
    const missing = tgArn('missing', 9);
    const error = await elbv2
      .send(new DescribeTargetHealthCommand({ TargetGroupArn: missing }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetGroupNotFoundException);
    await expect(
      elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: BLUE, Targets: [{ Id: 'not-an-instance' }] })),
    ).rejects.toBeInstanceOf(InvalidTargetException);
  });

  it('creates header rules with unique priorities, the default rule last', async () => {
    const { elbv2 } = setup();
    const rule = {
      ListenerArn: LISTENER_ARN,
      Priority: 10,
      Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['blue'] } }],
      Actions: [{ Type: 'forward' as const, TargetGroupArn: BLUE }],
    };
    await elbv2.send(new CreateRuleCommand(rule));
    await expect(elbv2.send(new CreateRuleCommand(rule))).rejects.toBeInstanceOf(PriorityInUseException);
    const rules = (await elbv2.send(new DescribeRulesCommand({ ListenerArn: LISTENER_ARN }))).Rules ?? [];
    expect(rules.map((r) => r.Priority)).toEqual(['10', 'default']);
    expect(rules[1]?.IsDefault).toBe(true);
  });

  it('describes target group attributes with the AWS defaults', async () => {
    const { elbv2 } = setup();
    const out = await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: BLUE }));
    const attributes = Object.fromEntries((out.Attributes ?? []).map((a) => [a.Key, a.Value]));
    expect(attributes).toMatchObject({
      'deregistration_delay.timeout_seconds': '300',
      'stickiness.enabled': 'false',
      'stickiness.lb_cookie.duration_seconds': '86400',
    });
  });

  it('can serve stale reads for a while after a modify', async () => {
    const { world, elbv2 } = setup({ elbv2: { staleReads: '5s' } });
    await elbv2.send(weightsTo(0, 1));
    const read = async () =>
      (await elbv2.send(new DescribeListenersCommand({ ListenerArns: [LISTENER_ARN] }))).Listeners?.[0]?.DefaultActions?.[0]
        ?.ForwardConfig?.TargetGroups?.[0]?.Weight;
    expect(await read()).toBe(1);
    at(world, 5);
    expect(await read()).toBe(0);
  });
});

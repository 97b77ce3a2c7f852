import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  PriorityInUseException,
  RegisterTargetsCommand,
  RuleNotFoundException,
  type Action,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createElbv2Traffic } from '../../src/adapters/elbv2-traffic.js';
import { AwsCallError, RefusedError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { LB_ARN, LISTENER_ARN, RULE_ARN, TG_BLUE, TG_GREEN, awsServiceError } from '../helpers/aws-fixtures.js';

const elb = mockClient(ElasticLoadBalancingV2Client);
const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const CANARY_TG = `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-canary/4444444444444444`;

const authenticate: Action = {
  Type: 'authenticate-oidc',
  Order: 1,
  AuthenticateOidcConfig: {
    Issuer: 'https://idp.example.com',
    AuthorizationEndpoint: 'https://idp.example.com/auth',
    TokenEndpoint: 'https://idp.example.com/token',
    UserInfoEndpoint: 'https://idp.example.com/userinfo',
    ClientId: 'quiesce-test',
  },
};

function forward(blue: number, green: number, sticky = { Enabled: true, DurationSeconds: 300 }): Action {
  return {
    Type: 'forward',
    Order: 2,
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: TG_BLUE, Weight: blue },
        { TargetGroupArn: TG_GREEN, Weight: green },
      ],
      TargetGroupStickinessConfig: sticky,
    },
  };
}

function listenerWith(actions: Action[]) {
  return { Listeners: [{ ListenerArn: LISTENER_ARN, LoadBalancerArn: LB_ARN, DefaultActions: actions }] };
}

function makePort() {
  const log = captureLogger();
  const clock = new ManualClock(1_700_000_000_000, { autoAdvance: true });
  return { port: createElbv2Traffic({ client, clock, budget, logger: log.logger }), log, clock };
}

beforeEach(() => {
  elb.reset();
});

describe('createElbv2Traffic: forward weights', () => {
  it('reads the forward config of the default action, stickiness included', async () => {
    elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER_ARN] }).resolves(listenerWith([authenticate, forward(1, 1)]));
    const { port } = makePort();
    await expect(port.readForwardConfig({ listenerArn: LISTENER_ARN })).resolves.toEqual({
      targetGroups: [
        { targetGroupArn: TG_BLUE, weight: 1 },
        { targetGroupArn: TG_GREEN, weight: 1 },
      ],
      stickiness: { enabled: true, durationSeconds: 300 },
    });
  });

  it('sends no ModifyListener when the weight is already set', async () => {
    elb.on(DescribeListenersCommand).resolves(listenerWith([authenticate, forward(0, 1)]));
    const { port } = makePort();
    const result = await port.setWeight({ listenerArn: LISTENER_ARN }, TG_BLUE, 0);
    expect(result.changed).toBe(false);
    expect(result.after).toEqual(result.before);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(elb).toHaveReceivedCommandTimes(ModifyRuleCommand, 0);
  });

  it('setWeights: several groups in one ModifyListener, planned on the read it replaces; nothing sent when all match', async () => {
    elb.on(DescribeListenersCommand).resolvesOnce(listenerWith([authenticate, forward(0, 1)])).resolves(listenerWith([authenticate, forward(10, 100)]));
    elb.on(ModifyListenerCommand).resolves({});
    const { port } = makePort();
    const seen: number[][] = [];
    const plan = async (live: { targetGroups: Array<{ weight: number }> }) => {
      seen.push(live.targetGroups.map((g) => g.weight));
      return { [TG_BLUE]: 10, [TG_GREEN]: 100 };
    };
    const result = await port.setWeights({ listenerArn: LISTENER_ARN }, TG_BLUE, plan);
    expect(result.changed).toBe(true);
    expect(seen).toEqual([[0, 1]]);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    const sent = elb.commandCalls(ModifyListenerCommand)[0]!.args[0].input.DefaultActions?.[1]?.ForwardConfig;
    expect(sent).toEqual({ TargetGroups: [{ TargetGroupArn: TG_BLUE, Weight: 10 }, { TargetGroupArn: TG_GREEN, Weight: 100 }], TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 } });
    // The same plan again, on a listener that shows it: idempotent.
    const again = await port.setWeights({ listenerArn: LISTENER_ARN }, TG_BLUE, plan);
    expect(again.changed).toBe(false);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
  });

  it('setWeights refuses a weight above 999 or a group not in the forward action, and sends nothing', async () => {
    elb.on(DescribeListenersCommand).resolves(listenerWith([authenticate, forward(0, 1)]));
    const { port } = makePort();
    await expect(port.setWeights({ listenerArn: LISTENER_ARN }, TG_BLUE, async () => ({ [TG_BLUE]: 1000 }))).rejects.toThrow(RefusedError);
    await expect(port.setWeights({ listenerArn: LISTENER_ARN }, TG_BLUE, async () => ({ [CANARY_TG]: 1 }))).rejects.toThrow(/not in the forward action/);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
  });

  it('changes one weight and sends the whole action list: other actions, order, other weights and stickiness kept', async () => {
    elb.on(DescribeListenersCommand).resolves(listenerWith([authenticate, forward(1, 3)]));
    elb.on(ModifyListenerCommand).resolves({});
    const { port } = makePort();
    const result = await port.setWeight({ listenerArn: LISTENER_ARN }, TG_BLUE, 0);

    expect(result.changed).toBe(true);
    expect(result.before.targetGroups).toEqual([
      { targetGroupArn: TG_BLUE, weight: 1 },
      { targetGroupArn: TG_GREEN, weight: 3 },
    ]);
    expect(result.after.targetGroups).toEqual([
      { targetGroupArn: TG_BLUE, weight: 0 },
      { targetGroupArn: TG_GREEN, weight: 3 },
    ]);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    const sent = elb.commandCalls(ModifyListenerCommand)[0]!.args[0].input;
    expect(sent).toEqual({
      ListenerArn: LISTENER_ARN,
      DefaultActions: [
        // Describe* never returns the OIDC secret: the action must ask AWS to keep it.
        { ...authenticate, AuthenticateOidcConfig: { ...authenticate.AuthenticateOidcConfig, UseExistingClientSecret: true } },
        {
          Type: 'forward',
          Order: 2,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: TG_BLUE, Weight: 0 },
              { TargetGroupArn: TG_GREEN, Weight: 3 },
            ],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
          },
        },
      ],
    });
    expect(elb).toHaveReceivedCommandTimes(ModifyRuleCommand, 0);
  });

  it('always sends TargetGroupStickinessConfig, even when the read omitted it', async () => {
    const bare: Action = { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_BLUE, Weight: 1 }, { TargetGroupArn: TG_GREEN, Weight: 1 }] } };
    elb.on(DescribeListenersCommand).resolves(listenerWith([bare]));
    elb.on(ModifyListenerCommand).resolves({});
    const { port } = makePort();
    await port.setWeight({ listenerArn: LISTENER_ARN }, TG_GREEN, 0);
    const sent = elb.commandCalls(ModifyListenerCommand)[0]!.args[0].input.DefaultActions![0]!;
    expect(sent.ForwardConfig?.TargetGroupStickinessConfig).toEqual({ Enabled: false });
  });

  it('turns a single-group TargetGroupArn forward into a ForwardConfig without TargetGroupArn', async () => {
    const single: Action = {
      Type: 'forward',
      TargetGroupArn: TG_BLUE,
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_BLUE, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } },
    };
    elb.on(DescribeListenersCommand).resolves(listenerWith([single]));
    elb.on(ModifyListenerCommand).resolves({});
    const { port } = makePort();
    await port.setWeight({ listenerArn: LISTENER_ARN }, TG_BLUE, 0);
    const sent = elb.commandCalls(ModifyListenerCommand)[0]!.args[0].input.DefaultActions![0]!;
    expect(sent).toEqual({
      Type: 'forward',
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_BLUE, Weight: 0 }], TargetGroupStickinessConfig: { Enabled: false } },
    });
  });

  it('uses DescribeRules and ModifyRule when the forward lives in a rule', async () => {
    const rule: Rule = {
      RuleArn: RULE_ARN,
      Priority: '10',
      Conditions: [{ Field: 'path-pattern', Values: ['/pay/*'] }],
      Actions: [forward(2, 2, { Enabled: false, DurationSeconds: 3600 })],
    };
    elb.on(DescribeRulesCommand, { RuleArns: [RULE_ARN] }).resolves({ Rules: [rule] });
    elb.on(ModifyRuleCommand).resolves({});
    const { port } = makePort();
    const result = await port.setWeight({ listenerArn: LISTENER_ARN, ruleArn: RULE_ARN }, TG_GREEN, 0);

    expect(result.changed).toBe(true);
    expect(elb).toHaveReceivedCommandTimes(DescribeListenersCommand, 0);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(elb).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: RULE_ARN,
      Actions: [
        {
          Type: 'forward',
          Order: 2,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: TG_BLUE, Weight: 2 },
              { TargetGroupArn: TG_GREEN, Weight: 0 },
            ],
            TargetGroupStickinessConfig: { Enabled: false, DurationSeconds: 3600 },
          },
        },
      ],
    });
    // Conditions are not part of the write: ModifyRule leaves what it is not given.
    expect(elb.commandCalls(ModifyRuleCommand)[0]!.args[0].input.Conditions).toBeUndefined();
  });

  it('refuses a group that is not in the forward action, and a weight outside 0..999', async () => {
    elb.on(DescribeListenersCommand).resolves(listenerWith([forward(1, 1)]));
    const { port } = makePort();
    await expect(port.setWeight({ listenerArn: LISTENER_ARN }, CANARY_TG, 0)).rejects.toBeInstanceOf(RefusedError);
    await expect(port.setWeight({ listenerArn: LISTENER_ARN }, TG_BLUE, 1000)).rejects.toBeInstanceOf(RefusedError);
    await expect(port.setWeight({ listenerArn: LISTENER_ARN }, TG_BLUE, 0.5)).rejects.toBeInstanceOf(RefusedError);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
  });

  it('refuses a location without a forward action', async () => {
    elb.on(DescribeListenersCommand).resolves(
      listenerWith([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }]),
    );
    const { port } = makePort();
    await expect(port.readForwardConfig({ listenerArn: LISTENER_ARN })).rejects.toThrow(/has no forward action/);
  });

  it('verifyWeight: a read-back mismatch is "not yet", a match is ok, a missing group is not-yet with live null', async () => {
    const { port } = makePort();
    elb.on(DescribeListenersCommand).resolvesOnce(listenerWith([forward(1, 1)])).resolvesOnce(listenerWith([forward(0, 1)]));
    await expect(port.verifyWeight({ listenerArn: LISTENER_ARN }, TG_BLUE, 0)).resolves.toEqual({
      status: 'not-yet',
      live: 1,
      expected: 0,
    });
    await expect(port.verifyWeight({ listenerArn: LISTENER_ARN }, TG_BLUE, 0)).resolves.toEqual({ status: 'ok', live: 0 });

    elb.on(DescribeListenersCommand).resolves(listenerWith([forward(1, 1)]));
    await expect(port.verifyWeight({ listenerArn: LISTENER_ARN }, CANARY_TG, 0)).resolves.toEqual({
      status: 'not-yet',
      live: null,
      expected: 0,
    });
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
  });
});

describe('createElbv2Traffic: targets', () => {
  it('reports targets still registered after a successful DeregisterTargets (draining counts, NotRegistered does not)', async () => {
    elb.on(DeregisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: 'i-0abc', Port: 8080 }, TargetHealth: { State: 'draining', Reason: 'Target.DeregistrationInProgress' } },
        { Target: { Id: 'i-0def', Port: 8080 }, TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered' } },
        { Target: { Id: 'i-0ghi', Port: 8080 }, TargetHealth: { State: 'unused', Reason: 'Target.InvalidState' } },
      ],
    });
    const { port } = makePort();
    await port.deregisterTargets(TG_BLUE, [{ id: 'i-0abc', port: 8080 }, { id: 'i-0def', port: 8080 }]);
    expect(elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, {
      TargetGroupArn: TG_BLUE,
      Targets: [
        { Id: 'i-0abc', Port: 8080 },
        { Id: 'i-0def', Port: 8080 },
      ],
    });
    await expect(port.listTargets(TG_BLUE)).resolves.toEqual([
      { id: 'i-0abc', port: 8080 },
      { id: 'i-0ghi', port: 8080 },
    ]);
  });

  it('describes health for given targets, with state and reason', async () => {
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: '10.0.1.5', Port: 80, AvailabilityZone: 'us-east-1a' }, TargetHealth: { State: 'healthy' } },
        {
          Target: { Id: '10.0.1.6', Port: 80 },
          TargetHealth: { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' },
        },
      ],
    });
    const { port } = makePort();
    const health = await port.describeTargetHealth(TG_BLUE, [{ id: '10.0.1.5', port: 80, availabilityZone: 'us-east-1a' }, { id: '10.0.1.6', port: 80 }]);
    expect(health).toEqual([
      { target: { id: '10.0.1.5', port: 80, availabilityZone: 'us-east-1a' }, state: 'healthy' },
      { target: { id: '10.0.1.6', port: 80 }, state: 'unhealthy', reason: 'Target.Timeout', description: 'Request timed out' },
    ]);
    expect(elb).toHaveReceivedCommandWith(DescribeTargetHealthCommand, {
      TargetGroupArn: TG_BLUE,
      Targets: [{ Id: '10.0.1.5', Port: 80, AvailabilityZone: 'us-east-1a' }, { Id: '10.0.1.6', Port: 80 }],
    });
  });

  it('never sends or keeps an Availability Zone for an instance target (AWS: not supported for target type instance)', async () => {
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html:
    // "This parameter is not supported if the target type of the target group is instance or alb."
    elb.on(RegisterTargetsCommand).resolves({});
    elb.on(DeregisterTargetsCommand).resolves({});
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: 'i-0abc', Port: 80, AvailabilityZone: 'us-east-1a' }, TargetHealth: { State: 'healthy' } }],
    });
    const { port } = makePort();
    // A target list saved by an earlier version may carry the zone: it is dropped on the way out.
    const saved = [{ id: 'i-0abc', port: 80, availabilityZone: 'us-east-1a' }];
    await port.deregisterTargets(TG_BLUE, saved);
    await port.registerTargets(TG_BLUE, saved);
    const health = await port.describeTargetHealth(TG_BLUE, saved);
    const sent = (command: Parameters<typeof elb.commandCalls>[0]) => elb.commandCalls(command).map((c) => (c.args[0].input as { Targets?: unknown }).Targets);
    expect(sent(DeregisterTargetsCommand)).toEqual([[{ Id: 'i-0abc', Port: 80 }]]);
    expect(sent(RegisterTargetsCommand)).toEqual([[{ Id: 'i-0abc', Port: 80 }]]);
    expect(sent(DescribeTargetHealthCommand)).toEqual([[{ Id: 'i-0abc', Port: 80 }]]);
    // ...and never read into a target list that would be saved and sent back.
    expect(health).toEqual([{ target: { id: 'i-0abc', port: 80 }, state: 'healthy' }]);
  });

  it('registers targets, and sends nothing for an empty list', async () => {
    elb.on(RegisterTargetsCommand).resolves({});
    const { port } = makePort();
    await port.registerTargets(TG_BLUE, []);
    await port.deregisterTargets(TG_BLUE, []);
    expect(elb).toHaveReceivedCommandTimes(RegisterTargetsCommand, 0);
    expect(elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 0);
    await port.registerTargets(TG_BLUE, [{ id: 'i-0abc', port: 8080 }]);
    expect(elb).toHaveReceivedCommandWith(RegisterTargetsCommand, { TargetGroupArn: TG_BLUE, Targets: [{ Id: 'i-0abc', Port: 8080 }] });
  });

  it('describes a target group with its attributes (deregistration delay, target-group stickiness)', async () => {
    elb.on(DescribeTargetGroupsCommand, { TargetGroupArns: [TG_BLUE] }).resolves({
      TargetGroups: [
        {
          TargetGroupArn: TG_BLUE,
          LoadBalancerArns: [LB_ARN],
          TargetType: 'instance',
          HealthCheckIntervalSeconds: 10,
          HealthCheckTimeoutSeconds: 5,
          HealthyThresholdCount: 3,
          UnhealthyThresholdCount: 2,
          HealthCheckPath: '/healthz',
          Matcher: { HttpCode: '200-299' },
        },
      ],
    });
    elb.on(DescribeTargetGroupAttributesCommand, { TargetGroupArn: TG_BLUE }).resolves({
      Attributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: '45' },
        { Key: 'stickiness.enabled', Value: 'true' },
        { Key: 'stickiness.type', Value: 'app_cookie' },
        { Key: 'stickiness.lb_cookie.duration_seconds', Value: '86400' },
        { Key: 'stickiness.app_cookie.duration_seconds', Value: '600' },
      ],
    });
    const { port } = makePort();
    await expect(port.describeTargetGroup(TG_BLUE)).resolves.toEqual({
      targetGroupArn: TG_BLUE,
      loadBalancerArns: [LB_ARN],
      targetType: 'instance',
      deregistrationDelaySeconds: 45,
      healthCheck: { intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 2, matcher: '200-299', path: '/healthz' },
      stickiness: { enabled: true, type: 'app_cookie', durationSeconds: 600 },
    });
  });

  it('finds the load balancer DNS name through the listener', async () => {
    elb.on(DescribeListenersCommand).resolves(listenerWith([forward(1, 1)]));
    elb.on(DescribeLoadBalancersCommand, { LoadBalancerArns: [LB_ARN] }).resolves({
      LoadBalancers: [{ LoadBalancerArn: LB_ARN, DNSName: 'payments-123.us-east-1.elb.amazonaws.com' }],
    });
    const { port } = makePort();
    await expect(port.loadBalancerDnsName(LISTENER_ARN)).resolves.toBe('payments-123.us-east-1.elb.amazonaws.com');
  });
});

describe('createElbv2Traffic: canary rules', () => {
  const ruleAt = (priority: string, extra: Partial<Rule> = {}): Rule => ({
    RuleArn: `${RULE_ARN.slice(0, -4)}${priority.padStart(4, '0')}`,
    Priority: priority,
    Conditions: [{ Field: 'path-pattern', Values: [`/p${priority}/*`] }],
    Actions: [forward(1, 1)],
    ...extra,
  });
  const defaultRule: Rule = { RuleArn: `${RULE_ARN.slice(0, -4)}dflt`, Priority: 'default', IsDefault: true, Actions: [forward(1, 1)] };
  const canaryCondition = { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: ['run-1'] } };
  /** A canary rule as createCanaryRule makes them, for header value `value`. */
  const canaryAt = (priority: string, value: string): Rule =>
    ruleAt(priority, {
      Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: [value] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: CANARY_TG, ForwardConfig: { TargetGroups: [{ TargetGroupArn: CANARY_TG, Weight: 1 }] } }],
    });
  const tagged = (rules: Array<[Rule, string]>) => ({ TagDescriptions: rules.map(([r, value]) => ({ ResourceArn: r.RuleArn, Tags: [{ Key: 'quiesce:canary', Value: value }] })) });
  const spec = { targetGroupArn: CANARY_TG, headerName: 'X-Quiesce-Canary', headerValue: 'run-1', tag: 'run-1/blue' };

  it('creates an http-header rule tagged with the caller\'s tag, at the lowest free priority ahead of every rule that could take its requests', async () => {
    // Priority 1 holds another cluster's canary (it demands another header value): passed over.
    const other = canaryAt('1', 'run-1-green');
    elb.on(DescribeRulesCommand).resolves({ Rules: [other, ruleAt('5'), defaultRule] });
    elb.on(DescribeTagsCommand).resolves(tagged([[other, 'run-1/green']]));
    elb.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: 'arn:new-rule', Priority: '2' }] });
    const { port } = makePort();
    const rule = await port.createCanaryRule(LISTENER_ARN, spec);
    expect(rule).toEqual({ ruleArn: 'arn:new-rule', priority: 2, headerName: 'X-Quiesce-Canary', headerValue: 'run-1', targetGroupArn: CANARY_TG, tag: 'run-1/blue' });
    expect(elb).toHaveReceivedCommandWith(CreateRuleCommand, {
      ListenerArn: LISTENER_ARN,
      Priority: 2,
      Conditions: [canaryCondition],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: CANARY_TG, Weight: 1 }] } }],
      Tags: [{ Key: 'quiesce:canary', Value: 'run-1/blue' }],
    });
    // Tags are read only for the rule shaped like a canary rule.
    expect(elb).toHaveReceivedCommandWith(DescribeTagsCommand, { ResourceArns: [other.RuleArn!] });
  });

  it('refuses when no free priority is ahead of a rule that could take the canary request, and creates nothing', async () => {
    elb.on(DescribeRulesCommand).resolves({ Rules: [ruleAt('1'), ruleAt('5'), defaultRule] });
    const { port } = makePort();
    const err = await port.createCanaryRule(LISTENER_ARN, spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as Error).message).toBe(
      `no free rule priority below 1 on listener ${LISTENER_ARN} (rule ${ruleAt('1').RuleArn} at priority 1 could take the canary request): canary requests would not reach ${CANARY_TG}`,
    );
    expect(elb).toHaveReceivedCommandTimes(CreateRuleCommand, 0);
  });

  it('on PriorityInUse from another writer, reads the rules afresh and takes the next free priority ahead of them', async () => {
    const theirs = canaryAt('1', 'somebody-else');
    elb.on(DescribeRulesCommand).resolvesOnce({ Rules: [ruleAt('5'), defaultRule] }).resolves({ Rules: [theirs, ruleAt('5'), defaultRule] });
    elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: theirs.RuleArn, Tags: [] }] });
    elb.on(CreateRuleCommand, { Priority: 1 }).rejects(new PriorityInUseException({ message: 'Priority 1 is currently in use', $metadata: { httpStatusCode: 400 } }));
    elb.on(CreateRuleCommand, { Priority: 2 }).resolves({ Rules: [{ RuleArn: 'arn:new-rule', Priority: '2' }] });
    const { port } = makePort();
    const rule = await port.createCanaryRule(LISTENER_ARN, spec);
    expect(rule.priority).toBe(2);
    expect(elb).toHaveReceivedCommandTimes(CreateRuleCommand, 2);
  });

  it('a CreateRule that failed after taking effect: its retry meets PriorityInUse from the rule it made, which is found by its tag and used', async () => {
    const made = canaryAt('1', 'run-1');
    elb.on(DescribeRulesCommand).resolvesOnce({ Rules: [ruleAt('5'), defaultRule] }).resolves({ Rules: [made, ruleAt('5'), defaultRule] });
    elb.on(DescribeTagsCommand).resolves(tagged([[made, 'run-1/blue']]));
    elb
      .on(CreateRuleCommand)
      .rejectsOnce(awsServiceError({ name: 'InternalFailure', Code: 'InternalFailure', status: 500 }))
      .rejects(new PriorityInUseException({ message: 'Priority 1 is currently in use', $metadata: { httpStatusCode: 400 } }));
    const { port, log } = makePort();
    const rule = await port.createCanaryRule(LISTENER_ARN, spec);
    expect(rule).toMatchObject({ ruleArn: made.RuleArn, priority: 1, tag: 'run-1/blue' });
    // The 500 and its retry; no second rule at another priority.
    expect(elb).toHaveReceivedCommandTimes(CreateRuleCommand, 2);
    expect(log.text()).toContain('CreateRule failed after creating the rule; found it by its tag');
  });

  it('reuses the rule carrying its tag (a crashed attempt), not one that only has its header value', async () => {
    const lookalike = canaryAt('3', 'RUN-1');
    const mine = canaryAt('2', 'run-1');
    elb.on(DescribeRulesCommand).resolves({ Rules: [lookalike, mine, ruleAt('9'), defaultRule] });
    elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: lookalike.RuleArn, Tags: [] }, { ResourceArn: mine.RuleArn, Tags: [{ Key: 'quiesce:canary', Value: 'run-1/blue' }] }] });
    const { port } = makePort();
    const rule = await port.createCanaryRule(LISTENER_ARN, spec);
    expect(rule.ruleArn).toBe(mine.RuleArn);
    expect(elb).toHaveReceivedCommandTimes(CreateRuleCommand, 0);
  });

  it('replaces its own rule when another rule that could take the canary request has come ahead of it', async () => {
    const mine = canaryAt('4', 'run-1');
    elb.on(DescribeRulesCommand).resolves({ Rules: [ruleAt('3'), mine, defaultRule] });
    elb.on(DescribeTagsCommand).resolves(tagged([[mine, 'run-1/blue']]));
    elb.on(DeleteRuleCommand).resolves({});
    elb.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: 'arn:new-rule', Priority: '1' }] });
    const { port } = makePort();
    const rule = await port.createCanaryRule(LISTENER_ARN, spec);
    expect(rule).toMatchObject({ ruleArn: 'arn:new-rule', priority: 1 });
    expect(elb).toHaveReceivedCommandWith(DeleteRuleCommand, { RuleArn: mine.RuleArn });
  });

  it('reads every rule of every listener of the load balancer, across pages, with the tags of canary-shaped rules', async () => {
    const OTHER_LISTENER = `${LISTENER_ARN.slice(0, -16)}aaaaaaaaaaaaaaaa`;
    const canary = canaryAt('5', 'run-1');
    const withHeaderAndPath = ruleAt('6', { Conditions: [canaryCondition, { Field: 'path-pattern', Values: ['/admin/*'] }] });
    const legacy: Rule = { RuleArn: `${RULE_ARN.slice(0, -4)}lgcy`, Priority: '3', Conditions: [{ Field: 'host-header', Values: ['reports.example.com'] }], Actions: [{ Type: 'forward', TargetGroupArn: TG_BLUE }] };
    elb
      .on(DescribeListenersCommand, { LoadBalancerArn: LB_ARN })
      .resolvesOnce({ Listeners: [{ ListenerArn: LISTENER_ARN }], NextMarker: 'l-2' })
      .resolvesOnce({ Listeners: [{ ListenerArn: OTHER_LISTENER }] });
    elb
      .on(DescribeRulesCommand, { ListenerArn: LISTENER_ARN })
      .resolvesOnce({ Rules: [ruleAt('1'), withHeaderAndPath], NextMarker: 'page-2' })
      .resolvesOnce({ Rules: [canary, defaultRule] });
    elb.on(DescribeRulesCommand, { ListenerArn: OTHER_LISTENER }).resolves({ Rules: [legacy, { RuleArn: 'arn:other-default', Priority: 'default', IsDefault: true, Actions: [forward(0, 1)] }] });
    elb.on(DescribeTagsCommand).resolves(tagged([[canary, 'run-1/blue']]));
    const { port } = makePort();
    const listeners = await port.listenersOf(LISTENER_ARN);
    expect(listeners).toEqual([LISTENER_ARN, OTHER_LISTENER]);
    const rules = await port.readRules(listeners);
    expect(rules.map((r) => [r.listenerArn === LISTENER_ARN ? 'fleet' : 'other', r.priority, r.canaryTag ?? null])).toEqual([
      ['fleet', 1, null],
      ['fleet', 6, null],
      ['fleet', 5, 'run-1/blue'],
      ['fleet', null, null],
      ['other', 3, null],
      ['other', null, null],
    ]);
    expect(rules[4]).toMatchObject({ forward: { targetGroups: [{ targetGroupArn: TG_BLUE, weight: 1 }] }, headerConditions: [], otherConditions: 1 });
    expect(rules[5]?.forward?.targetGroups).toEqual([{ targetGroupArn: TG_BLUE, weight: 0 }, { targetGroupArn: TG_GREEN, weight: 1 }]);
    expect(elb).toHaveReceivedNthCommandWith(DescribeRulesCommand, 2, { ListenerArn: LISTENER_ARN, Marker: 'page-2' });
    expect(elb).toHaveReceivedCommandTimes(DescribeTagsCommand, 1);
    expect(elb).toHaveReceivedCommandWith(DescribeTagsCommand, { ResourceArns: [canary.RuleArn!] });
  });

  it('treats RuleNotFound on delete as already deleted, and logs it', async () => {
    elb.on(DeleteRuleCommand).rejects(new RuleNotFoundException({ message: 'One or more rules not found', $metadata: { httpStatusCode: 400 } }));
    const { port, log } = makePort();
    await expect(port.deleteCanaryRule('arn:gone')).resolves.toBeUndefined();
    expect(log.text()).toContain('canary rule already deleted');
  });

  it('deletes a rule, and surfaces any other delete failure', async () => {
    const { port } = makePort();
    elb.on(DeleteRuleCommand).resolves({});
    await port.deleteCanaryRule('arn:rule');
    expect(elb).toHaveReceivedCommandWith(DeleteRuleCommand, { RuleArn: 'arn:rule' });

    elb.on(DeleteRuleCommand).rejects(awsServiceError({ name: 'AccessDenied', Code: 'AccessDenied', status: 403 }));
    const err = await port.deleteCanaryRule('arn:rule').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect((err as AwsCallError).message).toBe('ELBv2 DeleteRule on arn:rule failed: AccessDenied (fatal, 1 attempt): AccessDenied happened');
  });
});

describe('createElbv2Traffic: many locations in few calls', () => {
  const listener = (n: number) => LISTENER_ARN.replace(/[0-9a-f]{16}$/, n.toString(16).padStart(16, '0'));

  it('reads 25 listeners in two DescribeListeners (20, then 5) and a rule by RuleArns, answering in the order asked', async () => {
    const arns = Array.from({ length: 25 }, (_, i) => listener(i + 1));
    elb.on(DescribeListenersCommand).callsFake((input: { ListenerArns: string[] }) => ({
      Listeners: input.ListenerArns.map((arn, i) => ({ ListenerArn: arn, LoadBalancerArn: LB_ARN, DefaultActions: [forward(i % 2, 1)] })),
    }));
    elb.on(DescribeRulesCommand, { RuleArns: [RULE_ARN] }).resolves({ Rules: [{ RuleArn: RULE_ARN, Priority: '10', Actions: [forward(7, 3)] }] });
    const { port } = makePort();
    const locations = [{ listenerArn: LISTENER_ARN, ruleArn: RULE_ARN }, ...arns.map((listenerArn) => ({ listenerArn }))];
    const read = await port.readForwardConfigs(locations);
    expect(elb).toHaveReceivedCommandTimes(DescribeListenersCommand, 2);
    expect(elb.commandCalls(DescribeListenersCommand).map((c) => c.args[0].input.ListenerArns?.length)).toEqual([20, 5]);
    expect(elb).toHaveReceivedCommandTimes(DescribeRulesCommand, 1);
    expect(read).toHaveLength(26);
    expect(read[0]!.targetGroups.map((g) => g.weight)).toEqual([7, 3]);
    // Each answer is its own listener's, whatever its place in the batch.
    for (let i = 0; i < 25; i++) expect(read[i + 1]!.targetGroups[0]!.weight).toBe((i % 20) % 2);
  });

  it('a listener AWS does not return is an error naming it, not a forward of nothing', async () => {
    elb.on(DescribeListenersCommand).resolves({ Listeners: [] });
    const { port } = makePort();
    await expect(port.readForwardConfigs([{ listenerArn: LISTENER_ARN }])).rejects.toThrow(/DescribeListeners returned nothing for/);
  });
});

// Elastic Load Balancing v2 as quiesce uses it: listeners with weighted forward actions,
// rules, target groups, targets and their health (see target-health.ts).
import {
  InvalidConfigurationRequestException,
  InvalidLoadBalancerActionException,
  InvalidTargetException,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  OperationNotPermittedException,
  PriorityInUseException,
  RuleNotFoundException,
  TargetGroupAssociationLimitException,
  TargetGroupNotFoundException,
  TooManyRulesException,
  type Action,
  type DeleteRuleInput,
  type DeregisterTargetsInput,
  type DescribeListenersInput,
  type DescribeListenersOutput,
  type DescribeLoadBalancersInput,
  type DescribeLoadBalancersOutput,
  type DescribeRulesInput,
  type DescribeRulesOutput,
  type DescribeTagsInput,
  type DescribeTagsOutput,
  type DescribeTargetGroupAttributesInput,
  type DescribeTargetGroupAttributesOutput,
  type DescribeTargetGroupsInput,
  type DescribeTargetGroupsOutput,
  type DescribeTargetHealthInput,
  type DescribeTargetHealthOutput,
  type CreateRuleInput,
  type CreateRuleOutput,
  type Listener,
  type LoadBalancer,
  type ModifyListenerInput,
  type ModifyListenerOutput,
  type ModifyRuleInput,
  type ModifyRuleOutput,
  type ModifyTargetGroupAttributesInput,
  type ModifyTargetGroupAttributesOutput,
  type RegisterTargetsInput,
  type Rule,
  type RuleCondition,
  type TargetDescription,
  type TargetGroup,
  type TargetGroupAttribute,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { listenerRuleArn, parseListenerArn } from './arns.js';
import { command, paginate, type CommandSpec } from './command-spec.js';
import { targetGroupsPerForward } from './elbv2-quotas.js';
import { forwardGroups, normalizeActions } from './elbv2-routing.js';
import { sdkError, validationError } from './sdk-errors.js';
import { conditionOf, describeHealth, notRegistered } from './target-health.js';
import type { ListenerState, LoadBalancerState, RuleState, TargetGroupState, TargetState } from './state.js';
import { jsonCopy } from './json-copy.js';
import type { WorldCore } from './world-core.js';

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const MAX_RULES_PER_LISTENER = 100;
const MAX_HEADER_VALUES = 3;

// ---------------------------------------------------------------- lookups

function findListener(core: WorldCore, arn: string | undefined): ListenerState {
  const listener = core.state.elbv2.listeners.find((l) => l.arn === arn);
  if (!listener) throw sdkError(ListenerNotFoundException, 'One or more listeners not found');
  return listener;
}

function findLoadBalancer(core: WorldCore, arn: string | undefined): LoadBalancerState {
  const lb = core.state.elbv2.loadBalancers.find((l) => l.arn === arn);
  if (!lb) throw sdkError(LoadBalancerNotFoundException, 'One or more load balancers not found');
  return lb;
}

function findGroup(core: WorldCore, arn: string | undefined): TargetGroupState {
  const group = arn === undefined ? undefined : core.targetGroup(arn);
  if (!group) throw sdkError(TargetGroupNotFoundException, 'One or more target groups not found');
  return group;
}

type FoundRule = { kind: 'rule'; rule: RuleState } | { kind: 'default'; listener: ListenerState };

function findRule(core: WorldCore, arn: string | undefined): FoundRule {
  const rule = core.state.elbv2.rules.find((r) => r.arn === arn);
  if (rule) return { kind: 'rule', rule };
  const listener = core.state.elbv2.listeners.find((l) => l.defaultRuleArn === arn);
  if (listener) return { kind: 'default', listener };
  throw sdkError(RuleNotFoundException, 'One or more rules not found');
}

// ---------------------------------------------------------------- validation

function validateActions(core: WorldCore, actions: Action[] | undefined, loadBalancerArn: string): Action[] {
  if (!actions || actions.length === 0) throw validationError('elbv2', 'At least one action must be specified');
  const limit = targetGroupsPerForward(core.state.settings.elbv2);
  for (const action of actions) {
    switch (action.Type) {
      case 'forward':
        validateForward(core, action, limit, loadBalancerArn);
        break;
      case 'fixed-response':
      case 'redirect':
      case 'authenticate-oidc':
      case 'authenticate-cognito':
      case 'jwt-validation':
        break;
      default:
        throw validationError('elbv2', `Action type '${String(action.Type)}' is not valid`);
    }
  }
  return normalizeActions(actions);
}

function validateForward(core: WorldCore, action: Action, limit: number, loadBalancerArn: string): void {
  const tuples = action.ForwardConfig?.TargetGroups ?? [];
  if (action.TargetGroupArn && tuples.length > 0) {
    const single = tuples.length === 1 && tuples[0]?.TargetGroupArn === action.TargetGroupArn;
    if (!single) {
      throw sdkError(
        InvalidLoadBalancerActionException,
        'You cannot specify both a target group ARN and a forward config with different target groups',
      );
    }
  }
  const groups = forwardGroups(action);
  if (groups.length === 0) throw validationError('elbv2', 'A forward action must specify at least one target group');
  // The quota (elbv2-quotas.ts); the docs name no error code for it: ValidationError, unconfirmed.
  if (groups.length > limit) {
    throw validationError('elbv2', `A forward action can have at most ${limit} target groups`);
  }
  const seen = new Set<string>();
  for (const g of groups) {
    const group = findGroup(core, g.arn);
    // A target group is used with one load balancer: listeners naming it must all be the same ALB's
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-target-group.html).
    // The sandbox's groups belong to their load balancer from the build on, used or not (stricter than AWS
    // for a group no listener uses yet; no command creates or frees one).
    if (group.loadBalancerArn !== loadBalancerArn) {
      throw sdkError(TargetGroupAssociationLimitException, `The following target groups cannot be associated with more than one load balancer: ${group.arn}`);
    }
    if (seen.has(g.arn)) throw validationError('elbv2', `Target group '${g.arn}' is specified more than once`);
    seen.add(g.arn);
    if (!Number.isInteger(g.weight) || g.weight < 0 || g.weight > 999) {
      throw validationError('elbv2', `Weight must be an integer between 0 and 999, got ${g.weight}`);
    }
  }
  const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
  if (stickiness?.Enabled) {
    const d = stickiness.DurationSeconds;
    if (d === undefined || !Number.isInteger(d) || d < 1 || d > 604_800) {
      throw validationError('elbv2', 'Stickiness duration must be between 1 and 604800 seconds');
    }
  }
}

const CONDITION_FIELDS = new Set(['http-header', 'path-pattern', 'host-header', 'query-string', 'http-request-method', 'source-ip']);

function validateConditions(conditions: RuleCondition[] | undefined): RuleCondition[] {
  if (!conditions || conditions.length === 0) throw validationError('elbv2', 'At least one condition must be specified');
  for (const c of conditions) {
    if (!c.Field || !CONDITION_FIELDS.has(c.Field)) {
      throw validationError('elbv2', `Condition field '${String(c.Field)}' is not valid`);
    }
    if (c.Field === 'http-header') {
      const config = c.HttpHeaderConfig;
      if (!config?.HttpHeaderName) throw validationError('elbv2', 'An http-header condition needs HttpHeaderConfig.HttpHeaderName');
      const values = config.Values ?? [];
      if (values.length === 0 || values.length > MAX_HEADER_VALUES) {
        throw validationError('elbv2', `An http-header condition needs 1 to ${MAX_HEADER_VALUES} values`);
      }
    }
  }
  return jsonCopy(conditions);
}

/**
 * Every target group of the sandbox has target type `instance`, for which AWS does not support
 * AvailabilityZone (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html:
 * "not supported if the target type of the target group is instance or alb"). The docs name no error code
 * for it: ValidationError, the code AWS gives the other AvailabilityZone mistakes (an IP target's zone).
 */
function validateTargets(targets: TargetDescription[] | undefined): TargetDescription[] {
  if (!targets || targets.length === 0) throw validationError('elbv2', 'At least one target must be specified');
  const invalid = targets.filter((t) => !t.Id || !INSTANCE_ID.test(t.Id)).map((t) => `'${String(t.Id)}'`);
  if (invalid.length > 0) throw sdkError(InvalidTargetException, `The following targets are not valid instances: ${invalid.join(', ')}`);
  const zoned = targets.filter((t) => t.AvailabilityZone !== undefined).map((t) => `'${String(t.Id)}'`);
  if (zoned.length > 0) {
    throw validationError('elbv2', `An Availability Zone cannot be specified for targets of type 'instance': ${zoned.join(', ')}`);
  }
  for (const t of targets) {
    if (t.Port !== undefined && (!Number.isInteger(t.Port) || t.Port < 1 || t.Port > 65_535)) {
      throw validationError('elbv2', `Port must be between 1 and 65535, got ${t.Port}`);
    }
  }
  return targets;
}

// ---------------------------------------------------------------- rendering

function renderLoadBalancer(lb: LoadBalancerState): LoadBalancer {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: 'Z32O12XQLNTSW2',
    CreatedTime: new Date(lb.createdAt),
    LoadBalancerName: lb.name,
    Scheme: 'internet-facing',
    VpcId: lb.vpcId,
    State: { Code: 'active' },
    Type: 'application',
    AvailabilityZones: lb.availabilityZones.map((z, i) => ({ ZoneName: z, SubnetId: `subnet-${lb.id.slice(0, 8)}${i}` })),
    SecurityGroups: [`sg-${lb.id.slice(0, 17)}`],
    IpAddressType: 'ipv4',
  };
}

function renderListener(listener: ListenerState): Listener {
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol,
    DefaultActions: jsonCopy(listener.defaultActions),
  };
}

function renderRule(rule: RuleState): Rule {
  return {
    RuleArn: rule.arn,
    Priority: String(rule.priority),
    Conditions: jsonCopy(rule.conditions),
    Actions: jsonCopy(rule.actions),
    IsDefault: false,
  };
}

function renderDefaultRule(listener: ListenerState): Rule {
  return {
    RuleArn: listener.defaultRuleArn,
    Priority: 'default',
    Conditions: [],
    Actions: jsonCopy(listener.defaultActions),
    IsDefault: true,
  };
}

function renderTargetGroup(group: TargetGroupState): TargetGroup {
  const hc = group.healthCheck;
  return {
    TargetGroupArn: group.arn,
    TargetGroupName: group.name,
    Protocol: 'HTTP',
    Port: group.port,
    VpcId: group.vpcId,
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: hc.intervalMs / 1000,
    HealthCheckTimeoutSeconds: hc.timeoutMs / 1000,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: group.used ? [group.loadBalancerArn] : [],
    TargetType: 'instance',
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}

function renderAttributes(group: TargetGroupState): TargetGroupAttribute[] {
  return Object.keys(group.attributes)
    .sort()
    .map((Key) => ({ Key, Value: group.attributes[Key] }));
}

function liveListener(core: WorldCore, listener: ListenerState): ListenerState {
  return core.staleValue<ListenerState>(`listener:${listener.arn}`) ?? listener;
}

function liveRule(core: WorldCore, rule: RuleState): RuleState {
  return core.staleValue<RuleState>(`rule:${rule.arn}`) ?? rule;
}

/** An instance target is reported by Id and Port only: AvailabilityZone is for ip targets (see validateTargets). */
function describeTarget(group: TargetGroupState, target: TargetState, now: number): TargetHealthDescription {
  return {
    Target: { Id: target.id, Port: target.port },
    HealthCheckPort: String(target.port),
    TargetHealth: describeHealth(group, target, now),
  };
}

// ---------------------------------------------------------------- commands

function describeLoadBalancers(core: WorldCore, input: DescribeLoadBalancersInput): DescribeLoadBalancersOutput {
  let lbs = core.state.elbv2.loadBalancers;
  if (input.LoadBalancerArns?.length) lbs = input.LoadBalancerArns.map((arn) => findLoadBalancer(core, arn));
  if (input.Names?.length) {
    lbs = input.Names.map((name) => {
      const lb = core.state.elbv2.loadBalancers.find((l) => l.name === name);
      if (!lb) throw sdkError(LoadBalancerNotFoundException, `Load balancers '[${name}]' not found`);
      return lb;
    });
  }
  const page = paginate(lbs, input.Marker, input.PageSize ?? 400, () => validationError('elbv2', 'Invalid marker'));
  return { LoadBalancers: page.items.map(renderLoadBalancer), NextMarker: page.next };
}

function describeListeners(core: WorldCore, input: DescribeListenersInput): DescribeListenersOutput {
  let listeners: ListenerState[];
  if (input.ListenerArns?.length) {
    listeners = input.ListenerArns.map((arn) => findListener(core, arn));
  } else if (input.LoadBalancerArn) {
    findLoadBalancer(core, input.LoadBalancerArn);
    listeners = core.state.elbv2.listeners.filter((l) => l.loadBalancerArn === input.LoadBalancerArn);
  } else {
    throw validationError('elbv2', 'You must specify either listener ARNs or a load balancer ARN');
  }
  const page = paginate(listeners, input.Marker, input.PageSize ?? 400, () => validationError('elbv2', 'Invalid marker'));
  return { Listeners: page.items.map((l) => renderListener(liveListener(core, l))), NextMarker: page.next };
}

function describeRules(core: WorldCore, input: DescribeRulesInput): DescribeRulesOutput {
  let rules: Rule[];
  if (input.RuleArns?.length) {
    rules = input.RuleArns.map((arn) => {
      const found = findRule(core, arn);
      return found.kind === 'rule'
        ? renderRule(liveRule(core, found.rule))
        : renderDefaultRule(liveListener(core, found.listener));
    });
  } else if (input.ListenerArn) {
    const listener = findListener(core, input.ListenerArn);
    rules = core.state.elbv2.rules
      .filter((r) => r.listenerArn === listener.arn)
      .sort((a, b) => a.priority - b.priority)
      .map((r) => renderRule(liveRule(core, r)));
    rules.push(renderDefaultRule(liveListener(core, listener)));
  } else {
    throw validationError('elbv2', 'You must specify either listener ARN or rule ARNs');
  }
  const page = paginate(rules, input.Marker, input.PageSize ?? 400, () => validationError('elbv2', 'Invalid marker'));
  return { Rules: page.items, NextMarker: page.next };
}

function modifyListener(core: WorldCore, input: ModifyListenerInput): ModifyListenerOutput {
  const listener = findListener(core, input.ListenerArn);
  const actions = input.DefaultActions === undefined ? undefined : validateActions(core, input.DefaultActions, listener.loadBalancerArn);
  core.rememberStale('elbv2', `listener:${listener.arn}`, () => structuredClone(listener));
  if (input.Port !== undefined) listener.port = input.Port;
  if (input.Protocol === 'HTTP' || input.Protocol === 'HTTPS') listener.protocol = input.Protocol;
  if (actions) {
    // ModifyListener replaces the whole action list: what is not sent is gone.
    listener.defaultActions = actions;
    core.routingChanged();
  }
  return { Listeners: [renderListener(listener)] };
}

function modifyRule(core: WorldCore, input: ModifyRuleInput): ModifyRuleOutput {
  const found = findRule(core, input.RuleArn);
  if (found.kind === 'default') {
    throw sdkError(OperationNotPermittedException, 'The default rule cannot be modified with ModifyRule; use ModifyListener');
  }
  const rule = found.rule;
  const conditions = input.Conditions === undefined ? undefined : validateConditions(input.Conditions);
  const owner = findListener(core, rule.listenerArn);
  const actions = input.Actions === undefined ? undefined : validateActions(core, input.Actions, owner.loadBalancerArn);
  core.rememberStale('elbv2', `rule:${rule.arn}`, () => structuredClone(rule));
  if (conditions) rule.conditions = conditions;
  if (actions) rule.actions = actions;
  core.routingChanged();
  return { Rules: [renderRule(rule)] };
}

/**
 * CreateRule: priorities 1..50000, unique per listener (PriorityInUse, also when the rule holding it was
 * made by an earlier attempt of the same call); Tags are stored with the rule and answered by DescribeTags
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html).
 */
function createRule(core: WorldCore, input: CreateRuleInput): CreateRuleOutput {
  const listener = findListener(core, input.ListenerArn);
  const priority = input.Priority;
  if (priority === undefined || !Number.isInteger(priority) || priority < 1 || priority > 50_000) {
    throw validationError('elbv2', `Priority must be between 1 and 50000, got ${String(priority)}`);
  }
  const onListener = core.state.elbv2.rules.filter((r) => r.listenerArn === listener.arn);
  if (onListener.some((r) => r.priority === priority)) {
    throw sdkError(PriorityInUseException, `Priority '${priority}' is currently in use`);
  }
  if (onListener.length >= MAX_RULES_PER_LISTENER) throw sdkError(TooManyRulesException, 'You\'ve reached the limit on the number of rules per listener');
  const conditions = validateConditions(input.Conditions);
  const actions = validateActions(core, input.Actions, listener.loadBalancerArn);
  const parts = parseListenerArn(listener.arn);
  if (!parts) throw validationError('elbv2', `Listener ARN '${listener.arn}' is not valid`);
  const rule: RuleState = {
    arn: listenerRuleArn(parts, core.randomHex(16)),
    listenerArn: listener.arn,
    priority,
    conditions,
    actions,
    tags: structuredClone(input.Tags ?? []),
  };
  core.state.elbv2.rules.push(rule);
  core.routingChanged();
  return { Rules: [renderRule(rule)] };
}

function deleteRule(core: WorldCore, input: DeleteRuleInput): object {
  const found = findRule(core, input.RuleArn);
  if (found.kind === 'default') throw sdkError(OperationNotPermittedException, 'The default rule cannot be deleted');
  core.state.elbv2.rules = core.state.elbv2.rules.filter((r) => r !== found.rule);
  core.routingChanged();
  return {};
}

function describeTargetGroups(core: WorldCore, input: DescribeTargetGroupsInput): DescribeTargetGroupsOutput {
  const all = Object.values(core.state.elbv2.targetGroups);
  let groups = all;
  if (input.TargetGroupArns?.length) groups = input.TargetGroupArns.map((arn) => findGroup(core, arn));
  if (input.Names?.length) {
    groups = input.Names.map((name) => {
      const group = all.find((g) => g.name === name);
      if (!group) throw sdkError(TargetGroupNotFoundException, `Target groups '[${name}]' not found`);
      return group;
    });
  }
  if (input.LoadBalancerArn) {
    findLoadBalancer(core, input.LoadBalancerArn);
    groups = groups.filter((g) => g.used && g.loadBalancerArn === input.LoadBalancerArn);
  }
  const page = paginate(groups, input.Marker, input.PageSize ?? 400, () => validationError('elbv2', 'Invalid marker'));
  return { TargetGroups: page.items.map(renderTargetGroup), NextMarker: page.next };
}

function describeTargetGroupAttributes(
  core: WorldCore,
  input: DescribeTargetGroupAttributesInput,
): DescribeTargetGroupAttributesOutput {
  return { Attributes: renderAttributes(findGroup(core, input.TargetGroupArn)) };
}

const ATTRIBUTE_RULES: Record<string, (value: string) => boolean> = {
  'deregistration_delay.timeout_seconds': (v) => /^\d+$/.test(v) && Number(v) <= 3600,
  'stickiness.enabled': (v) => v === 'true' || v === 'false',
  'stickiness.type': (v) => v === 'lb_cookie' || v === 'app_cookie',
  'stickiness.lb_cookie.duration_seconds': (v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 604_800,
  'slow_start.duration_seconds': (v) => /^\d+$/.test(v) && (Number(v) === 0 || (Number(v) >= 30 && Number(v) <= 900)),
  'load_balancing.algorithm.type': (v) => ['round_robin', 'least_outstanding_requests', 'weighted_random'].includes(v),
  'load_balancing.cross_zone.enabled': (v) => ['true', 'false', 'use_load_balancer_configuration'].includes(v),
};

function modifyTargetGroupAttributes(
  core: WorldCore,
  input: ModifyTargetGroupAttributesInput,
): ModifyTargetGroupAttributesOutput {
  const group = findGroup(core, input.TargetGroupArn);
  const attributes = input.Attributes ?? [];
  if (attributes.length === 0) throw validationError('elbv2', 'At least one attribute must be specified');
  for (const { Key, Value } of attributes) {
    const rule = Key === undefined ? undefined : ATTRIBUTE_RULES[Key];
    if (!rule || Value === undefined || !rule(Value)) {
      throw sdkError(InvalidConfigurationRequestException, `Attribute '${String(Key)}' with value '${String(Value)}' is not valid`);
    }
  }
  for (const { Key, Value } of attributes) if (Key && Value !== undefined) group.attributes[Key] = Value;
  return { Attributes: renderAttributes(group) };
}

function describeTargetHealth(core: WorldCore, input: DescribeTargetHealthInput): DescribeTargetHealthOutput {
  const group = findGroup(core, input.TargetGroupArn);
  const now = core.now();
  const targets = (core.staleValue<TargetState[]>(`targets:${group.arn}`) ?? group.targets).filter(
    (t) => t.drainUntil === null || t.drainUntil > now,
  );
  if (!input.Targets?.length) {
    return { TargetHealthDescriptions: targets.map((t) => describeTarget(group, t, now)) };
  }
  validateTargets(input.Targets);
  return {
    TargetHealthDescriptions: input.Targets.map((requested) => {
      const port = requested.Port ?? group.port;
      const target = targets.find((t) => t.id === requested.Id && t.port === port);
      return target ? describeTarget(group, target, now) : notRegistered(requested.Id ?? '', port);
    }),
  };
}

function registerTargets(core: WorldCore, input: RegisterTargetsInput): object {
  const group = findGroup(core, input.TargetGroupArn);
  const requested = validateTargets(input.Targets);
  const now = core.now();
  const { registrationDelayMs } = core.state.settings.elbv2;
  core.rememberStale('elbv2', `targets:${group.arn}`, () => structuredClone(group.targets));
  for (const t of requested) {
    const id = t.Id ?? '';
    const port = t.Port ?? group.port;
    const existing = group.targets.find((x) => x.id === id && x.port === port);
    if (existing && existing.drainUntil === null) continue;
    // Registering a draining target again cancels the drain; it starts over as a new registration.
    if (existing) group.targets = group.targets.filter((x) => x !== existing);
    const target: TargetState = {
      id,
      port,
      registeredAt: now,
      drainUntil: null,
      checksFrom: group.used ? now + registrationDelayMs : null,
      base: { at: now, state: 'initial' },
      condition: 'ok',
      lastFailure: null,
      marks: [],
    };
    target.condition = conditionOf(group, target);
    if (target.condition !== 'ok') target.lastFailure = target.condition;
    group.targets.push(target);
  }
  core.invalidateGroup(group.arn);
  return {};
}

function deregisterTargets(core: WorldCore, input: DeregisterTargetsInput): object {
  const group = findGroup(core, input.TargetGroupArn);
  const requested = validateTargets(input.Targets);
  const now = core.now();
  const delayMs = Number(group.attributes['deregistration_delay.timeout_seconds'] ?? '300') * 1000;
  core.rememberStale('elbv2', `targets:${group.arn}`, () => structuredClone(group.targets));
  for (const t of requested) {
    const port = t.Port ?? group.port;
    const target = group.targets.find((x) => x.id === t.Id && x.port === port && x.drainUntil === null);
    // Deregistering a target that is not registered succeeds and changes nothing.
    if (!target) continue;
    core.recordDrainCut(group.arn, delayMs);
    if (delayMs === 0) group.targets = group.targets.filter((x) => x !== target);
    else target.drainUntil = now + delayMs;
  }
  core.invalidateGroup(group.arn);
  return {};
}

/** Tags of load balancers, target groups, listeners and rules, up to 20 ARNs per call
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html). */
function describeTags(core: WorldCore, input: DescribeTagsInput): DescribeTagsOutput {
  const arns = input.ResourceArns ?? [];
  if (arns.length === 0 || arns.length > 20) throw validationError('elbv2', 'Specify between 1 and 20 resource ARNs');
  return {
    TagDescriptions: arns.map((arn) => {
      const elbv2 = core.state.elbv2;
      const tags =
        core.targetGroup(arn)?.tags ??
        elbv2.loadBalancers.find((l) => l.arn === arn)?.tags ??
        elbv2.rules.find((r) => r.arn === arn)?.tags ??
        (elbv2.listeners.some((l) => l.arn === arn || l.defaultRuleArn === arn) ? [] : undefined);
      if (!tags) {
        if (arn.includes(':targetgroup/')) throw sdkError(TargetGroupNotFoundException, 'One or more target groups not found');
        if (arn.includes(':listener-rule/')) throw sdkError(RuleNotFoundException, 'One or more rules not found');
        if (arn.includes(':listener/')) throw sdkError(ListenerNotFoundException, 'One or more listeners not found');
        throw sdkError(LoadBalancerNotFoundException, 'One or more load balancers not found');
      }
      return { ResourceArn: arn, Tags: structuredClone(tags) };
    }),
  };
}

export const elbv2Commands: Record<string, CommandSpec> = {
  DescribeLoadBalancers: command(false, describeLoadBalancers),
  DescribeListeners: command(false, describeListeners),
  DescribeRules: command(false, describeRules),
  DescribeTargetGroups: command(false, describeTargetGroups),
  DescribeTargetGroupAttributes: command(false, describeTargetGroupAttributes),
  DescribeTargetHealth: command(false, describeTargetHealth),
  DescribeTags: command(false, describeTags),
  ModifyListener: command(true, modifyListener, (i: ModifyListenerInput) => i.ListenerArn ?? ''),
  ModifyRule: command(true, modifyRule, (i: ModifyRuleInput) => i.RuleArn ?? ''),
  CreateRule: command(true, createRule, (i: CreateRuleInput) => i.ListenerArn ?? ''),
  DeleteRule: command(true, deleteRule, (i: DeleteRuleInput) => i.RuleArn ?? ''),
  RegisterTargets: command(true, registerTargets, (i: RegisterTargetsInput) => i.TargetGroupArn ?? ''),
  DeregisterTargets: command(true, deregisterTargets, (i: DeregisterTargetsInput) => i.TargetGroupArn ?? ''),
  ModifyTargetGroupAttributes: command(
    true,
    modifyTargetGroupAttributes,
    (i: ModifyTargetGroupAttributesInput) => i.TargetGroupArn ?? '',
  ),
};

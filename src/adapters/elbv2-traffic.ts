// TrafficPort over the ELBv2 API. Set and verify are separate: setWeight writes only when the live
// forward differs and returns what it intended; verifyWeight reads the world back, and a stale read is
// "not yet", never success. Every call goes through the step's retry budget.
//
// ModifyListener and ModifyRule replace the whole action list, so a weight change is a read-modify-write
// of every group's weight. Concurrent clusters (maxOutOfService > 1) share a listener: their changes are
// serialized per location, and a change starts only once the previous one reads back, since a stale read
// would otherwise carry an old weight back into the write (a lost update).
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
  ModifyListenerCommand,
  ModifyRuleCommand,
  RegisterTargetsCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Rule,
  type TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { TargetRef } from '../../machines/types.js';
import { waitIdle, type Clock } from '../ports/clock.js';
import {
  CANARY_RULE_TAG,
  READ_BACK_POLL_MS,
  READ_BACK_TIMEOUT_MS,
  weightVerdict,
  type ForwardConfig,
  type ListenerRule,
  type TargetGroupSettings,
  type TargetHealth,
  type TargetHealthState,
  type TrafficLocation,
  type TrafficPort,
  type WeightVerdict,
} from '../ports/traffic.js';
import { AwsCallError, RefusedError, UnexpectedResponseError } from '../errors.js';
import { hasAwsErrorCode } from '../aws/classify.js';
import { createAwsCaller, type RetryBudget } from '../aws/retry-budget.js';
import { silentLogger } from '../logger.js';
import { forwardActionIndex, toForwardConfig, withGroupWeights } from './elbv2-actions.js';
import { canaryPlacement, canaryRulesOf, isCanaryShaped, MAX_PRIORITY, MIN_PRIORITY, placementRefusal } from '../traffic/listener-rules.js';
import { parseArn } from '../plan/arn.js';

export interface Elbv2TrafficOptions {
  client: ElasticLoadBalancingV2Client;
  clock: Clock;
  budget: RetryBudget;
  logger?: Logger;
  /** How many PriorityInUse conflicts createCanaryRule rides out before giving up. */
  maxPriorityConflicts?: number;
  /** How long a weight change waits for the previous one to read back before it trusts the live read. */
  readBackWaitMs?: number;
}

/** DescribeTags takes at most 20 resource ARNs per call. */
const TAGS_PER_CALL = 20;
const DEFAULT_DEREGISTRATION_DELAY_S = 300;

/** The forward action among a location's actions; a location without one is refused (quiesce weights only forwards). */
function forwardIn(location: TrafficLocation, actions: Action[]): { index: number; forward: ForwardConfig } {
  const index = forwardActionIndex(actions);
  const action = actions[index];
  if (!action) throw new RefusedError(`${describeLocation(location)} has no forward action: quiesce weights only forward actions`);
  return { index, forward: toForwardConfig(action) };
}

/** Distinct ARNs asked for BATCH_ARNS at a time, every page of each answer, as one map of ARN to actions. */
async function inBatches<T extends { NextMarker?: string | undefined }>(
  arns: readonly string[],
  send: (batch: string[], marker: string | undefined) => Promise<T>,
  entries: (out: T) => ReadonlyArray<readonly [string, Action[]]>,
): Promise<Map<string, Action[]>> {
  const unique = [...new Set(arns)];
  const found = new Map<string, Action[]>();
  for (let i = 0; i < unique.length; i += BATCH_ARNS) {
    const batch = unique.slice(i, i + BATCH_ARNS);
    let marker: string | undefined;
    do {
      const out = await send(batch, marker);
      for (const [arn, actions] of entries(out)) found.set(arn, actions);
      marker = out.NextMarker;
    } while (marker);
  }
  return found;
}

/**
 * ARNs per DescribeListeners or DescribeRules call in a batched read. AWS documents no limit on ListenerArns
 * or RuleArns beyond the page size (at most 400); 20 keeps each request and answer small.
 */
const BATCH_ARNS = 20;

export function createElbv2Traffic(options: Elbv2TrafficOptions): TrafficPort {
  const { client } = options;
  const logger = options.logger ?? silentLogger;
  const call = createAwsCaller(options.clock, options.budget, 'ELBv2', logger);
  const maxConflicts = options.maxPriorityConflicts ?? 10;
  const readBackWaitMs = options.readBackWaitMs ?? READ_BACK_TIMEOUT_MS;
  /** Per location: the tail of the queue of weight changes, and the last forward config written. */
  const queues = new Map<string, Promise<void>>();
  const written = new Map<string, ForwardConfig>();

  /** Runs `change` after every earlier change to the same location, whatever their outcome. */
  async function serialized<T>(location: TrafficLocation, change: () => Promise<T>): Promise<T> {
    const key = locationKey(location);
    const previous = queues.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    queues.set(key, tail);
    // Waiting for the lock is idle time: on a virtual clock the holder may be asleep in a backoff.
    await waitIdle(options.clock, previous);
    try {
      return await change();
    } finally {
      release();
      if (queues.get(key) === tail) queues.delete(key);
    }
  }

  /**
   * The live forward, once our own last write to this location shows in it. A read that still differs
   * after readBackWaitMs is someone else's change (or AWS slower than it documents): it is the world, so
   * it is what the next write builds on, and the drift is left to the clusters' read-backs to report.
   */
  async function readAfterOwnWrite(location: TrafficLocation): Promise<{ actions: Action[]; index: number; forward: ForwardConfig }> {
    const key = locationKey(location);
    const expected = written.get(key);
    const started = options.clock.now();
    for (let attempt = 0; ; attempt++) {
      const read = await readForward(location);
      if (!expected || sameWeights(read.forward, expected)) {
        written.delete(key);
        return read;
      }
      const waited = options.clock.now() - started;
      if (waited >= readBackWaitMs) {
        logger.warn({ location, expected: expected.targetGroups, live: read.forward.targetGroups, waitedMs: waited }, 'the previous weight change never read back; building on the live forward');
        written.delete(key);
        return read;
      }
      const pause = READ_BACK_POLL_MS[Math.min(attempt, READ_BACK_POLL_MS.length - 1)]!;
      await options.clock.sleep(Math.min(pause, readBackWaitMs - waited));
    }
  }

  async function readActions(location: TrafficLocation): Promise<Action[]> {
    if (location.ruleArn) {
      const ruleArn = location.ruleArn;
      const out = await call('DescribeRules', ruleArn, () => client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })));
      const rule = out.Rules?.find((r) => r.RuleArn === ruleArn);
      if (!rule) throw new UnexpectedResponseError(`DescribeRules returned no rule ${ruleArn}`);
      return rule.Actions ?? [];
    }
    const listener = await describeListener(location.listenerArn);
    return listener.DefaultActions ?? [];
  }

  async function describeListener(listenerArn: string) {
    const out = await call('DescribeListeners', listenerArn, () =>
      client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
    );
    const listener = out.Listeners?.find((l) => l.ListenerArn === listenerArn);
    if (!listener) throw new UnexpectedResponseError(`DescribeListeners returned no listener ${listenerArn}`);
    return listener;
  }

  async function readForward(location: TrafficLocation): Promise<{ actions: Action[]; index: number; forward: ForwardConfig }> {
    const actions = await readActions(location);
    return { actions, ...forwardIn(location, actions) };
  }

  /** Many locations in few calls: listeners' default actions by ListenerArns, rules by RuleArns, 20 per call. */
  async function readForwards(locations: readonly TrafficLocation[]): Promise<ForwardConfig[]> {
    const listeners = await inBatches(
      locations.filter((l) => !l.ruleArn).map((l) => l.listenerArn),
      (batch, marker) => call('DescribeListeners', batch.join(','), () => client.send(new DescribeListenersCommand({ ListenerArns: batch, ...(marker ? { Marker: marker } : {}) }))),
      (out) => (out.Listeners ?? []).flatMap((l) => (l.ListenerArn ? [[l.ListenerArn, l.DefaultActions ?? []] as const] : [])),
    );
    const rules = await inBatches(
      locations.flatMap((l) => (l.ruleArn ? [l.ruleArn] : [])),
      (batch, marker) => call('DescribeRules', batch.join(','), () => client.send(new DescribeRulesCommand({ RuleArns: batch, ...(marker ? { Marker: marker } : {}) }))),
      (out) => (out.Rules ?? []).flatMap((r) => (r.RuleArn ? [[r.RuleArn, r.Actions ?? []] as const] : [])),
    );
    return locations.map((location) => {
      const actions = location.ruleArn ? rules.get(location.ruleArn) : listeners.get(location.listenerArn);
      if (!actions) throw new UnexpectedResponseError(`${location.ruleArn ? 'DescribeRules' : 'DescribeListeners'} returned nothing for ${describeLocation(location)}`);
      return forwardIn(location, actions).forward;
    });
  }

  async function writeActions(location: TrafficLocation, actions: Action[]): Promise<void> {
    if (location.ruleArn) {
      const ruleArn = location.ruleArn;
      await call('ModifyRule', ruleArn, () => client.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: actions })));
    } else {
      await call('ModifyListener', location.listenerArn, () =>
        client.send(new ModifyListenerCommand({ ListenerArn: location.listenerArn, DefaultActions: actions })),
      );
    }
  }

  async function listRules(listenerArn: string): Promise<Rule[]> {
    const rules: Rule[] = [];
    let marker: string | undefined;
    do {
      const out = await call('DescribeRules', listenerArn, () =>
        client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, ...(marker ? { Marker: marker } : {}) })),
      );
      rules.push(...(out.Rules ?? []));
      marker = out.NextMarker;
    } while (marker);
    return rules;
  }

  /** One listener's rules, with the canary tag of those shaped like a canary rule (normally none or a few). */
  async function listenerRules(listenerArn: string): Promise<ListenerRule[]> {
    const rules = (await listRules(listenerArn)).flatMap((r) => (r.RuleArn ? [toListenerRule(r, listenerArn)] : []));
    await readCanaryTags(rules.filter(isCanaryShaped));
    return rules;
  }

  async function readCanaryTags(rules: ListenerRule[]): Promise<void> {
    for (let i = 0; i < rules.length; i += TAGS_PER_CALL) {
      const batch = rules.slice(i, i + TAGS_PER_CALL);
      const arns = batch.map((r) => r.ruleArn);
      const out = await call('DescribeTags', arns[0]!, () => client.send(new DescribeTagsCommand({ ResourceArns: arns })));
      const tags = new Map((out.TagDescriptions ?? []).map((d) => [d.ResourceArn, d.Tags ?? []]));
      for (const rule of batch) {
        const value = tags.get(rule.ruleArn)?.find((t) => t.Key === CANARY_RULE_TAG)?.Value;
        if (value !== undefined) rule.canaryTag = value;
      }
    }
  }

  async function loadBalancerListeners(listenerArn: string): Promise<string[]> {
    const lbArn = loadBalancerOf(listenerArn);
    const arns: string[] = [];
    let marker: string | undefined;
    do {
      const out = await call('DescribeListeners', lbArn, () =>
        client.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn, ...(marker ? { Marker: marker } : {}) })),
      );
      arns.push(...(out.Listeners ?? []).flatMap((l) => (l.ListenerArn ? [l.ListenerArn] : [])));
      marker = out.NextMarker;
    } while (marker);
    if (!arns.includes(listenerArn)) throw new UnexpectedResponseError(`DescribeListeners of ${lbArn} did not list ${listenerArn}`);
    return arns;
  }

  const port: TrafficPort = {
    async readForwardConfig(location) {
      return (await readForward(location)).forward;
    },

    readForwardConfigs: readForwards,

    async setWeight(location, targetGroupArn, weight, guard) {
      assertWeight(weight);
      return port.setWeights(location, targetGroupArn, async (live) => {
        // Under the lock: two clusters' capacity checks cannot both pass on a listener neither has changed yet.
        if (guard) await guard(live);
        return { [targetGroupArn]: weight };
      });
    },

    async setWeights(location, targetGroupArn, plan) {
      return serialized(location, async () => {
        const { actions, index, forward: before } = await readAfterOwnWrite(location);
        const group = before.targetGroups.find((g) => g.targetGroupArn === targetGroupArn);
        if (!group) {
          throw new RefusedError(`${targetGroupArn} is not in the forward action of ${describeLocation(location)}`);
        }
        const weights = await plan(before);
        for (const [arn, weight] of Object.entries(weights)) {
          assertWeight(weight);
          if (!before.targetGroups.some((g) => g.targetGroupArn === arn)) throw new RefusedError(`${arn} is not in the forward action of ${describeLocation(location)}`);
        }
        const moved = before.targetGroups.filter((g) => Object.hasOwn(weights, g.targetGroupArn) && weights[g.targetGroupArn] !== g.weight);
        if (moved.length === 0) {
          logger.debug({ location, targetGroupArn, weights }, 'weights already set; nothing sent');
          return { changed: false, before, after: before };
        }
        const next = withGroupWeights(actions, weights);
        const sent = next[index];
        const after = sent ? toForwardConfig(sent) : before;
        // Remembered before sending: a write that fails after AWS applied it must still be waited for.
        written.set(locationKey(location), after);
        await writeActions(location, next);
        logger.info({ location, targetGroupArn, changes: moved.map((g) => ({ targetGroupArn: g.targetGroupArn, from: g.weight, to: weights[g.targetGroupArn] })) }, 'forward weights changed');
        // `after` is what was sent; whether AWS shows it is verifyWeight's question.
        return { changed: true, before, after };
      });
    },

    async verifyWeight(location, targetGroupArn, weight): Promise<WeightVerdict> {
      const { forward } = await readForward(location);
      return weightVerdict(forward, targetGroupArn, weight);
    },

    async listTargets(targetGroupArn) {
      const health = await port.describeTargetHealth(targetGroupArn);
      // Draining, unused (NotInUse, InvalidState) and the rest are still registered; only NotRegistered is gone.
      return health.filter((h) => h.reason !== 'Target.NotRegistered').map((h) => h.target);
    },

    async describeTargetHealth(targetGroupArn, targets) {
      const out = await call('DescribeTargetHealth', targetGroupArn, () =>
        client.send(
          new DescribeTargetHealthCommand({
            TargetGroupArn: targetGroupArn,
            ...(targets && targets.length > 0 ? { Targets: targets.map(toTargetDescription) } : {}),
          }),
        ),
      );
      return (out.TargetHealthDescriptions ?? []).map((d): TargetHealth => {
        const reason = d.TargetHealth?.Reason;
        const description = d.TargetHealth?.Description;
        return {
          target: toTargetRef(d.Target),
          // AWS always reports a state; should it not, "unavailable" claims nothing about health.
          state: (d.TargetHealth?.State ?? 'unavailable') as TargetHealthState,
          ...(reason ? { reason } : {}),
          ...(description ? { description } : {}),
        };
      });
    },

    async deregisterTargets(targetGroupArn, targets) {
      if (targets.length === 0) return;
      // Success proves nothing (AWS accepts unregistered targets): callers confirm with listTargets.
      await call('DeregisterTargets', targetGroupArn, () =>
        client.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets.map(toTargetDescription) })),
      );
    },

    async registerTargets(targetGroupArn, targets) {
      if (targets.length === 0) return;
      await call('RegisterTargets', targetGroupArn, () =>
        client.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets.map(toTargetDescription) })),
      );
    },

    async describeTargetGroup(targetGroupArn): Promise<TargetGroupSettings> {
      const groups = await call('DescribeTargetGroups', targetGroupArn, () =>
        client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })),
      );
      const tg = groups.TargetGroups?.find((g) => g.TargetGroupArn === targetGroupArn);
      if (!tg) throw new UnexpectedResponseError(`DescribeTargetGroups returned no target group ${targetGroupArn}`);
      const attrsOut = await call('DescribeTargetGroupAttributes', targetGroupArn, () =>
        client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn })),
      );
      const attrs = new Map((attrsOut.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
      const stickinessType = attrs.get('stickiness.type');
      const durationKey = stickinessType === 'app_cookie' ? 'stickiness.app_cookie.duration_seconds' : 'stickiness.lb_cookie.duration_seconds';
      const delay = attrs.get('deregistration_delay.timeout_seconds');
      const duration = attrs.get(durationKey);
      const matcher = tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode;
      return {
        targetGroupArn,
        loadBalancerArns: tg.LoadBalancerArns ?? [],
        targetType: tg.TargetType ?? 'instance',
        // Absent only for target types without draining (lambda); AWS's documented default otherwise.
        deregistrationDelaySeconds: delay !== undefined && delay !== '' ? Number(delay) : DEFAULT_DEREGISTRATION_DELAY_S,
        healthCheck: {
          intervalSeconds: tg.HealthCheckIntervalSeconds ?? 30,
          timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? 5,
          healthyThreshold: tg.HealthyThresholdCount ?? 5,
          unhealthyThreshold: tg.UnhealthyThresholdCount ?? 2,
          ...(matcher ? { matcher } : {}),
          ...(tg.HealthCheckPath ? { path: tg.HealthCheckPath } : {}),
        },
        stickiness: {
          enabled: attrs.get('stickiness.enabled') === 'true',
          ...(stickinessType ? { type: stickinessType } : {}),
          ...(duration !== undefined && duration !== '' ? { durationSeconds: Number(duration) } : {}),
        },
      };
    },

    async loadBalancerDnsName(listenerArn) {
      const listener = await describeListener(listenerArn);
      const lbArn = listener.LoadBalancerArn;
      if (!lbArn) throw new UnexpectedResponseError(`listener ${listenerArn} reports no load balancer`);
      const out = await call('DescribeLoadBalancers', lbArn, () =>
        client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })),
      );
      const dns = out.LoadBalancers?.find((lb) => lb.LoadBalancerArn === lbArn)?.DNSName;
      if (!dns) throw new UnexpectedResponseError(`DescribeLoadBalancers returned no DNS name for ${lbArn}`);
      return dns;
    },

    listenersOf: loadBalancerListeners,

    async readRules(listenerArns) {
      const rules: ListenerRule[] = [];
      for (const arn of listenerArns) rules.push(...(await listenerRules(arn)));
      return rules;
    },

    async createCanaryRule(listenerArn, spec) {
      const header = { name: spec.headerName, value: spec.headerValue };
      let rules = await listenerRules(listenerArn);
      // Ours by its tag: an earlier attempt (a crashed run, a call that failed after taking effect) made it.
      const own = rules.find((r) => r.canaryTag === spec.tag);
      if (own) {
        const ahead = canaryPlacement(rules, listenerArn, header, own.ruleArn).bound;
        const reusable = canaryRulesOf([own], listenerArn)[0];
        if (reusable && reusable.priority < ahead && reusable.targetGroupArn === spec.targetGroupArn && reusable.headerValue.toLowerCase() === spec.headerValue.toLowerCase()) {
          logger.info({ listenerArn, ruleArn: own.ruleArn }, 'canary rule already present; reusing it');
          return reusable;
        }
        // Ours, but no longer ahead of every rule that could take the request: replaced.
        logger.info({ listenerArn, ruleArn: own.ruleArn }, 'own canary rule out of place; replacing it');
        await port.deleteCanaryRule(own.ruleArn);
        rules = rules.filter((r) => r !== own);
      }
      for (let conflicts = 0; conflicts <= maxConflicts; conflicts++) {
        const placement = canaryPlacement(rules, listenerArn, header);
        if (placement.priority === undefined) throw new RefusedError(`${placementRefusal(placement, listenerArn)}: canary requests would not reach ${spec.targetGroupArn}`);
        const chosen = placement.priority;
        try {
          const out = await call('CreateRule', listenerArn, () =>
            client.send(
              new CreateRuleCommand({
                ListenerArn: listenerArn,
                Priority: chosen,
                Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: spec.headerName, Values: [spec.headerValue] } }],
                Actions: [
                  { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: spec.targetGroupArn, Weight: 1 }] } },
                ],
                // The deployed policy lets quiesce delete only rules carrying this tag (src/plan/permissions.ts),
                // and the tag's value is how this caller knows the rule for its own.
                Tags: [{ Key: CANARY_RULE_TAG, Value: spec.tag }],
              }),
            ),
          );
          const ruleArn = out.Rules?.[0]?.RuleArn;
          if (!ruleArn) throw new UnexpectedResponseError(`CreateRule on ${listenerArn} returned no rule ARN`);
          return { ruleArn, priority: chosen, headerName: spec.headerName, headerValue: spec.headerValue, targetGroupArn: spec.targetGroupArn, tag: spec.tag };
        } catch (err) {
          if (!(err instanceof AwsCallError)) throw err;
          // The call may have taken effect before it failed: a 500 after AWS created the rule, whose retry
          // then met PriorityInUse from that very rule. The tag says whether the rule is ours.
          rules = await listenerRules(listenerArn);
          const made = canaryRulesOf(rules.filter((r) => r.canaryTag === spec.tag), listenerArn)[0];
          if (made) {
            logger.info({ listenerArn, ruleArn: made.ruleArn, code: err.code }, 'CreateRule failed after creating the rule; found it by its tag');
            return made;
          }
          // Another writer took the priority between our read and our create: the next free one, read afresh.
          if (!hasAwsErrorCode(err.cause, 'PriorityInUse')) throw err;
          logger.info({ listenerArn, priority: chosen }, 'rule priority taken meanwhile; trying the next free one');
        }
      }
      throw new RefusedError(`listener ${listenerArn}: rule priorities kept being taken (${maxConflicts + 1} conflicts); is another tool editing it?`);
    },

    async deleteCanaryRule(ruleArn) {
      try {
        await call('DeleteRule', ruleArn, () => client.send(new DeleteRuleCommand({ RuleArn: ruleArn })));
      } catch (err) {
        // Idempotency, not swallowing: the rule we want gone is gone (an earlier attempt or a cleanup got
        // there first). Any other failure propagates.
        if (err instanceof AwsCallError && hasAwsErrorCode(err.cause, 'RuleNotFound')) {
          logger.info({ ruleArn }, 'canary rule already deleted');
          return;
        }
        throw err;
      }
    },

  };
  return port;
}

function assertWeight(weight: number): void {
  if (!Number.isInteger(weight) || weight < 0 || weight > 999) {
    throw new RefusedError(`weight ${weight} is outside 0..999 (ELBv2 forward weights are integers)`);
  }
}

function locationKey(location: TrafficLocation): string {
  return `${location.listenerArn}|${location.ruleArn ?? ''}`;
}

/** Every group at the same weight (stickiness is not ours to compare: we never change it). */
function sameWeights(a: ForwardConfig, b: ForwardConfig): boolean {
  if (a.targetGroups.length !== b.targetGroups.length) return false;
  const weights = new Map(a.targetGroups.map((g) => [g.targetGroupArn, g.weight]));
  return b.targetGroups.every((g) => weights.get(g.targetGroupArn) === g.weight);
}

function describeLocation(location: TrafficLocation): string {
  return location.ruleArn ? `rule ${location.ruleArn}` : `default action of listener ${location.listenerArn}`;
}

/** The port's view of a rule as DescribeRules answers it (tags are read separately). */
function toListenerRule(rule: Rule, listenerArn: string): ListenerRule {
  const conditions = rule.Conditions ?? [];
  const headerConditions = conditions.flatMap((c) =>
    c.Field === 'http-header' && c.HttpHeaderConfig?.HttpHeaderName ? [{ name: c.HttpHeaderConfig.HttpHeaderName, values: c.HttpHeaderConfig.Values ?? [] }] : [],
  );
  const actions = rule.Actions ?? [];
  const forward = actions[forwardActionIndex(actions)];
  const priority = rule.IsDefault ? null : Number(rule.Priority);
  if (priority !== null && !(Number.isInteger(priority) && priority >= MIN_PRIORITY && priority <= MAX_PRIORITY)) {
    throw new UnexpectedResponseError(`DescribeRules returned rule ${rule.RuleArn} with priority ${String(rule.Priority)}`);
  }
  return {
    ruleArn: rule.RuleArn ?? '',
    listenerArn,
    priority,
    forward: forward ? toForwardConfig(forward) : null,
    headerConditions,
    otherConditions: conditions.length - headerConditions.length,
    actions: actions.length,
  };
}

/** `...:loadbalancer/app/<name>/<id>` from `...:listener/app/<name>/<id>/<listener-id>` (the documented ARN formats). */
function loadBalancerOf(listenerArn: string): string {
  const arn = parseArn(listenerArn);
  const [kind, type, name, id] = (arn?.resource ?? '').split('/');
  if (!arn || kind !== 'listener' || !type || !name || !id) throw new RefusedError(`${listenerArn} is not a listener ARN`);
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:loadbalancer/${type}/${name}/${id}`;
}

/**
 * An Availability Zone belongs to an `ip` target only: AWS does not support it for target type instance
 * (or alb), and a target's Id tells its type, since an instance group takes instance IDs and an ip group
 * IP addresses (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html).
 * Dropped both ways, so that a target list saved before this rule cannot carry one back to RegisterTargets.
 */
function ipTargetZone(id: string, zone: string | undefined): string | undefined {
  return zone && isIP(id) !== 0 ? zone : undefined;
}

function toTargetDescription(target: TargetRef): TargetDescription {
  const zone = ipTargetZone(target.id, target.availabilityZone);
  return {
    Id: target.id,
    ...(target.port !== undefined ? { Port: target.port } : {}),
    ...(zone ? { AvailabilityZone: zone } : {}),
  };
}

function toTargetRef(target: TargetDescription | undefined): TargetRef {
  const id = target?.Id ?? '';
  const zone = ipTargetZone(id, target?.AvailabilityZone);
  return {
    id,
    ...(target?.Port !== undefined ? { port: target.Port } : {}),
    ...(zone ? { availabilityZone: zone } : {}),
  };
}

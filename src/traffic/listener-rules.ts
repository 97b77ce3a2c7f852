// Judging a load balancer's rules, pure: which rules besides the fleet's send traffic to a target group,
// which rules are canary rules and whose, and where a canary rule must go to take its requests first.
// Rules are evaluated by priority, lowest first, the default rule last; a rule matches when all its
// conditions do; http-header names and values match case-insensitively, values with * and ? wildcards
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html,
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html).
import type { OtherRoute } from '../../machines/types.js';
import type { CanaryRule, ListenerRule, TrafficLocation } from '../ports/traffic.js';
import { groupName } from './drift.js';

export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 50_000;

/** The exact shape createCanaryRule makes: one http-header condition with one value, one forward to one group. */
export function isCanaryShaped(rule: Pick<ListenerRule, 'priority' | 'headerConditions' | 'otherConditions' | 'actions' | 'forward'>): boolean {
  return (
    rule.priority !== null &&
    rule.otherConditions === 0 &&
    rule.headerConditions.length === 1 &&
    rule.headerConditions[0]!.values.length === 1 &&
    rule.actions === 1 &&
    rule.forward?.targetGroups.length === 1
  );
}

/** The canary rules of one listener, whoever made them. */
export function canaryRulesOf(rules: readonly ListenerRule[], listenerArn: string): CanaryRule[] {
  return rules.flatMap((r) => {
    if (r.listenerArn !== listenerArn || !isCanaryShaped(r)) return [];
    const header = r.headerConditions[0]!;
    return [
      {
        ruleArn: r.ruleArn,
        priority: r.priority!,
        headerName: header.name,
        headerValue: header.values[0]!,
        targetGroupArn: r.forward!.targetGroups[0]!.targetGroupArn,
        ...(r.canaryTag !== undefined ? { tag: r.canaryTag } : {}),
      },
    ];
  });
}

/** ALB's http-header value match: case-insensitive, `*` any run of characters, `?` one. */
export function headerValueMatches(pattern: string, value: string): boolean {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is').test(value);
}

/** True when the rule certainly cannot match a request carrying `header` (it demands another value of that header). */
function excludes(rule: ListenerRule, header: { name: string; value: string }): boolean {
  return rule.headerConditions.some((c) => c.name.toLowerCase() === header.name.toLowerCase() && !c.values.some((v) => headerValueMatches(v, header.value)));
}

export interface CanaryPlacement {
  /** Every rule that could take the canary request has this priority or more (MAX_PRIORITY + 1: none). */
  bound: number;
  /** The lowest free priority below `bound`, if any. */
  priority?: number;
  /** The rule at `bound`, which a canary rule must come before. */
  blocking?: ListenerRule;
}

/**
 * Where a canary rule for requests carrying `header` goes on `listenerArn`: ahead of every rule that could
 * match such a request, the fleet's own among them. A rule can be passed over only when one of its
 * conditions demands another value of the canary header (another cluster's or run's canary); any other
 * rule could match, whatever its conditions. `except` (a rule about to be replaced) is not counted.
 */
export function canaryPlacement(rules: readonly ListenerRule[], listenerArn: string, header: { name: string; value: string }, except?: string): CanaryPlacement {
  const ordinary = rules.filter((r) => r.listenerArn === listenerArn && r.priority !== null && r.ruleArn !== except);
  let blocking: ListenerRule | undefined;
  for (const r of ordinary) if (!excludes(r, header) && (blocking === undefined || r.priority! < blocking.priority!)) blocking = r;
  const bound = blocking?.priority ?? MAX_PRIORITY + 1;
  const used = new Set(rules.filter((r) => r.listenerArn === listenerArn && r.priority !== null).map((r) => r.priority!));
  for (let p = MIN_PRIORITY; p < bound; p++) if (!used.has(p)) return { bound, priority: p, ...(blocking ? { blocking } : {}) };
  return { bound, ...(blocking ? { blocking } : {}) };
}

/** Why no canary rule can be placed, in one line. */
export function placementRefusal(placement: CanaryPlacement, listenerArn: string): string {
  return placement.blocking
    ? `no free rule priority below ${placement.bound} on listener ${listenerArn} (rule ${placement.blocking.ruleArn} at priority ${placement.bound} could take the canary request)`
    : `no free rule priority on listener ${listenerArn}`;
}

/** Whether a rule is the fleet's own forward: the plan's rule, or the default rule of the plan's listener. */
export function isFleetRule(rule: ListenerRule, fleet: TrafficLocation): boolean {
  return fleet.ruleArn ? rule.ruleArn === fleet.ruleArn : rule.priority === null && rule.listenerArn === fleet.listenerArn;
}

/**
 * Every rule besides the fleet's whose forward holds the group, with the group's weight there (0 included:
 * it sends nothing now, but could be raised). `skip` passes over rules that are not anyone else's (this
 * run's canary rules).
 */
export function otherRoutesTo(rules: readonly ListenerRule[], targetGroupArn: string, fleet: TrafficLocation, skip: (rule: ListenerRule) => boolean = () => false): OtherRoute[] {
  return rules.flatMap((r) => {
    if (isFleetRule(r, fleet) || skip(r)) return [];
    const group = r.forward?.targetGroups.find((g) => g.targetGroupArn === targetGroupArn);
    return group ? [{ targetGroupArn, ruleArn: r.ruleArn, listenerArn: r.listenerArn, priority: r.priority, weight: group.weight }] : [];
  });
}

/** "rule <arn> (priority 10)" or "the default action of listener <arn>". */
export function routeText(route: OtherRoute, withListener = false): string {
  if (route.priority === null) return `the default action of listener ${route.listenerArn}`;
  return `rule ${route.ruleArn} (priority ${route.priority}${withListener ? ` of listener ${route.listenerArn}` : ''})`;
}

/** "payments-blue is forwarded to by rule <arn> (priority 10) with weight 1". */
export function routeSummary(route: OtherRoute): string {
  return `${groupName(route.targetGroupArn)} is forwarded to by ${routeText(route)} with weight ${route.weight}`;
}

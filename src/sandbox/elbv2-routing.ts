// How the listener routes: forward actions and their weights, rule matching (ordinary
// traffic and header-routed canaries), and the moving average behind cookie stickiness.
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { jsonCopy } from './json-copy.js';
import type { Elbv2State, ListenerState, RuleState, StickyHistory } from './state.js';

export interface WeightedGroup {
  arn: string;
  weight: number;
}

export function forwardAction(actions: Action[]): Action | undefined {
  return actions.find((a) => a.Type === 'forward');
}

/** The weighted target groups of a forward action, from ForwardConfig or the single TargetGroupArn form. */
export function forwardGroups(action: Action | undefined): WeightedGroup[] {
  if (!action || action.Type !== 'forward') return [];
  const tuples = action.ForwardConfig?.TargetGroups;
  if (tuples && tuples.length > 0) {
    return tuples.map((t) => ({ arn: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }));
  }
  return action.TargetGroupArn ? [{ arn: action.TargetGroupArn, weight: 1 }] : [];
}

/** Normalise stored actions the way AWS echoes them back: always a ForwardConfig, stickiness explicit. */
export function normalizeActions(actions: Action[]): Action[] {
  return actions.map((action, index) => {
    const copy = jsonCopy(action);
    if (copy.Order === undefined && actions.length > 1) copy.Order = index + 1;
    if (copy.Type !== 'forward') return copy;
    const groups = forwardGroups(copy);
    const stickiness = copy.ForwardConfig?.TargetGroupStickinessConfig;
    copy.ForwardConfig = {
      TargetGroups: groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
      TargetGroupStickinessConfig: stickiness?.Enabled
        ? { Enabled: true, DurationSeconds: stickiness.DurationSeconds ?? 3600 }
        : { Enabled: false },
    };
    if (groups.length === 1) copy.TargetGroupArn = groups[0]!.arn;
    else delete copy.TargetGroupArn;
    return copy;
  });
}

/** Target groups referenced by any listener default action or rule: these are health-checked. */
export function referencedTargetGroups(elbv2: Elbv2State): Set<string> {
  const used = new Set<string>();
  const collect = (actions: Action[]): void => {
    for (const action of actions) for (const g of forwardGroups(action)) used.add(g.arn);
  };
  for (const listener of elbv2.listeners) collect(listener.defaultActions);
  for (const rule of elbv2.rules) collect(rule.actions);
  return used;
}

export function sharesOf(groups: WeightedGroup[]): Record<string, number> {
  const total = groups.reduce((sum, g) => sum + g.weight, 0);
  const shares: Record<string, number> = {};
  for (const g of groups) shares[g.arn] = total > 0 ? g.weight / total : 0;
  return shares;
}

// ---------------------------------------------------------------- rule matching

export interface SimulatedRequest {
  headers?: Record<string, string>;
  path?: string;
  host?: string;
}

function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

function headerValues(condition: RuleCondition): { name: string; values: string[] } | null {
  const name = condition.HttpHeaderConfig?.HttpHeaderName;
  if (!name) return null;
  return { name, values: condition.HttpHeaderConfig?.Values ?? [] };
}

/**
 * Whether a condition matches. Ordinary traffic (no request given) is the service's own
 * traffic: it matches path and host conditions and carries no special header, query or method.
 */
function conditionMatches(condition: RuleCondition, request: SimulatedRequest | null): boolean {
  switch (condition.Field) {
    case 'http-header': {
      const header = headerValues(condition);
      if (!header || !request?.headers) return false;
      const entry = Object.entries(request.headers).find(([k]) => k.toLowerCase() === header.name.toLowerCase());
      if (!entry) return false;
      return header.values.some((v) => wildcard(v, true).test(entry[1]));
    }
    case 'path-pattern': {
      if (!request?.path) return true;
      const values = condition.PathPatternConfig?.Values ?? condition.Values ?? [];
      return values.some((v) => wildcard(v, false).test(request.path ?? '/'));
    }
    case 'host-header': {
      if (!request?.host) return true;
      const values = condition.HostHeaderConfig?.Values ?? condition.Values ?? [];
      return values.some((v) => wildcard(v, true).test(request.host ?? ''));
    }
    default:
      return false;
  }
}

export function ruleMatches(rule: RuleState, request: SimulatedRequest | null): boolean {
  return rule.conditions.every((c) => conditionMatches(c, request));
}

export interface RouteChoice {
  /** Listener ARN for the default action, or the rule ARN. */
  ownerArn: string;
  ruleArn: string;
  actions: Action[];
}

/**
 * The rule (lowest priority first, default last) that takes a request on this listener
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html).
 */
export function routeFor(elbv2: Elbv2State, listener: ListenerState, request: SimulatedRequest | null): RouteChoice {
  const rules = elbv2.rules
    .filter((r) => r.listenerArn === listener.arn)
    .sort((a, b) => a.priority - b.priority);
  for (const rule of rules) {
    if (ruleMatches(rule, request)) return { ownerArn: rule.arn, ruleArn: rule.arn, actions: rule.actions };
  }
  return { ownerArn: listener.arn, ruleArn: listener.defaultRuleArn, actions: listener.defaultActions };
}

// ---------------------------------------------------------------- stickiness

/** Record the current shares of a forward action in its stickiness history. */
export function recordShares(history: StickyHistory | undefined, action: Action | undefined, now: number): StickyHistory {
  const stickiness = action?.ForwardConfig?.TargetGroupStickinessConfig;
  const enabled = stickiness?.Enabled === true;
  const durationMs = (stickiness?.DurationSeconds ?? 3600) * 1000;
  const shares = sharesOf(forwardGroups(action));
  if (!history || (enabled && !history.enabled)) {
    // No cookie was issued before stickiness was on: start the history here.
    return { enabled, durationMs, changes: [{ at: now, shares }] };
  }
  history.enabled = enabled;
  history.durationMs = durationMs;
  const last = history.changes[history.changes.length - 1];
  if (!last || !sameShares(last.shares, shares)) {
    // Two changes at one instant: the later wins, but the first entry stands for all time before.
    if (last && last.at === now && history.changes.length > 1) last.shares = shares;
    else history.changes.push({ at: now, shares });
  }
  pruneHistory(history, now);
  return history;
}

function sameShares(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Math.abs((a[k] ?? 0) - (b[k] ?? -1)) < 1e-12);
}

export function pruneHistory(history: StickyHistory, now: number): void {
  const windowStart = now - history.durationMs;
  while (history.changes.length > 1 && history.changes[1]!.at <= windowStart) history.changes.shift();
}

/**
 * Share of sticky clients holding a cookie for each group at time t. Cookies are issued by
 * the weights in force when issued and last `durationMs`, so this is the average of the
 * shares over the last cookie lifetime.
 */
export function stickyShares(history: StickyHistory, t: number): Record<string, number> {
  const changes = history.changes;
  if (changes.length === 1) return { ...changes[0]!.shares };
  const windowStart = t - history.durationMs;
  const out: Record<string, number> = {};
  for (let i = changes.length - 1; i >= 0; i--) {
    const entry = changes[i]!;
    const segEnd = i === changes.length - 1 ? t : changes[i + 1]!.at;
    if (segEnd <= windowStart) break;
    const segStart = i === 0 ? windowStart : Math.max(entry.at, windowStart);
    const weight = (Math.min(segEnd, t) - segStart) / history.durationMs;
    if (weight <= 0) continue;
    for (const [arn, share] of Object.entries(entry.shares)) out[arn] = (out[arn] ?? 0) + share * weight;
  }
  return out;
}

/** The next time the sticky average changes slope (a change leaving the cookie window). */
export function nextStickyBreakpoint(history: StickyHistory, now: number): number {
  if (!history.enabled) return Number.POSITIVE_INFINITY;
  for (const entry of history.changes.slice(1)) {
    const leaves = entry.at + history.durationMs;
    if (leaves > now) return leaves;
  }
  return Number.POSITIVE_INFINITY;
}

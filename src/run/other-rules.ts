import type { OtherRoute } from '../../machines/types.js';
import { waitIdle } from '../ports/clock.js';
import { groupName } from '../traffic/drift.js';
import { isFleetRule, otherRoutesTo, routeText } from '../traffic/listener-rules.js';
import type { ListenerRule, TrafficLocation } from '../ports/traffic.js';
import { locationsOf } from './locations.js';
import { isOwnCanaryRule } from './canary-rule.js';
import { clusterSpec, type RunContext } from './run-context.js';

// Out of rotation means unreachable: weight 0 in the fleet's forward stops nothing that another rule of
// the load balancer (any listener, any rule, a default action) sends the same target group. A target
// group is used with one load balancer only, so its rules are all there is to read
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html:
// "You can use each target group with only one load balancer").

/**
 * How long a listing of the load balancer's listeners serves. Every look reads the rules of every listener
 * afresh (DescribeRules, which holds the fleet's forward too: no more calls than the weight read alone);
 * listeners come and go far more rarely than rules, and one added is seen within this long. A listing per
 * look would cost as many calls again as the weight reads themselves.
 */
export const LISTENERS_REREAD_MS = 30 * 60_000;

function listeners(ctx: RunContext): Promise<string[]> {
  const now = ctx.clock.now();
  const known = ctx.memory.listeners;
  if (known && now - known.at < LISTENERS_REREAD_MS && now >= known.at) return waitIdle(ctx.clock, known.listeners);
  const entry = { at: now, listeners: ctx.traffic.listenersOf(ctx.location.listenerArn) };
  ctx.memory.listeners = entry;
  // A failed listing is not kept: the next look asks again.
  entry.listeners.catch(() => {
    if (ctx.memory.listeners === entry) ctx.memory.listeners = undefined;
  });
  return entry.listeners;
}

/** Every rule of the fleet's load balancer, default rules included: one read per look, shared with the same moment's other reads. */
export async function readRules(ctx: RunContext): Promise<ListenerRule[]> {
  return ctx.traffic.readRules(await listeners(ctx));
}

/**
 * The rules besides the fleet's that forward to a cluster's group, at any weight. This run's canary rules
 * are not among them: each forwards only the run's own header, for the cluster being verified.
 */
export function otherRoutes(ctx: RunContext, cluster: string, rules: readonly ListenerRule[]): OtherRoute[] {
  // The same group at another location of the fleet (two listeners of one load balancer) is that location's to judge.
  const elsewhere = ownLocationsElsewhere(ctx, cluster);
  return otherRoutesTo(rules, clusterSpec(ctx, cluster).targetGroupArn, ctx.location, (r) => isOwnCanaryRule(ctx, r) || elsewhere.some((l) => isFleetRule(r, l)));
}

function ownLocationsElsewhere(ctx: RunContext, cluster: string): TrafficLocation[] {
  if (!ctx.root) return [];
  return locationsOf(ctx.root, cluster).filter((at) => at !== ctx).map((at) => at.location);
}

/** The routes that send traffic now (weight above 0); one at weight 0 sends nothing until raised. */
export const reaching = (routes: readonly OtherRoute[]): OtherRoute[] => routes.filter((r) => r.weight > 0);

/** "rule <arn> (priority 10 of listener <arn>) forwards to payments-blue with weight 1; ...". */
export function routesText(routes: readonly OtherRoute[]): string {
  return routes.map((r) => `${routeText(r, true)} forwards to ${groupName(r.targetGroupArn)} with weight ${r.weight}`).join('; ');
}

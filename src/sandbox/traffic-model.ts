// Aggregate traffic: between two change points every rate is constant (or, for sticky
// clients, linear), so a whole interval is integrated at once instead of request by request.
import { forwardAction, forwardGroups, routeFor, sharesOf, stickyShares, type RouteChoice } from './elbv2-routing.js';
import { primaryServing } from './elasticache-ops.js';
import type { CounterState, ListenerState, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

export interface RouteRates {
  /** Requests per second per target group. */
  rates: Map<string, number>;
  /** Requests per second that find no target group (every weight 0, or no forward action). */
  unrouted: number;
  loadBalancerArn: string | null;
  /** False while sticky cookies from an earlier split are still running out. */
  timeInvariant: boolean;
}

export function fleetListener(state: WorldState): ListenerState | undefined {
  return state.elbv2.listeners.find((l) => l.arn === state.fleet.listenerArn);
}

/**
 * Where ordinary traffic goes at time t. Each request path takes the first rule whose conditions match it,
 * lowest priority first, else the default action
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html), and is split
 * there by weights and sticky cookies: a group forwarded to by two rules gets traffic through both.
 */
export function routeRates(state: WorldState, t: number): RouteRates {
  const listener = fleetListener(state);
  const rate = state.settings.traffic.ratePerSecond;
  if (!listener) return { rates: new Map(), unrouted: rate, loadBalancerArn: null, timeInvariant: true };
  const rates = new Map<string, number>();
  let unrouted = 0;
  let timeInvariant = true;
  for (const { path, share } of state.settings.traffic.paths) {
    const part = forwardRates(state, routeFor(state.elbv2, listener, { path }), rate * share, t);
    for (const [arn, r] of part.rates) rates.set(arn, (rates.get(arn) ?? 0) + r);
    unrouted += part.unrouted;
    timeInvariant &&= part.timeInvariant;
  }
  return { rates, unrouted, loadBalancerArn: listener.loadBalancerArn, timeInvariant };
}

/** `rate` requests per second taken by one rule's forward action, split by weights and by sticky cookies. */
function forwardRates(state: WorldState, route: RouteChoice, rate: number, t: number): Omit<RouteRates, 'loadBalancerArn'> {
  const groups = forwardGroups(forwardAction(route.actions));
  const shares = sharesOf(groups);
  const history = state.elbv2.sticky[route.ownerArn];
  const stickyFraction = history?.enabled ? state.settings.traffic.stickyFraction : 0;
  const sticky: Record<string, number> = {};
  let stickyTotal = 0;
  if (stickyFraction > 0 && history) {
    const all = stickyShares(history, t);
    // Cookies for a group no longer in the action are ignored: those clients route by weight.
    for (const g of groups) {
      sticky[g.arn] = all[g.arn] ?? 0;
      stickyTotal += sticky[g.arn] ?? 0;
    }
  }
  const rates = new Map<string, number>();
  let routedShare = 0;
  for (const g of groups) {
    const share = shares[g.arn] ?? 0;
    routedShare += share;
    const r = rate * ((1 - stickyFraction) * share + stickyFraction * ((sticky[g.arn] ?? 0) + (1 - stickyTotal) * share));
    if (r > 0) rates.set(g.arn, (rates.get(g.arn) ?? 0) + r);
  }
  const unrouted = routedShare > 0 ? 0 : rate * ((1 - stickyFraction) + stickyFraction * (1 - stickyTotal));
  return { rates, unrouted, timeInvariant: stickyFraction === 0 || (history?.changes.length ?? 1) <= 1 };
}

/** Target groups that ordinary traffic reaches by weight (weight above 0 in the action its path takes). */
export function routedGroups(state: WorldState): Set<string> {
  const listener = fleetListener(state);
  const routed = new Set<string>();
  if (!listener) return routed;
  for (const { path } of state.settings.traffic.paths) {
    for (const g of forwardGroups(forwardAction(routeFor(state.elbv2, listener, { path }).actions))) if (g.weight > 0) routed.add(g.arn);
  }
  return routed;
}

function counter(map: Record<string, CounterState>, key: string): CounterState {
  let c = map[key];
  if (!c) {
    c = { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 };
    map[key] = c;
  }
  return c;
}

function add(c: CounterState, requests: number, target5xx: number, elb5xx: number): void {
  c.requests += requests;
  c.target5xx += target5xx;
  c.elb5xx += elb5xx;
  c.failed += target5xx + elb5xx;
}

/**
 * Integrate traffic and health gauges over [a, b); nothing in the world changes inside it.
 * `route` is taken at the middle of the interval: exact, as sticky shares are linear in it.
 */
export function integrate(core: WorldCore, a: number, b: number, route: RouteRates): void {
  if (b <= a) return;
  const state = core.state;
  const dt = (b - a) / 1000;
  const { rates, unrouted, loadBalancerArn } = route;
  const lb = loadBalancerArn ? counter(state.traffic.perLoadBalancer, loadBalancerArn) : null;
  for (const [arn, rate] of rates) {
    const requests = rate * dt;
    const summary = core.groupSummary(arn);
    let elb = 0;
    let target = 0;
    if (summary.registered === 0 || summary.routable === 0) {
      elb = requests;
    } else {
      elb = (requests * summary.routableCrash) / summary.routable;
      target = (requests * summary.routableError) / summary.routable;
      const rg = core.clusterOfTargetGroup(arn)?.replicationGroupId;
      if (rg && !primaryServing(state.elasticache, rg, a)) target = requests - elb;
    }
    add(counter(state.traffic.perGroup, arn), requests, target, elb);
    if (lb) add(lb, requests, target, elb);
  }
  if (unrouted > 0) {
    add(state.traffic.unrouted, unrouted * dt, 0, unrouted * dt);
    if (lb) add(lb, unrouted * dt, 0, unrouted * dt);
  }
  accumulateGauges(core, dt);
}

function accumulateGauges(core: WorldCore, dt: number): void {
  const gauges = core.state.metrics.acc.gauges;
  for (const group of Object.values(core.state.elbv2.targetGroups)) {
    if (!group.used) continue;
    const s = core.groupSummary(group.arn);
    const g = gauges[group.arn];
    if (!g) {
      gauges[group.arn] = [s.healthy * dt, s.unhealthy * dt, s.healthy, s.healthy, s.unhealthy, s.unhealthy];
      continue;
    }
    g[0] += s.healthy * dt;
    g[1] += s.unhealthy * dt;
    g[2] = Math.min(g[2], s.healthy);
    g[3] = Math.max(g[3], s.healthy);
    g[4] = Math.min(g[4], s.unhealthy);
    g[5] = Math.max(g[5], s.unhealthy);
  }
}

/** Requests per second reaching one routable target of a group. */
export function perTargetRate(core: WorldCore, arn: string, route: RouteRates): number {
  const summary = core.groupSummary(arn);
  if (summary.routable === 0) return 0;
  return (route.rates.get(arn) ?? 0) / summary.routable;
}

// Aggregate traffic: between two change points every rate is constant (or, for sticky
// clients, linear), so a whole interval is integrated at once instead of request by request.
import { forwardAction, forwardGroups, routeFor, sharesOf, stickyShares, type RouteChoice } from './elbv2-routing.js';
import { primaryServing } from './elasticache-ops.js';
import { firstLocation, fleetLocations, locationListener } from './fleet-locations.js';
import type { CounterState, FleetLocation, ListenerState, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

/** Where the requests arriving at one fleet location go. */
export interface LocationRoute {
  location: string;
  loadBalancerArn: string | null;
  /** Requests per second per target group. */
  rates: Map<string, number>;
  /** Requests per second that find no target group there (every weight 0, no forward action, no listener). */
  unrouted: number;
}

export interface RouteRates {
  /** Requests per second per target group, over every location. */
  rates: Map<string, number>;
  /** Requests per second that find no target group, over every location. */
  unrouted: number;
  locations: LocationRoute[];
  /** False while sticky cookies from an earlier split are still running out. */
  timeInvariant: boolean;
}

/** The first location's listener: what a world of one listener calls the fleet listener. */
export function fleetListener(state: WorldState): ListenerState | undefined {
  return locationListener(state, firstLocation(state));
}

/** The requests per second and paths arriving at a location: its own, else the fleet's (the same at each). */
export function locationTraffic(state: WorldState, location: string): { ratePerSecond: number; paths: Array<{ path: string; share: number }> } {
  const traffic = state.settings.traffic;
  return traffic.perLocation?.[location] ?? { ratePerSecond: traffic.ratePerSecond, paths: traffic.paths };
}

/**
 * Where ordinary traffic goes at time t. Requests arrive at every location's listener, each at its own
 * rate. There each request path takes the first rule whose conditions match it, lowest priority first,
 * else the default action (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html),
 * and is split by weights and sticky cookies: a group forwarded to by two rules gets traffic through both.
 */
export function routeRates(state: WorldState, t: number): RouteRates {
  const rates = new Map<string, number>();
  let unrouted = 0;
  let timeInvariant = true;
  const locations: LocationRoute[] = [];
  for (const location of fleetLocations(state)) {
    const here = locationRoute(state, location, t);
    locations.push(here.route);
    for (const [arn, r] of here.route.rates) rates.set(arn, (rates.get(arn) ?? 0) + r);
    unrouted += here.route.unrouted;
    timeInvariant &&= here.timeInvariant;
  }
  return { rates, unrouted, locations, timeInvariant };
}

function locationRoute(state: WorldState, location: FleetLocation, t: number): { route: LocationRoute; timeInvariant: boolean } {
  const listener = locationListener(state, location);
  const { ratePerSecond, paths } = locationTraffic(state, location.name);
  if (!listener) return { route: { location: location.name, loadBalancerArn: null, rates: new Map(), unrouted: ratePerSecond }, timeInvariant: true };
  const rates = new Map<string, number>();
  let unrouted = 0;
  let timeInvariant = true;
  for (const { path, share } of paths) {
    const part = forwardRates(state, routeFor(state.elbv2, listener, { path }), ratePerSecond * share, t);
    for (const [arn, r] of part.rates) rates.set(arn, (rates.get(arn) ?? 0) + r);
    unrouted += part.unrouted;
    timeInvariant &&= part.timeInvariant;
  }
  return { route: { location: location.name, loadBalancerArn: listener.loadBalancerArn, rates, unrouted }, timeInvariant };
}

/** `rate` requests per second taken by one rule's forward action, split by weights and by sticky cookies. */
function forwardRates(state: WorldState, route: RouteChoice, rate: number, t: number): { rates: Map<string, number>; unrouted: number; timeInvariant: boolean } {
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

/** Target groups that ordinary traffic arriving at the location reaches by weight (weight above 0 in the action its path takes). */
export function routedGroupsAt(state: WorldState, location: FleetLocation): Set<string> {
  const listener = locationListener(state, location);
  const routed = new Set<string>();
  if (!listener) return routed;
  for (const { path } of locationTraffic(state, location.name).paths) {
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
  // Each group's requests fail in the same proportions whichever location they arrived at.
  const failing = new Map<string, { requests: number; target: number; elb: number }>();
  for (const [arn, rate] of route.rates) {
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
    failing.set(arn, { requests, target, elb });
  }
  if (route.unrouted > 0) add(state.traffic.unrouted, route.unrouted * dt, 0, route.unrouted * dt);
  for (const here of route.locations) {
    const lb = here.loadBalancerArn ? counter(state.traffic.perLoadBalancer, here.loadBalancerArn) : null;
    const at = counter((state.traffic.perLocation ??= {}), here.location);
    for (const [arn, rate] of here.rates) {
      const all = failing.get(arn);
      if (!all || all.requests <= 0) continue;
      // The whole of the group's traffic (one location routes there) is taken as is, without rounding.
      const part = rate === route.rates.get(arn) ? 1 : (rate * dt) / all.requests;
      const share = part === 1 ? all : { requests: rate * dt, target: all.target * part, elb: all.elb * part };
      add(at, share.requests, share.target, share.elb);
      if (lb) add(lb, share.requests, share.target, share.elb);
    }
    if (here.unrouted > 0) {
      add(at, here.unrouted * dt, 0, here.unrouted * dt);
      if (lb) add(lb, here.unrouted * dt, 0, here.unrouted * dt);
    }
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

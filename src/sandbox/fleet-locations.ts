// The fleet's locations: each a listener (and optionally a rule) whose forward action holds the fleet's
// target groups there, and each cluster's target group at every location it is at. Worlds saved before
// locations existed hold one listener: they read as one location named after its load balancer.
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseListenerArn } from './arns.js';
import { forwardAction, forwardGroups } from './elbv2-routing.js';
import type { ClusterInfo, FleetLocation, ListenerState, Placement, WorldState } from './state.js';

export function fleetLocations(state: WorldState): FleetLocation[] {
  if (state.fleet.locations && state.fleet.locations.length > 0) return state.fleet.locations;
  const name = parseListenerArn(state.fleet.listenerArn)?.loadBalancerName ?? 'fleet';
  return [{ name, listenerArn: state.fleet.listenerArn, ruleArn: state.fleet.ruleArn }];
}

export function firstLocation(state: WorldState): FleetLocation {
  return fleetLocations(state)[0]!;
}

/** Several locations: audit messages and traffic totals name the location. */
export function hasSeveralLocations(state: WorldState): boolean {
  return fleetLocations(state).length > 1;
}

/** The named location; null = the first. Undefined when no location has that name. */
export function findLocation(state: WorldState, name: string | null | undefined): FleetLocation | undefined {
  if (name === null || name === undefined) return firstLocation(state);
  return fleetLocations(state).find((l) => l.name === name);
}

export function placementsOf(state: WorldState, cluster: ClusterInfo): Placement[] {
  if (cluster.placements && cluster.placements.length > 0) return cluster.placements;
  return [{ location: firstLocation(state).name, targetGroupArn: cluster.targetGroupArn }];
}

/** The cluster's target group at a location, or undefined when it is not there. */
export function groupAt(state: WorldState, cluster: ClusterInfo, location: string): string | undefined {
  return placementsOf(state, cluster).find((p) => p.location === location)?.targetGroupArn;
}

export function locationListener(state: WorldState, location: FleetLocation): ListenerState | undefined {
  return state.elbv2.listeners.find((l) => l.arn === location.listenerArn);
}

/** The forward action that carries the fleet at a location: its rule, or its listener's default action. */
export function locationActions(state: WorldState, location: FleetLocation): Action[] {
  if (location.ruleArn) {
    const rule = state.elbv2.rules.find((r) => r.arn === location.ruleArn);
    if (rule) return rule.actions;
    const listener = state.elbv2.listeners.find((l) => l.defaultRuleArn === location.ruleArn);
    return listener?.defaultActions ?? [];
  }
  return locationListener(state, location)?.defaultActions ?? [];
}

/** Weight of each target group in the location's forward action (absent = 0). */
export function locationWeights(state: WorldState, location: FleetLocation): Map<string, number> {
  const weights = new Map<string, number>();
  for (const g of forwardGroups(forwardAction(locationActions(state, location)))) weights.set(g.arn, g.weight);
  return weights;
}

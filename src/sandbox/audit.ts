// The world's own audit, independent of quiesce: it watches every mutation and reports
// what an operator would call an incident in the making.
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { cacheNotReadyReasons } from './elasticache-ops.js';
import { firstLocation, fleetLocations, hasSeveralLocations, locationActions, locationWeights, placementsOf } from './fleet-locations.js';
import { healthAt } from './target-health.js';
import { routedGroupsAt } from './traffic-model.js';
import type { ClusterInfo, Violation, ViolationKind, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

export interface AuditContext {
  caller: string;
  command: string;
}

/** The forward action that carries the fleet at the first location: the plan's rule, or the listener's default action. */
export function fleetActions(state: WorldState): Action[] {
  return locationActions(state, firstLocation(state));
}

/** Weight of each target group in the first location's forward action (absent = 0). */
export function fleetWeights(state: WorldState): Map<string, number> {
  return locationWeights(state, firstLocation(state));
}

function hasRegistered(state: WorldState, groupArn: string): boolean {
  const group = state.elbv2.targetGroups[groupArn];
  return group ? group.targets.some((t) => t.drainUntil === null) : false;
}

/** Per location name: each cluster placed there (or reached from there) and whether it is in rotation there. */
export type Rotation = Map<string, Map<string, boolean>>;

/**
 * In rotation at a location: ordinary traffic arriving at that location's listener reaches one of the
 * cluster's groups by weight, through the fleet's forward action or any other rule its request paths take
 * (weight above 0 there), and that group has at least one registered target. Header-matched rules
 * (canaries) take no ordinary traffic.
 */
export function rotation(state: WorldState): Rotation {
  const index = placementIndex(state);
  const out: Rotation = new Map();
  for (const location of fleetLocations(state)) {
    const here = new Map<string, boolean>();
    for (const name of index.placedAt.get(location.name) ?? []) here.set(name, false);
    for (const arn of routedGroupsAt(state, location)) {
      const owner = index.ownerOf.get(arn);
      if (owner !== undefined && hasRegistered(state, arn)) here.set(owner, true);
    }
    out.set(location.name, here);
  }
  return out;
}

interface PlacementIndex {
  /** The cluster each of the fleet's target groups belongs to. */
  ownerOf: Map<string, string>;
  /** The clusters placed at each location, in the plan's order. */
  placedAt: Map<string, string[]>;
  byName: Map<string, ClusterInfo>;
}

// Placements are fixed when the world is built; a mutation's audit reads them for every location twice.
const indexes = new WeakMap<ClusterInfo[], PlacementIndex>();

function placementIndex(state: WorldState): PlacementIndex {
  const known = indexes.get(state.clusters);
  if (known) return known;
  const index: PlacementIndex = { ownerOf: new Map(), placedAt: new Map(), byName: new Map(state.clusters.map((c) => [c.name, c])) };
  for (const cluster of state.clusters) {
    for (const p of placementsOf(state, cluster)) {
      index.ownerOf.set(p.targetGroupArn, cluster.name);
      const list = index.placedAt.get(p.location) ?? [];
      list.push(cluster.name);
      index.placedAt.set(p.location, list);
    }
  }
  indexes.set(state.clusters, index);
  return index;
}

/** Whether the cluster is in rotation at any location. */
export function inRotationAnywhere(rot: Rotation, cluster: string): boolean {
  for (const here of rot.values()) if (here.get(cluster)) return true;
  return false;
}

function violation(core: WorldCore, kind: ViolationKind, cluster: string, ctx: AuditContext, message: string, location?: string): void {
  const v: Violation = { at: core.now(), kind, cluster, ...(location !== undefined ? { location } : {}), caller: ctx.caller, command: ctx.command, message };
  core.state.audit.violations.push(v);
}

/**
 * A request, answer or error that does not fit the SDK's model of the service (src/sandbox/model-check.ts):
 * it concerns a call, not a cluster, so `cluster` is empty.
 */
export function auditModelMismatch(core: WorldCore, ctx: AuditContext, message: string): void {
  violation(core, 'sdk-model-mismatch', '', ctx, message);
}

function notReadyReasons(core: WorldCore, cluster: ClusterInfo, groupArn: string): string[] {
  const state = core.state;
  const reasons = cluster.replicationGroupId ? cacheNotReadyReasons(state.elasticache, cluster.replicationGroupId) : [];
  const group = state.elbv2.targetGroups[groupArn];
  if (group) {
    const now = core.now();
    const live = group.targets.filter((t) => t.drainUntil === null);
    const healthy = live.filter((t) => group.used && t.checksFrom !== null && healthAt(t, group.healthCheck, now).state === 'healthy');
    if (healthy.length < live.length) reasons.push(`${healthy.length}/${live.length} targets healthy`);
  }
  return reasons;
}

/**
 * Compare rotation before and after a mutation and record what it broke, at every location: capacity is
 * counted per location among the clusters placed there. With several locations each message names its own.
 */
export function auditRotationChange(core: WorldCore, before: Rotation, ctx: AuditContext): void {
  const state = core.state;
  const after = rotation(state);
  const several = hasSeveralLocations(state);
  const index = placementIndex(state);
  const { maxOutOfService, minActiveClusters } = state.settings.audit;
  for (const location of fleetLocations(state)) {
    const was = before.get(location.name) ?? new Map<string, boolean>();
    const now = after.get(location.name) ?? new Map<string, boolean>();
    const at = several ? ` at ${location.name}` : '';
    const where = several ? location.name : undefined;
    let routed: Set<string> | undefined;
    for (const [name, inRotation] of now) {
      if (!inRotation || was.get(name)) continue;
      const cluster = index.byName.get(name)!;
      routed ??= routedGroupsAt(state, location);
      const groupArn = placementsOf(state, cluster).find((p) => routed!.has(p.targetGroupArn))?.targetGroupArn ?? cluster.targetGroupArn;
      const reasons = notReadyReasons(core, cluster, groupArn);
      if (reasons.length > 0) {
        violation(core, 'unsafe-reactivation', cluster.name, ctx, `${cluster.name} put into rotation${at} while ${reasons.join('; ')}`, where);
      }
    }
  }
  // maxOutOfService counts clusters across the fleet: one out of rotation at any of its locations is out.
  const outAt = (rot: Rotation) =>
    new Map(state.clusters.flatMap((c) => {
      const where = placementsOf(state, c).filter((p) => !rot.get(p.location)?.get(c.name)).map((p) => p.location);
      return where.length ? [[c.name, where] as const] : [];
    }));
  const outBefore = outAt(before);
  const outAfter = outAt(after);
  if (outAfter.size > maxOutOfService && outAfter.size > outBefore.size) {
    const newlyOut = [...outAfter.keys()].filter((n) => !outBefore.has(n));
    const locations = [...new Set([...outAfter.values()].flat())];
    violation(
      core,
      'too-many-out-of-service',
      newlyOut.join(',') || ([...outAfter.keys()][0] ?? ''),
      ctx,
      `${outAfter.size} clusters out of rotation (${[...outAfter].map(([n, where]) => (several ? `${n} at ${where.join(', ')}` : n)).join(', ')}); maxOutOfService is ${maxOutOfService}`,
      several ? locations.join(',') : undefined,
    );
  }
  // minActiveClusters holds at every location, among the clusters placed there.
  for (const location of fleetLocations(state)) {
    const was = before.get(location.name) ?? new Map<string, boolean>();
    const now = after.get(location.name) ?? new Map<string, boolean>();
    const placed = index.placedAt.get(location.name) ?? [];
    const activeBefore = placed.filter((n) => was.get(n)).length;
    const activeAfter = placed.filter((n) => now.get(n)).length;
    if (activeAfter < minActiveClusters && activeAfter < activeBefore) {
      const newlyOut = placed.filter((n) => was.get(n) && !now.get(n));
      violation(core, 'too-few-active', newlyOut.join(','), ctx, `only ${activeAfter} clusters in rotation${several ? ` at ${location.name}` : ''}; minActiveClusters is ${minActiveClusters}`, several ? location.name : undefined);
    }
  }
}

/** A disruptive cache operation started on a cluster that still takes traffic. */
export function auditNewCacheOps(core: WorldCore, opIdsBefore: Set<string>, ctx: AuditContext): void {
  const state = core.state;
  const rot = rotation(state);
  const several = hasSeveralLocations(state);
  for (const op of state.elasticache.ops) {
    if (opIdsBefore.has(op.id)) continue;
    const cluster = core.clusterOfReplicationGroup(op.replicationGroupId);
    if (!cluster) continue;
    // Its cache is one: taking traffic at ANY location while it is maintained is the incident.
    const at = fleetLocations(state).filter((l) => rot.get(l.name)?.get(cluster.name)).map((l) => l.name);
    if (at.length === 0) continue;
    violation(
      core,
      'maintenance-in-rotation',
      cluster.name,
      ctx,
      `${op.kind} started on ${op.replicationGroupId} while ${cluster.name} is in rotation${several ? ` at ${at.join(', ')}` : ''}`,
      several ? at.join(',') : undefined,
    );
  }
}

export function targetKeys(state: WorldState, groupArn: string): string[] {
  const group = state.elbv2.targetGroups[groupArn];
  if (!group) return [];
  return group.targets
    .filter((t) => t.drainUntil === null)
    .map((t) => `${t.id}:${t.port}`)
    .sort();
}

/** End of run: every cluster must have exactly the targets it started with, in its group at every location. */
export function finalAudit(core: WorldCore): Violation[] {
  const found: Violation[] = [];
  const ctx: AuditContext = { caller: 'audit', command: 'finalAudit' };
  const several = hasSeveralLocations(core.state);
  for (const cluster of core.state.clusters) {
    const initial = core.state.audit.initialTargets[cluster.name] ?? [];
    for (const placement of placementsOf(core.state, cluster)) {
      const now = new Set(targetKeys(core.state, placement.targetGroupArn));
      const missing = initial.filter((k) => !now.has(k));
      const extra = [...now].filter((k) => !initial.includes(k));
      if (missing.length === 0 && extra.length === 0) continue;
      const parts: string[] = [];
      if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
      if (extra.length > 0) parts.push(`unexpected ${extra.join(', ')}`);
      const v: Violation = {
        at: core.now(),
        kind: 'target-list-changed',
        cluster: cluster.name,
        ...(several ? { location: placement.location } : {}),
        caller: ctx.caller,
        command: ctx.command,
        message: `${cluster.name} target list${several ? ` at ${placement.location}` : ''} differs from the start: ${parts.join('; ')}`,
      };
      found.push(v);
      core.state.audit.violations.push(v);
    }
  }
  return found;
}

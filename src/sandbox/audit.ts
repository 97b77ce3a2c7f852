// The world's own audit, independent of quiesce: it watches every mutation and reports
// what an operator would call an incident in the making.
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { cacheNotReadyReasons } from './elasticache-ops.js';
import { firstLocation, fleetLocations, groupAt, hasSeveralLocations, locationActions, locationWeights, placementsOf } from './fleet-locations.js';
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
  const out: Rotation = new Map();
  for (const location of fleetLocations(state)) {
    const routed = routedGroupsAt(state, location);
    const here = new Map<string, boolean>();
    for (const cluster of state.clusters) {
      const inRotation = placementsOf(state, cluster).some((p) => routed.has(p.targetGroupArn) && hasRegistered(state, p.targetGroupArn));
      if (inRotation || groupAt(state, cluster, location.name) !== undefined) here.set(cluster.name, inRotation);
    }
    out.set(location.name, here);
  }
  return out;
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
  const { maxOutOfService, minActiveClusters } = state.settings.audit;
  for (const location of fleetLocations(state)) {
    const was = before.get(location.name) ?? new Map<string, boolean>();
    const now = after.get(location.name) ?? new Map<string, boolean>();
    const at = several ? ` at ${location.name}` : '';
    const where = several ? location.name : undefined;
    for (const cluster of state.clusters) {
      if (was.get(cluster.name) || !now.get(cluster.name)) continue;
      const routed = routedGroupsAt(state, location);
      const groupArn = placementsOf(state, cluster).find((p) => routed.has(p.targetGroupArn))?.targetGroupArn ?? cluster.targetGroupArn;
      const reasons = notReadyReasons(core, cluster, groupArn);
      if (reasons.length > 0) {
        violation(core, 'unsafe-reactivation', cluster.name, ctx, `${cluster.name} put into rotation${at} while ${reasons.join('; ')}`, where);
      }
    }
    const placed = state.clusters.filter((c) => groupAt(state, c, location.name) !== undefined);
    const outBefore = placed.filter((c) => !was.get(c.name));
    const outAfter = placed.filter((c) => !now.get(c.name));
    if (outAfter.length > maxOutOfService && outAfter.length > outBefore.length) {
      const newlyOut = outAfter.filter((c) => was.get(c.name)).map((c) => c.name);
      violation(
        core,
        'too-many-out-of-service',
        newlyOut.join(',') || (outAfter[0]?.name ?? ''),
        ctx,
        `${outAfter.length} clusters out of rotation${at} (${outAfter.map((c) => c.name).join(', ')}); maxOutOfService is ${maxOutOfService}`,
        where,
      );
    }
    const activeBefore = placed.length - outBefore.length;
    const activeAfter = placed.length - outAfter.length;
    if (activeAfter < minActiveClusters && activeAfter < activeBefore) {
      const newlyOut = outAfter.filter((c) => was.get(c.name)).map((c) => c.name);
      violation(core, 'too-few-active', newlyOut.join(','), ctx, `only ${activeAfter} clusters in rotation${at}; minActiveClusters is ${minActiveClusters}`, where);
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

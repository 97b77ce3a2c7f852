// The world's own audit, independent of quiesce: it watches every mutation and reports
// what an operator would call an incident in the making.
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { forwardAction, forwardGroups } from './elbv2-routing.js';
import { cacheNotReadyReasons } from './elasticache-ops.js';
import { healthAt } from './target-health.js';
import { routedGroups } from './traffic-model.js';
import type { ClusterInfo, Violation, ViolationKind, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

export interface AuditContext {
  caller: string;
  command: string;
}

/** The forward action that carries the fleet: the plan's rule, or the listener's default action. */
export function fleetActions(state: WorldState): Action[] {
  if (state.fleet.ruleArn) {
    const rule = state.elbv2.rules.find((r) => r.arn === state.fleet.ruleArn);
    if (rule) return rule.actions;
    const listener = state.elbv2.listeners.find((l) => l.defaultRuleArn === state.fleet.ruleArn);
    return listener?.defaultActions ?? [];
  }
  return state.elbv2.listeners.find((l) => l.arn === state.fleet.listenerArn)?.defaultActions ?? [];
}

/** Weight of each target group in the fleet's forward action (absent = 0). */
export function fleetWeights(state: WorldState): Map<string, number> {
  const weights = new Map<string, number>();
  for (const g of forwardGroups(forwardAction(fleetActions(state)))) weights.set(g.arn, g.weight);
  return weights;
}

function hasRegistered(state: WorldState, cluster: ClusterInfo): boolean {
  const group = state.elbv2.targetGroups[cluster.targetGroupArn];
  return group ? group.targets.some((t) => t.drainUntil === null) : false;
}

/**
 * In rotation: ordinary traffic reaches the group by weight, through the fleet's forward action or any
 * other rule its request paths take (weight above 0 there), and it has at least one registered target.
 * Header-matched rules (canaries) take no ordinary traffic.
 */
export function rotation(state: WorldState): Map<string, boolean> {
  const routed = routedGroups(state);
  const out = new Map<string, boolean>();
  for (const cluster of state.clusters) {
    out.set(cluster.name, routed.has(cluster.targetGroupArn) && hasRegistered(state, cluster));
  }
  return out;
}

function violation(core: WorldCore, kind: ViolationKind, cluster: string, ctx: AuditContext, message: string): void {
  const v: Violation = { at: core.now(), kind, cluster, caller: ctx.caller, command: ctx.command, message };
  core.state.audit.violations.push(v);
}

/**
 * A request, answer or error that does not fit the SDK's model of the service (src/sandbox/model-check.ts):
 * it concerns a call, not a cluster, so `cluster` is empty.
 */
export function auditModelMismatch(core: WorldCore, ctx: AuditContext, message: string): void {
  violation(core, 'sdk-model-mismatch', '', ctx, message);
}

function notReadyReasons(core: WorldCore, cluster: ClusterInfo): string[] {
  const state = core.state;
  const reasons = cluster.replicationGroupId ? cacheNotReadyReasons(state.elasticache, cluster.replicationGroupId) : [];
  const group = state.elbv2.targetGroups[cluster.targetGroupArn];
  if (group) {
    const now = core.now();
    const live = group.targets.filter((t) => t.drainUntil === null);
    const healthy = live.filter((t) => group.used && t.checksFrom !== null && healthAt(t, group.healthCheck, now).state === 'healthy');
    if (healthy.length < live.length) reasons.push(`${healthy.length}/${live.length} targets healthy`);
  }
  return reasons;
}

/** Compare rotation before and after a mutation and record what it broke. */
export function auditRotationChange(core: WorldCore, before: Map<string, boolean>, ctx: AuditContext): void {
  const state = core.state;
  const after = rotation(state);
  for (const cluster of state.clusters) {
    if (before.get(cluster.name) || !after.get(cluster.name)) continue;
    const reasons = notReadyReasons(core, cluster);
    if (reasons.length > 0) {
      violation(core, 'unsafe-reactivation', cluster.name, ctx, `${cluster.name} put into rotation while ${reasons.join('; ')}`);
    }
  }
  const outBefore = state.clusters.filter((c) => !before.get(c.name));
  const outAfter = state.clusters.filter((c) => !after.get(c.name));
  const { maxOutOfService, minActiveClusters } = state.settings.audit;
  if (outAfter.length > maxOutOfService && outAfter.length > outBefore.length) {
    const newlyOut = outAfter.filter((c) => before.get(c.name)).map((c) => c.name);
    violation(
      core,
      'too-many-out-of-service',
      newlyOut.join(',') || (outAfter[0]?.name ?? ''),
      ctx,
      `${outAfter.length} clusters out of rotation (${outAfter.map((c) => c.name).join(', ')}); maxOutOfService is ${maxOutOfService}`,
    );
  }
  const activeBefore = state.clusters.length - outBefore.length;
  const activeAfter = state.clusters.length - outAfter.length;
  if (activeAfter < minActiveClusters && activeAfter < activeBefore) {
    const newlyOut = outAfter.filter((c) => before.get(c.name)).map((c) => c.name);
    violation(
      core,
      'too-few-active',
      newlyOut.join(','),
      ctx,
      `only ${activeAfter} clusters in rotation; minActiveClusters is ${minActiveClusters}`,
    );
  }
}

/** A disruptive cache operation started on a cluster that still takes traffic. */
export function auditNewCacheOps(core: WorldCore, opIdsBefore: Set<string>, ctx: AuditContext): void {
  const inRotation = rotation(core.state);
  for (const op of core.state.elasticache.ops) {
    if (opIdsBefore.has(op.id)) continue;
    const cluster = core.clusterOfReplicationGroup(op.replicationGroupId);
    if (!cluster || !inRotation.get(cluster.name)) continue;
    violation(
      core,
      'maintenance-in-rotation',
      cluster.name,
      ctx,
      `${op.kind} started on ${op.replicationGroupId} while ${cluster.name} is in rotation`,
    );
  }
}

export function targetKeys(state: WorldState, cluster: ClusterInfo): string[] {
  const group = state.elbv2.targetGroups[cluster.targetGroupArn];
  if (!group) return [];
  return group.targets
    .filter((t) => t.drainUntil === null)
    .map((t) => `${t.id}:${t.port}`)
    .sort();
}

/** End of run: every cluster must have exactly the targets it started with. */
export function finalAudit(core: WorldCore): Violation[] {
  const found: Violation[] = [];
  const ctx: AuditContext = { caller: 'audit', command: 'finalAudit' };
  for (const cluster of core.state.clusters) {
    const initial = core.state.audit.initialTargets[cluster.name] ?? [];
    const now = new Set(targetKeys(core.state, cluster));
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
      caller: ctx.caller,
      command: ctx.command,
      message: `${cluster.name} target list differs from the start: ${parts.join('; ')}`,
    };
    found.push(v);
    core.state.audit.violations.push(v);
  }
  return found;
}

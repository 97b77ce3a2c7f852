import type { Drift } from '../../machines/types.js';
import type { Plan } from '../plan/schema.js';
import type { JournalEntry } from '../store/run-store.js';
import { groupName } from '../traffic/drift.js';
import type { DriftDiff, TimelineItem, WeightChange } from './run-report.js';
import { routeText } from '../traffic/listener-rules.js';

// Journal `effect` entries become the mutating AWS calls of the timeline, with what was there before
// and what is there after, read from the entry's data rather than from its message.

type CallItem = Extract<TimelineItem, { kind: 'call' }>;
type Forward = { targetGroups?: Array<{ targetGroupArn: string; weight: number }> };
type Target = { id: string; port?: number };

const CACHE_CALL: Record<string, string> = {
  'failover:test-failover': 'TestFailover',
  'failover:primary-cluster-id': 'ModifyReplicationGroup (PrimaryClusterId)',
  modify: 'ModifyReplicationGroup',
  reboot: 'RebootCacheCluster',
  'service-update': 'BatchApplyUpdateAction',
};

export function callOf(entry: JournalEntry, plan: Plan): Omit<CallItem, 'at' | 'seq'> {
  const data = entry.data ?? {};
  const base = { kind: 'call' as const, message: stripCluster(entry), ...(entry.cluster ? { cluster: entry.cluster } : {}) };
  const call = typeof data.call === 'string' ? data.call : undefined;
  if (call === 'ModifyListener' || call === 'ModifyRule') {
    const unchanged = {
      ...(typeof data.unchangedGroups === 'number' ? { unchangedGroups: data.unchangedGroups } : {}),
      ...(typeof data.rescaledGroups === 'number' ? { rescaledGroups: data.rescaledGroups } : {}),
    };
    return { ...base, call, changed: data.changed !== false, weights: weightChanges(data.before as Forward, data.after as Forward), ...unchanged, ...rampOf(data) };
  }
  if (call === 'DeregisterTargets' || call === 'RegisterTargets') {
    return { ...base, call, changed: true, targets: { before: targetIds(data.before), after: targetIds(data.after) } };
  }
  if (isRecord(data.step) && typeof data.step.elasticache === 'string') return { ...base, ...cacheCall(entry, data.step, data.intent, plan) };
  if (typeof data.ruleArn === 'string') return { ...base, call: /deleted/.test(entry.message) ? 'DeleteRule' : 'CreateRule', changed: true };
  if (isRecord(data.request) || typeof data.exitCode === 'number' || 'signal' in data) {
    return { ...base, call: isRecord(data.request) ? 'http' : 'command', changed: true };
  }
  return { ...base, call: 'note', changed: false };
}

function cacheCall(entry: JournalEntry, step: Record<string, unknown>, intent: unknown, plan: Plan): Pick<CallItem, 'call' | 'changed' | 'cache'> {
  const action = String(step.elasticache);
  const key = action === 'failover' ? `failover:${String(step.method ?? 'test-failover')}` : action;
  const request: Record<string, string> = {};
  for (const [k, v] of Object.entries(step)) {
    if (k === 'elasticache' || k === 'timeout' || v === undefined) continue;
    request[k] = Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? `"${v}"` : String(v);
  }
  let change: string | undefined;
  if (isRecord(intent)) {
    for (const k of ['previousPrimary', 'expectedPrimary'] as const) if (typeof intent[k] === 'string') request[k] = intent[k];
    if (action === 'modify' && typeof step.engine === 'string' && typeof intent.engineBefore === 'string') change = `${intent.engineBefore} → ${step.engine} ${String(step.engineVersion ?? '')}`.trimEnd();
    if (Array.isArray(intent.rebootIds)) request.rebootIds = intent.rebootIds.join(', ');
  }
  const spec = plan.fleet.clusters.find((c) => c.name === entry.cluster);
  return {
    call: CACHE_CALL[key] ?? `ElastiCache ${action}`,
    changed: true,
    cache: { operation: action, ...(spec?.cache ? { replicationGroupId: spec.cache.replicationGroupId } : {}), request, ...(change ? { change } : {}) },
  };
}

/** A ramp step, or a change that ends a scaled ramp (a rollback): its percent and the scale around it. */
function rampOf(data: Record<string, unknown>): Pick<CallItem, 'ramp'> {
  const scale = data.scale;
  if (typeof data.percent !== 'number' || !isRecord(scale) || typeof scale.before !== 'number' || typeof scale.after !== 'number') return {};
  if (data.purpose !== 'ramp' && scale.before === scale.after) return {};
  return { ramp: { percent: data.percent, scaleBefore: scale.before, scaleAfter: scale.after } };
}

/** Every group in either config, in the order the listener lists them. */
export function weightChanges(before: Forward | undefined, after: Forward | undefined): WeightChange[] {
  const was = new Map((before?.targetGroups ?? []).map((g) => [g.targetGroupArn, g.weight]));
  const now = new Map((after?.targetGroups ?? []).map((g) => [g.targetGroupArn, g.weight]));
  const arns = [...new Set([...was.keys(), ...now.keys()])];
  return arns.map((arn) => ({ group: groupName(arn), targetGroupArn: arn, before: was.get(arn) ?? null, after: now.get(arn) ?? null }));
}

export function driftDiff(drift: Drift): DriftDiff {
  return {
    summary: drift.summary,
    weights: drift.weights.map((w) => ({ group: groupName(w.targetGroupArn), ...w })),
    targetsAppeared: drift.targetsAppeared.map((t) => ({ group: groupName(t.targetGroupArn), targets: [...t.targets] })),
    targetsVanished: drift.targetsVanished.map((t) => ({ group: groupName(t.targetGroupArn), targets: [...t.targets] })),
    routes: (drift.routes ?? []).map((r) => ({ group: groupName(r.targetGroupArn), rule: routeText(r, true), weight: r.weight })),
  };
}

function targetIds(list: unknown): string[] {
  return Array.isArray(list) ? (list as Target[]).map((t) => (t.port !== undefined ? `${t.id}:${t.port}` : t.id)) : [];
}

/** "blue: weight 1 -> 0" reads "weight 1 -> 0" next to a cluster column. */
export function stripCluster(entry: JournalEntry): string {
  return entry.cluster && entry.message.startsWith(`${entry.cluster}: `) ? entry.message.slice(entry.cluster.length + 2) : entry.message;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// Verdicts on long ElastiCache operations, judged from evidence only: a read of the group, its members
// and its events. An accepted API call is never evidence. Pure functions, so each rule is testable alone.
import type { CacheEvent, ModifyRequest, OperationVerdict, ReplicationGroupView } from '../ports/cache.js';
import { engineVersionMatches } from '../plan/engine-version.js';
import { nodeGroupPrimaryFromEvents } from './node-group-evidence.js';

/** "Failover from primary node p to replica node r completed", and the older "Failover to replica node r completed". */
export const FAILOVER_COMPLETED = /failover.*\bcomplete(d)?\b/i;
/** "Cache node 0001 restarted"; matched loosely, like the failover event. */
export const REBOOT_COMPLETED = /\brestarted\b|reboot\w*\b.*\b(complete|completed|finished)\b/i;

/** Group statuses from which the operation cannot complete. */
const GROUP_TERMINAL = new Set(['deleting', 'create-failed']);
/** Member statuses from which the operation cannot complete. */
const MEMBER_TERMINAL = new Set(['deleted', 'deleting', 'incompatible-network', 'restore-failed']);

interface Condition {
  ok: boolean;
  evidence: string;
  waitingFor: string;
}

export interface FailoverSince {
  previousPrimary: string;
  nodeGroupId: string;
  requestedAt: number;
  expectedPrimary?: string;
}

export function judgeFailover(view: ReplicationGroupView, events: readonly CacheEvent[], since: FailoverSince): OperationVerdict {
  // A cluster mode enabled group reports no role per member: the completion event naming this node group's
  // nodes says where its primary went (node-group-evidence.ts).
  const byEvents = view.primaries[since.nodeGroupId] === undefined && view.clusterMode === 'enabled';
  const fromEvents = byEvents ? nodeGroupPrimaryFromEvents(view, events, since) : undefined;
  const previous = since.previousPrimary || fromEvents?.from || '';
  const current = view.primaries[since.nodeGroupId] ?? fromEvents?.to;
  const now = current ?? 'not reported';
  const changed = current !== undefined && current !== previous;
  const source = byEvents ? ', as the failover event names it: AWS reports no role per member of a cluster mode enabled group' : '';
  const primary: Condition = {
    ok: changed && (since.expectedPrimary === undefined || current === since.expectedPrimary),
    evidence: `primary of node group ${since.nodeGroupId}: ${now} (was ${previous || 'not reported'}${since.expectedPrimary ? `, expected ${since.expectedPrimary}` : ''})${source}`,
    waitingFor: since.expectedPrimary
      ? `primary of node group ${since.nodeGroupId} to become ${since.expectedPrimary} (now ${now})`
      : `primary of node group ${since.nodeGroupId} to change from ${previous || 'the one before the failover'} (now ${now})`,
  };
  const completed = byEvents ? (fromEvents?.completions ?? []) : events.filter((e) => e.date >= since.requestedAt && FAILOVER_COMPLETED.test(e.message));
  const event: Condition = {
    ok: completed.length > 0,
    evidence: completed.length > 0 ? `event: ${describeEvent(completed[completed.length - 1]!)}` : 'no failover-completed event yet',
    waitingFor: byEvents
      ? `a "failover ... completed" event naming a member of node group ${since.nodeGroupId} since ${iso(since.requestedAt)}`
      : `a "failover ... completed" event since ${iso(since.requestedAt)}`,
  };
  const conditions = [primary, event, ...settledConditions(view)];

  const problem = terminalProblem(view);
  if (problem) return failed(problem, conditions);
  // The primary moved, but not where it was asked to, and nothing more is going to happen.
  if (changed && since.expectedPrimary !== undefined && current !== since.expectedPrimary && settled(view)) {
    return failed(`primary of node group ${since.nodeGroupId} is ${current}, expected ${since.expectedPrimary}`, conditions);
  }
  const out = verdict(conditions);
  return out.status === 'complete' && current !== undefined ? { ...out, moved: { ...(previous ? { from: previous } : {}), to: current } } : out;
}

export function judgeModify(view: ReplicationGroupView, request: ModifyRequest): OperationVerdict {
  const mismatches = modifyMismatches(view, request);
  const values: Condition = {
    ok: mismatches.length === 0,
    evidence:
      mismatches.length === 0
        ? `live values match the requested ones: ${describeRequest(request)}`
        : `mismatch: ${mismatches.join('; ')}`,
    waitingFor: `live values to match the requested ones (${mismatches.join('; ')})`,
  };
  const conditions = [...settledConditions(view), values];
  const problem = terminalProblem(view);
  if (problem) return failed(problem, conditions);
  // Settled with a different value: the change is over and did not produce what was asked. Versions are
  // compared as strings (engineVersionMatches), so "7.1" against a live "7.10" lands here rather than in a
  // silent success, while the "7.1.0" AWS reports for "7.1" does not.
  if (mismatches.length > 0 && settled(view)) return failed(`modification settled with ${mismatches.join('; ')}`, conditions);
  return verdict(conditions);
}

type Member = ReplicationGroupView['members'][number];
const equal = (wanted: string, live: string) => wanted === live;

/** Requested values that differ from any member's live value: versions by engineVersionMatches, the rest exactly. */
export function modifyMismatches(view: ReplicationGroupView, request: ModifyRequest): string[] {
  const out: string[] = [];
  const fields = [
    // Each member's engine as Describe reports it: a Modify response can still show the old one.
    ['engine', request.engine, (m: Member) => m.engine, equal],
    ['engine version', request.engineVersion, (m: Member) => m.engineVersion, engineVersionMatches],
    ['node type', request.cacheNodeType, (m: Member) => m.cacheNodeType, equal],
    ['parameter group', request.cacheParameterGroupName, (m: Member) => m.cacheParameterGroupName, equal],
  ] as const;
  for (const [label, wanted, read, matches] of fields) {
    if (wanted === undefined) continue;
    const off = view.members.filter((m) => {
      const live = read(m);
      return live === undefined || !matches(wanted, live);
    });
    if (off.length > 0 || view.members.length === 0) {
      const lives = off.map((m) => `${m.cacheClusterId}=${JSON.stringify(read(m) ?? null)}`).join(', ') || 'no members';
      out.push(`${label} requested ${JSON.stringify(wanted)}, live ${lives}`);
    }
  }
  return out;
}

export function judgeReboot(
  view: ReplicationGroupView,
  cacheClusterIds: readonly string[],
  events: readonly CacheEvent[],
  requestedAt: number,
): OperationVerdict {
  const conditions: Condition[] = [];
  for (const id of cacheClusterIds) {
    const member = view.members.find((m) => m.cacheClusterId === id);
    if (!member) return failed(`cache cluster ${id} is no longer a member of ${view.replicationGroupId}`, conditions);
    if (MEMBER_TERMINAL.has(member.status)) return failed(`cache cluster ${id} is ${member.status}`, conditions);
    const restarted = events.filter((e) => e.sourceIdentifier === id && e.date >= requestedAt && REBOOT_COMPLETED.test(e.message));
    conditions.push({
      ok: restarted.length > 0,
      evidence: restarted.length > 0 ? `event: ${describeEvent(restarted[restarted.length - 1]!)}` : `no restart event for ${id} yet`,
      waitingFor: `a restart event for ${id} since ${iso(requestedAt)}`,
    });
    conditions.push({
      ok: member.status === 'available',
      evidence: `${id} status ${member.status}`,
      waitingFor: `${id} to be available (now ${member.status})`,
    });
  }
  conditions.push(...settledConditions(view));
  const problem = terminalProblem(view);
  if (problem) return failed(problem, conditions);
  return verdict(conditions);
}

/**
 * Why a service update cannot be applied to the group now, or undefined when it can (or already was: the
 * port then sends nothing). The same rule refuses it at preflight and at the step.
 */
export function serviceUpdateRefusal(replicationGroupId: string, serviceUpdateName: string, status: string | undefined): string | undefined {
  if (status === undefined) return `no update action ${serviceUpdateName} for ${replicationGroupId}: the service update does not exist or does not apply to this group`;
  if (status === 'not-applicable') return `service update ${serviceUpdateName} does not apply to ${replicationGroupId} (not-applicable)`;
  if (status === 'stopping') return `service update ${serviceUpdateName} on ${replicationGroupId} is being stopped; apply it again once stopped`;
  return undefined;
}

/** Update action statuses after which the update will not complete on its own. */
const UPDATE_TERMINAL_BAD = new Set(['stopped', 'not-applicable']);

export function judgeServiceUpdate(
  view: ReplicationGroupView,
  serviceUpdateName: string,
  updateStatus: string | undefined,
): OperationVerdict {
  const status = updateStatus ?? 'absent';
  const conditions: Condition[] = [
    {
      ok: status === 'complete',
      evidence: `update action ${serviceUpdateName} on ${view.replicationGroupId}: ${status}`,
      waitingFor: `update action ${serviceUpdateName} to be complete (now ${status})`,
    },
    ...settledConditions(view),
  ];
  if (updateStatus === undefined) {
    return failed(`no update action ${serviceUpdateName} exists for ${view.replicationGroupId}`, conditions);
  }
  if (UPDATE_TERMINAL_BAD.has(status)) return failed(`update action ${serviceUpdateName} is ${status}`, conditions);
  const problem = terminalProblem(view);
  if (problem) return failed(problem, conditions);
  return verdict(conditions);
}

/** Available, every member available, nothing pending at group or member level. */
export function settled(view: ReplicationGroupView): boolean {
  return settledConditions(view).every((c) => c.ok);
}

function settledConditions(view: ReplicationGroupView): Condition[] {
  const notAvailable = view.members.filter((m) => m.status !== 'available');
  const pendingMembers = view.members.filter((m) => Object.keys(m.pendingModifiedValues ?? {}).length > 0);
  const groupPending = Object.keys(view.pendingModifiedValues);
  const pendingText = [
    ...(groupPending.length > 0 ? [`group: ${groupPending.join(', ')}`] : []),
    ...pendingMembers.map((m) => `${m.cacheClusterId}: ${Object.keys(m.pendingModifiedValues ?? {}).join(', ')}`),
  ].join('; ');
  return [
    {
      ok: view.status === 'available',
      evidence: `group ${view.replicationGroupId} status ${view.status}`,
      waitingFor: `group ${view.replicationGroupId} to be available (now ${view.status})`,
    },
    {
      ok: notAvailable.length === 0,
      evidence:
        notAvailable.length === 0
          ? `all ${view.members.length} members available`
          : `members not available: ${notAvailable.map((m) => `${m.cacheClusterId} ${m.status}`).join(', ')}`,
      waitingFor: `every member to be available (${notAvailable.map((m) => `${m.cacheClusterId} ${m.status}`).join(', ')})`,
    },
    {
      ok: pendingText === '',
      evidence: pendingText === '' ? 'nothing pending' : `pending: ${pendingText}`,
      waitingFor: `pending modifications to clear (${pendingText})`,
    },
  ];
}

function terminalProblem(view: ReplicationGroupView): string | undefined {
  if (GROUP_TERMINAL.has(view.status)) return `group ${view.replicationGroupId} is ${view.status}`;
  const broken = view.members.filter((m) => MEMBER_TERMINAL.has(m.status));
  if (broken.length > 0) return `members ${broken.map((m) => `${m.cacheClusterId} ${m.status}`).join(', ')}`;
  return undefined;
}

function verdict(conditions: Condition[]): OperationVerdict {
  const evidence = conditions.map((c) => c.evidence);
  const unmet = conditions.filter((c) => !c.ok);
  if (unmet.length === 0) return { status: 'complete', evidence };
  return { status: 'not-yet', waitingFor: unmet.map((c) => c.waitingFor).join('; '), evidence };
}

function failed(reason: string, conditions: Condition[]): OperationVerdict {
  return { status: 'failed', reason, evidence: conditions.map((c) => c.evidence) };
}

function describeRequest(request: ModifyRequest): string {
  return Object.entries(request)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

function describeEvent(e: CacheEvent): string {
  return `${iso(e.date)} ${e.sourceIdentifier}: ${e.message}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

import { randomUUID } from 'node:crypto';
import type { ObserveOutput } from '../../machines/cluster.contract.js';
import type { Check } from '../../machines/types.js';
import type { ClusterSpec, MaintenanceStep } from '../plan/schema.js';
import type { CacheEvent, ReplicationGroupView } from '../ports/cache.js';
import { check } from './checks.js';
import { journal } from './journal.js';
import type { RunContext } from './run-context.js';
import type { ElastiCacheStep, StepIntent } from './maintenance-steps.js';

// A failover step on a cluster mode enabled group moves every node group's primary (or the one the plan
// names), one node group at a time: "If calling this operation multiple times on different shards in the
// same Valkey or Redis OSS (cluster mode enabled) replication group, the first node replacement must
// complete before a subsequent call can be made"
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_TestFailover.html).
// Each node group's intent is written before its TestFailover and a marker after it, so a resumed run
// judges from the events whether a call it cannot account for was made, and never fails a shard over twice.
// A node group whose failover does not happen holds the cluster; the ones already moved stay moved.

export const FIRST_NODE_GROUP = '0001';

export interface NodeGroupIntent {
  nonce: string;
  nodeGroupId: string;
  requestedAt: number;
  /** This node group's members: whose events tell its failover. */
  memberIds: string[];
  signature?: string;
  expectedMs?: number;
}

export interface NodeGroupOutcome {
  nodeGroupId: string;
  from?: string;
  to: string;
  at: number;
  /** From the request to the event that ended it (the next node group expects as long). */
  tookMs?: number;
}

/** What a look at a running operation saw once it completed (maintenance-steps.ts fills it). */
export interface OperationSeen {
  moved?: { from?: string; to: string };
  completedAt?: number;
}

type Look = (ctx: RunContext, input: { cluster: string; stepIndex: number }, step: ElastiCacheStep, rg: string, intent: StepIntent, seen?: OperationSeen) => Promise<ObserveOutput>;
type FailoverStep = Extract<MaintenanceStep, { elasticache: 'failover' }>;

const intentKey = (stepKey: string, nodeGroupId: string) => `${stepKey}:node-group:${nodeGroupId}`;
const sentKey = (stepKey: string, nodeGroupId: string) => `${intentKey(stepKey, nodeGroupId)}:sent`;
const outcomeKey = (stepKey: string, nodeGroupId: string) => `${intentKey(stepKey, nodeGroupId)}:moved`;

const TEST_FAILOVER_CALLED = (nodeGroupId: string) => new RegExp(`test failover api called for node group ${nodeGroupId}\\b`, 'i');
const NAMES_NODE = /failover (?:from primary node \S+ )?to replica node (\S+?)\.? complete/i;

/** The node groups a failover step moves on a cluster mode enabled group, in AWS's order. */
export function nodeGroupsToMove(step: FailoverStep, view: ReplicationGroupView): string[] {
  return step.nodeGroupId !== undefined ? [step.nodeGroupId] : view.nodeGroups.map((g) => g.nodeGroupId);
}

/** The node groups of a step whose TestFailover is still to be sent (a restart may owe one whose mark is missing). */
export async function nodeGroupCallsToMake(ctx: RunContext, stepKey: string, intent: StepIntent): Promise<number> {
  let count = 0;
  for (const id of intent.nodeGroupIds ?? []) if ((await ctx.store.recall(ctx.runId, sentKey(stepKey, id))) === undefined) count++;
  return count;
}

/** The moves already made, in order; what is still to do. */
async function progress(ctx: RunContext, stepKey: string, intent: StepIntent): Promise<{ moved: NodeGroupOutcome[]; next?: string }> {
  const moved: NodeGroupOutcome[] = [];
  for (const id of intent.nodeGroupIds ?? []) {
    const outcome = await ctx.store.recall<NodeGroupOutcome>(ctx.runId, outcomeKey(stepKey, id));
    if (!outcome) return { moved, next: id };
    moved.push(outcome);
  }
  return { moved };
}

/** The first node group not moved yet gets its TestFailover, unless it has it already (startStep). */
export async function startNextNodeGroup(ctx: RunContext, spec: ClusterSpec, step: FailoverStep, stepKey: string, intent: StepIntent): Promise<void> {
  const { moved, next } = await progress(ctx, stepKey, intent);
  if (next !== undefined) await ensureStarted(ctx, spec, step, stepKey, intent, next, moved);
}

/**
 * Writes the node group's intent, then sends its TestFailover, then marks it sent. An intent without the
 * mark is from a process that stopped around the call: the events say whether the call was made (the
 * "Test Failover API called for node group" event, or a completion naming one of its nodes).
 */
async function ensureStarted(ctx: RunContext, spec: ClusterSpec, step: FailoverStep, stepKey: string, intent: StepIntent, nodeGroupId: string, moved: NodeGroupOutcome[]): Promise<NodeGroupIntent> {
  const rg = spec.cache!.replicationGroupId;
  const ids = intent.nodeGroupIds ?? [];
  const position = `${ids.indexOf(nodeGroupId) + 1} of ${ids.length}`;
  const nonce = randomUUID();
  const shard = await ctx.store.remember<NodeGroupIntent>(ctx.runId, intentKey(stepKey, nodeGroupId), async () => {
    const view = await ctx.cache.describe(rg);
    const memberIds = view.nodeGroups.find((g) => g.nodeGroupId === nodeGroupId)?.memberIds ?? [];
    // The node group before this one took as long as this one should; the first expects what other clusters took.
    const expectedMs = moved.at(-1)?.tookMs ?? intent.expectedMs;
    return { nonce, nodeGroupId, requestedAt: ctx.clock.now(), memberIds, ...(intent.signature ? { signature: intent.signature } : {}), ...(expectedMs !== undefined ? { expectedMs } : {}) };
  });
  if ((await ctx.store.recall(ctx.runId, sentKey(stepKey, nodeGroupId))) !== undefined) return shard;
  const data = { step, intent: shard, nodeGroup: { id: nodeGroupId, position, replicationGroupId: rg } };
  if (shard.nonce !== nonce && (await alreadyRequested(ctx, rg, shard))) {
    await ctx.store.remember(ctx.runId, sentKey(stepKey, nodeGroupId), async () => ({ at: ctx.clock.now(), by: 'events' }));
    await journal(ctx, 'effect', `${spec.name}: node group ${nodeGroupId} (${position}): TestFailover was requested before the restart; not requesting it again`, { cluster: spec.name, data: { nodeGroup: data.nodeGroup } });
    return shard;
  }
  await journal(ctx, 'intent', `${spec.name}: TestFailover on ${rg} node group ${nodeGroupId} (${position})`, { cluster: spec.name, data });
  await ctx.cache.startFailover(rg, { method: 'test-failover', nodeGroupId });
  await ctx.store.remember(ctx.runId, sentKey(stepKey, nodeGroupId), async () => ({ at: ctx.clock.now(), by: 'call' }));
  await journal(ctx, 'effect', `${spec.name}: ElastiCache failover requested on ${rg} node group ${nodeGroupId} (${position})`, { cluster: spec.name, data });
  return shard;
}

async function alreadyRequested(ctx: RunContext, rg: string, shard: NodeGroupIntent): Promise<boolean> {
  const events = await ctx.cache.recentEvents([rg, ...shard.memberIds], shard.requestedAt - 1000);
  const members = new Set(shard.memberIds);
  return events.some((e: CacheEvent) => TEST_FAILOVER_CALLED(shard.nodeGroupId).test(e.message) || members.has(NAMES_NODE.exec(e.message)?.[1] ?? ''));
}

/**
 * One observation of the step: the node groups already moved are skipped, the current one is looked at,
 * and once it is moved the next one is started in the same observation. Done when every node group moved.
 */
export async function observeNodeGroups(
  ctx: RunContext,
  input: { cluster: string; stepIndex: number },
  step: FailoverStep,
  rg: string,
  intent: StepIntent,
  stepKey: string,
  look: Look,
): Promise<ObserveOutput> {
  const spec = ctx.plan.fleet.clusters.find((c) => c.name === input.cluster)!;
  const ids = intent.nodeGroupIds ?? [];
  const name = `step.${input.stepIndex + 1}.failover`;
  const shardChecks: Check[] = [];
  for (;;) {
    const { moved, next } = await progress(ctx, stepKey, intent);
    if (next === undefined) {
      const now = ctx.clock.now();
      const summary = moved.map(movedText).join('; ');
      return {
        at: now,
        status: 'done',
        checks: [...shardChecks, { ...check(name, true, `${moved.length} node group(s) moved one at a time: ${summary}`, 'every node group moved, one at a time'), at: now }],
      };
    }
    const shard = await ensureStarted(ctx, spec, step, stepKey, intent, next, moved);
    const seen: OperationSeen = {};
    const out = await look(ctx, input, step, rg, { nonce: shard.nonce, requestedAt: shard.requestedAt, nodeGroupId: next, memberIds: shard.memberIds, ...(shard.signature ? { signature: shard.signature } : {}), ...(shard.expectedMs !== undefined ? { expectedMs: shard.expectedMs } : {}) }, seen);
    const position = `${ids.indexOf(next) + 1} of ${ids.length}`;
    if (out.status !== 'done') return inContext(out, next, position, moved, ids);
    if (!seen.moved) throw new Error(`the failover of node group ${next} of ${rg} completed without naming its new primary`);
    const outcome: NodeGroupOutcome = { nodeGroupId: next, ...seen.moved, at: out.at, ...(seen.completedAt !== undefined ? { tookMs: seen.completedAt - shard.requestedAt } : {}) };
    await ctx.store.remember(ctx.runId, outcomeKey(stepKey, next), async () => outcome);
    await journal(ctx, 'effect', `${input.cluster}: node group ${next} (${position}): ${movedText(outcome)}`, { cluster: input.cluster, data: { nodeGroup: { id: next, position, replicationGroupId: rg, outcome: 'moved', from: outcome.from, to: outcome.to } } });
    shardChecks.push(...(out.checks ?? []).map((c) => ({ ...c, name: `${name}.${next}` })));
  }
}

function movedText(o: NodeGroupOutcome): string {
  return `node group ${o.nodeGroupId} primary ${o.from ?? 'not reported'} -> ${o.to}`;
}

/** The current node group's observation, its reason saying which node group it is and what already moved. */
function inContext(out: ObserveOutput, nodeGroupId: string, position: string, moved: NodeGroupOutcome[], ids: string[]): ObserveOutput {
  if (out.status === 'drift') return out;
  const rest = ids.slice(ids.indexOf(nodeGroupId) + 1);
  const stay = moved.length
    ? `; already moved, and staying moved (quiesce does not move a node group back): ${moved.map((o) => `${o.nodeGroupId} (${o.from ?? '?'} -> ${o.to})`).join(', ')}`
    : '';
  const after = rest.length ? `; not started: ${rest.join(', ')}` : '';
  return { ...out, reason: `node group ${nodeGroupId} (${position}): ${out.reason ?? 'no detail'}${stay}${after}` };
}

/**
 * Verification, per node group: its primary is the node the failover moved it to, a node of that node group
 * (AWS reports no role per member of a cluster mode enabled group, so this is the failover event's word and,
 * with verify.redis, the probe's CLUSTER SHARDS), and the role AWS reports agrees where it reports one.
 */
export async function nodeGroupPrimaryChecks(ctx: RunContext, stepKey: string, intent: StepIntent, view: ReplicationGroupView): Promise<Check[]> {
  const checks: Check[] = [];
  for (const id of intent.nodeGroupIds ?? []) {
    const outcome = await ctx.store.recall<NodeGroupOutcome>(ctx.runId, outcomeKey(stepKey, id));
    const members = view.nodeGroups.find((g) => g.nodeGroupId === id)?.memberIds ?? [];
    const reported = view.primaries[id];
    const ok = outcome !== undefined && outcome.to !== outcome.from && members.includes(outcome.to) && (reported === undefined || reported === outcome.to);
    const observed = outcome ? `primary ${outcome.to} (was ${outcome.from ?? 'not reported'}${reported === undefined ? '; named by the failover event' : `; AWS reports ${reported}`})` : 'not moved';
    checks.push(
      check(`verify.cache.primary.${id}`, ok, observed, `a node of node group ${id} other than its primary before the failover`, outcome ? `node group ${id}'s primary is ${reported ?? outcome.to}, not where the failover moved it (${outcome.to}) or not one of its nodes (${members.join(', ')})` : `node group ${id} was not failed over: no completed failover recorded for it`),
    );
  }
  return checks;
}

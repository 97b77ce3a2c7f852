import { randomUUID } from 'node:crypto';
import type { ObserveOutput, Stamped } from '../../machines/cluster.contract.js';
import type { OperationVerdict } from '../ports/cache.js';
import type { ClusterSpec, MaintenanceStep } from '../plan/schema.js';
import type { CommandStepResult } from '../runbook/command-step.js';
import type { HttpStepResult } from '../runbook/http-step.js';
import { redactHeaders } from '../runbook/redaction.js';
import { fillStep, placeholderValues, stepEnvironment } from '../runbook/placeholders.js';
import { stepClusterValues } from './step-values.js';
import { computeIntent, isComputeStep, observeComputeStep, startComputeStep, type ComputeIntent } from './compute-steps.js';
import type { Check } from '../../machines/types.js';
import { check } from './checks.js';
import { clusterSpec, type RunContext } from './run-context.js';
import { journal } from './journal.js';
import { driftOutput, weightEvidence } from './observations.js';
import { combineObservations, locationsOf } from './locations.js';
import { FAILOVER_COMPLETED, REBOOT_COMPLETED } from '../cache/elasticache-evidence.js';
import type { CacheEvent, ReplicationGroupView } from '../ports/cache.js';
import { engineNow } from '../cache/engine-switch.js';
import { FIRST_NODE_GROUP, nodeGroupsToMove, observeNodeGroups, startNextNodeGroup, type OperationSeen } from './node-group-failover.js';
import {
  backoffWithoutPrior,
  earlyMargin,
  fullReadDue,
  INLINE_BUDGET_MS,
  INLINE_STEP_MS,
  learn,
  noteFullRead,
  noteWeightRead,
  prior,
  recheckAround,
  weightReadDue,
} from './cadence.js';

// Starting a maintenance step writes its intent first (previous primary, request time), so that a
// resumed run judges the step against what was true before it, and does not start it twice.

export interface StepIntent {
  nonce: string;
  requestedAt: number;
  previousPrimary?: string;
  expectedPrimary?: string;
  nodeGroupId?: string;
  /**
   * A failover of a cluster mode enabled group: the node groups it moves, one at a time, in this order. Each
   * has its own intent, written before its TestFailover (node-group-failover.ts).
   */
  nodeGroupIds?: string[];
  rebootIds?: string[];
  /** Members when the step started: whose events the cheap look reads. */
  memberIds?: string[];
  /** What the operation is, for learning its duration: kind, request, engine, version, node type. */
  signature?: string;
  /** How long the same operation took on another cluster (this run or an earlier one); absent at first. */
  expectedMs?: number;
  /** The engine and version the members ran before a modify or a service update ("redis 7.0.7"): either may change it. */
  engineBefore?: string;
  /** An ssm or ecs step: the command or deployment about to be started, for this cluster. */
  compute?: ComputeIntent;
}

type RunbookResult =
  | { kind: 'command'; result: CommandStepResult }
  | { kind: 'http'; result: HttpStepResult }
  /** The process died while the step ran: it may have run partly, or still run, so it is not run again. */
  | { kind: 'interrupted'; result: { ok: false; reason: string } };

export const stepKey = (cluster: string, index: number) => `step:${cluster}:${index}`;
const resultKey = (cluster: string, index: number) => `${stepKey(cluster, index)}:result`;
/** A modify that reads back unchanged this soon may be a stale read, not a refusal. */
const MODIFY_READ_GRACE_MS = 60_000;

export function stepAt(ctx: RunContext, index: number): MaintenanceStep {
  const step = ctx.plan.maintenance[index];
  if (!step) throw new Error(`plan ${ctx.plan.name} has no maintenance step ${index}`);
  return step;
}

export async function startStep(ctx: RunContext, input: { cluster: string; stepIndex: number }): Promise<Stamped> {
  const spec = clusterSpec(ctx, input.cluster);
  const step = stepAt(ctx, input.stepIndex);
  const nonce = randomUUID();
  const intent = await ctx.store.remember<StepIntent>(ctx.runId, stepKey(input.cluster, input.stepIndex), () => captureIntent(ctx, spec, step, input.stepIndex, nonce));
  const resumed = intent.nonce !== nonce;
  if (intent.nodeGroupIds && 'elasticache' in step && step.elasticache === 'failover') {
    if (!resumed) await journal(ctx, 'intent', `${input.cluster}: start step ${input.stepIndex + 1}: fail over ${intent.nodeGroupIds.length} node group(s) one at a time (${intent.nodeGroupIds.join(', ')})`, { cluster: input.cluster, data: { step: journaledStep(step), intent } });
    await startNextNodeGroup(ctx, spec, step, stepKey(input.cluster, input.stepIndex), intent);
    return { at: ctx.clock.now() };
  }
  if (resumed && ('command' in step || 'http' in step)) {
    await settleInterruptedRunbookStep(ctx, input.cluster, input.stepIndex, intent);
    return { at: ctx.clock.now() };
  }
  if (resumed && (await alreadyStarted(ctx, spec, step, intent))) {
    await journal(ctx, 'effect', `${input.cluster}: step ${input.stepIndex + 1} was already started before the restart; not starting it again`, { cluster: input.cluster });
    return { at: ctx.clock.now() };
  }
  await journal(ctx, 'intent', `${input.cluster}: start step ${input.stepIndex + 1}`, { cluster: input.cluster, data: { step: journaledStep(step), intent } });
  await performStep(ctx, spec, step, intent, input.stepIndex);
  return { at: ctx.clock.now() };
}

async function captureIntent(ctx: RunContext, spec: ClusterSpec, step: MaintenanceStep, index: number, nonce: string): Promise<StepIntent> {
  const intent: StepIntent = { nonce, requestedAt: ctx.clock.now() };
  if (isComputeStep(step)) return { ...intent, compute: await computeIntent(ctx, spec, step, index, nonce) };
  if (!('elasticache' in step) || !spec.cache) return intent;
  const view = await ctx.cache.describe(spec.cache.replicationGroupId);
  intent.memberIds = view.members.map((m) => m.cacheClusterId);
  intent.signature = operationSignature(step, view);
  if (step.elasticache === 'modify' || step.elasticache === 'service-update') intent.engineBefore = engineNow(view);
  const expectedMs = await prior(ctx, spec.name, `step:${index}`, intent.signature);
  if (expectedMs !== undefined) intent.expectedMs = expectedMs;
  if (step.elasticache === 'failover' && step.method === 'test-failover' && view.clusterMode === 'enabled') {
    intent.nodeGroupIds = nodeGroupsToMove(step, view);
    return intent;
  }
  const nodeGroupId = step.elasticache === 'failover' ? (step.nodeGroupId ?? FIRST_NODE_GROUP) : FIRST_NODE_GROUP;
  intent.nodeGroupId = nodeGroupId;
  const previousPrimary = view.primaries[nodeGroupId];
  if (previousPrimary !== undefined) intent.previousPrimary = previousPrimary;
  if (step.elasticache === 'failover' && step.method === 'primary-cluster-id') {
    const candidate = step.targetPrimary ?? view.members.find((m) => m.role === 'replica' && m.status === 'available')?.cacheClusterId;
    if (candidate === undefined) throw new Error(`${spec.cache.replicationGroupId} has no available replica to promote`);
    intent.expectedPrimary = candidate;
  }
  if (step.elasticache === 'reboot') {
    const replicas = view.members.filter((m) => m.role === 'replica').map((m) => m.cacheClusterId);
    intent.rebootIds = Array.isArray(step.nodes) ? step.nodes : step.nodes === 'replicas' ? replicas : view.members.map((m) => m.cacheClusterId);
  }
  return intent;
}

/**
 * A command or webhook whose intent exists from before a restart. With its result recorded it finished;
 * without, the process died while it ran: it may have half-run (or, for a command, still run in its own
 * process group), so it is never started a second time. The step fails and the cluster is held out.
 */
async function settleInterruptedRunbookStep(ctx: RunContext, cluster: string, index: number, intent: StepIntent): Promise<void> {
  const key = resultKey(cluster, index);
  if ((await ctx.store.recall<RunbookResult>(ctx.runId, key)) !== undefined) {
    await journal(ctx, 'effect', `${cluster}: step ${index + 1} finished before the restart; its recorded result stands`, { cluster });
    return;
  }
  const reason = `the process stopped while step ${index + 1} ran (started ${new Date(intent.requestedAt).toISOString()}); it may have run partly or still be running, so quiesce does not run it again: check it by hand`;
  await ctx.store.remember<RunbookResult>(ctx.runId, key, async () => ({ kind: 'interrupted', result: { ok: false, reason } }));
  await journal(ctx, 'effect', `${cluster}: step ${index + 1} interrupted: ${reason}`, { cluster, data: { interrupted: true } });
}

/** The step as journaled: secret-looking header and env values masked (the plan file holds them, the journal need not). */
function journaledStep(step: MaintenanceStep): unknown {
  if ('command' in step && step.env) return { ...step, env: redactHeaders(step.env) };
  if ('http' in step && step.http.headers) return { ...step, http: { ...step.http, headers: redactHeaders(step.http.headers) } };
  return step;
}

/** After a restart: did the call we intended before the crash land? Judged from the world, not assumed. */
async function alreadyStarted(ctx: RunContext, spec: ClusterSpec, step: MaintenanceStep, intent: StepIntent): Promise<boolean> {
  if (!('elasticache' in step) || !spec.cache) return false;
  const rg = spec.cache.replicationGroupId;
  const view = await ctx.cache.describe(rg);
  if (step.elasticache === 'failover') {
    if (intent.previousPrimary && view.primaries[intent.nodeGroupId ?? '0001'] !== intent.previousPrimary) return true;
    const events = await ctx.cache.events(rg, intent.requestedAt - 1000);
    return events.some((e) => /test failover api called|failover/i.test(e.message));
  }
  // The cache port sends nothing for a modify or service update already live or underway: safe to repeat.
  if (step.elasticache === 'reboot') return view.members.some((m) => m.status.includes('reboot'));
  return false;
}

async function performStep(ctx: RunContext, spec: ClusterSpec, step: MaintenanceStep, intent: StepIntent, index: number): Promise<void> {
  // The runbook port runs a command or webhook for real, or (in a rehearsal) has the sandbox answer it.
  const ref = { cluster: spec.name, stepIndex: index };
  const simulated = ctx.runbook.mode === 'simulated' ? ' (simulated by the sandbox, not run)' : '';
  if ('command' in step || 'http' in step) {
    // The step as it runs for this cluster: its placeholders filled, a command told its cluster in QUIESCE_*.
    const values = await stepClusterValues(ctx, spec);
    step = fillStep(step, placeholderValues(values));
    if ('command' in step) step = { ...step, env: { ...step.env, ...stepEnvironment(values) } };
  }
  if ('command' in step) {
    const result = await ctx.runbook.command({ argv: step.command, timeout: step.timeout, ...(step.cwd ? { cwd: step.cwd } : {}), ...(step.env ? { env: step.env } : {}) }, ref);
    await ctx.store.remember<RunbookResult>(ctx.runId, resultKey(spec.name, index), async () => ({ kind: 'command', result }));
    await journal(ctx, 'effect', `${spec.name}: command ${step.command.join(' ')} ${result.ok ? 'exited 0' : `failed: ${result.reason}`}${simulated}`, { cluster: spec.name, data: { step: index + 1, mode: ctx.runbook.mode, ...result } });
    return;
  }
  if ('http' in step) {
    const h = step.http;
    const result = await ctx.runbook.http(
      {
        method: h.method,
        url: h.url,
        ...(h.headers ? { headers: h.headers } : {}),
        ...(h.body !== undefined ? { body: h.body } : {}),
        expectStatus: h.expectStatus,
        timeout: h.timeout,
        ...(h.poll ? { poll: h.poll } : {}),
      },
      ref,
    );
    await ctx.store.remember<RunbookResult>(ctx.runId, resultKey(spec.name, index), async () => ({ kind: 'http', result }));
    await journal(ctx, 'effect', `${spec.name}: ${h.method} ${result.request.url} ${result.ok ? `returned ${result.status}${result.poll ? `; ${h.poll?.field} matched after ${result.poll.attempts} poll(s)` : ''}` : `failed: ${result.reason}`}${simulated}`, { cluster: spec.name, data: { step: index + 1, mode: ctx.runbook.mode, ...result } });
    return;
  }
  if (isComputeStep(step)) {
    await startComputeStep(ctx, spec, step, intent, index);
    return;
  }
  if (!('elasticache' in step)) throw new Error('approval steps are machine states, never started as effects');
  const rg = spec.cache!.replicationGroupId;
  switch (step.elasticache) {
    case 'failover':
      await ctx.cache.startFailover(
        rg,
        step.method === 'test-failover' ? { method: 'test-failover', nodeGroupId: intent.nodeGroupId ?? FIRST_NODE_GROUP } : { method: 'primary-cluster-id', primaryClusterId: intent.expectedPrimary! },
      );
      break;
    case 'modify':
      await ctx.cache.modify(rg, modifyRequest(step));
      break;
    case 'reboot':
      await ctx.cache.reboot(rg, intent.rebootIds ?? []);
      break;
    case 'service-update':
      await ctx.cache.applyServiceUpdate(rg, step.serviceUpdateName);
      break;
  }
  const change = step.elasticache === 'modify' && step.engine !== undefined && intent.engineBefore ? `: ${intent.engineBefore} → ${step.engine} ${step.engineVersion ?? ''}`.trimEnd() : '';
  await journal(ctx, 'effect', `${spec.name}: ElastiCache ${step.elasticache} requested on ${rg}${change}`, { cluster: spec.name, data: { step, intent } });
}

export function modifyRequest(step: Extract<MaintenanceStep, { elasticache: 'modify' }>) {
  return {
    ...(step.engine ? { engine: step.engine } : {}),
    ...(step.engineVersion ? { engineVersion: step.engineVersion } : {}),
    ...(step.cacheNodeType ? { cacheNodeType: step.cacheNodeType } : {}),
    ...(step.cacheParameterGroupName ? { cacheParameterGroupName: step.cacheParameterGroupName } : {}),
  };
}

export async function observeStep(ctx: RunContext, input: { cluster: string; stepIndex: number; startedAt: number }): Promise<ObserveOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  const step = stepAt(ctx, input.stepIndex);
  const now = ctx.clock.now();
  if (!('elasticache' in step)) {
    const weight = await readWeight(ctx, input.cluster, now);
    if (weight.drift) return weight.drift;
    if (isComputeStep(step)) {
      const intent = await ctx.store.recall<StepIntent>(ctx.runId, stepKey(input.cluster, input.stepIndex));
      if (!intent) throw new Error(`no recorded intent for ${input.cluster} step ${input.stepIndex + 1}: the step was never started`);
      return observeComputeStep(ctx, input.cluster, input.stepIndex, step, intent);
    }
    if (!('command' in step || 'http' in step)) return { at: now, status: 'done', checks: [] };
    const stored = await ctx.store.recall<RunbookResult>(ctx.runId, resultKey(input.cluster, input.stepIndex));
    if (!stored) throw new Error(`no recorded result for ${input.cluster} step ${input.stepIndex + 1}: the step was never started`);
    const c = { ...runbookCheck(step, input.stepIndex, stored), at: now };
    return c.ok ? { at: now, status: 'done', checks: [c] } : { at: now, status: 'failed', reason: stored.result.reason ?? c.observed, checks: [c] };
  }
  const intent = await ctx.store.recall<StepIntent>(ctx.runId, stepKey(input.cluster, input.stepIndex));
  if (!intent) throw new Error(`no recorded intent for ${input.cluster} step ${input.stepIndex + 1}: the step was never started`);
  const rg = spec.cache!.replicationGroupId;
  const loopStart = now;
  for (;;) {
    const out = intent.nodeGroupIds && step.elasticache === 'failover' ? await observeNodeGroups(ctx, input, step, rg, intent, stepKey(input.cluster, input.stepIndex), lookAtOperation) : await lookAtOperation(ctx, input, step, rg, intent);
    const next = out.recheckAt;
    if (out.status !== 'not-yet' || next === undefined) return out;
    const wait = next - out.at;
    // One-second looks are taken inside this observation: no wake-up each (a Step Functions round in Lambda).
    if (wait > INLINE_STEP_MS || next - loopStart > INLINE_BUDGET_MS) return out;
    await ctx.clock.sleep(wait);
  }
}

export type ElastiCacheStep = Extract<MaintenanceStep, { elasticache: string }>;

/**
 * One look at a running ElastiCache operation: the cheap probe (one DescribeEvents since the request),
 * and the full evidence read only when the probe shows the completion event, or at least every few
 * minutes in case AWS words its events differently. Only the full read can end the step. `seen` receives,
 * once the operation is complete, where a failover moved the primary and when the events say it ended.
 */
export async function lookAtOperation(ctx: RunContext, input: { cluster: string; stepIndex: number }, step: ElastiCacheStep, rg: string, intent: StepIntent, seen?: OperationSeen): Promise<ObserveOutput> {
  const now = ctx.clock.now();
  const name = `step.${input.stepIndex + 1}.${step.elasticache}`;
  const loopKey = `step:${input.cluster}:${input.stepIndex}:${intent.nonce}`;
  let weightRead = false;
  if (weightReadDue(ctx, input.cluster, now)) {
    const weight = await readWeight(ctx, input.cluster, now);
    if (weight.drift) return weight.drift;
    weightRead = true;
  }
  const ids = [...new Set([rg, ...(intent.memberIds ?? []), intent.previousPrimary, intent.expectedPrimary, ...(intent.rebootIds ?? [])].filter((id): id is string => !!id))];
  const probe = step.elasticache === 'service-update' ? undefined : await ctx.cache.recentEvents(ids, intent.requestedAt);
  const signal = probe ? completionSignal(step, intent, probe) : { ready: true, observed: 'no completion event to wait for' };
  const schedule = () => (intent.expectedMs !== undefined ? recheckAround(intent.requestedAt + intent.expectedMs, now, earlyMargin(intent.expectedMs)) : backoffWithoutPrior(intent.requestedAt, now));

  if (!signal.ready && !fullReadDue(ctx, loopKey, now, intent.requestedAt)) {
    const waiting = `waiting for ${signal.observed}`;
    return { at: now, status: 'not-yet', recheckAt: schedule(), reason: waiting, checks: [{ ...check(name, false, waiting, 'complete'), at: now }] };
  }
  noteFullRead(ctx, loopKey, now);
  let verdict: OperationVerdict;
  switch (step.elasticache) {
    case 'failover':
      verdict = await ctx.cache.observeFailover(
        rg,
        {
          previousPrimary: intent.previousPrimary ?? '',
          nodeGroupId: intent.nodeGroupId ?? step.nodeGroupId ?? FIRST_NODE_GROUP,
          requestedAt: intent.requestedAt,
          ...(intent.expectedPrimary ? { expectedPrimary: intent.expectedPrimary } : {}),
        },
        // The probe read every event of the group and its members: no need to read them again.
        intent.memberIds ? probe : undefined,
      );
      break;
    case 'modify':
      verdict = await ctx.cache.observeModify(rg, modifyRequest(step));
      if (verdict.status === 'failed' && now - intent.requestedAt < MODIFY_READ_GRACE_MS) {
        verdict = { status: 'not-yet', waitingFor: `the modify to show (${verdict.reason})`, evidence: verdict.evidence };
      }
      break;
    case 'reboot':
      verdict = await ctx.cache.observeReboot(rg, intent.rebootIds ?? [], intent.requestedAt);
      break;
    case 'service-update':
      verdict = await ctx.cache.observeServiceUpdate(rg, step.serviceUpdateName);
      break;
  }
  if (verdict.status === 'complete') {
    // Done is never reported without the weight read in the same observation.
    if (!weightRead) {
      const weight = await readWeight(ctx, input.cluster, now);
      if (weight.drift) return weight.drift;
    }
    if (signal.completedAt !== undefined && intent.signature) {
      await learn(ctx, input.cluster, `step:${input.stepIndex}`, { signature: intent.signature, ms: signal.completedAt - intent.requestedAt });
    }
    if (seen) {
      if (verdict.moved) seen.moved = verdict.moved;
      if (signal.completedAt !== undefined) seen.completedAt = signal.completedAt;
    }
    return { at: now, status: 'done', checks: [{ ...check(name, true, verdict.evidence.join('; ') || 'complete', 'complete'), at: now }] };
  }
  if (verdict.status === 'failed') return { at: now, status: 'failed', reason: verdict.reason, checks: [{ ...check(name, false, verdict.evidence.join('; '), 'complete', verdict.reason), at: now }] };
  return { at: now, status: 'not-yet', recheckAt: schedule(), reason: `waiting for ${verdict.waitingFor}`, checks: [{ ...check(name, false, `waiting for ${verdict.waitingFor}`, 'complete'), at: now }] };
}

/** Reads the weight back: it must still be 0 while maintained, so one raised by hand is drift and ends the look. */
async function readWeight(ctx: RunContext, cluster: string, now: number): Promise<{ drift?: ObserveOutput }> {
  // At every location the cluster is at: a weight raised by hand at any of them is drift.
  for (const at of locationsOf(ctx, cluster)) {
    const weight = await weightEvidence(at, cluster, 0, 'step.weight');
    if (!weight.drift) continue;
    noteWeightRead(ctx, cluster, now);
    return { drift: combineObservations([{ ctx: at, out: driftOutput(now, weight) }]) };
  }
  noteWeightRead(ctx, cluster, now);
  return {};
}

const RECOVERING = /recovering cache nodes/i;
const RECOVERED = /finished recovery/i;
const MODIFIED = /modification\b.*\bcomplete(d)?\b/i;

/**
 * Whether the events since the request show the operation over (then the full read is worth making),
 * and when it ended: a duration learned from this is exact to the event, not to the look.
 */
export function completionSignal(step: ElastiCacheStep, intent: StepIntent, events: readonly CacheEvent[]): { ready: boolean; observed: string; completedAt?: number } {
  const since = events.filter((e) => e.date >= intent.requestedAt);
  const last = since.at(-1);
  const lastText = last ? `; last event ${new Date(last.date).toISOString()} ${last.sourceIdentifier}: ${last.message}` : '; no event yet';
  switch (step.elasticache) {
    case 'failover': {
      const completed = since.filter((e) => FAILOVER_COMPLETED.test(e.message));
      // A node that started recovering must have finished: until then the old primary is not back.
      const recovering = new Map<string, number>();
      for (const e of since) {
        if (RECOVERING.test(e.message)) recovering.set(e.sourceIdentifier, e.date);
        else if (RECOVERED.test(e.message)) recovering.delete(e.sourceIdentifier);
      }
      const ready = completed.length > 0 && recovering.size === 0;
      const ends = since.filter((e) => FAILOVER_COMPLETED.test(e.message) || RECOVERED.test(e.message));
      return { ready, observed: `the failover-completed and finished-recovery events${lastText}`, ...(ready ? { completedAt: ends.at(-1)!.date } : {}) };
    }
    case 'modify': {
      const done = since.filter((e) => MODIFIED.test(e.message));
      return { ready: done.length > 0, observed: `the modification-completed event${lastText}`, ...(done.length ? { completedAt: done.at(-1)!.date } : {}) };
    }
    case 'reboot': {
      const ids = intent.rebootIds ?? [];
      const restarts = ids.map((id) => since.filter((e) => e.sourceIdentifier === id && REBOOT_COMPLETED.test(e.message)).at(-1));
      const ready = ids.length > 0 && restarts.every((e) => e !== undefined);
      return { ready, observed: `a restart event for each of ${ids.join(', ')}${lastText}`, ...(ready ? { completedAt: Math.max(...restarts.map((e) => e!.date)) } : {}) };
    }
    case 'service-update':
      return { ready: true, observed: 'the update action' };
  }
}

/** The same kind of operation on the same kind of group: durations learned for one apply to the other. */
function operationSignature(step: ElastiCacheStep, view: ReplicationGroupView): string {
  const what = step.elasticache === 'failover' ? `failover:${step.method}` : step.elasticache === 'modify' ? `modify:${JSON.stringify(modifyRequest(step))}` : step.elasticache === 'reboot' ? `reboot:${JSON.stringify(step.nodes)}` : `service-update:${step.serviceUpdateName}`;
  return [what, view.engine ?? '', view.engineVersions.join(','), view.cacheNodeTypes.join(','), view.members.length].join('|');
}

/** What a finished command or webhook showed, as evidence: exit code and output tail, or status and poll. */
function runbookCheck(step: MaintenanceStep, index: number, stored: RunbookResult): Check {
  const name = `step.${index + 1}.${'command' in step ? 'command' : 'http'}`;
  if (stored.kind === 'interrupted') return check(name, false, 'interrupted by a restart', 'one complete run', stored.result.reason);
  if (stored.kind === 'command') {
    const r = stored.result;
    const tail = r.ok ? '' : r.stderrTail.trim().split('\n').slice(-3).join(' | ').slice(-300);
    const observed = `${r.timedOut ? 'timed out; ' : ''}${r.exitCode !== null ? `exit ${r.exitCode}` : r.signal ? `killed by ${r.signal}` : 'did not start'}${tail ? `; stderr: ${tail}` : ''}`;
    return check(name, r.ok, observed, 'exit 0', r.reason);
  }
  const r = stored.result;
  const h = 'http' in step ? step.http : undefined;
  const poll = r.poll ? `; ${h?.poll?.field ?? 'field'} ${r.poll.lastObserved} after ${r.poll.attempts} poll(s)` : '';
  const expected = `status ${[h?.expectStatus ?? []].flat().join(' or ')}${h?.poll ? ` then ${h.poll.field} = ${JSON.stringify(h.poll.equals)}` : ''}`;
  return check(name, r.ok, `status ${r.status ?? 'none'}${poll}`, expected, r.reason);
}

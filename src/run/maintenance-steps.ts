import { randomUUID } from 'node:crypto';
import type { ObserveOutput, Stamped } from '../../machines/cluster.contract.js';
import type { OperationVerdict } from '../ports/cache.js';
import { systemClock } from '../ports/clock.js';
import type { ClusterSpec, MaintenanceStep } from '../plan/schema.js';
import { runCommandStep, type CommandStepResult } from '../runbook/command-step.js';
import { runHttpStep, type HttpStepResult } from '../runbook/http-step.js';
import { redactHeaders } from '../runbook/redaction.js';
import type { Check } from '../../machines/types.js';
import { check, clusterSpec, journal, type RunContext } from './run-context.js';
import { weightEvidence } from './observations.js';

// Starting a maintenance step writes its intent first (previous primary, request time), so that a
// resumed run judges the step against what was true before it, and does not start it twice.

export interface StepIntent {
  nonce: string;
  requestedAt: number;
  previousPrimary?: string;
  expectedPrimary?: string;
  nodeGroupId?: string;
  rebootIds?: string[];
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
  const intent = await ctx.store.remember<StepIntent>(ctx.runId, stepKey(input.cluster, input.stepIndex), () => captureIntent(ctx, spec, step, nonce));
  const resumed = intent.nonce !== nonce;
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

async function captureIntent(ctx: RunContext, spec: ClusterSpec, step: MaintenanceStep, nonce: string): Promise<StepIntent> {
  const intent: StepIntent = { nonce, requestedAt: ctx.clock.now() };
  if (!('elasticache' in step) || !spec.cache) return intent;
  const view = await ctx.cache.describe(spec.cache.replicationGroupId);
  const nodeGroupId = step.elasticache === 'failover' ? step.nodeGroupId : '0001';
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
  // A command or webhook acts in the real world, so its timeout and poll interval are real time, even in a
  // sandbox rehearsal whose virtual clock would otherwise race ahead while the process runs.
  const deps = { logger: ctx.logger, clock: systemClock };
  if ('command' in step) {
    const result = await runCommandStep({ argv: step.command, timeout: step.timeout, ...(step.cwd ? { cwd: step.cwd } : {}), ...(step.env ? { env: step.env } : {}) }, deps);
    await ctx.store.remember<RunbookResult>(ctx.runId, resultKey(spec.name, index), async () => ({ kind: 'command', result }));
    await journal(ctx, 'effect', `${spec.name}: command ${step.command.join(' ')} ${result.ok ? 'exited 0' : `failed: ${result.reason}`}`, { cluster: spec.name, data: { step: index + 1, ...result } });
    return;
  }
  if ('http' in step) {
    const h = step.http;
    const result = await runHttpStep(
      {
        method: h.method,
        url: h.url,
        ...(h.headers ? { headers: h.headers } : {}),
        ...(h.body !== undefined ? { body: h.body } : {}),
        expectStatus: h.expectStatus,
        timeout: h.timeout,
        ...(h.poll ? { poll: h.poll } : {}),
      },
      deps,
    );
    await ctx.store.remember<RunbookResult>(ctx.runId, resultKey(spec.name, index), async () => ({ kind: 'http', result }));
    await journal(ctx, 'effect', `${spec.name}: ${h.method} ${result.request.url} ${result.ok ? `returned ${result.status}${result.poll ? `; ${h.poll?.field} matched after ${result.poll.attempts} poll(s)` : ''}` : `failed: ${result.reason}`}`, { cluster: spec.name, data: { step: index + 1, ...result } });
    return;
  }
  if (!('elasticache' in step)) throw new Error('approval steps are machine states, never started as effects');
  const rg = spec.cache!.replicationGroupId;
  switch (step.elasticache) {
    case 'failover':
      await ctx.cache.startFailover(
        rg,
        step.method === 'test-failover' ? { method: 'test-failover', nodeGroupId: step.nodeGroupId } : { method: 'primary-cluster-id', primaryClusterId: intent.expectedPrimary! },
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
  await journal(ctx, 'effect', `${spec.name}: ElastiCache ${step.elasticache} requested on ${rg}`, { cluster: spec.name, data: { step, intent } });
}

export function modifyRequest(step: Extract<MaintenanceStep, { elasticache: 'modify' }>) {
  return {
    ...(step.engineVersion ? { engineVersion: step.engineVersion } : {}),
    ...(step.cacheNodeType ? { cacheNodeType: step.cacheNodeType } : {}),
    ...(step.cacheParameterGroupName ? { cacheParameterGroupName: step.cacheParameterGroupName } : {}),
  };
}

export async function observeStep(ctx: RunContext, input: { cluster: string; stepIndex: number; startedAt: number }): Promise<ObserveOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  const step = stepAt(ctx, input.stepIndex);
  const now = ctx.clock.now();
  // Seed 003: the cluster must stay out while it is maintained; a weight raised by hand is drift.
  const weight = await weightEvidence(ctx, input.cluster, 0, 'step.weight');
  if (weight.drift) return { at: now, status: 'drift', drift: weight.drift, reason: weight.check.message, checks: [{ ...weight.check, at: now }] };

  if ('command' in step || 'http' in step) {
    const stored = await ctx.store.recall<RunbookResult>(ctx.runId, resultKey(input.cluster, input.stepIndex));
    if (!stored) throw new Error(`no recorded result for ${input.cluster} step ${input.stepIndex + 1}: the step was never started`);
    const c = { ...runbookCheck(step, input.stepIndex, stored), at: now };
    return c.ok ? { at: now, status: 'done', checks: [c] } : { at: now, status: 'failed', reason: stored.result.reason ?? c.observed, checks: [c] };
  }
  if (!('elasticache' in step)) return { at: now, status: 'done', checks: [] };
  const rg = spec.cache!.replicationGroupId;
  const intent = await ctx.store.recall<StepIntent>(ctx.runId, stepKey(input.cluster, input.stepIndex));
  if (!intent) throw new Error(`no recorded intent for ${input.cluster} step ${input.stepIndex + 1}: the step was never started`);
  let verdict: OperationVerdict;
  switch (step.elasticache) {
    case 'failover':
      verdict = await ctx.cache.observeFailover(rg, {
        previousPrimary: intent.previousPrimary ?? '',
        nodeGroupId: intent.nodeGroupId ?? step.nodeGroupId,
        requestedAt: intent.requestedAt,
        ...(intent.expectedPrimary ? { expectedPrimary: intent.expectedPrimary } : {}),
      });
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
  const name = `step.${input.stepIndex + 1}.${step.elasticache}`;
  if (verdict.status === 'complete') return { at: now, status: 'done', checks: [{ ...check(name, true, verdict.evidence.join('; ') || 'complete', 'complete'), at: now }] };
  if (verdict.status === 'failed') return { at: now, status: 'failed', reason: verdict.reason, checks: [{ ...check(name, false, verdict.evidence.join('; '), 'complete', verdict.reason), at: now }] };
  return { at: now, status: 'not-yet', recheckAt: now + 10_000, reason: `waiting for ${verdict.waitingFor}`, checks: [{ ...check(name, false, `waiting for ${verdict.waitingFor}`, 'complete'), at: now }] };
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

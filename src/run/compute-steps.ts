// The compute tier's maintenance steps: SSM Run Command (ssm) and ECS deployments (ecs). Like the
// ElastiCache steps, the intent (what will be sent, to which instances or service) is written before the
// call; the call's id is remembered after it; and a resumed run finds the call it may have made (the
// command by its comment, the deployment by its start time) instead of making it twice.
import type { ObserveOutput } from '../../machines/cluster.contract.js';
import { judgeDeployment, taskDefinitionKey } from '../compute/ecs-evidence.js';
import { judgeCommand } from '../compute/ssm-evidence.js';
import type { ClusterSpec, EcsStep, MaintenanceStep, SsmStep } from '../plan/schema.js';
import type { OperationVerdict } from '../ports/cache.js';
import { TERMINAL_INVOCATION } from '../ports/run-command.js';
import { fillStep, placeholderValues } from '../runbook/placeholders.js';
import { check } from './checks.js';
import { journal } from './journal.js';
import type { RunContext } from './run-context.js';
import { stepClusterValues } from './step-values.js';

export type ComputeStep = SsmStep | EcsStep;

export const isComputeStep = (step: MaintenanceStep): step is ComputeStep => 'ssm' in step || 'ecs' in step;

/** What is about to be sent, fixed before the call. */
export interface ComputeIntent {
  ssm?: { documentName: string; comment: string; instanceIds?: string[]; tags?: Record<string, string[]>; parameters?: Record<string, string[]> };
  ecs?: { cluster: string; service: string; taskDefinition: string; image?: string; forceNewDeployment: boolean; previousDeployments: string[] };
}

const callKey = (cluster: string, index: number) => `step:${cluster}:${index}:call`;
/** A look every 15 s: SSM and ECS publish no completion event to wait for, only statuses. */
const LOOK_MS = 15_000;
/** SendCommand's Comment holds at most 100 characters. */
const COMMENT_MAX = 100;

/** The step for this cluster, its placeholders filled: the instances, parameters, service and image it acts on. */
export async function computeIntent(ctx: RunContext, spec: ClusterSpec, step: ComputeStep, index: number, nonce: string): Promise<ComputeIntent> {
  const values = await stepClusterValues(ctx, spec);
  const filled = fillStep(step, placeholderValues(values));
  if ('ssm' in filled) {
    const comment = `quiesce ${nonce.slice(0, 8)} ${spec.name} step ${index + 1} ${ctx.runId}`.slice(0, COMMENT_MAX);
    const targets = filled.targets;
    const instanceIds = targets && 'instanceIds' in targets ? targets.instanceIds : targets ? undefined : values.targets.map((t) => t.id);
    if (instanceIds && instanceIds.length === 0) throw new Error(`${spec.name} has no targets saved before the drain: nothing to send ${filled.ssm} to`);
    return {
      ssm: {
        documentName: filled.ssm,
        comment,
        ...(instanceIds ? { instanceIds } : {}),
        ...(targets && 'tags' in targets ? { tags: targets.tags } : {}),
        ...(filled.parameters ? { parameters: filled.parameters } : {}),
      },
    };
  }
  const ref = { cluster: filled.cluster, service: filled.service };
  const service = await ctx.deployments.describeService(ref);
  return {
    ecs: {
      ...ref,
      // A forced new deployment redeploys what the service runs now: the revision every task must end on.
      taskDefinition: filled.taskDefinition ? taskDefinitionKey(filled.taskDefinition) : taskDefinitionKey(service.taskDefinition),
      ...(filled.image !== undefined ? { image: filled.image } : {}),
      forceNewDeployment: filled.forceNewDeployment,
      previousDeployments: service.deployments.map((d) => d.id),
    },
  };
}

/** Sends the command or starts the deployment, unless a call of this intent already happened (found again, not repeated). */
export async function startComputeStep(ctx: RunContext, spec: ClusterSpec, step: ComputeStep, intent: { requestedAt: number; compute?: ComputeIntent }, index: number): Promise<void> {
  const key = callKey(spec.name, index);
  const known = await ctx.store.recall<string>(ctx.runId, key);
  if (known !== undefined) {
    await journal(ctx, 'effect', `${spec.name}: step ${index + 1} was already started before the restart (${known}); not starting it again`, { cluster: spec.name });
    return;
  }
  const c = intent.compute;
  if (c?.ssm) {
    const s = c.ssm;
    // A crash between SendCommand and remembering its id: the command carries the intent's comment.
    const found = await ctx.runCommand.findByComment(s.documentName, s.comment, intent.requestedAt - 60_000);
    if (found !== undefined) {
      await ctx.store.remember(ctx.runId, key, async () => found);
      await journal(ctx, 'effect', `${spec.name}: SSM command ${found} (${s.comment}) was sent before the restart; not sending it again`, { cluster: spec.name });
      return;
    }
    const ssmStep = step as SsmStep;
    const { commandId } = await ctx.runCommand.send({
      documentName: s.documentName,
      ...(ssmStep.documentVersion ? { documentVersion: ssmStep.documentVersion } : {}),
      ...(s.parameters ? { parameters: s.parameters } : {}),
      targets: s.instanceIds ? { instanceIds: s.instanceIds } : { tags: s.tags ?? {} },
      maxConcurrency: ssmStep.maxConcurrency,
      maxErrors: ssmStep.maxErrors,
      deliveryTimeoutSeconds: Math.round(ssmStep.deliveryTimeout / 1000),
      comment: s.comment,
    });
    await ctx.store.remember(ctx.runId, key, async () => commandId);
    await journal(ctx, 'effect', `${spec.name}: SSM SendCommand ${s.documentName} to ${s.instanceIds?.join(', ') ?? `instances tagged ${JSON.stringify(s.tags)}`}: command ${commandId}`, { cluster: spec.name, data: { step: index + 1, commandId, ...s } });
    return;
  }
  if (c?.ecs) {
    const e = c.ecs;
    const ref = { cluster: e.cluster, service: e.service };
    // A crash between UpdateService and remembering the deployment: a deployment that did not exist at the
    // intent and started since is ours.
    const before = await ctx.deployments.describeService(ref);
    const started = before.deployments.find((d) => !e.previousDeployments.includes(d.id) && d.createdAt >= intent.requestedAt - 1_000);
    if (started) {
      await ctx.store.remember(ctx.runId, key, async () => started.id);
      await journal(ctx, 'effect', `${spec.name}: ECS deployment ${started.id} of ${e.service} was started before the restart; not starting another`, { cluster: spec.name });
      return;
    }
    const after = await ctx.deployments.update(ref, { ...(e.forceNewDeployment && !(step as EcsStep).taskDefinition ? {} : { taskDefinition: e.taskDefinition }), forceNewDeployment: e.forceNewDeployment });
    const primary = after.deployments.find((d) => d.status === 'PRIMARY');
    if (!primary || e.previousDeployments.includes(primary.id)) {
      // The service already runs what was asked: no deployment started; the identity gate judges the tasks.
      await ctx.store.remember(ctx.runId, key, async () => primary?.id ?? '');
      await journal(ctx, 'effect', `${spec.name}: ECS UpdateService ${e.service}: already on ${e.taskDefinition}, no new deployment`, { cluster: spec.name });
      return;
    }
    await ctx.store.remember(ctx.runId, key, async () => primary.id);
    await journal(ctx, 'effect', `${spec.name}: ECS UpdateService ${e.cluster}/${e.service} -> ${e.taskDefinition}: deployment ${primary.id}`, { cluster: spec.name, data: { step: index + 1, deploymentId: primary.id, ...e } });
    return;
  }
  throw new Error(`no recorded intent for ${spec.name} step ${index + 1}`);
}

/** One look: every invocation read back, or the deployment and its running tasks. */
export async function observeComputeStep(ctx: RunContext, cluster: string, index: number, step: ComputeStep, intent: { compute?: ComputeIntent }): Promise<ObserveOutput> {
  const now = ctx.clock.now();
  const id = await ctx.store.recall<string>(ctx.runId, callKey(cluster, index));
  if (id === undefined || !intent.compute) throw new Error(`no recorded call for ${cluster} step ${index + 1}: the step was never started`);
  let verdict: OperationVerdict;
  let name: string;
  if ('ssm' in step) {
    name = `step.${index + 1}.ssm`;
    verdict = judgeCommand(await ctx.runCommand.observe(id), intent.compute.ssm?.instanceIds);
  } else {
    name = `step.${index + 1}.ecs`;
    const e = intent.compute.ecs!;
    const ref = { cluster: e.cluster, service: e.service };
    const service = await ctx.deployments.describeService(ref);
    const primary = service.deployments.find((d) => d.status === 'PRIMARY');
    const completed = primary?.id === id && primary.rolloutState === 'COMPLETED';
    verdict = judgeDeployment(service, completed ? await ctx.deployments.runningTasks(ref) : undefined, { deploymentId: id, taskDefinition: e.taskDefinition, image: e.image });
  }
  const expected = 'ssm' in step ? 'every invocation Success' : 'deployment COMPLETED and every task on the asked revision and image';
  if (verdict.status === 'complete') return { at: now, status: 'done', checks: [{ ...check(name, true, verdict.evidence.join('; '), expected), at: now }] };
  if (verdict.status === 'failed') return { at: now, status: 'failed', reason: verdict.reason, checks: [{ ...check(name, false, verdict.evidence.join('; '), expected, verdict.reason), at: now }] };
  return { at: now, status: 'not-yet', recheckAt: now + LOOK_MS, reason: `waiting for ${verdict.waitingFor}`, checks: [{ ...check(name, false, `waiting for ${verdict.waitingFor}`, expected), at: now }] };
}

/**
 * A held or aborted cluster has no command still running on it: every SSM command of its steps that has
 * not finished is cancelled (CancelCommand), then read back. Securing calls this.
 */
export async function cancelUnfinishedCommands(ctx: RunContext, cluster: string): Promise<void> {
  for (const [index, step] of ctx.plan.maintenance.entries()) {
    if (!('ssm' in step)) continue;
    const id = await ctx.store.recall<string>(ctx.runId, callKey(cluster, index));
    if (id === undefined) continue;
    const view = await ctx.runCommand.observe(id);
    const running = view.invocations.filter((i) => !TERMINAL_INVOCATION.has(i.status));
    if (['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(view.status) && running.length === 0) continue;
    await journal(ctx, 'intent', `${cluster}: cancel SSM command ${id} (${running.length} invocation(s) not finished)`, { cluster, data: { commandId: id } });
    await ctx.runCommand.cancel(id);
    const after = await ctx.runCommand.observe(id);
    await journal(ctx, 'effect', `${cluster}: SSM CancelCommand ${id}: command ${after.status}; ${after.invocations.map((i) => `${i.instanceId} ${i.status}`).join(', ')}`, { cluster, data: { commandId: id, status: after.status } });
  }
}

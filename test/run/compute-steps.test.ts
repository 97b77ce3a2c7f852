import { describe, expect, it } from 'vitest';
import { computeIntent, cancelUnfinishedCommands } from '../../src/run/compute-steps.js';
import { observeStep, startStep, stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import type { SsmStep } from '../../src/plan/schema.js';
import { sandboxRun, settle, takeOut, type SandboxRun } from './sandbox-context.js';

// The ssm and ecs steps called directly over a sandbox world: sent once, done only on evidence, held with
// the instance or the deployment's reason.
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments';
const SSM = { ssm: 'AWS-RunPatchBaseline', parameters: { Operation: ['Install'] } };
const ECS = { ecs: 'deploy', cluster: 'payments', service: 'api-{cluster}', taskDefinition: 'payments-api:20', image: `${IMAGE}:1.20` };

async function observeUntilOver(run: SandboxRun, cluster = 'blue', index = 0, limitMs = 3 * 3_600_000) {
  const start = run.ctx.clock.now();
  for (;;) {
    const out = await settle(run.clock, observeStep(run.ctx, { cluster, stepIndex: index, startedAt: start }));
    if (out.status !== 'not-yet' || run.ctx.clock.now() - start > limitMs) return out;
    run.world.advanceTo(out.recheckAt!);
  }
}

describe('ssm step', () => {
  it('sends the document to the targets saved before the drain, once, and is done when every invocation reads Success', async () => {
    const run = await sandboxRun({ maintenance: [SSM] });
    await takeOut(run);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    const sent = run.world.state.ssm.commands;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.invocations.map((i) => i.instanceId)).toEqual((await run.ctx.traffic.listTargets(run.ctx.plan.fleet.clusters[0]!.targetGroupArn)).map((t) => t.id));
    expect(sent[0]!.parameters).toEqual({ Operation: ['Install'] });
    const first = await settle(run.clock, observeStep(run.ctx, { cluster: 'blue', stepIndex: 0, startedAt: run.ctx.clock.now() }));
    expect(first.status).toBe('not-yet');
    const out = await observeUntilOver(run);
    expect(out.status).toBe('done');
    expect(out.checks![0]).toMatchObject({ name: 'step.1.ssm', ok: true });
  });

  it('an instance whose command fails holds the cluster, naming the instance and the tail of its output', async () => {
    const run = await sandboxRun({ maintenance: [SSM] }, 'events:\n  - { at: "0s", ssmCommandFails: { cluster: blue, output: "E: Could not get lock /var/lib/dpkg/lock-frontend" } }\n');
    await takeOut(run);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    const out = await observeUntilOver(run);
    const first = run.world.state.ssm.commands[0]!.invocations[0]!.instanceId;
    expect(out.status).toBe('failed');
    expect(out.reason).toBe(`SSM AWS-RunPatchBaseline did not succeed on ${first} Failed: E: Could not get lock /var/lib/dpkg/lock-frontend`);
  });

  it('an agent that never answers holds the cluster once its delivery times out', async () => {
    const run = await sandboxRun({ maintenance: [{ ...SSM, deliveryTimeout: '10m' }] }, 'events:\n  - { at: "0s", ssmAgentSilent: { cluster: blue } }\n');
    await takeOut(run);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    const out = await observeUntilOver(run);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^SSM AWS-RunPatchBaseline did not succeed on i-[0-9a-f]+ Delivery Timed Out$/);
  });

  it('a resumed run finds the command it sent by its comment and never sends it twice', async () => {
    const run = await sandboxRun({ maintenance: [SSM] });
    await takeOut(run);
    const spec = run.ctx.plan.fleet.clusters[0]!;
    // What a crash right after SendCommand leaves: the intent written, the command sent, its id not remembered.
    const compute = await computeIntent(run.ctx, spec, run.ctx.plan.maintenance[0] as SsmStep, 0, 'crashed-nonce');
    await run.store.remember<StepIntent>(run.ctx.runId, stepKey('blue', 0), async () => ({ nonce: 'crashed-nonce', requestedAt: run.ctx.clock.now(), compute }));
    await run.ctx.runCommand.send({ documentName: 'AWS-RunPatchBaseline', targets: { instanceIds: compute.ssm!.instanceIds! }, maxConcurrency: '50', maxErrors: '0', deliveryTimeoutSeconds: 600, comment: compute.ssm!.comment });
    run.world.advanceBy(2_000);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    expect(run.calls.filter((c) => c === 'SendCommand')).toHaveLength(1);
    expect(run.world.state.ssm.commands).toHaveLength(1);
    expect((await observeUntilOver(run)).status).toBe('done');
  });

  it('securing a held cluster cancels its unfinished command and reads it back', async () => {
    const run = await sandboxRun({ maintenance: [SSM] });
    await takeOut(run);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    run.world.advanceBy(20_000);
    await settle(run.clock, cancelUnfinishedCommands(run.ctx, 'blue'));
    expect(run.calls.filter((c) => c === 'CancelCommand')).toHaveLength(1);
    const out = await observeUntilOver(run);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/Cancelled/);
    // Nothing left to cancel: a second securing does not call CancelCommand again.
    await settle(run.clock, cancelUnfinishedCommands(run.ctx, 'blue'));
    expect(run.calls.filter((c) => c === 'CancelCommand')).toHaveLength(1);
  });
});

describe('ecs step', () => {
  it('deploys the revision and is done when the deployment is COMPLETED and every task runs it with the asked image', async () => {
    const run = await sandboxRun({ maintenance: [ECS] });
    await takeOut(run);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    expect(run.calls.filter((c) => c === 'UpdateService')).toHaveLength(1);
    const out = await observeUntilOver(run);
    expect(out.status).toBe('done');
    expect(out.checks![0]!.observed).toContain(`payments-api:20 [${IMAGE}:1.20]`);
    // Started again after a restart: the deployment is found, not started twice.
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    expect(run.calls.filter((c) => c === 'UpdateService')).toHaveLength(1);
  });

  it('a crash-looping deployment tripped by the circuit breaker holds the cluster with the reason and the rollback', async () => {
    const run = await sandboxRun({ maintenance: [ECS] }, 'events:\n  - { at: "0s", ecsCrashLoop: { cluster: blue } }\n');
    await takeOut(run);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    const out = await observeUntilOver(run);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^ECS deployment ecs-svc\/\d+ of payments-api:20 FAILED: ECS deployment circuit breaker: tasks failed to start\.; rolled back to payments-api:19/);
  });

  it('the identity gate: an image deployed as "1.2" when "1.20" was asked holds the cluster (seed 001)', async () => {
    const run = await sandboxRun({ maintenance: [ECS] }, `events:\n  - { at: "0s", ecsImageDeployed: { cluster: blue, image: "${IMAGE}:1.2" } }\n`);
    await takeOut(run);
    await settle(run.clock, startStep(run.ctx, { cluster: 'blue', stepIndex: 0 }));
    const out = await observeUntilOver(run);
    expect(out.status).toBe('failed');
    expect(out.reason).toBe(`3 of 3 running tasks run image "${IMAGE}:1.2", not "${IMAGE}:1.20" (compared as strings)`);
  });
});

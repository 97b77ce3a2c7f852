import { CancelCommandCommand, InvalidInstanceId, ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { planSchema } from '../../src/plan/schema.js';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile } from '../../src/sandbox/index.js';
import { planDoc, targetGroupArn } from '../e2e/deep-checks-harness.js';

// SSM Run Command in the sandbox, through the real SSMClient: statuses from
// https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html.
function setup(worldText = '') {
  const plan = planSchema.parse(planDoc({ maintenance: [{ ssm: 'AWS-RunPatchBaseline' }] }));
  const world = defaultWorldFromPlan(plan, parseWorldFile(worldText, 'world.yaml'), 'world.yaml');
  const { ssm } = createSandboxClients(world, { region: 'us-east-1' });
  const instances = (cluster: string) => world.state.elbv2.targetGroups[targetGroupArn(cluster)]!.targets.map((t) => t.id);
  return { world, ssm, instances };
}

const send = (ssm: ReturnType<typeof setup>['ssm'], ids: string[], extra: Partial<ConstructorParameters<typeof SendCommandCommand>[0]> = {}) =>
  ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunPatchBaseline', InstanceIds: ids, Parameters: { Operation: ['Install'] }, Comment: 'quiesce test', ...extra }));

describe('sandbox SSM Run Command', () => {
  it('goes Pending -> InProgress -> Success on every instance, and the command with them', async () => {
    const { world, ssm, instances } = setup();
    const ids = instances('blue');
    const sent = await send(ssm, ids);
    const id = sent.Command!.CommandId!;
    expect(sent.Command).toMatchObject({ Status: 'InProgress', TargetCount: 3, Comment: 'quiesce test' });
    const statuses = async () => (await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }))).CommandInvocations!.map((i) => i.Status);
    expect(await statuses()).toEqual(['Pending', 'Pending', 'Pending']);
    world.advanceBy(10_000);
    expect(await statuses()).toEqual(['InProgress', 'InProgress', 'InProgress']);
    world.advanceBy(180_000);
    expect(await statuses()).toEqual(['Success', 'Success', 'Success']);
    const listed = await ssm.send(new ListCommandsCommand({ CommandId: id }));
    expect(listed.Commands![0]).toMatchObject({ Status: 'Success', CompletedCount: 3, ErrorCount: 0 });
  });

  it('an instance whose command fails shows Failed with its output; MaxErrors 0 stops the next wave', async () => {
    const { world, ssm, instances } = setup('events:\n  - { at: "0s", ssmCommandFails: { cluster: blue, output: "E: dpkg was interrupted" } }\n');
    const sent = await send(ssm, instances('blue'), { MaxConcurrency: '1', MaxErrors: '0' });
    world.advanceBy(600_000);
    const out = await ssm.send(new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId!, Details: true }));
    expect(out.CommandInvocations!.map((i) => [i.Status, i.StatusDetails])).toEqual([['Failed', 'Failed']]);
    expect(out.CommandInvocations![0]!.CommandPlugins![0]!.Output).toBe('E: dpkg was interrupted');
    const listed = await ssm.send(new ListCommandsCommand({ CommandId: sent.Command!.CommandId! }));
    expect(listed.Commands![0]).toMatchObject({ Status: 'Failed', ErrorCount: 1, TargetCount: 3 });
  });

  it('an agent that never answers stays Pending until the delivery timeout, then Delivery Timed Out', async () => {
    const { world, ssm, instances } = setup('events:\n  - { at: "0s", ssmAgentSilent: { cluster: green, count: 1 } }\n');
    const sent = await send(ssm, instances('green'), { TimeoutSeconds: 600 });
    const id = sent.Command!.CommandId!;
    world.advanceBy(300_000);
    const mid = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id }));
    expect(mid.CommandInvocations!.map((i) => i.StatusDetails)).toEqual(['Pending', 'Success', 'Success']);
    world.advanceBy(301_000);
    const end = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id }));
    expect(end.CommandInvocations!.map((i) => [i.Status, i.StatusDetails])[0]).toEqual(['TimedOut', 'Delivery Timed Out']);
    expect((await ssm.send(new ListCommandsCommand({ CommandId: id }))).Commands![0]).toMatchObject({ DeliveryTimedOutCount: 1, ErrorCount: 0 });
  });

  it('CancelCommand cancels what has not finished; an unknown instance is InvalidInstanceId', async () => {
    const { world, ssm, instances } = setup();
    const sent = await send(ssm, instances('blue'));
    world.advanceBy(20_000);
    await ssm.send(new CancelCommandCommand({ CommandId: sent.Command!.CommandId! }));
    world.advanceBy(600_000);
    const out = await ssm.send(new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId! }));
    expect(out.CommandInvocations!.map((i) => i.Status)).toEqual(['Cancelled', 'Cancelled', 'Cancelled']);
    await expect(send(ssm, ['i-0123456789abcdef0'])).rejects.toBeInstanceOf(InvalidInstanceId);
    expect(world.violations).toEqual([]);
  });

  it('finds a command again by document and time (ListCommands filters), newest first', async () => {
    const { world, ssm, instances } = setup();
    const since = new Date(world.now()).toISOString();
    await send(ssm, instances('blue'), { Comment: 'first' });
    world.advanceBy(1_000);
    await send(ssm, instances('blue'), { Comment: 'second' });
    const out = await ssm.send(new ListCommandsCommand({ Filters: [{ key: 'InvokedAfter', value: since }, { key: 'DocumentName', value: 'AWS-RunPatchBaseline' }] }));
    expect(out.Commands!.map((c) => c.Comment)).toEqual(['second', 'first']);
  });
});

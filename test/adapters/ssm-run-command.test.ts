import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CancelCommandCommand, ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createSsmRunCommand } from '../../src/adapters/ssm-run-command.js';
import { AwsCallError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { awsServiceError } from '../helpers/aws-fixtures.js';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const T0 = Date.UTC(2026, 5, 1, 3, 0, 0);
const port = () => createSsmRunCommand({ client, clock: new ManualClock(T0, { autoAdvance: true }), budget });
const request = { documentName: 'AWS-RunPatchBaseline', parameters: { Operation: ['Install'] }, targets: { instanceIds: ['i-0aaa', 'i-0bbb'] }, maxConcurrency: '1', maxErrors: '0', deliveryTimeoutSeconds: 600, comment: 'quiesce abc blue step 1 run-1' };

beforeEach(() => ssm.reset());

describe('createSsmRunCommand', () => {
  it('sends the document with its parameters, targets, concurrency, delivery timeout and comment', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    expect(await port().send(request)).toEqual({ commandId: 'cmd-1' });
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: 'AWS-RunPatchBaseline',
      Parameters: { Operation: ['Install'] },
      InstanceIds: ['i-0aaa', 'i-0bbb'],
      MaxConcurrency: '1',
      MaxErrors: '0',
      TimeoutSeconds: 600,
      Comment: 'quiesce abc blue step 1 run-1',
    });
  });

  it('sends tag targets as tag:<key>', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    await port().send({ ...request, targets: { tags: { Cluster: ['blue'] } } });
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, { Targets: [{ Key: 'tag:Cluster', Values: ['blue'] }] });
  });

  it('an instance SSM does not manage is a fatal error, not retried', async () => {
    ssm.on(SendCommandCommand).rejects(awsServiceError({ name: 'InvalidInstanceId', status: 400 }));
    const error = await port().send(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ classification: 'fatal', code: 'InvalidInstanceId', operation: 'SendCommand' });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  it('TooManyUpdates and throttling are retried within the budget', async () => {
    ssm.on(ListCommandsCommand).rejectsOnce(awsServiceError({ name: 'TooManyUpdates', status: 400 })).resolves({ Commands: [{ CommandId: 'cmd-1', Status: 'Success', StatusDetails: 'Success', TargetCount: 1 }] });
    ssm.on(ListCommandInvocationsCommand).rejectsOnce(awsServiceError({ name: 'ThrottlingException', status: 400 })).resolves({ CommandInvocations: [{ InstanceId: 'i-0aaa', Status: 'Success', StatusDetails: 'Success' }] });
    const view = await port().observe('cmd-1');
    expect(view).toMatchObject({ status: 'Success', targetCount: 1, invocations: [{ instanceId: 'i-0aaa', status: 'Success' }] });
  });

  it('reads every page of invocations with their plugin output, and finds a command by its comment', async () => {
    ssm.on(ListCommandsCommand, { CommandId: 'cmd-1' }).resolves({ Commands: [{ CommandId: 'cmd-1', Status: 'InProgress', TargetCount: 2 }] });
    ssm.on(ListCommandInvocationsCommand, { CommandId: 'cmd-1', Details: true }).resolvesOnce({ CommandInvocations: [{ InstanceId: 'i-0aaa', Status: 'Failed', StatusDetails: 'Failed', CommandPlugins: [{ Output: 'line 1\nE: lock held' }] }], NextToken: 't2' }).resolves({ CommandInvocations: [{ InstanceId: 'i-0bbb', Status: 'InProgress' }] });
    const view = await port().observe('cmd-1');
    expect(view.invocations).toEqual([
      { instanceId: 'i-0aaa', status: 'Failed', statusDetails: 'Failed', outputTail: 'line 1 E: lock held' },
      { instanceId: 'i-0bbb', status: 'InProgress', statusDetails: '', outputTail: '' },
    ]);
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: 'other', Comment: 'x' }, { CommandId: 'mine', Comment: request.comment }] });
    expect(await port().findByComment('AWS-RunPatchBaseline', request.comment, T0)).toBe('mine');
    expect(ssm).toHaveReceivedCommandWith(ListCommandsCommand, { Filters: [{ key: 'InvokedAfter', value: new Date(T0).toISOString() }, { key: 'DocumentName', value: 'AWS-RunPatchBaseline' }] });
  });

  it('cancels by command id', async () => {
    ssm.on(CancelCommandCommand).resolves({});
    await port().cancel('cmd-1');
    expect(ssm).toHaveReceivedCommandWith(CancelCommandCommand, { CommandId: 'cmd-1' });
  });
});

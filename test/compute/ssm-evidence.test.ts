import { describe, expect, it } from 'vitest';
import { judgeCommand } from '../../src/compute/ssm-evidence.js';
import type { CommandView, InvocationView } from '../../src/ports/run-command.js';

const inv = (instanceId: string, status: string, statusDetails = status, outputTail = ''): InvocationView => ({ instanceId, status, statusDetails, outputTail });
const view = (status: string, invocations: InvocationView[], targetCount = invocations.length): CommandView => ({
  commandId: 'cmd-1', comment: 'c', documentName: 'AWS-RunPatchBaseline', status, statusDetails: status, targetCount, completedCount: 0, errorCount: 0, deliveryTimedOutCount: 0, requestedAt: 0, invocations,
});

describe('judgeCommand', () => {
  it('is complete only when every expected instance reads Success and the command too', () => {
    expect(judgeCommand(view('Success', [inv('i-1', 'Success'), inv('i-2', 'Success')]), ['i-1', 'i-2']).status).toBe('complete');
    expect(judgeCommand(view('InProgress', [inv('i-1', 'Success'), inv('i-2', 'InProgress', 'In Progress')]), ['i-1', 'i-2'])).toMatchObject({ status: 'not-yet', waitingFor: 'every invocation to read Success (i-2 In Progress)' });
  });

  it('fails on the first invocation that ended otherwise, naming it and its output', () => {
    const v = judgeCommand(view('InProgress', [inv('i-1', 'Failed', 'Failed', 'E: lock'), inv('i-2', 'InProgress')]), ['i-1', 'i-2']);
    expect(v).toMatchObject({ status: 'failed', reason: 'SSM AWS-RunPatchBaseline did not succeed on i-1 Failed: E: lock' });
    expect(judgeCommand(view('InProgress', [inv('i-1', 'TimedOut', 'Delivery Timed Out')]), ['i-1'])).toMatchObject({ status: 'failed', reason: 'SSM AWS-RunPatchBaseline did not succeed on i-1 Delivery Timed Out' });
    expect(judgeCommand(view('Cancelled', [inv('i-1', 'Cancelled')]), ['i-1']).status).toBe('failed');
  });

  it('a command over without having run on every instance is not success', () => {
    expect(judgeCommand(view('Success', [inv('i-1', 'Success')]), ['i-1', 'i-2'])).toMatchObject({ status: 'failed', reason: expect.stringContaining('without running on i-2') });
    // Tag targets: the command's TargetCount is the expectation.
    expect(judgeCommand(view('Success', [inv('i-1', 'Success')], 2), undefined).status).toBe('failed');
    expect(judgeCommand(view('Success', [inv('i-1', 'Success'), inv('i-2', 'Success')], 2), undefined).status).toBe('complete');
  });
});

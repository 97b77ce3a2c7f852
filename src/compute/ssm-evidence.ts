// Whether an SSM command is done, judged from what AWS reports of it and of each invocation. Pure.
// Done only when every expected instance's invocation reads Success; any invocation that ended otherwise
// (Failed, TimedOut with "Delivery Timed Out" or "Execution Timed Out", Undeliverable, Terminated,
// Cancelled) ends the step, naming the instance and the tail of its output.
// Statuses: https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html
import type { CommandView } from '../ports/run-command.js';
import { TERMINAL_INVOCATION } from '../ports/run-command.js';
import type { OperationVerdict } from '../ports/cache.js';

export function judgeCommand(view: CommandView, expectedInstances: readonly string[] | undefined): OperationVerdict {
  const byInstance = new Map(view.invocations.map((i) => [i.instanceId, i]));
  const bad = view.invocations.filter((i) => TERMINAL_INVOCATION.has(i.status) && i.status !== 'Success');
  const success = view.invocations.filter((i) => i.status === 'Success');
  const evidence = [`command ${view.commandId} ${view.status} (${view.statusDetails}); ${success.length}/${expectedInstances?.length ?? view.targetCount} invocations Success`];
  if (bad.length > 0) {
    const named = bad.slice(0, 3).map((i) => `${i.instanceId} ${i.statusDetails || i.status}${i.outputTail ? `: ${i.outputTail}` : ''}`);
    const more = bad.length > 3 ? ` (and ${bad.length - 3} more)` : '';
    return { status: 'failed', reason: `SSM ${view.documentName} did not succeed on ${named.join('; ')}${more}`, evidence };
  }
  const expected = expectedInstances ?? [];
  const missing = expected.filter((id) => !byInstance.has(id));
  const commandOver = ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(view.status);
  if (commandOver && (missing.length > 0 || (expected.length === 0 && view.invocations.length < view.targetCount))) {
    // Over, with instances never sent to (MaxErrors reached first, or not found): not evidence of success.
    return { status: 'failed', reason: `SSM command ${view.commandId} ended ${view.status} (${view.statusDetails}) without running on ${missing.length ? missing.join(', ') : `${view.targetCount - view.invocations.length} of its targets`}`, evidence };
  }
  const allExpected = expected.length > 0 ? expected.every((id) => byInstance.get(id)?.status === 'Success') : view.targetCount > 0 && success.length === view.targetCount;
  if (allExpected && success.length === view.invocations.length && view.status === 'Success') return { status: 'complete', evidence };
  const waiting = view.invocations.filter((i) => i.status !== 'Success').map((i) => `${i.instanceId} ${i.statusDetails || i.status}`);
  return { status: 'not-yet', waitingFor: `every invocation to read Success (${waiting.slice(0, 5).join(', ') || `command ${view.status}`})`, evidence };
}

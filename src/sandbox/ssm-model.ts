// SSM Run Command: SendCommand, ListCommands, ListCommandInvocations, CancelCommand. Each invocation's
// fate (runs and succeeds, fails, or its agent never answers) is fixed when the command is sent, from the
// world's events then active; its statuses follow from timestamps at every read, like target health.
//
// Statuses and their meaning follow "Understanding command statuses"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html) and the
// StatusDetails of GetCommandInvocation
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html):
// Pending until the agent receives it, In Progress while it runs, then Success or Failed; an agent that
// never receives it shows Pending until the delivery timeout, then TimedOut / "Delivery Timed Out", which
// does not count against MaxErrors. MaxConcurrency sends to that many instances (or that percentage) at a
// time and MaxErrors stops sending once exceeded
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/send-commands-multiple.html).
// AWS documents no delivery or run durations: `ssm.delivery` and `ssm.commandDuration` are the sandbox's.
import {
  InvalidCommandId,
  InvalidInstanceId,
  type CancelCommandRequest,
  type Command,
  type CommandInvocation,
  type ListCommandInvocationsRequest,
  type ListCommandsRequest,
  type SendCommandRequest,
} from '@aws-sdk/client-ssm';
import { command, paginate, type CommandSpec } from './command-spec.js';
import { sdkError, SandboxUnsupportedError, validationError } from './sdk-errors.js';
import type { SsmCommandState, SsmFate, SsmInvocationState, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

const PAGE = 50;

/** Every instance of the world: the targets of its target groups, with the plan cluster each belongs to. */
function instancesOf(state: WorldState): Map<string, { cluster: string; index: number }> {
  const out = new Map<string, { cluster: string; index: number }>();
  for (const info of state.clusters) {
    const group = state.elbv2.targetGroups[info.targetGroupArn];
    group?.targets.forEach((t, index) => {
      if (!out.has(t.id)) out.set(t.id, { cluster: info.name, index });
    });
  }
  return out;
}

function fateOf(state: WorldState, where: { cluster: string; index: number } | undefined): { fate: SsmFate; output: string } {
  for (const { body } of state.events.active) {
    if (!where || !('cluster' in body) || body.cluster !== where.cluster) continue;
    if (body.type === 'ssmAgentSilent' && where.index < body.count) return { fate: 'silent', output: '' };
  }
  for (const { body } of state.events.active) {
    if (!where || !('cluster' in body) || body.cluster !== where.cluster) continue;
    if (body.type === 'ssmCommandFails' && where.index < body.count) return { fate: 'fail', output: body.output };
  }
  return { fate: 'success', output: 'Installed: 0, Missing: 0, Failed: 0; operation completed' };
}

/** "10" or "25%" of `total`, at least 1 (SendCommand's MaxConcurrency / MaxErrors). */
function amountOf(text: string, total: number, field: string): number {
  const m = /^(\d+)(%?)$/.exec(text);
  if (!m) throw validationError('ssm', `${field} must be a number or a percentage`);
  const n = Number(m[1]);
  return m[2] ? Math.floor((n * total) / 100) : n;
}

const runMs = (state: WorldState, inv: SsmInvocationState, timeoutSeconds: number) =>
  inv.fate === 'silent' ? timeoutSeconds * 1000 : state.settings.ssm.deliveryMs + state.settings.ssm.commandMs;

/** Waves of MaxConcurrency, each sent when the one before has finished; none once MaxErrors is exceeded. */
function scheduleInvocations(state: WorldState, c: SsmCommandState): void {
  const total = c.invocations.length;
  const perWave = Math.max(1, amountOf(c.maxConcurrency, total, 'MaxConcurrency'));
  const maxErrors = amountOf(c.maxErrors, total, 'MaxErrors');
  let waveStart = c.requestedAt;
  let errors = 0;
  for (let i = 0; i < total; i += perWave) {
    const wave = c.invocations.slice(i, i + perWave);
    if (errors > maxErrors) {
      for (const inv of wave) inv.startAt = null;
      continue;
    }
    let waveEnd = waveStart;
    for (const inv of wave) {
      inv.startAt = waveStart + (inv.fate === 'silent' ? 0 : state.settings.ssm.deliveryMs);
      waveEnd = Math.max(waveEnd, waveStart + runMs(state, inv, c.timeoutSeconds));
      // A delivery timeout does not count against MaxErrors; a failure does.
      if (inv.fate === 'fail') errors++;
    }
    waveStart = waveEnd;
  }
}

interface InvocationStatus {
  status: string;
  details: string;
  terminal: boolean;
}

function invocationStatus(state: WorldState, c: SsmCommandState, inv: SsmInvocationState, now: number): InvocationStatus {
  const endAt = inv.startAt === null ? null : inv.fate === 'silent' ? inv.startAt + c.timeoutSeconds * 1000 : inv.startAt + state.settings.ssm.commandMs;
  const finished = endAt !== null && now >= endAt;
  if (c.cancelledAt !== null && !(endAt !== null && endAt <= c.cancelledAt)) return { status: 'Cancelled', details: 'Cancelled', terminal: true };
  if (inv.startAt === null || now < inv.startAt) return { status: 'Pending', details: 'Pending', terminal: false };
  if (inv.fate === 'silent') return finished ? { status: 'TimedOut', details: 'Delivery Timed Out', terminal: true } : { status: 'Pending', details: 'Pending', terminal: false };
  if (!finished) return { status: 'InProgress', details: 'In Progress', terminal: false };
  return inv.fate === 'fail' ? { status: 'Failed', details: 'Failed', terminal: true } : { status: 'Success', details: 'Success', terminal: true };
}

function commandOut(state: WorldState, c: SsmCommandState, now: number): Command {
  const sent = c.invocations.filter((i) => i.startAt !== null);
  const statuses = sent.map((i) => invocationStatus(state, c, i, now));
  const completed = statuses.filter((s) => s.terminal).length;
  const errors = statuses.filter((s) => s.status === 'Failed' || s.details === 'Execution Timed Out').length;
  const deliveryTimedOut = statuses.filter((s) => s.details === 'Delivery Timed Out').length;
  const maxErrors = amountOf(c.maxErrors, c.invocations.length, 'MaxErrors');
  let status: string;
  let details: string;
  if (c.cancelledAt !== null) [status, details] = ['Cancelled', 'Cancelled'];
  else if (completed < sent.length || (sent.length < c.invocations.length && errors <= maxErrors)) [status, details] = ['InProgress', 'In Progress'];
  else if (statuses.every((s) => s.status === 'Success') && sent.length === c.invocations.length) [status, details] = ['Success', 'Success'];
  else if (errors > maxErrors) [status, details] = ['Failed', 'Failed'];
  else if (deliveryTimedOut > maxErrors) [status, details] = ['TimedOut', 'Delivery Timed Out'];
  // "Incomplete": attempted everywhere, not all succeeded, not enough failures for Failed. The Status that goes
  // with it is not documented; the sandbox answers Failed (unconfirmed).
  else [status, details] = ['Failed', 'Incomplete'];
  return {
    CommandId: c.commandId,
    DocumentName: c.documentName,
    ...(c.documentVersion ? { DocumentVersion: c.documentVersion } : {}),
    Comment: c.comment,
    Parameters: c.parameters,
    InstanceIds: c.invocations.map((i) => i.instanceId),
    Targets: [],
    RequestedDateTime: new Date(c.requestedAt),
    Status: status as Command['Status'],
    StatusDetails: details,
    MaxConcurrency: c.maxConcurrency,
    MaxErrors: c.maxErrors,
    TimeoutSeconds: c.timeoutSeconds,
    TargetCount: c.invocations.length,
    CompletedCount: completed,
    ErrorCount: errors,
    DeliveryTimedOutCount: deliveryTimedOut,
  };
}

function invocationOut(state: WorldState, c: SsmCommandState, inv: SsmInvocationState, now: number, details: boolean): CommandInvocation {
  const s = invocationStatus(state, c, inv, now);
  const output = s.status === 'Success' || s.status === 'Failed' ? inv.output : '';
  return {
    CommandId: c.commandId,
    InstanceId: inv.instanceId,
    Comment: c.comment,
    DocumentName: c.documentName,
    RequestedDateTime: new Date(c.requestedAt),
    Status: s.status as CommandInvocation['Status'],
    StatusDetails: s.details,
    ...(details
      ? {
          CommandPlugins: [
            {
              Name: 'aws:runShellScript',
              Status: s.status as NonNullable<CommandInvocation['CommandPlugins']>[number]['Status'],
              StatusDetails: s.details,
              ResponseCode: s.status === 'Failed' ? 1 : s.status === 'Success' ? 0 : -1,
              Output: output,
            },
          ],
        }
      : {}),
  };
}

function findCommand(state: WorldState, id: string | undefined): SsmCommandState {
  const c = state.ssm.commands.find((x) => x.commandId === id);
  if (!c) throw sdkError(InvalidCommandId, `Command ${id ?? ''} is not valid`);
  return c;
}

function sendCommand(core: WorldCore, input: SendCommandRequest) {
  const state = core.state;
  if (input.Targets?.length) throw new SandboxUnsupportedError('ssm', 'SendCommand with Targets (tag targets): the sandbox models InstanceIds only');
  const ids = input.InstanceIds ?? [];
  if (ids.length === 0) throw validationError('ssm', 'InstanceIds or Targets must be specified');
  const known = instancesOf(state);
  // An id that is not a managed instance of the account: InvalidInstanceId, as SendCommand documents
  // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) throw sdkError(InvalidInstanceId, `Instances [${unknown.join(', ')}] not in a valid state for account ${state.accountId}`);
  const c: SsmCommandState = {
    commandId: `${core.randomHex(8)}-${core.randomHex(4)}-${core.randomHex(4)}-${core.randomHex(4)}-${core.randomHex(12)}`,
    documentName: input.DocumentName ?? '',
    documentVersion: input.DocumentVersion ?? null,
    comment: input.Comment ?? '',
    parameters: input.Parameters ?? {},
    requestedAt: core.now(),
    maxConcurrency: input.MaxConcurrency ?? '50',
    maxErrors: input.MaxErrors ?? '0',
    // SendCommand's TimeoutSeconds defaults to 3600.
    timeoutSeconds: input.TimeoutSeconds ?? 3600,
    invocations: ids.map((instanceId) => ({ instanceId, ...fateOf(state, known.get(instanceId)), startAt: null })),
    cancelledAt: null,
  };
  scheduleInvocations(state, c);
  state.ssm.commands.push(c);
  return { Command: commandOut(state, c, core.now()) };
}

function listCommands(core: WorldCore, input: ListCommandsRequest) {
  const state = core.state;
  let commands = input.CommandId ? [findCommand(state, input.CommandId)] : [...state.ssm.commands];
  for (const f of input.Filters ?? []) {
    if (f.key === 'InvokedAfter') commands = commands.filter((c) => c.requestedAt >= Date.parse(f.value ?? ''));
    else if (f.key === 'InvokedBefore') commands = commands.filter((c) => c.requestedAt <= Date.parse(f.value ?? ''));
    else if (f.key === 'DocumentName') commands = commands.filter((c) => c.documentName === f.value);
    else throw new SandboxUnsupportedError('ssm', `ListCommands filter ${f.key ?? ''}`);
  }
  // Newest first, as the console lists them (the API reference does not state an order: unconfirmed).
  commands.sort((a, b) => b.requestedAt - a.requestedAt);
  const page = paginate(commands, input.NextToken, input.MaxResults ?? PAGE, () => validationError('ssm', 'The nextToken is not valid'));
  return { Commands: page.items.map((c) => commandOut(state, c, core.now())), ...(page.next ? { NextToken: page.next } : {}) };
}

function listInvocations(core: WorldCore, input: ListCommandInvocationsRequest) {
  const state = core.state;
  const commands = input.CommandId ? [findCommand(state, input.CommandId)] : state.ssm.commands;
  // Invocations never sent (MaxErrors exceeded first) are not listed: what AWS lists for them is not documented.
  const all = commands.flatMap((c) => c.invocations.filter((i) => i.startAt !== null && (!input.InstanceId || i.instanceId === input.InstanceId)).map((i) => ({ c, i })));
  const page = paginate(all, input.NextToken, input.MaxResults ?? PAGE, () => validationError('ssm', 'The nextToken is not valid'));
  return {
    CommandInvocations: page.items.map(({ c, i }) => invocationOut(state, c, i, core.now(), input.Details === true)),
    ...(page.next ? { NextToken: page.next } : {}),
  };
}

function cancelCommand(core: WorldCore, input: CancelCommandRequest) {
  const c = findCommand(core.state, input.CommandId);
  if (input.InstanceIds?.length) throw new SandboxUnsupportedError('ssm', 'CancelCommand of some instances only');
  // Cancelling stops what has not finished; finished invocations keep their status.
  if (c.cancelledAt === null) c.cancelledAt = core.now();
  return {};
}

export const ssmCommands: Record<string, CommandSpec> = {
  SendCommand: command<SendCommandRequest>(true, sendCommand, (i) => i.DocumentName ?? ''),
  ListCommands: command<ListCommandsRequest>(false, listCommands),
  ListCommandInvocations: command<ListCommandInvocationsRequest>(false, listInvocations),
  CancelCommand: command<CancelCommandRequest>(true, cancelCommand, (i) => i.CommandId ?? ''),
};

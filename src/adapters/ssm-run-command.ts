// RunCommandPort over the SSM API. send returns once SSM accepted the command; observe reads the command
// (ListCommands) and each invocation (ListCommandInvocations with details: plugin output included), so one
// look costs two calls however many instances there are (50 a page). Every call goes through the step's
// retry budget; errors are classified in src/aws/classify.ts.
import {
  CancelCommandCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type Command,
  type CommandInvocation,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';
import { UnexpectedResponseError } from '../errors.js';
import { createAwsCaller, type RetryBudget } from '../aws/retry-budget.js';
import { silentLogger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { CommandView, InvocationView, RunCommandPort, RunCommandRequest } from '../ports/run-command.js';

export interface SsmRunCommandOptions {
  client: SSMClient;
  clock: Clock;
  budget: RetryBudget;
  logger?: Logger;
}

const OUTPUT_TAIL_CHARS = 300;

export function createSsmRunCommand(options: SsmRunCommandOptions): RunCommandPort {
  const { client } = options;
  const call = createAwsCaller(options.clock, options.budget, 'SSM', options.logger ?? silentLogger);

  return {
    async send(request: RunCommandRequest) {
      const targets =
        'instanceIds' in request.targets
          ? { InstanceIds: request.targets.instanceIds }
          : { Targets: Object.entries(request.targets.tags).map(([key, values]) => ({ Key: `tag:${key}`, Values: values })) };
      const out = await call('SendCommand', request.documentName, () =>
        client.send(
          new SendCommandCommand({
            DocumentName: request.documentName,
            ...(request.documentVersion ? { DocumentVersion: request.documentVersion } : {}),
            ...(request.parameters ? { Parameters: request.parameters } : {}),
            ...targets,
            MaxConcurrency: request.maxConcurrency,
            MaxErrors: request.maxErrors,
            TimeoutSeconds: request.deliveryTimeoutSeconds,
            Comment: request.comment,
          }),
        ),
      );
      const commandId = out.Command?.CommandId;
      if (!commandId) throw new UnexpectedResponseError(`SendCommand of ${request.documentName} answered without a command id`);
      return { commandId };
    },

    async findByComment(documentName, comment, since) {
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const out = await call('ListCommands', documentName, () =>
          client.send(
            new ListCommandsCommand({
              Filters: [
                { key: 'InvokedAfter', value: new Date(since).toISOString() },
                { key: 'DocumentName', value: documentName },
              ],
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        const found = out.Commands?.find((c) => c.Comment === comment);
        if (found?.CommandId) return found.CommandId;
        nextToken = out.NextToken;
      } while (nextToken);
      return undefined;
    },

    async observe(commandId) {
      const listed = await call('ListCommands', commandId, () => client.send(new ListCommandsCommand({ CommandId: commandId })));
      const command = listed.Commands?.find((c) => c.CommandId === commandId);
      if (!command) throw new UnexpectedResponseError(`ListCommands returned no command ${commandId}`);
      const invocations: InvocationView[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const out = await call('ListCommandInvocations', commandId, () =>
          client.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true, ...(token ? { NextToken: token } : {}) })),
        );
        for (const inv of out.CommandInvocations ?? []) invocations.push(invocationView(inv));
        nextToken = out.NextToken;
      } while (nextToken);
      return commandView(command, invocations);
    },

    async cancel(commandId) {
      await call('CancelCommand', commandId, () => client.send(new CancelCommandCommand({ CommandId: commandId })));
    },
  };
}

function commandView(c: Command, invocations: InvocationView[]): CommandView {
  return {
    commandId: c.CommandId ?? '',
    comment: c.Comment ?? '',
    documentName: c.DocumentName ?? '',
    status: c.Status ?? 'unknown',
    statusDetails: c.StatusDetails ?? '',
    targetCount: c.TargetCount ?? 0,
    completedCount: c.CompletedCount ?? 0,
    errorCount: c.ErrorCount ?? 0,
    deliveryTimedOutCount: c.DeliveryTimedOutCount ?? 0,
    requestedAt: c.RequestedDateTime?.getTime() ?? 0,
    invocations,
  };
}

function invocationView(inv: CommandInvocation): InvocationView {
  const outputs = (inv.CommandPlugins ?? []).map((p) => (p.Output ?? '').trim()).filter((o) => o.length > 0);
  const output = outputs.join(' | ').replace(/\s+/g, ' ');
  return {
    instanceId: inv.InstanceId ?? '',
    status: inv.Status ?? 'unknown',
    statusDetails: inv.StatusDetails ?? '',
    outputTail: output.length > OUTPUT_TAIL_CHARS ? `...${output.slice(-OUTPUT_TAIL_CHARS)}` : output,
  };
}

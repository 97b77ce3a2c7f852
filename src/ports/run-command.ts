/**
 * SSM Run Command, narrowed to what a maintenance step needs. Sending and reading back are separate: a
 * command is done only when every invocation reads back Success, never because SendCommand answered.
 */

export type RunCommandTargets = { instanceIds: string[] } | { tags: Record<string, string[]> };

export interface RunCommandRequest {
  documentName: string;
  documentVersion?: string;
  parameters?: Record<string, string[]>;
  targets: RunCommandTargets;
  maxConcurrency: string;
  maxErrors: string;
  /** How long SSM tries to deliver the command to an instance (SendCommand TimeoutSeconds). */
  deliveryTimeoutSeconds: number;
  /** Names the command as this run's step: how a resumed run finds a command it may have sent. */
  comment: string;
}

/** One instance's copy of the command, as AWS reports it. */
export interface InvocationView {
  instanceId: string;
  /** CommandInvocationStatus: Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, Cancelling. */
  status: string;
  /** The finer status: "Delivery Timed Out", "Execution Timed Out", "Undeliverable", "Terminated", ... */
  statusDetails: string;
  /** The last part of the output of its plugins (stderr first when there is some), for a reason line. */
  outputTail: string;
}

export interface CommandView {
  commandId: string;
  comment: string;
  documentName: string;
  /** CommandStatus: Pending, InProgress, Success, Cancelled, Failed, TimedOut, Cancelling. */
  status: string;
  statusDetails: string;
  targetCount: number;
  completedCount: number;
  errorCount: number;
  deliveryTimedOutCount: number;
  requestedAt: number;
  invocations: InvocationView[];
}

export interface RunCommandPort {
  /** SendCommand; returns the command id. */
  send(request: RunCommandRequest): Promise<{ commandId: string }>;
  /** A command sent since `since` with exactly this comment: how a resumed run finds what it sent. */
  findByComment(documentName: string, comment: string, since: number): Promise<string | undefined>;
  /** The command and every invocation, with the output of those that did not succeed. */
  observe(commandId: string): Promise<CommandView>;
  /** CancelCommand on every invocation not yet finished. Cancelling a finished command changes nothing. */
  cancel(commandId: string): Promise<void>;
}

/** Invocation statuses after which nothing more happens on that instance. */
export const TERMINAL_INVOCATION = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

// One error hierarchy for quiesce. Every error quiesce raises on purpose is a QuiesceError;
// anything else reaching the CLI is a bug and is rethrown as it is.
import { redactedLine } from './one-line.js';

/** How an AWS failure behaves under retry; decided in one place, src/aws/classify.ts. */
export type AwsErrorClassification = 'throttled' | 'transient' | 'fatal';

export class QuiesceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // Set explicitly by every subclass too: the Lambda bundle is minified, so a class's own name is not its name there.
    this.name = 'QuiesceError';
  }
}

export interface AwsCallErrorDetails {
  /** Human service label: `ELBv2`, `ElastiCache`, `CloudWatch`. */
  service: string;
  /** Command name without the `Command` suffix, e.g. `TestFailover`. */
  operation: string;
  /** ARN or id the call was about. */
  resource: string;
  /** AWS error code as sent on the wire when known (`Throttling`), else the SDK error name. */
  code: string;
  classification: AwsErrorClassification;
  /** HTTP attempts made in total, the SDK's own retries included. */
  attempts: number;
  /** AWS's message, reduced to one line. */
  awsMessage: string;
  httpStatusCode?: number;
}

/** An AWS call that failed, translated with its cause. */
export class AwsCallError extends QuiesceError {
  readonly service: string;
  readonly operation: string;
  readonly resource: string;
  readonly code: string;
  readonly classification: AwsErrorClassification;
  readonly attempts: number;
  readonly awsMessage: string;
  readonly httpStatusCode: number | undefined;

  constructor(details: AwsCallErrorDetails, options?: ErrorOptions & { qualifier?: string }) {
    super(formatAwsCallMessage(details, options?.qualifier), options);
    this.name = 'AwsCallError';
    this.service = details.service;
    this.operation = details.operation;
    this.resource = details.resource;
    this.code = details.code;
    this.classification = details.classification;
    this.attempts = details.attempts;
    this.awsMessage = details.awsMessage;
    this.httpStatusCode = details.httpStatusCode;
  }
}

/** A retryable AWS failure (throttled or transient) that outlasted the step's retry budget. */
export class BudgetExhaustedError extends AwsCallError {
  readonly budgetMs: number;
  readonly elapsedMs: number;

  constructor(details: AwsCallErrorDetails & { budgetMs: number; elapsedMs: number }, options?: ErrorOptions) {
    super(details, { ...options, qualifier: `retry budget ${details.budgetMs} ms spent` });
    this.name = 'BudgetExhaustedError';
    this.budgetMs = details.budgetMs;
    this.elapsedMs = details.elapsedMs;
  }
}

/**
 * AWS could not be reached at all (DNS, connection refused, timeout) before it had answered once: nothing
 * can have changed, and waiting out a two-minute retry budget would only hide a network or region problem.
 */
export class AwsUnreachableError extends AwsCallError {
  constructor(details: AwsCallErrorDetails & { network: string }, options?: ErrorOptions) {
    super(details, options);
    this.name = 'AwsUnreachableError';
    const why = { dns: 'the endpoint name does not resolve', refused: 'the connection was refused', timeout: 'the connection timed out', unreachable: 'the network is unreachable' }[details.network] ?? details.network;
    this.message = redactedLine(
      `cannot reach AWS: ${details.service} ${details.operation} on ${details.resource}: ${why} (${details.code}, ${details.attempts} attempt${details.attempts === 1 ? '' : 's'}${details.awsMessage ? `: ${details.awsMessage}` : ''}); nothing was changed: check the network, a proxy, AWS_ENDPOINT_URL and the region`,
    );
  }
}

/** A precondition refused the operation (e.g. reboot on a cluster-mode-enabled group). */
export class RefusedError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(redactedLine(message), options);
    this.name = 'RefusedError';
  }
}

/** The plan names a cache that is not a replication group (a serverless cache): nothing to maintain there. */
export class NotAReplicationGroupError extends RefusedError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotAReplicationGroupError';
  }
}

/** The environment cannot be used: no region, no credentials, a malformed ARN in the configuration. */
export class ConfigError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(redactedLine(message), options);
    this.name = 'ConfigError';
  }
}

/** AWS answered successfully but without what the API promises (e.g. an empty Listeners list). */
export class UnexpectedResponseError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(redactedLine(message), options);
    this.name = 'UnexpectedResponseError';
  }
}

function formatAwsCallMessage(d: AwsCallErrorDetails, qualifier?: string): string {
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  const meta = [d.classification, attempts, qualifier].filter(Boolean).join(', ');
  const tail = d.awsMessage ? `: ${d.awsMessage}` : '';
  return redactedLine(`${d.service} ${d.operation} on ${d.resource} failed: ${d.code} (${meta})${tail}`);
}

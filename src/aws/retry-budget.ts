// quiesce's own retry layer, on top of the SDK's: a time budget per step, measured and slept on the
// injected Clock so a virtual clock can drive it. The SDK retries a few times within one call; this
// keeps a step alive through a throttling storm (ElastiCache's APICallRateForCustomerExceeded is
// not retried by the SDK at all) and then fails loudly, naming the code, the operation and the resource.
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import {
  AwsCallError,
  AwsUnreachableError,
  BudgetExhaustedError,
  ConfigError,
  QuiesceError,
  type AwsErrorClassification,
} from '../errors.js';
import { redactedLine } from '../one-line.js';
import { classifyAwsError } from './classify.js';

export interface RetryBudget {
  /** Total time a step may spend retrying throttled/transient failures. */
  budgetMs: number;
  /** First backoff for transient failures; doubles per retry. */
  baseDelayMs: number;
  /** Cap on one backoff. */
  maxDelayMs: number;
  /** First backoff for throttled failures (the SDK uses 5x its base); defaults to 5 x baseDelayMs. */
  throttledBaseDelayMs?: number;
  /** Jitter source in [0, 1); injectable for deterministic tests. */
  random?: () => number;
  /**
   * Shared by a connection's callers: until AWS has answered once, a request that never reached it (DNS,
   * refused, timeout) fails at once, in seconds, instead of retrying for the budget. Once AWS answered,
   * the same failure is a blip mid-run and is retried. Absent: always retried (the sandbox's injected faults).
   */
  firstContact?: FirstContact;
}

export interface FirstContact {
  answered: boolean;
}

export function newFirstContact(): FirstContact {
  return { answered: false };
}

export interface RetryBudgetOptions extends RetryBudget {
  /** Service label for messages: `ELBv2`, `ElastiCache`, `CloudWatch`. */
  service?: string;
  operation: string;
  resource: string;
  logger?: Logger;
}

export const DEFAULT_RETRY_BUDGET: RetryBudget = { budgetMs: 120_000, baseDelayMs: 250, maxDelayMs: 15_000 };

/**
 * Run `fn`, retrying throttled and transient AWS failures with capped exponential backoff and jitter
 * until `budgetMs` has passed on `clock`. Fatal AWS failures become an AwsCallError at once; exhaustion
 * becomes a BudgetExhaustedError (an AwsCallError); errors that are not AWS failures are rethrown untouched.
 */
export async function withRetryBudget<T>(clock: Clock, options: RetryBudgetOptions, fn: () => Promise<T>): Promise<T> {
  const service = options.service ?? 'AWS';
  const started = clock.now();
  let attempts = 0;
  let retries = 0;
  for (;;) {
    try {
      const result = await fn();
      if (options.firstContact) options.firstContact.answered = true;
      return result;
    } catch (err) {
      // Already translated (a nested call, or a refusal raised inside fn): nothing to add.
      if (err instanceof QuiesceError) throw err;
      if (err instanceof Error && err.name === 'CredentialsProviderError') {
        throw new ConfigError(
          `AWS credentials could not be loaded for ${service} ${options.operation} on ${options.resource}: ${redactedLine(err.message)}`,
          { cause: err },
        );
      }
      const classified = classifyAwsError(err);
      if (!classified) throw err;
      attempts += classified.attempts;
      const details = {
        service,
        operation: options.operation,
        resource: options.resource,
        code: classified.code,
        classification: classified.classification,
        attempts,
        awsMessage: redactedLine(classified.message),
        httpStatusCode: classified.httpStatusCode,
      };
      // A service error is an answer: AWS is reachable.
      if (options.firstContact && !classified.network) options.firstContact.answered = true;
      if (classified.network && options.firstContact && !options.firstContact.answered) throw new AwsUnreachableError({ ...details, network: classified.network }, { cause: err });
      if (classified.classification === 'fatal') throw new AwsCallError(details, { cause: err });

      const elapsedMs = clock.now() - started;
      const remainingMs = options.budgetMs - elapsedMs;
      if (remainingMs <= 0) {
        throw new BudgetExhaustedError({ ...details, budgetMs: options.budgetMs, elapsedMs }, { cause: err });
      }
      // The last sleep is cut to the budget so one final attempt lands at its end.
      const delayMs = Math.min(remainingMs, backoffMs(retries, classified.classification, options));
      retries += 1;
      options.logger?.warn(
        {
          service,
          operation: options.operation,
          resource: options.resource,
          code: classified.code,
          classification: classified.classification,
          attempts,
          delayMs,
          remainingMs,
        },
        `retrying ${service} ${options.operation} after ${classified.code}`,
      );
      await clock.sleep(delayMs);
    }
  }
}

/**
 * Capped exponential backoff with "equal jitter": half the step is fixed, half random, so even a
 * random source stuck at 0 still makes progress on the clock.
 */
export function backoffMs(retry: number, classification: AwsErrorClassification, budget: RetryBudget): number {
  const base = classification === 'throttled' ? (budget.throttledBaseDelayMs ?? budget.baseDelayMs * 5) : budget.baseDelayMs;
  const step = Math.min(budget.maxDelayMs, base * 2 ** Math.min(retry, 30));
  const random = budget.random ?? Math.random;
  return Math.max(1, Math.round(step / 2 + random() * (step / 2)));
}

/** A retrying call bound to one adapter: `call('DescribeRules', listenerArn, () => client.send(...))`. */
export type AwsCall = <T>(operation: string, resource: string, fn: () => Promise<T>) => Promise<T>;

export function createAwsCaller(clock: Clock, budget: RetryBudget, service: string, logger?: Logger): AwsCall {
  return (operation, resource, fn) =>
    withRetryBudget(clock, { ...budget, service, operation, resource, ...(logger ? { logger } : {}) }, fn);
}

// Errors of the run stores. ConcurrentUpdateError is part of the contract (run-store.ts); these are the
// other conditions a caller may meet and must be able to tell apart by class.
import { QuiesceError } from '../errors.js';
import type { Lease } from './run-store.js';

type Holder = { runId: string; owner: string; expiresAt: number };

/** A run id the store does not hold: a store call on it, or an operator naming it (the CLI exits 2). */
export class RunNotFoundError extends QuiesceError {
  readonly runId: string;
  constructor(runId: string, options?: ErrorOptions) {
    super(`no run ${runId} in this state store`, options);
    this.name = 'RunNotFoundError';
    this.runId = runId;
  }
}

/** createRun without an idempotency key for a run id that is taken. */
export class RunExistsError extends QuiesceError {
  readonly runId: string;
  constructor(runId: string, options?: ErrorOptions) {
    super(`run ${runId} already exists`, options);
    this.name = 'RunExistsError';
    this.runId = runId;
  }
}

/** Run ids name directories and keys, so they are restricted to a safe alphabet. */
export class InvalidRunIdError extends QuiesceError {
  constructor(runId: string) {
    super(`run id ${JSON.stringify(runId)} is not valid: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    this.name = 'InvalidRunIdError';
  }
}

/** renewLock on a lease that was taken over (after it expired) or released. */
export class LeaseLostError extends QuiesceError {
  readonly lease: Lease;
  readonly holder: Holder | undefined;
  constructor(lease: Lease, holder: Holder | undefined, options?: ErrorOptions) {
    const now = holder
      ? `it is now held by run ${holder.runId} (owner ${holder.owner}) until ${new Date(holder.expiresAt).toISOString()}`
      : 'nobody holds it now';
    super(`lock ${lease.key} (version ${lease.version}, run ${lease.runId}) is no longer ours: ${now}`, options);
    this.name = 'LeaseLostError';
    this.lease = lease;
    this.holder = holder && { runId: holder.runId, owner: holder.owner, expiresAt: holder.expiresAt };
  }
}

/** Stored state that cannot be read back: never guessed around, always reported. */
export class StoreCorruptError extends QuiesceError {
  constructor(where: string, detail: string, options?: ErrorOptions) {
    super(`store data at ${where} is corrupt: ${detail}`, options);
    this.name = 'StoreCorruptError';
  }
}

/** Contention that should settle in milliseconds did not (a mutex held far too long, a lease file flapping). */
export class StoreBusyError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreBusyError';
  }
}

/** A value too large for its storage even compressed (a DynamoDB item holds at most 400 KB). */
export class ItemTooLargeError extends QuiesceError {
  constructor(what: string, bytes: number, limit: number) {
    super(`${what} takes ${bytes} bytes compressed, over the ${limit}-byte limit of one store item`);
    this.name = 'ItemTooLargeError';
  }
}

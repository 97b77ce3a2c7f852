// The engine's errors, in a module of their own so that the CLI can tell them apart without loading the
// engine (and with it XState, pino and the AWS SDK) for every command.
import { QuiesceError } from '../errors.js';

export class LockHeldError extends QuiesceError {
  constructor(
    readonly holder: { runId: string; owner: string; expiresAt: number },
    listenerArn: string,
  ) {
    super(`another run holds the lock on ${listenerArn}: run ${holder.runId} (${holder.owner}), lease until ${new Date(holder.expiresAt).toISOString()}`);
    this.name = 'LockHeldError';
  }
}

export class RunStateError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunStateError';
  }
}

// The engine's errors, in a module of their own so that the CLI can tell them apart without loading the
// engine (and with it XState, pino and the AWS SDK) for every command. engine.ts re-exports them.
import { QuiesceError } from '../errors.js';

export class LockHeldError extends QuiesceError {
  constructor(
    readonly holder: { runId: string; owner: string; expiresAt: number },
    listenerArn: string,
  ) {
    super(`another run holds the lock on ${listenerArn}: run ${holder.runId} (${holder.owner}), lease until ${new Date(holder.expiresAt).toISOString()}`);
  }
}

export class RunNotFoundError extends QuiesceError {
  constructor(runId: string) {
    super(`no run ${runId} in this state store`);
  }
}

export class RunStateError extends QuiesceError {}

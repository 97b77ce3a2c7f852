import { InvalidRunIdError } from './errors.js';

// A run id becomes a directory name (file store) and part of a key (DynamoDB): no separators, no dot-dirs.
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw new InvalidRunIdError(runId);
  return runId;
}

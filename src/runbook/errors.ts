import { QuiesceError } from '../errors.js';

/** A runbook step that cannot run as written, or failed in a way that is not an outcome of the step itself. */
export class RunbookStepError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunbookStepError';
  }
}

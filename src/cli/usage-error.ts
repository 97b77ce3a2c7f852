import { QuiesceError } from '../errors.js';

/** The user's own mistake on the command line: one line, exit 2, nothing changed. */
export class UsageError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

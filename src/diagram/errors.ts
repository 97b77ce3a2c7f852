import { QuiesceError } from '../errors.js';

/** A diagram was asked for something the machine does not have (an unknown state to highlight). */
export class DiagramError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DiagramError';
  }
}

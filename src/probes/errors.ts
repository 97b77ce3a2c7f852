import { QuiesceError } from '../errors.js';

/** Root of the errors the probes raise. An expected negative outcome is a failed Check, never one of these. */
export class ProbeError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProbeError';
  }
}

/** The AUTH token could not be resolved. The message names the variable or secret id, never a value. */
export class AuthTokenError extends ProbeError {
  readonly source: 'env' | 'secrets-manager';
  readonly ref: string;

  constructor(source: 'env' | 'secrets-manager', ref: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuthTokenError';
    this.source = source;
    this.ref = ref;
  }
}

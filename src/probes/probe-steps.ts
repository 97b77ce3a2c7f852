import type { Logger } from 'pino';
import type { Check } from '../../machines/types.js';
import type { Clock } from '../ports/clock.js';
import { ProbeError } from './errors.js';
import { probeResult, type ProbeResult } from './probe-result.js';
import { redactSecrets } from './redact.js';
import { RedisIoFailure } from './redis-connection.js';

export type StepOutcome = Omit<Check, 'name' | 'at'>;

/**
 * The checks of one Redis probe, taken in order. A RedisIoFailure is the step's failed check; anything
 * else is a bug and is rethrown. Every text is redacted of the secrets; a refused AUTH makes the result
 * permanent (waiting does not heal a wrong token).
 */
export class ProbeSteps {
  readonly checks: Check[] = [];
  private authRefused = false;

  constructor(private readonly options: { clock: Clock; log: Logger; secrets: ReadonlyArray<string | undefined>; address: string }) {}

  async run(name: string, threshold: string | undefined, work: () => Promise<StepOutcome>): Promise<boolean> {
    let outcome: StepOutcome;
    try {
      outcome = await work();
    } catch (err) {
      if (!(err instanceof RedisIoFailure)) {
        throw new ProbeError(`redis probe of ${this.options.address} failed unexpectedly in ${name}`, { cause: err });
      }
      if (err.kind === 'auth') this.authRefused = true;
      outcome = { ok: false, observed: err.kind === 'timeout' ? 'no answer' : err.kind, message: err.message };
    }
    const check: Check = { name, ...outcome, at: this.options.clock.now() };
    if (threshold !== undefined && check.threshold === undefined) check.threshold = threshold;
    if (check.message !== undefined) check.message = redactSecrets(check.message, this.options.secrets);
    check.observed = redactSecrets(check.observed, this.options.secrets);
    this.checks.push(check);
    if (check.ok) this.options.log.debug({ check }, `${name} ok: ${check.observed}`);
    else this.options.log.warn({ check }, `${name} failed: ${check.message ?? check.observed}`);
    return check.ok;
  }

  result(): ProbeResult {
    return probeResult(this.checks, { permanent: this.authRefused });
  }
}

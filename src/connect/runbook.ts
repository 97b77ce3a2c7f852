import type { Logger } from 'pino';
import { systemClock } from '../ports/clock.js';
import type { RunbookPort } from '../ports/runbook.js';
import { runCommandStep } from '../runbook/command-step.js';
import { runHttpStep } from '../runbook/http-step.js';

/**
 * The runbook steps for real. A command or webhook acts in the real world, so its timeout and poll interval
 * are real time, even in a rehearsal run with --real-steps whose virtual clock would race ahead meanwhile.
 */
export function realRunbook(logger: Logger, onStep?: (entry: { ref: { cluster: string; stepIndex: number }; ok: boolean }) => void): RunbookPort {
  const deps = { logger, clock: systemClock };
  return {
    mode: 'real',
    async command(input, ref) {
      const result = await runCommandStep(input, deps);
      onStep?.({ ref, ok: result.ok });
      return result;
    },
    async http(input, ref) {
      const result = await runHttpStep(input, deps);
      onStep?.({ ref, ok: result.ok });
      return result;
    },
  };
}

import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { RunbookPort, RunbookStepRef } from '../ports/runbook.js';
import type { CommandStepResult } from '../runbook/command-step.js';
import type { HttpStepResult } from '../runbook/http-step.js';
import { redactHeaders, redactUrl } from '../runbook/redaction.js';
import type { SandboxWorld } from '../sandbox/index.js';
import type { RunbookStepKind } from '../sandbox/runbook-script.js';
import { realRunbook } from './runbook.js';

// A rehearsal never acts on the real world: its command and http steps are answered by the world file's
// `runbook` script, on the virtual clock, unless the run was started with --real-steps. Either way the
// world logs each one, so the output and the report say which steps were simulated and which ran.

export function rehearsalRunbook(world: SandboxWorld, clock: Clock, logger: Logger, realSteps: boolean): RunbookPort {
  const note = (ref: RunbookStepRef, kind: RunbookStepKind, what: string, mode: 'simulated' | 'real', ok: boolean) =>
    world.noteRunbookStep({ at: clock.now(), cluster: ref.cluster, step: ref.stepIndex + 1, kind, what, mode, ok });
  if (realSteps) {
    const real = realRunbook(logger);
    return {
      mode: 'real',
      async command(input, ref) {
        const result = await real.command(input, ref);
        note(ref, 'command', input.argv.join(' '), 'real', result.ok);
        return result;
      },
      async http(input, ref) {
        const result = await real.http(input, ref);
        note(ref, 'http', `${input.method} ${result.request.url}`, 'real', result.ok);
        return result;
      },
    };
  }
  return {
    mode: 'simulated',
    async command(input, ref) {
      const scripted = world.scriptedRunbookStep({ cluster: ref.cluster, step: ref.stepIndex + 1, kind: 'command' });
      // A command scripted to take longer than its timeout times out, as the real one would.
      const script = scripted.durationMs > input.timeout ? { ...scripted, outcome: 'timeout' as const } : scripted;
      const program = input.argv[0] ?? '';
      const durationMs = script.outcome === 'timeout' ? input.timeout : Math.min(script.durationMs, input.timeout);
      await clock.sleep(durationMs);
      const exitCode = script.outcome === 'ok' ? 0 : script.outcome === 'fail' ? (script.exitCode ?? 1) : null;
      const output = script.output ?? `simulated by the sandbox: ${input.argv.join(' ')} was not run`;
      const result: CommandStepResult = {
        ok: script.outcome === 'ok',
        exitCode,
        signal: script.outcome === 'timeout' ? 'SIGTERM' : null,
        durationMs,
        timedOut: script.outcome === 'timeout',
        stdoutTail: script.outcome === 'ok' ? output : '',
        stderrTail: script.outcome === 'ok' ? '' : output,
        stdoutTruncated: false,
        stderrTruncated: false,
        ...(script.outcome === 'fail' ? { reason: `"${program}" exited with code ${exitCode} (simulated by the sandbox)` } : {}),
        ...(script.outcome === 'timeout' ? { reason: `"${program}" did not finish within ${input.timeout}ms (simulated by the sandbox)` } : {}),
      };
      note(ref, 'command', input.argv.join(' '), 'simulated', result.ok);
      return result;
    },
    async http(input, ref) {
      const scripted = world.scriptedRunbookStep({ cluster: ref.cluster, step: ref.stepIndex + 1, kind: 'http' });
      const limit = input.timeout + (input.poll?.timeout ?? 0);
      const script = scripted.durationMs > limit ? { ...scripted, outcome: 'timeout' as const } : scripted;
      const expected = [input.expectStatus].flat();
      const durationMs = script.outcome === 'timeout' ? limit : script.durationMs;
      await clock.sleep(durationMs);
      const request = { method: input.method, url: redactUrl(input.url), headers: input.headers ? redactHeaders(input.headers) : {} };
      const status = script.outcome === 'ok' ? expected[0]! : script.outcome === 'fail' ? (script.status ?? 500) : undefined;
      const ok = script.outcome === 'ok';
      const result: HttpStepResult = {
        ok,
        request,
        ...(status !== undefined ? { status } : {}),
        responseBody: script.output ?? `simulated by the sandbox: ${input.method} ${request.url} was not sent`,
        durationMs,
        ...(input.poll && ok ? { poll: { url: redactUrl(input.poll.url), matched: true, attempts: 1, lastObserved: JSON.stringify(input.poll.equals) } } : {}),
        ...(script.outcome === 'fail' ? { reason: `status ${status}, expected ${expected.join(' or ')} (simulated by the sandbox)` } : {}),
        ...(script.outcome === 'timeout' ? { reason: `no answer within ${limit}ms (simulated by the sandbox)` } : {}),
      };
      note(ref, 'http', `${input.method} ${request.url}`, 'simulated', ok);
      return result;
    },
  };
}

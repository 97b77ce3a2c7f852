import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import { redactSecrets } from '../probes/redact.js';
import { RunbookStepError } from './errors.js';
import { OutputTail } from './output-tail.js';
import { secretValues } from './redaction.js';

export interface CommandStepInput {
  /** Program and arguments; run without a shell. */
  argv: string[];
  /** Milliseconds the command gets to exit 0. */
  timeout: number;
  cwd?: string;
  /** Added to the inherited environment. Values under secret-looking names are scrubbed from the output tails. */
  env?: Record<string, string>;
  /** Between SIGTERM and SIGKILL on timeout. Default 5000. */
  killGraceMs?: number;
  /** Bytes of stdout and of stderr kept (the last ones). Default 64 KiB. */
  outputLimitBytes?: number;
}

export interface CommandStepDeps {
  logger: Logger;
  clock: Clock;
  /** The environment the command inherits; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface CommandStepResult {
  ok: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  timedOut: boolean;
  stdoutTail: string;
  stderrTail: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** One line; absent when ok. */
  reason?: string;
}

type Finish = { kind: 'closed'; exitCode: number | null; signal: NodeJS.Signals | null } | { kind: 'spawn-error'; error: NodeJS.ErrnoException };

// Waits are sliced so a system clock leaves at most one short timer behind once the command exits.
const WAIT_SLICE_MS = 250;

/** Runs one runbook command; ok only when it exits 0 within the timeout. Never runs a shell. */
export async function runCommandStep(input: CommandStepInput, deps: CommandStepDeps): Promise<CommandStepResult> {
  const [program, ...args] = input.argv;
  if (program === undefined || program === '') throw new RunbookStepError('command step needs a non-empty argv');
  const { clock } = deps;
  const log = deps.logger.child({ step: 'command', program });
  const limit = input.outputLimitBytes ?? 64 * 1024;
  const grace = input.killGraceMs ?? 5_000;
  const stdout = new OutputTail(limit);
  const stderr = new OutputTail(limit);
  const started = clock.now();

  // detached: the command leads its own process group, so a timeout can stop everything it started.
  const child = spawn(program, args, {
    shell: false,
    detached: true,
    cwd: input.cwd,
    env: { ...(deps.env ?? process.env), ...input.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const finished = new Promise<Finish>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve({ kind: 'spawn-error', error });
      else reject(new RunbookStepError(`command "${program}" (pid ${child.pid}) failed: ${error.message}`, { cause: error }));
    });
    child.once('close', (exitCode, signal) => resolve({ kind: 'closed', exitCode, signal }));
  });
  log.info({ pid: child.pid, args: args.length, timeoutMs: input.timeout }, 'command started');

  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch (err) {
      // ESRCH: the group is already gone, which is what we wanted.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };

  let finish = await settleBy(finished, clock, started + input.timeout);
  let timedOut = false;
  let escalated = false;
  if (finish === undefined) {
    timedOut = true;
    log.warn({ pid: child.pid }, `command exceeded ${input.timeout}ms; sending SIGTERM to its process group`);
    killGroup('SIGTERM');
    finish = await settleBy(finished, clock, clock.now() + grace);
    if (finish === undefined) {
      escalated = true;
      log.warn({ pid: child.pid }, `command still running ${grace}ms after SIGTERM; sending SIGKILL`);
      killGroup('SIGKILL');
      finish = await settleBy(finished, clock, clock.now() + grace);
      if (finish === undefined) {
        // Something outside the group still holds the pipes; stop reading so 'close' can fire.
        child.stdout.destroy();
        child.stderr.destroy();
        finish = await finished;
      }
    }
  }

  const scrub = (text: string) => redactSecrets(text, secretValues(input.env));
  const result: CommandStepResult = {
    ok: false,
    exitCode: finish.kind === 'closed' ? finish.exitCode : null,
    signal: finish.kind === 'closed' ? finish.signal : null,
    durationMs: clock.now() - started,
    timedOut,
    stdoutTail: scrub(stdout.text()),
    stderrTail: scrub(stderr.text()),
    stdoutTruncated: stdout.truncated,
    stderrTruncated: stderr.truncated,
  };
  if (finish.kind === 'spawn-error') {
    const why = finish.error.code === 'ENOENT' ? 'not found (ENOENT)' : `${finish.error.message}`;
    result.reason = `could not start "${program}": ${why}`;
  } else if (timedOut) {
    result.reason = `"${program}" did not finish within ${input.timeout}ms; sent SIGTERM${escalated ? `, then SIGKILL after ${grace}ms` : ''}`;
  } else if (finish.signal) {
    result.reason = `"${program}" was killed by ${finish.signal}`;
  } else if (finish.exitCode !== 0) {
    const last = lastLine(result.stderrTail);
    result.reason = `"${program}" exited with code ${finish.exitCode}${last ? `: ${last}` : ''}`;
  } else {
    result.ok = true;
  }
  if (result.ok) log.info({ durationMs: result.durationMs }, 'command exited 0');
  else log.warn({ exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs }, result.reason!);
  return result;
}

/** Resolves with the promise's value, or undefined once `deadline` passes on the clock. */
async function settleBy<T>(promise: Promise<T>, clock: Clock, deadline: number): Promise<T | undefined> {
  const pending = Symbol('pending');
  for (;;) {
    const remaining = Math.max(0, deadline - clock.now());
    const raced = await Promise.race([promise, clock.sleep(Math.min(WAIT_SLICE_MS, remaining)).then(() => pending)]);
    if (raced !== pending) return raced as T;
    if (clock.now() >= deadline) return undefined;
    // A virtual clock may resolve sleeps at once; yield so the child's I/O events still get their turn.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function lastLine(text: string): string | undefined {
  const line = text.trimEnd().split('\n').at(-1)?.trim();
  if (!line) return undefined;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

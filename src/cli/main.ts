import { QuiesceError } from '../errors.js';
import { PlanError } from '../plan/plan-error.js';
import { WorldFileError } from '../sandbox/world-file-error.js';
import { LockHeldError, RunNotFoundError, RunStateError } from '../run/errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';
import type { CliIo } from './io.js';
import { oneLine } from './one-line.js';
import { UsageError } from './usage-error.js';

type Command = (argv: string[], io: CliIo) => Promise<ExitCode>;

// Commands load lazily: `quiesce validate` must not pay for the AWS SDK's import time.
const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  diagram: async () => (await import('./commands/diagram.js')).diagramCommand,
  plan: async () => (await import('./commands/plan.js')).planCommand,
  run: async () => (await import('./commands/runs.js')).runCommand,
  demo: async () => (await import('./commands/runs.js')).demoCommand,
  resume: async () => (await import('./commands/runs.js')).resumeCommand,
  approve: async () => (await import('./commands/runs.js')).approveCommand,
  abort: async () => (await import('./commands/runs.js')).abortCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  review: async () => (await import('./commands/review.js')).reviewCommand,
};

/** Runs one CLI invocation and returns its exit code. Only the entry file exits the process. */
export async function main(argv: string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(MAIN_HELP);
    return name === undefined ? EXIT.badInput : EXIT.done;
  }
  if (name === '--version' || name === '-v') {
    io.stdout('quiesce 0.1.0\n');
    return EXIT.done;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`quiesce: unknown command "${oneLine(name)}" (see quiesce --help)\n`);
    return EXIT.badInput;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout(COMMAND_HELP[name] ?? MAIN_HELP);
    return EXIT.done;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (err) {
    return reportKnownError(err, io);
  }
}

/** Known errors print one line and map to their exit code; anything else is a bug and is rethrown. */
function reportKnownError(err: unknown, io: CliIo): ExitCode {
  if (err instanceof LockHeldError) {
    io.stderr(`quiesce: ${oneLine(err.message)}\n`);
    return EXIT.locked;
  }
  if (err instanceof PlanError || err instanceof UsageError || err instanceof WorldFileError || err instanceof RunNotFoundError || err instanceof RunStateError) {
    io.stderr(`quiesce: ${oneLine(err.message)}\n`);
    return EXIT.badInput;
  }
  if (err instanceof QuiesceError) {
    // Configuration problems are found before anything changes; AWS failures leave clusters as the journal says.
    const bad = err.name === 'ConfigError' || err.name === 'InvalidRunIdError';
    io.stderr(`quiesce: ${oneLine(err.message)}\n`);
    return bad ? EXIT.badInput : EXIT.held;
  }
  throw err;
}

import { QuiesceError } from '../errors.js';
import { terminalLine } from '../one-line.js';
import { PlanError } from '../plan/plan-error.js';
import { WorldFileError } from '../sandbox/world-file-error.js';
import { LockHeldError, RunStateError } from '../run/errors.js';
import { RunNotFoundError } from '../store/errors.js';
import { parseCommandArgs } from './args.js';
import { COMMANDS, isCommandName, type Command, type CommandName, type FlagsOf } from './command-table.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { commandHelp, mainHelp } from './help.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

// Commands load lazily: `quiesce validate` must not pay for the AWS SDK's import time (docs/performance.md,
// finding 6). Their flags and help come from the command table.
const LOADERS: { [N in CommandName]: () => Promise<Command<FlagsOf<N>>> } = {
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  plan: async () => (await import('./commands/plan.js')).planCommand,
  run: async () => (await import('./commands/runs.js')).runCommand,
  demo: async () => (await import('./commands/runs.js')).demoCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  resume: async () => (await import('./commands/runs.js')).resumeCommand,
  approve: async () => (await import('./commands/runs.js')).approveCommand,
  abort: async () => (await import('./commands/runs.js')).abortCommand,
  reinstate: async () => (await import('./commands/runs.js')).reinstateCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  review: async () => (await import('./commands/review.js')).reviewCommand,
  diagram: async () => (await import('./commands/diagram.js')).diagramCommand,
};

/** Parses with the command's own flags, then loads and runs it. */
async function dispatch<N extends CommandName>(name: N, argv: string[], io: CliIo): Promise<ExitCode> {
  const input = parseCommandArgs(name, COMMANDS[name].flags as FlagsOf<N>, argv);
  const command = await LOADERS[name]();
  return command(input, io);
}

/** Runs one CLI invocation and returns its exit code. Only the entry file exits the process. */
export async function main(argv: string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(mainHelp(VERSION));
    return name === undefined ? EXIT.badInput : EXIT.done;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`quiesce ${VERSION}\n`);
    return EXIT.done;
  }
  if (!isCommandName(name)) {
    io.stderr(`quiesce: unknown command "${terminalLine(name)}" (see quiesce --help)\n`);
    return EXIT.badInput;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout(commandHelp(name));
    return EXIT.done;
  }
  try {
    return await dispatch(name, rest, io);
  } catch (err) {
    return reportKnownError(err, io);
  }
}

/**
 * Known errors print one line and map to their exit code; anything else is a bug and is rethrown. The
 * line ends with the first line of the error's cause, unless the message already says it.
 */
function reportKnownError(err: unknown, io: CliIo): ExitCode {
  const code = exitCodeOf(err);
  if (code === undefined) throw err;
  const message = (err as Error).message;
  const cause = causeLine((err as Error).cause);
  io.stderr(`quiesce: ${terminalLine(cause && !message.includes(cause) ? `${message}: ${cause}` : message)}\n`);
  return code;
}

function exitCodeOf(err: unknown): ExitCode | undefined {
  if (err instanceof LockHeldError) return EXIT.locked;
  if (err instanceof PlanError || err instanceof UsageError || err instanceof WorldFileError || err instanceof RunNotFoundError || err instanceof RunStateError) {
    return EXIT.badInput;
  }
  // Configuration problems are found before anything changes; AWS failures leave clusters as the journal says.
  if (err instanceof QuiesceError) return err.name === 'ConfigError' || err.name === 'InvalidRunIdError' ? EXIT.badInput : EXIT.held;
  return undefined;
}

function causeLine(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.split('\n')[0]!.trim() || undefined;
}

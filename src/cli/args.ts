import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { CommandInput, Flags } from './command-table.js';
import { firstLine } from '../one-line.js';
import { UsageError } from './usage-error.js';

/**
 * `--sandbox` takes an optional world file: `--sandbox`, `--sandbox world.yaml`, `--sandbox=world.yaml`.
 * node:util parseArgs has no optional values, so it is lifted out before parsing.
 */
function liftSandbox(argv: string[]): { argv: string[]; sandbox: false | true | string } {
  const out: string[] = [];
  let sandbox: false | true | string = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--sandbox') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-') && /\.(ya?ml|json)$/i.test(next)) {
        sandbox = next;
        i++;
      } else sandbox = true;
    } else if (arg.startsWith('--sandbox=')) sandbox = arg.slice('--sandbox='.length) || true;
    else out.push(arg);
  }
  return { argv: out, sandbox };
}

/** Parses a command's arguments with the flags its row of the command table declares, and no others. */
export function parseCommandArgs<F extends Flags>(command: string, flags: F, argv: string[]): CommandInput<F> {
  const lifted = flags.sandbox?.optionalValue ? liftSandbox(argv) : { argv, sandbox: false as const };
  const options: ParseArgsOptionsConfig = {};
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.optionalValue) continue;
    options[name] = { type: flag.type, ...(flag.default !== undefined ? { default: flag.default } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: lifted.argv, options, allowPositionals: true, strict: true });
    return { values: values as CommandInput<F>['values'], positionals, sandbox: lifted.sandbox };
  } catch (err) {
    const message = firstLine(err);
    throw new UsageError(`${command}: ${message.replace(/^TypeError \[[A-Z_]+\]: /, '')} (see quiesce ${command} --help)`, { cause: err });
  }
}

export function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  return n;
}

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `--sandbox` takes an optional world file: `--sandbox`, `--sandbox world.yaml`, `--sandbox=world.yaml`.
 * node:util parseArgs has no optional values, so it is lifted out before parsing.
 */
export function liftSandbox(argv: string[]): { argv: string[]; sandbox: false | true | string } {
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

export function parse<T extends Options>(argv: string[], options: T, command: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new UsageError(`${command}: ${message.replace(/^TypeError \[[A-Z_]+\]: /, '')} (see quiesce ${command} --help)`, { cause: err });
  }
}

export function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  return n;
}

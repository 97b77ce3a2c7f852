// Help text made from the command table (command-table.ts): what --help lists is what the parser accepts.
import { COMMANDS, COMMON_FLAGS, type CommandName, type CommandSpec, type FlagSpec } from './command-table.js';

const WIDTH = 100;

function flagLabel(name: string, flag: FlagSpec): string {
  if (flag.type === 'boolean') return `--${name}`;
  return flag.optionalValue ? `--${name} [${flag.value}]` : `--${name} ${flag.value ?? 'VALUE'}`;
}

/** Two columns; the second wraps under itself. */
function columns(rows: [string, string][]): string {
  const left = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows
    .map(([l, r]) => {
      const lines: string[] = [];
      let line = '';
      for (const word of r.split(' ')) {
        if (line && 2 + left + line.length + 1 + word.length > WIDTH) {
          lines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      lines.push(line);
      return `  ${l.padEnd(left)}${lines.join(`\n  ${' '.repeat(left)}`)}`;
    })
    .join('\n');
}

const names = Object.keys(COMMANDS) as CommandName[];

/** "run, plan and review", or "every command but validate and diagram" when that is shorter. */
function commandsWith(flag: string): string {
  const list = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}` : xs[0]!);
  const having: string[] = names.filter((n) => flag in COMMANDS[n].flags);
  const lacking: string[] = names.filter((n) => !(flag in COMMANDS[n].flags));
  return lacking.length < having.length ? `every command but ${list(lacking)}` : list(having);
}

export function mainHelp(version: string): string {
  return `quiesce ${version}: load-balancer-aware maintenance for AWS ALB fleets with ElastiCache

Usage: quiesce <command> [options]

Commands:
${columns(names.map((n) => [`${n}${COMMANDS[n].args ? ` ${COMMANDS[n].args}` : ''}`, COMMANDS[n].summary]))}

Common options (quiesce <command> --help lists every option of a command):
${columns([
  ...Object.entries(COMMON_FLAGS).map(([name, flag]): [string, string] => [flagLabel(name, flag), `${flag.help}; for ${commandsWith(name)}`]),
  ['-h, --help', 'this help, or with a command its own'],
  ['-v, --version', 'the version'],
])}

Exit codes:
  0  done
  1  held, or failed with every cluster left safe
  2  bad input (nothing was changed)
  3  paused, waiting for an operator (quiesce approve <runId>)
  4  another run holds the lock on this listener
`;
}

export function commandHelp(name: CommandName): string {
  const command: CommandSpec = COMMANDS[name];
  const usage = `Usage: quiesce ${name}${command.args ? ` ${command.args}` : ''} [options]`;
  const flags = Object.entries(command.flags).map(([flag, spec]): [string, string] => [flagLabel(flag, spec), spec.help]);
  return `${usage}

${command.about}

Options:
${columns([...flags, ['-h, --help', 'this help']])}
`;
}

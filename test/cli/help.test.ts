import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/command-table.js';
import { main } from '../../src/cli/main.js';
import { runCli } from '../e2e/cli-harness.js';

// What --help promises and what the parser accepts must be the same flags. Checked from the outside, as
// a user meets it: every long flag any help text names is tried on every command.

const LONG_FLAG = /(?<![\w-])--[a-z][a-z0-9-]*/g;

async function commandNames(): Promise<string[]> {
  const help = (await runCli(['--help'])).stdout;
  const section = help.split('\nCommands:\n')[1]!.split('\n\n')[0]!;
  return [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!);
}

function flagsIn(text: string): Set<string> {
  return new Set([...text.matchAll(LONG_FLAG)].map((m) => m[0]).filter((flag) => flag !== '--help'));
}

/**
 * Whether `quiesce <command>` knows `flag`. Two stray positionals make every command stop at its
 * argument check once the flags are parsed, so nothing runs; a string flag given last is "missing its
 * value", a known flag all the same.
 */
async function accepts(command: string, flag: string): Promise<boolean> {
  const r = { code: 0, stderr: '' };
  const io = { stdout: () => undefined, stderr: (t: string) => void (r.stderr += t), stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: process.cwd() };
  r.code = await main([command, 'stray-1.yaml', 'stray-2.yaml', flag], io);
  expect(r.code, `${command} ${flag}: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split('\n'), `${command} ${flag}`).toHaveLength(1);
  return !r.stderr.includes(`Unknown option '${flag}'`);
}

describe('quiesce --help and the parser agree', () => {
  it('lists the same commands in the main help as the CLI dispatches, each with its own help', async () => {
    const names = await commandNames();
    expect(names).toEqual(Object.keys(COMMANDS));
    for (const name of names) {
      const help = await runCli([name, '--help']);
      expect(help.code, name).toBe(0);
      expect(help.stdout.startsWith(`Usage: quiesce ${name}`), `${name} --help:\n${help.stdout}`).toBe(true);
    }
  });

  it('accepts, for every command, exactly the flags its --help lists', async () => {
    const names = await commandNames();
    const helps = new Map<string, string>();
    for (const name of names) helps.set(name, (await runCli([name, '--help'])).stdout);
    const everyFlag = new Set([...flagsIn((await runCli(['--help'])).stdout), ...[...helps.values()].flatMap((h) => [...flagsIn(h)])]);
    expect(everyFlag.size).toBeGreaterThan(10);
    const disagreements: string[] = [];
    for (const name of names) {
      const listed = flagsIn(helps.get(name)!);
      for (const flag of everyFlag) {
        const accepted = await accepts(name, flag);
        if (accepted && !listed.has(flag)) disagreements.push(`${name} accepts ${flag}, which its --help does not list`);
        if (!accepted && listed.has(flag)) disagreements.push(`${name} --help lists ${flag}, which it rejects`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it("makes each command's --help from its row of the command table", async () => {
    const words = (text: string) => text.replace(/\s+/g, ' ');
    for (const [name, command] of Object.entries(COMMANDS)) {
      const help = words((await runCli([name, '--help'])).stdout);
      expect(help, name).toContain(`Usage: quiesce ${name}${command.args ? ` ${command.args}` : ''} [options]`);
      expect(help, name).toContain(words(command.about));
      for (const [flag, spec] of Object.entries(command.flags)) expect(help, `${name} --${flag}`).toMatch(new RegExp(`--${flag}\\b.{0,30}? ${spec.help.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/command-table.js';
import { ROOT, runCli, tempStateDir } from './cli-harness.js';

// Small things an operator reads (issue 20.8): a held run's summary names the holds once, not
// "held (held (blue: ..."; large numbers carry thousands separators; the README's usage lists every
// command, --speed among the flags.

describe('summaries', () => {
  it('a held run says "held (blue: ...)" once, in the result, status and the run list; counts carry separators', async () => {
    const stateDir = tempStateDir();
    const base = ['--state-dir', stateDir];
    const r = await runCli(['run', 'examples/seeds/004-memory.plan.yaml', '--sandbox', 'examples/seeds/004-memory.world.yaml', '--run-id', 'r-held', ...base]);
    expect(r.code, r.stderr).toBe(1);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toMatch(/^run r-held: held \(blue: preflight refused: .*; left untouched: green, gray\)$/);
    expect(r.stdout).not.toContain('held (held');
    expect(r.stdout).toMatch(/^sandbox: \d{1,3}(,\d{3})+ requests, 0 failed; 0 violations;/m);
    const status = await runCli(['status', 'r-held', ...base]);
    expect(status.stdout).not.toContain('held (held');
    const list = await runCli(['status', ...base]);
    expect(list.stdout).toMatch(/r-held +seed-004-memory +held .* {2}blue: preflight refused/);
  });
});

describe('README usage', () => {
  it('lists every command and the --speed flag', () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    const usage = readme.split('## Usage')[1]!.split('```')[1]!;
    for (const name of Object.keys(COMMANDS)) expect(usage, name).toMatch(new RegExp(`^npx quiesce ${name}\\b`, 'm'));
    expect(usage).toContain('--speed');
  });
});

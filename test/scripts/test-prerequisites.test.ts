import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide, ensurePrerequisites, type PrerequisiteEffects } from '../../scripts/test-prerequisites.mjs';
import { ROOT } from '../e2e/cli-harness.js';

// `npm test` on a fresh machine: the pretest script installs redis-server and chromium where it can, or
// stops before the tests with the one command to run. Decided from injected facts; nothing is installed here.

interface Machine {
  installed: Set<string>;
  isRoot: boolean;
  aptGet: boolean;
  /** apt-get's exit status; 0 installs what it is asked for. */
  aptStatus?: number;
  /** apt-get succeeds but leaves this package out (a broken mirror, a renamed package). */
  aptSkips?: string;
}

function fake(machine: Machine) {
  const ran: { argv: string[]; env: Record<string, string> }[] = [];
  const said: string[] = [];
  const effects: PrerequisiteEffects = {
    which: (name) => (name === 'apt-get' ? (machine.aptGet ? '/usr/bin/apt-get' : undefined) : machine.installed.has(name) ? `/usr/bin/${name}` : undefined),
    isExecutable: (path) => path === '/usr/bin/chromium' && machine.installed.has('chromium'),
    isRoot: machine.isRoot,
    run: (argv, env) => {
      ran.push({ argv, env });
      if (machine.aptStatus) return machine.aptStatus;
      if (argv[1] === 'install') for (const pkg of argv.slice(4)) if (pkg !== machine.aptSkips) machine.installed.add(pkg);
      return 0;
    },
    say: (line) => void said.push(line),
  };
  return { effects, ran, said };
}

describe('npm test prerequisites', () => {
  it('does nothing, silently, when redis-server and chromium are there', () => {
    const { effects, ran, said } = fake({ installed: new Set(['redis-server', 'chromium']), isRoot: true, aptGet: true });
    expect(ensurePrerequisites(effects)).toBe(0);
    expect(ran).toEqual([]);
    expect(said).toEqual([]);
  });

  it('as root with apt-get: says what it does, runs apt-get update once and installs only what is missing, then checks', () => {
    const { effects, ran, said } = fake({ installed: new Set(['redis-server']), isRoot: true, aptGet: true });
    expect(ensurePrerequisites(effects)).toBe(0);
    expect(ran).toEqual([
      { argv: ['apt-get', 'update'], env: { DEBIAN_FRONTEND: 'noninteractive' } },
      { argv: ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'], env: { DEBIAN_FRONTEND: 'noninteractive' } },
    ]);
    expect(said).toEqual(['npm test needs chromium: installing with apt-get update, then DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium']);
  });

  it('installs both in one apt-get install', () => {
    const { effects, ran } = fake({ installed: new Set(), isRoot: true, aptGet: true });
    expect(ensurePrerequisites(effects)).toBe(0);
    expect(ran.map((r) => r.argv.join(' '))).toEqual(['apt-get update', 'apt-get install -y --no-install-recommends redis-server chromium']);
  });

  it('not root: stops with the one command to run, and runs nothing', () => {
    const { effects, ran, said } = fake({ installed: new Set(), isRoot: false, aptGet: true });
    expect(ensurePrerequisites(effects)).toBe(1);
    expect(ran).toEqual([]);
    expect(said).toEqual(['npm test needs redis-server and chromium: run `sudo apt-get install redis-server chromium`']);
  });

  it('root without apt-get: stops with the command, and runs nothing', () => {
    const { effects, ran, said } = fake({ installed: new Set(['chromium']), isRoot: true, aptGet: false });
    expect(ensurePrerequisites(effects)).toBe(1);
    expect(ran).toEqual([]);
    expect(said).toEqual(['npm test needs redis-server: run `sudo apt-get install redis-server`']);
  });

  it('stops when apt-get fails, naming the command', () => {
    const { effects, ran, said } = fake({ installed: new Set(), isRoot: true, aptGet: true, aptStatus: 100 });
    expect(ensurePrerequisites(effects)).toBe(1);
    expect(ran).toHaveLength(1);
    expect(said.at(-1)).toBe('npm test: `apt-get update` failed (exit 100); install redis-server chromium and run npm test again');
  });

  it('believes a second look, not apt-get: a package still missing after a successful install stops the tests', () => {
    const { effects, said } = fake({ installed: new Set(), isRoot: true, aptGet: true, aptSkips: 'chromium' });
    expect(ensurePrerequisites(effects)).toBe(1);
    expect(said.at(-1)).toBe('npm test: after apt-get, still missing: chromium');
  });

  it('decides from the facts alone', () => {
    const facts = { which: () => undefined, isExecutable: () => false, isRoot: false };
    expect(decide(facts)).toEqual({ action: 'stop', message: 'npm test needs redis-server and chromium: run `sudo apt-get install redis-server chromium`' });
  });

  it('runs before anything else in npm test, and is silent on this machine, where both are installed', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.pretest).toMatch(/^node scripts\/test-prerequisites\.mjs && /);
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/test-prerequisites.mjs')], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { SandboxWorld } from '../../src/sandbox/index.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export function tempStateDir(prefix = 'quiesce-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs the CLI in-process, as a user would call it, with output captured. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stderrIsTTY: false,
    stdoutIsTTY: false,
    env: { ...process.env, NO_COLOR: '1', ...env },
    cwd: ROOT,
  });
  let json: unknown;
  if (args.includes('--json')) json = JSON.parse(stdout.trim().split('\n').at(-1)!);
  return { code, stdout, stderr, json };
}

/** The built CLI as a real child process (for SIGKILL and concurrency). `npm test` builds it first. */
export function spawnCli(args: string[]): ChildProcess & { output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quiesce.mjs'), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return Object.assign(child, { output: () => ({ stdout, stderr }), exited });
}

export function worldOf(stateDir: string, runId: string): SandboxWorld {
  return SandboxWorld.fromJSON(JSON.parse(readFileSync(join(stateDir, 'runs', runId, 'world.json'), 'utf8')));
}

export function runRecord(stateDir: string, runId: string): any {
  return JSON.parse(readFileSync(join(stateDir, 'runs', runId, 'run.json'), 'utf8'));
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = probe();
    } catch (err) {
      // The run file may be mid-rename while the child writes it; anything else surfaces on timeout.
      if (!(err instanceof SyntaxError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

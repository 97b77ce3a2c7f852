// The built CLI (bin/quiesce.mjs → dist/) as a real child process, with extra environment (the crash hook)
// and a promise of how it ended. Build first: `npm test` does (pretest), scripts/chaos.ts does too.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildCli {
  pid: number;
  exited: Promise<ChildExit>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnQuiesce(args: string[], env: Record<string, string> = {}): ChildCli {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quiesce.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<ChildExit>((res, rej) => {
    child.once('error', rej);
    child.once('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { pid: child.pid!, exited, kill: (signal) => child.kill(signal) };
}

/**
 * A temporary state dir, on tmpfs when the machine has one: fsync costs nothing there, and a SIGKILL
 * (unlike a power cut) never loses what the page cache holds, so the crash semantics are the same.
 */
export function scratchDir(prefix: string): string {
  const shm = '/dev/shm';
  const dir = mkdtempSync(join(existsSync(shm) ? shm : tmpdir(), prefix));
  made.push(dir);
  return dir;
}

const made: string[] = [];

/** Removes every scratch dir this process made: tmpfs is memory. Test files call it in afterAll. */
export function removeScratchDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

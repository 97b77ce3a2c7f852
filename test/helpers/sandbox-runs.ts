// Real runs for report and review tests: the CLI in-process against the sandbox, into a temporary state
// dir. Each rehearsal is one of the outcomes a report must tell: done, held, paused (seed 003), aborted.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PLAN = 'examples/payments.plan.yaml';

/** Seed 003: someone sets blue's weight back to 1 by hand a minute into its drain. */
export const SEED_003_WORLD = 'events:\n  - { at: "1m", manualWeight: { cluster: blue, weight: 1 } }\n';
/** The cache reports "7.10" where the plan asked for "7.1": verification must hold the cluster. */
export const HELD_WORLD = 'events:\n  - { at: "0s", versionReported: { replicationGroupId: payments-blue, engineVersion: "7.10" } }\n';
/** A hand change on gray while blue is maintained: green finds it before leaving rotation and pauses. */
export const GRAY_DRIFT_WORLD = 'events:\n  - { at: "10s", manualWeight: { cluster: gray, weight: 2 } }\n';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], options: { env?: NodeJS.ProcessEnv; stdoutIsTTY?: boolean } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: false,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    env: options.env ?? process.env,
    cwd: REPO_ROOT,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeWorld(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export type Outcome = 'done' | 'held' | 'paused' | 'aborted';

export interface Rehearsal {
  runId: string;
  stateDir: string;
}

/**
 * Runs the example plan to the given outcome as run `run-<outcome>`, in its own state dir under `baseDir`:
 * a paused run keeps the lock on the listener, so two rehearsals cannot share one.
 */
export async function rehearse(outcome: Outcome, baseDir: string): Promise<Rehearsal> {
  const runId = `run-${outcome}`;
  const stateDir = join(baseDir, outcome);
  mkdirSync(stateDir, { recursive: true });
  const base = ['run', PLAN, '--json', '--state-dir', stateDir, '--run-id', runId];
  const world = { done: undefined, held: HELD_WORLD, paused: SEED_003_WORLD, aborted: GRAY_DRIFT_WORLD }[outcome];
  const sandbox = world ? ['--sandbox', writeWorld(stateDir, `${outcome}.world.yaml`, world)] : ['--sandbox'];
  const run = await cli([...base, ...sandbox]);
  const expected = { done: 0, held: 1, paused: 3, aborted: 3 }[outcome];
  if (run.code !== expected) throw new Error(`rehearsal ${outcome}: exit ${run.code}, expected ${expected}\n${run.stdout}${run.stderr}`);
  if (outcome === 'aborted') {
    const abort = await cli(['abort', runId, '--by', 'alice', '--reason', 'hand change on gray', '--json', '--state-dir', stateDir]);
    if (abort.code !== 1) throw new Error(`abort of ${runId}: exit ${abort.code}\n${abort.stdout}${abort.stderr}`);
  }
  return { runId, stateDir };
}

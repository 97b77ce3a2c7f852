import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ports/clock.js';
import { runCommandStep } from '../../src/runbook/command-step.js';
import { RunbookStepError } from '../../src/runbook/errors.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { ManualClock } from '../helpers/manual-clock.js';

const node = process.execPath;
const deps = () => ({ ...captureLogger(), clock: systemClock });
let scratch: string;

beforeAll(async () => {
  scratch = await realpath(await mkdtemp(join(tmpdir(), 'quiesce-cmd-')));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Running, as opposed to gone or a zombie (an orphan waits for whatever reaps it; here that may be nobody). */
async function running(pid: number): Promise<boolean> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

describe('runCommandStep', () => {
  it('passes on exit 0 and captures output, cwd and env', async () => {
    const result = await runCommandStep(
      {
        argv: [node, '-e', 'console.log(process.cwd(), process.env.CLUSTER); console.error("note")'],
        timeout: 10_000,
        cwd: scratch,
        env: { CLUSTER: 'blue' },
      },
      deps(),
    );
    expect(result).toMatchObject({ ok: true, exitCode: 0, signal: null, timedOut: false, stdoutTail: `${scratch} blue\n`, stderrTail: 'note\n' });
    expect(result.reason).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('never involves a shell: metacharacters reach the program as plain arguments', async () => {
    const result = await runCommandStep({ argv: [node, '-e', 'console.log(process.argv[1])', '$HOME; rm -rf / && `id`'], timeout: 10_000 }, deps());
    expect(result.stdoutTail).toBe('$HOME; rm -rf / && `id`\n');
  });

  it('fails on a non-zero exit with the code and the last stderr line', async () => {
    const result = await runCommandStep({ argv: [node, '-e', 'console.error("first\\nlast words"); process.exit(3)'], timeout: 10_000 }, deps());
    expect(result).toMatchObject({ ok: false, exitCode: 3, signal: null, timedOut: false });
    expect(result.reason).toBe(`"${node}" exited with code 3: last words`);
  });

  it('fails with a clear reason when the program does not exist', async () => {
    const result = await runCommandStep({ argv: ['./no-such-program-quiesce', '--flag'], timeout: 10_000 }, deps());
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: null, timedOut: false });
    expect(result.reason).toBe('could not start "./no-such-program-quiesce": not found (ENOENT)');
  });

  it('stops the whole process group with SIGTERM on timeout', async () => {
    // The command starts a grandchild and prints its pid; both must be gone after the timeout.
    const script = `
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log(g.pid);
      setInterval(() => {}, 1000);`;
    const started = Date.now();
    const result = await runCommandStep({ argv: [node, '-e', script], timeout: 500, killGraceMs: 2_000 }, deps());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({ ok: false, timedOut: true, signal: 'SIGTERM', exitCode: null });
    expect(result.reason).toBe(`"${node}" did not finish within 500ms; sent SIGTERM`);
    const grandchild = Number(result.stdoutTail.trim());
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(await running(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const script = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);`;
    const result = await runCommandStep({ argv: [node, '-e', script], timeout: 500, killGraceMs: 300 }, deps());
    expect(result).toMatchObject({ ok: false, timedOut: true, signal: 'SIGKILL' });
    expect(result.reason).toBe(`"${node}" did not finish within 500ms; sent SIGTERM, then SIGKILL after 300ms`);
    expect(result.stdoutTail).toContain('ignoring SIGTERM');
  });

  it('times out on the virtual clock, not in real time', async () => {
    const clock = new ManualClock(0);
    const { logger } = captureLogger();
    const running = runCommandStep({ argv: [node, '-e', 'setInterval(() => {}, 1000)'], timeout: 600_000 }, { logger, clock });
    while (clock.pendingSleeps === 0) await new Promise((r) => setTimeout(r, 5));
    clock.advance(600_000); // ten virtual minutes; SIGTERM then ends it before the virtual grace period moves

    const result = await running;
    expect(result).toMatchObject({ ok: false, timedOut: true, signal: 'SIGTERM', durationMs: 600_000 });
  });

  it('lets a quick command finish while the virtual clock stands still', async () => {
    const clock = new ManualClock(0);
    const { logger } = captureLogger();
    const result = await runCommandStep({ argv: [node, '-e', 'console.log("done")'], timeout: 1_000 }, { logger, clock });
    expect(result).toMatchObject({ ok: true, durationMs: 0, stdoutTail: 'done\n' });
  });

  it('keeps only the last 64 KiB of output', async () => {
    const script = `process.stdout.write('A'.repeat(100 * 1024)); process.stdout.write('THE END')`;
    const result = await runCommandStep({ argv: [node, '-e', script], timeout: 10_000 }, deps());
    expect(result.ok).toBe(true);
    expect(result.stdoutTruncated).toBe(true);
    expect(Buffer.byteLength(result.stdoutTail)).toBe(64 * 1024);
    expect(result.stdoutTail.endsWith('THE END')).toBe(true);
    expect(result.stderrTruncated).toBe(false);
  });

  it('scrubs values of secret-looking env vars from the output, and never logs argv', async () => {
    const captured = captureLogger();
    const result = await runCommandStep(
      { argv: [node, '-e', 'console.log("token is", process.env.API_TOKEN)', 'arg-with-s3cret'], timeout: 10_000, env: { API_TOKEN: 'tkn-9f8e7d' } },
      { logger: captured.logger, clock: systemClock },
    );
    expect(result.stdoutTail).toBe('token is [REDACTED]\n');
    expect(captured.text()).not.toContain('tkn-9f8e7d');
    expect(captured.text()).not.toContain('arg-with-s3cret');
  });

  it('refuses an empty argv', async () => {
    await expect(runCommandStep({ argv: [], timeout: 1 }, deps())).rejects.toBeInstanceOf(RunbookStepError);
  });
});

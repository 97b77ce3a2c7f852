import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, fitColumns, liveLines } from '../../src/cli/progress.js';
import type { RunView } from '../../src/run/run-view.js';
import { ROOT, tempStateDir } from '../e2e/cli-harness.js';

// The live view fits the terminal: cut by column, never wrapped, redrawn in place at 80 and 120 columns
// (checked through a real pseudo-terminal, util-linux's `script`, and a small terminal model); a paused
// cluster waits for approve, not for "next check in 0s"; a finished cluster shows how long it took;
// Ctrl-C says how to resume. Plain output speaks at least every minute.

const T0 = Date.parse('2026-01-05T09:00:00Z');

function view(clusters: RunView['clusters'], now = T0 + 600_000): RunView {
  return { runId: 'run-20260105-090000Z-abcdef', planName: 'payments-core', status: 'running', now, clusters };
}

describe('the live view, line by line', () => {
  const long = 'step.2.modify: waiting for the modification-completed event; last event 2026-01-05T09:12:00Z payments-blue: Cache cluster modified';

  it.each([80, 120])('never exceeds %i - 1 columns, whatever the detail', (columns) => {
    const lines = liveLines(
      view([
        { name: 'blue', state: 'done', phaseSince: T0 + 500_000, startedAt: T0 },
        { name: 'green-with-a-long-name', state: 'maintaining', detail: long, phaseSince: T0 + 540_000, nextCheckAt: T0 + 640_000 },
        { name: 'gray', state: 'pending' },
      ]),
      columns,
    );
    for (const line of lines) expect([...line].length).toBeLessThan(columns);
    expect(lines[2]).toMatch(/…$/);
  });

  it('a paused cluster waits for approve, never "next check in 0s"; a finished one shows how long it took', () => {
    const [, done, paused, running] = liveLines(
      view([
        { name: 'blue', state: 'done', phaseSince: T0 + 25 * 60_000 + 10_000, startedAt: T0 },
        { name: 'green', state: 'paused', detail: 'drift: payments-green weight expected 0, live 1', phaseSince: T0 + 300_000, nextCheckAt: T0 + 600_000 },
        { name: 'gray', state: 'draining', phaseSince: T0 + 540_000, nextCheckAt: T0 + 600_000 },
      ]),
      120,
    );
    expect(done).toMatch(/^ {2}blue +done +took 25m10s$/);
    expect(paused).toContain('waiting for approve');
    expect(paused).not.toMatch(/next check/);
    expect(running).toMatch(/draining +for 1m00s +checking/);
  });

  it('cuts at a word boundary when one is near, and marks the cut', () => {
    expect(fitColumns('waiting for the modification-completed event', 20)).toBe('waiting for the…');
    expect(fitColumns('short', 20)).toBe('short');
  });
});

describe('plain output during a long wait', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says where the run stands at least every minute of real time', () => {
    vi.useFakeTimers({ now: T0 });
    const lines: string[] = [];
    const progress = createProgress({ stdout: () => undefined, stderr: (t) => void lines.push(t), stderrIsTTY: false, stdoutIsTTY: false, env: {}, cwd: ROOT });
    progress.onProgress(view([{ name: 'blue', state: 'draining', phaseSince: T0, nextCheckAt: T0 + 900_000 }], T0));
    expect(lines).toEqual(['2026-01-05T09:00:00.000Z blue: draining\n']);
    vi.advanceTimersByTime(59_000);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(16_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^2026-01-05T09:01:\d\d\.\d{3}Z still running: blue draining, for 1m\d\ds, next check 1[34]m\d\ds\n$/);
    vi.advanceTimersByTime(10 * 60_000);
    expect(lines.length).toBeGreaterThanOrEqual(11);
    progress.done();
    const after = lines.length;
    vi.advanceTimersByTime(5 * 60_000);
    expect(lines).toHaveLength(after);
  });
});

/** A terminal, as far as the live view drives one: text, CR, LF, auto-wrap at the width, cursor up, erase line, erase below. */
function renderTerminal(output: string, columns: number): string[] {
  const screen: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    if (col >= columns) {
      row++;
      col = 0;
    }
    while (screen.length <= row) screen.push('');
    const line = screen[row]!.padEnd(col, ' ');
    screen[row] = line.slice(0, col) + ch + line.slice(col + 1);
    col++;
  };
  const text = output.replace(/\u001b\[[0-9;]*m/g, '');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\u001b') {
      const m = /^\u001b\[(\d*)([A-Za-z])/.exec(text.slice(i));
      if (!m) continue;
      i += m[0].length - 1;
      if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
      else if (m[2] === 'K') screen[row] = '';
      else if (m[2] === 'J') {
        screen[row] = screen[row]!.slice(0, col);
        screen.length = row + 1;
      }
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      while (screen.length <= row) screen.push('');
    } else put(ch);
  }
  return screen;
}

/** `quiesce run` in a pseudo-terminal of `columns` columns (util-linux `script`); `interruptAfterMs` sends Ctrl-C. */
function runInTerminal(columns: number, args: string[], interruptAfterMs?: number): Promise<string> {
  const command = `stty cols ${columns} rows 40; exec '${process.execPath}' '${join(ROOT, 'bin/quiesce.mjs')}' ${args.map((a) => `'${a}'`).join(' ')}`;
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '', TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  if (interruptAfterMs !== undefined) {
    const poll = setInterval(() => {
      if (out.includes('maintaining')) {
        clearInterval(poll);
        child.stdin.write('\u0003');
      }
    }, 50);
    setTimeout(() => clearInterval(poll), 60_000).unref();
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

describe('through a pseudo-terminal', () => {
  it.each([80, 120])('at %i columns: no line wraps, the header is drawn once, and the view ends where the summary starts', async (columns) => {
    const stateDir = tempStateDir('quiesce-pty-');
    const raw = await runInTerminal(columns, ['run', 'examples/payments.plan.yaml', '--sandbox', '--speed', '3000', '--state-dir', stateDir, '--run-id', 'run-pty']);
    // Every line the live view drew (each starts by erasing its row) fits, the last column left free; the
    // summary printed once at the end is ordinary output.
    const drawn = raw.split('\n').filter((l) => l.includes('\u001b[2K')).flatMap((l) => l.split('\u001b[2K').slice(1));
    expect(drawn.length).toBeGreaterThan(20);
    for (const line of drawn) {
      const visible = line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/\r$/, '');
      expect([...visible].length, visible).toBeLessThan(columns);
    }
    const screen = renderTerminal(raw, columns);
    const headers = screen.filter((l) => l.startsWith('payments-core run run-pty'));
    expect(headers, screen.join('\n')).toHaveLength(1);
    expect(headers[0]).toMatch(/ done$/);
    // The view's last frame: every cluster done, with how long it took; then the summary.
    const at = screen.indexOf(headers[0]!);
    for (const name of ['blue', 'green', 'gray']) expect(screen.slice(at + 1, at + 4).join('\n')).toMatch(new RegExp(`^ {2}${name} +done +took \\d+m\\d\\ds$`, 'm'));
    expect(screen[at + 4]).toBe('run run-pty: done');
  }, 120_000);

  it('Ctrl-C says the run is saved and how to resume it', async () => {
    const stateDir = tempStateDir('quiesce-pty-');
    const raw = await runInTerminal(100, ['run', 'examples/payments.plan.yaml', '--sandbox', '--speed', '120', '--state-dir', stateDir, '--run-id', 'run-int'], 0);
    const plain = raw.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
    expect(plain).toContain('quiesce: interrupted; run run-int is saved where it stood. Continue it with: quiesce resume run-int');
    expect(plain).toContain('or stop it safely: quiesce abort run-int');
  }, 120_000);
});

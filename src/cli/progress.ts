import type { ClusterView, RunView } from '../run/run-view.js';
import { terminalLine } from '../one-line.js';
import type { CliIo } from './io.js';

// Human progress on stderr: a live view redrawn in place on a terminal, plain lines otherwise.
//
// The live view never wraps: every line is cut to the terminal's width, so moving the cursor up by the
// number of lines drawn lands on the header again (a wrapped line would take two rows, and the header
// would pile up in the scrollback). Plain output says something at least every minute of real time, so a
// log watched during a fifteen-minute drain does not look dead.

const fmt = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

const FINISHED = new Set(['done', 'held', 'aborted']);
const DEFAULT_COLUMNS = 80;
export const HEARTBEAT_MS = 60_000;

/** Cuts plain text to `width` characters, marking the cut; never splits a word when a space is near. */
export function fitColumns(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  const cut = chars.slice(0, Math.max(0, width - 1)).join('');
  const space = cut.lastIndexOf(' ');
  // Back up to a word boundary only when it costs little of the line.
  const kept = space >= width - 12 && space > 0 ? cut.slice(0, space) : cut;
  return `${kept}…`;
}

/** The time column: how long the cluster has been in its phase, or how long it took once finished. */
function timeText(c: ClusterView, now: number): string {
  if (c.state === 'pending') return '';
  if (FINISHED.has(c.state)) return c.startedAt !== undefined && c.phaseSince !== undefined ? `took ${fmt(c.phaseSince - c.startedAt)}` : '';
  return c.phaseSince !== undefined ? `for ${fmt(now - c.phaseSince)}` : '';
}

/** What the cluster waits for: its next check, or the operator (a paused cluster checks nothing). */
function waitText(c: ClusterView, now: number): string {
  if (c.state === 'paused') return 'waiting for approve';
  if (FINISHED.has(c.state) || c.state === 'pending' || c.nextCheckAt === undefined) return '';
  const left = c.nextCheckAt - now;
  return left >= 1000 ? `next check ${fmt(left)}` : 'checking';
}

/** The live view's lines, each at most `columns - 1` characters (the last column would wrap some terminals). */
export function liveLines(view: RunView, columns: number, paint: (code: string, text: string) => string = (_c, t) => t): string[] {
  const width = Math.max(20, columns - 1);
  const nameWidth = Math.min(16, Math.max(4, ...view.clusters.map((c) => c.name.length)));
  // Wide enough for every phase name (reactivating), so the columns do not shift as phases change.
  const stateWidth = 12;
  const stateColor = (state: string) => (state === 'done' ? '32' : state === 'held' || state === 'aborted' ? '31' : state === 'paused' ? '33' : state === 'pending' ? '2' : '36');
  const header = fitColumns(`${view.planName} run ${view.runId}  ${new Date(view.now).toISOString().replace('.000Z', 'Z')}  ${view.status}`, width);
  const rows = view.clusters.map((c) => {
    const name = fitColumns(c.name, nameWidth).padEnd(nameWidth);
    const state = fitColumns(c.state, stateWidth).padEnd(stateWidth);
    const prefix = `  ${name} `;
    const rest = [timeText(c, view.now).padEnd(12), waitText(c, view.now).padEnd(19), terminalLine(c.detail ?? '')].join(' ').trimEnd();
    const room = width - prefix.length - state.length - 1;
    const tail = room > 0 ? fitColumns(rest, room) : '';
    // Colour only after cutting: the escape codes take no column.
    return `${prefix}${paint(stateColor(c.state), state)}${tail ? ` ${tail}` : ''}`.trimEnd();
  });
  return [paint('1', header), ...rows];
}

export interface ProgressOptions {
  /** Real milliseconds of silence after which plain output repeats where the run stands. */
  heartbeatMs?: number;
  /** Real time, for the heartbeat. */
  now?: () => number;
}

export function createProgress(io: CliIo, options: ProgressOptions = {}): { onProgress(view: RunView): void; done(): void } {
  const color = io.stderrIsTTY && !io.env.NO_COLOR;
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const realNow = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  let drawn = 0;
  let lastLines = new Map<string, string>();
  let lastView: RunView | undefined;
  let lastViewAt = 0;
  let lastPrintAt = realNow();

  const plain = (text: string) => {
    io.stderr(text);
    lastPrintAt = realNow();
  };

  /** Where the run stands, in one line, when nothing changed for a while: its time moved on since `lastView`. */
  const heartbeat = () => {
    if (!lastView || realNow() - lastPrintAt < heartbeatMs) return;
    const now = lastView.now + (realNow() - lastViewAt);
    const active = lastView.clusters.filter((c) => c.state !== 'pending' && !FINISHED.has(c.state));
    const parts = active.map((c) => [`${c.name} ${c.state}`, timeText(c, now), waitText(c, now)].filter(Boolean).join(', '));
    plain(`${new Date(now).toISOString()} still ${lastView.status}${parts.length ? `: ${parts.join('; ')}` : ''}\n`);
  };
  const timer = io.stderrIsTTY ? undefined : setInterval(heartbeat, Math.min(heartbeatMs, 15_000));
  timer?.unref?.();

  return {
    onProgress(view) {
      lastView = view;
      lastViewAt = realNow();
      if (io.stderrIsTTY) {
        const lines = liveLines(view, io.stderrColumns?.() ?? DEFAULT_COLUMNS, paint);
        // Up to the header drawn last time, each line cleared and redrawn, anything below it cleared.
        io.stderr(`${drawn ? `\u001b[${drawn}A\r` : ''}${lines.map((l) => `\u001b[2K${l}`).join('\n')}\n\u001b[J`);
        drawn = lines.length;
        return;
      }
      const next = new Map<string, string>();
      for (const c of view.clusters) {
        const line = `${c.state}${c.reason ? ` (${c.reason})` : ''}`;
        next.set(c.name, line);
        if (lastLines.get(c.name) !== line) plain(`${new Date(view.now).toISOString()} ${c.name}: ${line}\n`);
      }
      lastLines = next;
      heartbeat();
    },
    done() {
      drawn = 0;
      if (timer) clearInterval(timer);
    },
  };
}

import type { RunView } from '../run/run-view.js';
import type { CliIo } from './io.js';

// Human progress on stderr: a live view redrawn in place on a terminal, plain lines otherwise.

const fmt = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

export function createProgress(io: CliIo): { onProgress(view: RunView): void; done(): void } {
  const color = io.stderrIsTTY && !io.env.NO_COLOR;
  let drawn = 0;
  let lastLines = new Map<string, string>();
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const stateColor = (state: string) => (state === 'done' ? '32' : state === 'held' || state === 'aborted' ? '31' : state === 'paused' ? '33' : state === 'pending' ? '2' : '36');

  return {
    onProgress(view) {
      if (io.stderrIsTTY) {
        const lines = [
          `${paint('1', view.planName)} run ${view.runId}  ${new Date(view.now).toISOString().replace('.000Z', 'Z')}  ${view.status}`,
          ...view.clusters.map((c) => {
            const elapsed = c.phaseSince !== undefined ? fmt(view.now - c.phaseSince) : '';
            const remaining = c.nextCheckAt !== undefined ? `next check in ${fmt(c.nextCheckAt - view.now)}` : '';
            return `  ${c.name.padEnd(12)} ${paint(stateColor(c.state), c.state.padEnd(18))} ${elapsed.padEnd(7)} ${remaining.padEnd(20)} ${(c.detail ?? '').slice(0, 70)}`;
          }),
        ];
        io.stderr(`${drawn ? `\u001b[${drawn}A` : ''}${lines.map((l) => `\u001b[2K${l}`).join('\n')}\n`);
        drawn = lines.length;
        return;
      }
      const next = new Map<string, string>();
      for (const c of view.clusters) {
        const line = `${c.state}${c.reason ? ` (${c.reason})` : ''}`;
        next.set(c.name, line);
        if (lastLines.get(c.name) !== line) io.stderr(`${new Date(view.now).toISOString()} ${c.name}: ${line}\n`);
      }
      lastLines = next;
    },
    done() {
      drawn = 0;
    },
  };
}

import { clusterMachine } from '../../machines/cluster.machine.js';
import { machineGraph } from '../diagram/index.js';
import type { StateMarks } from './diagrams.js';
import { esc } from './html.js';

// The cluster machine for a reviewer, readable at page width: the main path drawn large, one box per
// phase, and the exceptional transitions grouped by where they lead (a failure to securing and held, an
// abort, a pause and its approval, deregister mode's detour) instead of forty crossing edges. Everything
// is derived from the machine's own graph: a transition the groups do not cover is listed, never dropped.
// The full wiring diagram stays on the page, folded, for whoever wants every edge.

/** The phases a cluster goes through when nothing goes wrong, in order: each step is an edge of the machine. */
export const MAIN_PATH = ['preflight', 'removing', 'confirming', 'draining', 'maintaining', 'verifying', 'reactivating', 'done'] as const;

export interface OverviewGroup {
  id: string;
  title: string;
  detail: string;
  /** The top-level states the group is about: a current state among them outlines the group. */
  states: string[];
  /** Every top-level edge the group stands for, `source -> target`. */
  edges: string[];
}

const top = (id: string | null): string => (id ?? '').split('.')[0]!;

/** Top-level transitions of the cluster machine, `source -> target`, each once. */
export function topLevelEdges(): string[] {
  const out = new Set<string>();
  for (const e of machineGraph(clusterMachine).edges) {
    const source = top(e.source);
    const target = top(e.target);
    if (!source || !target || source === target) continue;
    out.add(`${source} -> ${target}`);
  }
  return [...out];
}

const list = (names: string[]) => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

export function overviewGroups(edges: string[] = topLevelEdges()): { main: string[]; groups: OverviewGroup[] } {
  const main = MAIN_PATH.slice(1).map((to, i) => `${MAIN_PATH[i]} -> ${to}`);
  const missing = main.filter((e) => !edges.includes(e));
  if (missing.length) throw new Error(`the cluster machine has no main-path transition ${missing.join(', ')}: update MAIN_PATH`);
  const rest = edges.filter((e) => !main.includes(e));
  const into = (targets: string[]) => rest.filter((e) => targets.includes(e.split(' -> ')[1]!));
  const sources = (picked: string[]) => [...new Set(picked.map((e) => e.split(' -> ')[0]!))];
  const taken = new Set<string>();
  const take = (picked: string[]) => {
    for (const e of picked) taken.add(e);
    return picked;
  };

  const toHeld = take(into(['securing', 'held']).filter((e) => !e.startsWith('abortInMaintenance') && !e.startsWith('paused')));
  const toAbort = take([...into(['aborted', 'abortInMaintenance']), ...rest.filter((e) => e.startsWith('abortInMaintenance ->'))]);
  const toPaused = take([...into(['paused']), ...rest.filter((e) => e.startsWith('paused ->'))]);
  const detour = take(rest.filter((e) => e.includes('restoringTargets') && !taken.has(e)));
  const other = rest.filter((e) => !taken.has(e));

  const groups: OverviewGroup[] = [
    {
      id: 'held',
      title: 'A failure in any phase → securing → held',
      detail: `from ${list(sources(toHeld).filter((s) => s !== 'securing'))}. Securing leaves the cluster at weight 0 with its targets registered; a held cluster is never put back automatically.`,
      states: ['securing', 'held'],
      edges: toHeld,
    },
    {
      id: 'aborted',
      title: 'Abort → aborted (in maintenance: → securing → held)',
      detail: `from ${list(sources(toAbort).filter((s) => s !== 'abortInMaintenance'))}. A cluster still in rotation stops where it is; one in maintenance is held, never reactivated automatically.`,
      states: ['aborted', 'abortInMaintenance'],
      edges: toAbort,
    },
    {
      id: 'paused',
      title: 'Drift or an approval step → paused → approve',
      detail: `paused from ${list(sources(toPaused.filter((e) => !e.startsWith('paused ->'))))}; approve goes on where it stopped; an abort from paused ends as above.`,
      states: ['paused'],
      edges: toPaused,
    },
    {
      id: 'deregister',
      title: 'Deregister mode: targets registered again before verifying',
      detail: `restoringTargets, reached from ${list(sources(detour.filter((e) => e.endsWith('-> restoringTargets'))))}, registers the saved targets while the weight is still 0.`,
      states: ['restoringTargets'],
      edges: detour,
    },
  ];
  if (other.length) groups.push({ id: 'other', title: 'Other transitions', detail: other.map((e) => e.replace(' -> ', ' → ')).join('; '), states: [], edges: other });
  return { main, groups };
}

const WIDTH = 1000;
const BOX_W = 110;
const BOX_H = 44;
const GAP = (WIDTH - 8 - MAIN_PATH.length * BOX_W) / (MAIN_PATH.length - 1);
const FONT = 15;
const SMALL = 14;
/** Characters of the detail line at 14px in a system sans-serif, with margin. */
const WRAP = 128;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The overview as inline SVG; with marks, the phases a run went through are filled and the current one outlined. */
export function clusterOverviewSvg(marks?: StateMarks): string {
  const { groups } = overviewGroups();
  const visited = new Set((marks?.visited ?? []).map(top));
  const current = marks?.current ? top(marks.current) : undefined;
  const cls = (states: string[]) => [states.some((s) => s === current) ? 'highlight' : '', states.some((s) => visited.has(s)) ? 'visited' : ''].filter(Boolean).join(' ');
  const parts: string[] = [];
  const y0 = 30;
  parts.push(`<text class="caption" x="4" y="18">Main path, one cluster at a time</text>`);
  MAIN_PATH.forEach((state, i) => {
    const x = 4 + i * (BOX_W + GAP);
    const tone = state === 'done' ? ' tone-done' : '';
    parts.push(
      `<g class="step ${cls([state])}${tone}" data-step="${esc(state)}"><rect x="${x}" y="${y0}" width="${BOX_W}" height="${BOX_H}" rx="8"/><text x="${x + BOX_W / 2}" y="${y0 + BOX_H / 2 + 5}" text-anchor="middle" font-size="${FONT}">${esc(state)}</text></g>`,
    );
    // Arrowheads drawn as paths: a marker would be a url() reference, which the page's checks forbid.
    const my = y0 + BOX_H / 2;
    if (i > 0) parts.push(`<path class="main-edge" d="M${x - GAP + 1} ${my} H${x - 3}"/><path class="arrowhead" d="M${x - 1} ${my} l-8 -5 v10 z"/>`);
  });
  let y = y0 + BOX_H + 34;
  parts.push(`<text class="caption" x="4" y="${y - 10}">Exceptional transitions, grouped by where they lead</text>`);
  for (const g of groups) {
    const lines = wrap(g.detail, WRAP);
    const h = 30 + lines.length * 19;
    parts.push(
      `<g class="group ${cls(g.states)}" data-group="${esc(g.id)}"><rect x="4" y="${y}" width="${WIDTH - 8}" height="${h}" rx="8"/>` +
        `<text x="16" y="${y + 21}" font-size="${FONT}" font-weight="600">${esc(g.title)}</text>` +
        lines.map((l, i) => `<text x="16" y="${y + 42 + i * 19}" font-size="${SMALL}">${esc(l)}</text>`).join('') +
        `</g>`,
    );
    y += h + 10;
  }
  const height = y;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="overview" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="The cluster machine: main path and grouped exceptional transitions">` +
    `<style>.overview text{font-family:ui-sans-serif,system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;fill:#1e293b}.overview .caption{font-size:13px;fill:#475569}` +
    `.overview .step rect{fill:#eff6ff;stroke:#2563eb;stroke-width:2}.overview .step.tone-done rect{fill:#f0fdf4;stroke:#15803d}` +
    `.overview .group rect{fill:#f8fafc;stroke:#cbd5e1;stroke-width:1}.overview .group[data-group=held] rect,.overview .group[data-group=aborted] rect{stroke:#fca5a5}.overview .group[data-group=paused] rect{stroke:#f59e0b}` +
    `.overview .visited rect{fill:#dbeafe}.overview .highlight rect{stroke:#1d4ed8;stroke-width:4}.overview .main-edge{stroke:#334155;stroke-width:2;fill:none}.overview .arrowhead{fill:#334155}</style>` +
    parts.join('') +
    `</svg>`
  );
}

import type { AnyStateMachine } from 'xstate';
import { ANY_STATE, FINAL_BORDER_INSET, TYPE, headerHeight, layoutMachine } from './elk-layout.js';
import type { Box, MachineLayout, PlacedEdge, PlacedState, Point } from './elk-layout.js';
import { DiagramError } from './errors.js';
import { machineGraph } from './machine-graph.js';
import type { MachineGraph, StateTone } from './machine-graph.js';
import { namedMachines } from './named-machines.js';
import type { MachineArg } from './named-machines.js';
import { FONT_FAMILY, textWidth } from './text-metrics.js';

// A self-contained SVG: inline presentation attributes (so it looks right without CSS) plus an embedded
// <style> (so a page can toggle `highlight` / `visited` classes on `g.state[data-state]` later).
// No scripts, fonts, images or links: the only URL is the SVG namespace.

export interface SvgOptions {
  /** Dotted state ids drawn with a thick blue border: the current state. */
  highlight?: string[];
  /** Dotted state ids the run went through, drawn with a light fill. */
  visited?: string[];
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const MARGIN = 16;
const GAP = 32;

const INK = '#1e293b';
const MUTED = '#475569';
const EDGE = '#64748b';
const HIGHLIGHT = '#2563eb';
const VISITED_FILL = '#dbeafe';

const TONES: Record<StateTone, { stroke: string; fill: string; width: number }> = {
  normal: { stroke: '#334155', fill: '#ffffff', width: 1.2 },
  attention: { stroke: '#d97706', fill: '#fff7ed', width: 2 },
  stop: { stroke: '#dc2626', fill: '#fef2f2', width: 2 },
};
const BLOCK = { stroke: '#94a3b8', fill: '#f8fafc', width: 1.2 };

const STYLE = `
text { font-family: ${FONT_FAMILY}; }
.state > .box { transition: stroke 0.2s, fill 0.2s; }
.state.visited > .box { fill: ${VISITED_FILL}; }
.state.highlight > .box { stroke: ${HIGHLIGHT}; stroke-width: 4px; }
.edge-label > rect { fill: #ffffff; fill-opacity: 0.88; }
`;

/** One machine as an SVG document. */
export async function renderSvg(machine: AnyStateMachine, options: SvgOptions = {}): Promise<string> {
  return renderSvgDocument([{ name: machine.id, machine }], options);
}

/**
 * Several machines stacked in one SVG document. `highlight` and `visited` mark the states of that id in
 * whichever machines have one; an id no machine has is an error.
 */
export async function renderSvgDocument(machines: MachineArg | readonly MachineArg[], options: SvgOptions = {}): Promise<string> {
  const named = namedMachines(machines);
  const graphs = named.map(({ machine }) => machineGraph(machine));
  checkStates(graphs, options);
  const drawings: Array<{ width: number; height: number; body: string }> = [];
  for (const [i, graph] of graphs.entries()) drawings.push(drawMachine(named[i]!.name, await layoutMachine(graph), options));
  const width = Math.max(0, ...drawings.map((d) => d.width));
  const height = drawings.reduce((sum, d) => sum + d.height, 0) + GAP * Math.max(0, drawings.length - 1);
  let y = 0;
  const bodies = drawings.map((d) => {
    const body = `<g transform="translate(0 ${y})">\n${d.body}</g>\n`;
    y += d.height + GAP;
    return body;
  });
  return (
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${attr(FONT_FAMILY)}" role="img">\n<title>${esc(`State machines: ${named.map((m) => m.name).join(', ')}`)}</title>\n` +
    `<style>${STYLE}</style>\n` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>\n${bodies.join('')}</svg>\n`
  );
}

function checkStates(graphs: MachineGraph[], options: SvgOptions): void {
  const known = new Set(graphs.flatMap((g) => g.nodes.map((n) => n.id)));
  const unknown = [...(options.highlight ?? []), ...(options.visited ?? [])].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    const owners = graphs.map((g) => `"${g.machine}"`).join(', ');
    throw new DiagramError(
      `no state ${unknown.map((u) => `"${u}"`).join(', ')} in machine ${owners} (state ids are dotted paths such as "draining.waiting")`,
    );
  }
}

function drawMachine(name: string, layout: MachineLayout, options: SvgOptions): { width: number; height: number; body: string } {
  const highlight = new Set(options.highlight ?? []);
  const visited = new Set(options.visited ?? []);
  const titleSize = 15;
  const captionHeight = TYPE.line(titleSize) + layout.notes.length * TYPE.line(TYPE.detail) + 8;
  const out: string[] = [];
  out.push(`<g class="machine" data-machine="${attr(name)}">`);
  out.push(`<title>${esc(`${name} state machine`)}</title>`);
  out.push(textLine(name, MARGIN, MARGIN + TYPE.line(titleSize) - 4, titleSize, { bold: true, anchor: 'start' }));
  layout.notes.forEach((note, i) => {
    out.push(textLine(note, MARGIN, MARGIN + TYPE.line(titleSize) + (i + 1) * TYPE.line(TYPE.detail) - 2, TYPE.detail, { anchor: 'start', fill: MUTED }));
  });
  out.push(`<g transform="translate(${MARGIN} ${MARGIN + captionHeight})">`);

  const byParent = new Map<string, PlacedState[]>();
  for (const s of layout.states) {
    const key = s.node.parent ?? '';
    byParent.set(key, [...(byParent.get(key) ?? []), s]);
  }
  // Nested groups mirror the machine: a compound state's group holds its children's groups.
  const drawStates = (parent: string) => {
    for (const s of byParent.get(parent) ?? []) {
      const current = highlight.has(s.node.id);
      const seen = visited.has(s.node.id);
      const classes = ['state', s.node.kind, ...(current ? ['highlight'] : []), ...(seen ? ['visited'] : [])];
      out.push(`<g class="${classes.join(' ')}" data-state="${attr(s.node.id)}">`, `<title>${esc(tooltip(s))}</title>`);
      out.push(...stateShape(s, current, seen));
      drawStates(s.node.id);
      out.push('</g>');
    }
  };
  drawStates('');

  for (const { box } of layout.initials) {
    out.push(`<circle class="initial" cx="${n(box.x + box.width / 2)}" cy="${n(box.y + box.height / 2)}" r="${n(box.width / 2)}" fill="${INK}"/>`);
  }
  if (layout.anyState) out.push(anyStateShape(layout.anyState));
  for (const e of layout.edges) out.push(edgePath(e));
  for (const e of layout.edges) if (e.label) out.push(edgeLabelShape(e.label));
  out.push('</g>', '</g>');
  const captionWidth = Math.max(textWidth(name, titleSize, true), ...layout.notes.map((note) => textWidth(note, TYPE.detail)));
  return {
    width: Math.ceil(Math.max(layout.width, captionWidth) + 2 * MARGIN),
    height: Math.ceil(layout.height + captionHeight + 2 * MARGIN),
    body: `${out.join('\n')}\n`,
  };
}

function tooltip(s: PlacedState): string {
  const parts = [s.node.id];
  if (s.node.description) parts.push(s.node.description);
  if (s.node.entry.length > 0) parts.push(`entry: ${s.node.entry.join(', ')}`);
  return parts.join('\n');
}

function stateShape(s: PlacedState, current: boolean, seen: boolean): string[] {
  const { box, node } = s;
  const block = node.kind === 'compound' || node.kind === 'parallel';
  const tone = block ? BLOCK : TONES[node.tone];
  const stroke = current ? HIGHLIGHT : tone.stroke;
  const strokeWidth = current ? 4 : tone.width;
  const fill = seen ? VISITED_FILL : tone.fill;
  const dash = node.kind === 'parallel' ? ' stroke-dasharray="6 4"' : '';
  const shapes = [
    `<rect class="box" x="${n(box.x)}" y="${n(box.y)}" width="${n(box.width)}" height="${n(box.height)}" rx="${block ? 12 : 9}" fill="${fill}" stroke="${stroke}" stroke-width="${strokeWidth}"${dash}/>`,
  ];
  const name = node.kind === 'history' ? `${node.key} (history)` : node.key;
  if (block) {
    const x = box.x + 14;
    shapes.push(textLine(name, x, box.y + 8 + TYPE.line(TYPE.header) - 4, TYPE.header, { bold: true, anchor: 'start', fill: MUTED }));
    s.details.forEach((line, i) => {
      shapes.push(textLine(line, x, box.y + 8 + TYPE.line(TYPE.header) + (i + 1) * TYPE.line(TYPE.detail) - 4, TYPE.detail, { anchor: 'start', fill: MUTED }));
    });
    const rule = box.y + headerHeight(s.details.length) - 3;
    shapes.push(`<line x1="${n(box.x)}" y1="${n(rule)}" x2="${n(box.x + box.width)}" y2="${n(rule)}" stroke="${BLOCK.stroke}" stroke-width="0.6"/>`);
    return shapes;
  }
  if (node.kind === 'final') {
    const i = FINAL_BORDER_INSET;
    shapes.push(
      `<rect class="inner" x="${n(box.x + i)}" y="${n(box.y + i)}" width="${n(box.width - 2 * i)}" height="${n(box.height - 2 * i)}" rx="7" fill="none" stroke="${stroke}" stroke-width="${Math.min(strokeWidth, 2)}"/>`,
    );
  }
  const lines = s.details.length;
  const contentHeight = TYPE.line(TYPE.name) + lines * TYPE.line(TYPE.detail);
  const top = box.y + (box.height - contentHeight) / 2;
  const cx = box.x + box.width / 2;
  shapes.push(textLine(name, cx, top + TYPE.line(TYPE.name) - 5, TYPE.name, { bold: true, fill: INK }));
  s.details.forEach((line, i) => {
    const y = top + TYPE.line(TYPE.name) + (i + 1) * TYPE.line(TYPE.detail) - 4;
    shapes.push(textLine(line, cx, y, TYPE.detail, { fill: MUTED, italic: line.startsWith('invoke: ') }));
  });
  return shapes;
}

function anyStateShape(box: Box): string {
  return [
    `<g class="any-state" data-pseudo="${attr(ANY_STATE)}">`,
    `<rect x="${n(box.x)}" y="${n(box.y)}" width="${n(box.width)}" height="${n(box.height)}" rx="9" fill="#ffffff" stroke="${EDGE}" stroke-dasharray="4 3"/>`,
    textLine('any state', box.x + box.width / 2, box.y + box.height / 2 + 4, TYPE.name, { fill: MUTED, italic: true }),
    '</g>',
  ].join('\n');
}

function edgePath(e: PlacedEdge): string {
  const paths: string[] = [];
  e.sections.forEach((points, i) => {
    const last = i === e.sections.length - 1;
    const line = last ? withArrow(points) : { points, head: '' };
    const d = line.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${n(p.x)} ${n(p.y)}`).join(' ');
    paths.push(`<path d="${d}" fill="none" stroke="${EDGE}" stroke-width="1.3"/>`);
    if (line.head) paths.push(line.head);
  });
  const ends = `data-source="${attr(e.source)}" data-target="${attr(e.target)}"`;
  return `<g class="edge ${e.kind}" ${ends}>${paths.join('')}</g>`;
}

/** The route shortened to the arrowhead's base, and the arrowhead itself, pointing along the last segment. */
function withArrow(points: Point[]): { points: Point[]; head: string } {
  const end = points[points.length - 1];
  const before = points[points.length - 2];
  if (!end || !before) return { points, head: '' };
  const dx = end.x - before.x;
  const dy = end.y - before.y;
  const length = Math.hypot(dx, dy);
  if (length === 0) return { points, head: '' };
  const size = Math.min(8, length);
  const ux = dx / length;
  const uy = dy / length;
  const base = { x: end.x - ux * size, y: end.y - uy * size };
  const left = { x: base.x - uy * 3.5, y: base.y + ux * 3.5 };
  const right = { x: base.x + uy * 3.5, y: base.y - ux * 3.5 };
  const head = `<path d="M${n(end.x)} ${n(end.y)} L${n(left.x)} ${n(left.y)} L${n(right.x)} ${n(right.y)} Z" fill="${EDGE}"/>`;
  return { points: [...points.slice(0, -1), base], head };
}

function edgeLabelShape(label: Box & { lines: string[] }): string {
  const parts = [`<g class="edge-label">`, `<rect x="${n(label.x)}" y="${n(label.y)}" width="${n(label.width)}" height="${n(label.height)}" rx="3" fill="#ffffff" fill-opacity="0.88"/>`];
  label.lines.forEach((line, i) => {
    parts.push(textLine(line, label.x + 3, label.y + 2 + (i + 1) * TYPE.line(TYPE.label) - 3, TYPE.label, { anchor: 'start', fill: INK }));
  });
  parts.push('</g>');
  return parts.join('');
}

interface TextStyle {
  bold?: boolean;
  italic?: boolean;
  anchor?: 'start' | 'middle';
  fill?: string;
}

function textLine(value: string, x: number, y: number, size: number, style: TextStyle = {}): string {
  const attrs = [
    `x="${n(x)}"`,
    `y="${n(y)}"`,
    `font-size="${size}"`,
    `text-anchor="${style.anchor ?? 'middle'}"`,
    `fill="${style.fill ?? INK}"`,
    ...(style.bold ? ['font-weight="600"'] : []),
    ...(style.italic ? ['font-style="italic"'] : []),
  ];
  return `<text ${attrs.join(' ')}>${esc(value)}</text>`;
}

function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

// XML 1.0 forbids most control characters even when escaped; drop them.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function esc(value: string): string {
  return value.replace(CONTROL, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return esc(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;');
}

import ElkModule from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode, LayoutOptions } from 'elkjs/lib/elk-api.js';
import { childrenOf, edgeLabel, internalLabel } from './machine-graph.js';
import type { GraphEdge, GraphNode, MachineGraph } from './machine-graph.js';
import { linesWidth, textWidth } from './text-metrics.js';

// Lays a machine graph out with elkjs (layered, compound states as nested nodes) and returns boxes and
// edge routes in one coordinate system. Drawing is svg.ts's job; sizes here use the same typography.

export const TYPE = {
  name: 13,
  header: 12.5,
  detail: 10.5,
  label: 10,
  line: (size: number) => Math.round(size * 1.35),
} as const;

const PAD_X = 12;
const PAD_Y = 8;
const BLOCK_PAD = 14;
const FINAL_INSET = 3;
const INITIAL_SIZE = 12;

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedState {
  node: GraphNode;
  box: Box;
  /** Lines under the name: invoked actors, then targetless transitions. */
  details: string[];
}

export interface PlacedEdge {
  kind: 'initial' | 'transition';
  /** Dotted paths; `#initial` points and the `#any` pseudo state use their pseudo ids. */
  source: string;
  target: string;
  /** The machine's transitions drawn by this one arrow (several when they share source and target). */
  transitions: GraphEdge[];
  sections: Point[][];
  label?: Box & { lines: string[] };
}

export interface MachineLayout {
  graph: MachineGraph;
  width: number;
  height: number;
  /** In node order: a parent before its children. */
  states: PlacedState[];
  initials: Array<{ parent: string; box: Box }>;
  anyState?: Box;
  edges: PlacedEdge[];
  /** Targetless transitions of the machine root, shown under the title. */
  notes: string[];
}

export const FINAL_BORDER_INSET = FINAL_INSET;
export const ANY_STATE = '#any';

const initialId = (parent: string) => `${parent}#initial`;

const SPACING: LayoutOptions = {
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '40',
  'elk.spacing.edgeNode': '14',
  'elk.spacing.edgeEdge': '10',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
  'elk.spacing.edgeLabel': '4',
};

const ROOT_OPTIONS: LayoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.mergeEdges': 'true',
  // Coordinates of every shape and edge relative to the root, so drawing needs no offsets.
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
  'elk.padding': '[top=8,left=8,bottom=8,right=8]',
  ...SPACING,
};

interface Sized {
  node: GraphNode;
  details: string[];
  width: number;
  height: number;
  headerWidth: number;
}

/** `overrides` are merged into the root's elk options (for tuning; the defaults suit quiesce's machines). */
export async function layoutMachine(graph: MachineGraph, overrides: LayoutOptions = {}): Promise<MachineLayout> {
  const internal = graph.edges.filter((e) => e.target === null);
  const sized = new Map(graph.nodes.map((n) => [n.id, size(n, internal)]));
  const edges = layoutEdges(graph);
  const elk = new ElkModule.default();

  // elkjs does not honour a minimum width on a compound node laid out with its children, so a header
  // wider than the children gets extra side padding and the layout runs again (growth only, so it settles).
  const extra = new Map<string, number>();
  let laid: ElkNode | undefined;
  for (let pass = 0; pass < 4; pass++) {
    laid = await elk.layout(elkGraph(graph, sized, edges, extra, overrides));
    const boxes = boxesOf(laid);
    let grew = false;
    for (const s of sized.values()) {
      const box = boxes.get(s.node.id);
      if (!box || !isBlock(s.node) || box.width >= s.headerWidth) continue;
      extra.set(s.node.id, (extra.get(s.node.id) ?? 0) + Math.ceil((s.headerWidth - box.width) / 2));
      grew = true;
    }
    if (!grew) break;
  }
  return placed(graph, laid!, sized, edges, internal);
}

function isBlock(node: GraphNode): boolean {
  return node.kind === 'compound' || node.kind === 'parallel';
}

function size(node: GraphNode, internal: GraphEdge[]): Sized {
  const details = [
    ...node.invoke.map((inv) => `invoke: ${inv.src}`),
    ...internal.filter((e) => e.source === node.id).map(internalLabel),
  ];
  const name = node.kind === 'history' ? `${node.key} (history)` : node.key;
  if (isBlock(node)) {
    const headerWidth = Math.max(textWidth(name, TYPE.header, true), linesWidth(details, TYPE.detail)) + 2 * BLOCK_PAD;
    return { node, details, width: 0, height: headerHeight(details.length), headerWidth };
  }
  const inset = node.kind === 'final' ? 2 * FINAL_INSET : 0;
  const width = Math.max(72, textWidth(name, TYPE.name, true), linesWidth(details, TYPE.detail)) + 2 * PAD_X + inset;
  const height = 2 * PAD_Y + TYPE.line(TYPE.name) + details.length * TYPE.line(TYPE.detail) + inset;
  return { node, details, width, height, headerWidth: 0 };
}

/** Height of a compound state's title band: its name and any targetless transitions. */
export function headerHeight(detailLines: number): number {
  return PAD_Y + TYPE.line(TYPE.header) + detailLines * TYPE.line(TYPE.detail) + 6;
}

interface LayoutEdge {
  id: string;
  kind: 'initial' | 'transition';
  source: string;
  target: string;
  transitions: GraphEdge[];
  lines: string[];
}

/** One arrow per (source, target): parallel transitions share it and list their labels line by line. */
function layoutEdges(graph: MachineGraph): LayoutEdge[] {
  const out: LayoutEdge[] = [];
  const initialParents = ['', ...graph.nodes.filter((n) => n.kind === 'compound').map((n) => n.id)];
  for (const parent of initialParents) {
    for (const child of childrenOf(graph, parent).filter((c) => c.initial)) {
      out.push({ id: `i${out.length}`, kind: 'initial', source: initialId(parent), target: child.id, transitions: [], lines: [] });
    }
  }
  const byEnds = new Map<string, LayoutEdge>();
  for (const e of graph.edges) {
    if (e.target === null) continue;
    const source = e.source === '' ? ANY_STATE : e.source;
    const key = `${source}\u0000${e.target}`;
    let edge = byEnds.get(key);
    if (!edge) {
      edge = { id: `t${out.length}`, kind: 'transition', source, target: e.target, transitions: [], lines: [] };
      byEnds.set(key, edge);
      out.push(edge);
    }
    edge.transitions.push(e);
    edge.lines.push(edgeLabel(e));
  }
  return out;
}

function elkGraph(
  graph: MachineGraph,
  sized: Map<string, Sized>,
  edges: LayoutEdge[],
  extra: Map<string, number>,
  overrides: LayoutOptions,
): ElkNode {
  const childrenNodes = (parent: string): ElkNode[] => {
    const parentNode = graph.nodes.find((n) => n.id === parent);
    const nodes: ElkNode[] = [];
    if (parent === '' || parentNode?.kind === 'compound') nodes.push({ id: initialId(parent), width: INITIAL_SIZE, height: INITIAL_SIZE });
    for (const child of childrenOf(graph, parent)) {
      const s = sized.get(child.id)!;
      if (!isBlock(child)) {
        nodes.push({ id: child.id, width: s.width, height: s.height });
        continue;
      }
      const side = BLOCK_PAD + (extra.get(child.id) ?? 0);
      nodes.push({
        id: child.id,
        layoutOptions: { ...SPACING, 'elk.padding': `[top=${s.height},left=${side},bottom=${BLOCK_PAD},right=${side}]` },
        children: childrenNodes(child.id),
      });
    }
    return nodes;
  };
  const children = childrenNodes('');
  if (edges.some((e) => e.source === ANY_STATE)) {
    children.unshift({ id: ANY_STATE, width: textWidth('any state', TYPE.name) + 2 * PAD_X, height: 2 * PAD_Y + TYPE.line(TYPE.name) });
  }
  const elkEdges: ElkExtendedEdge[] = edges.map((e) => ({
    id: e.id,
    sources: [e.source],
    targets: [e.target],
    ...(e.lines.length > 0 ? { labels: [{ text: e.lines.join('\n'), ...labelSize(e.lines) }] } : {}),
  }));
  return { id: '#root', layoutOptions: { ...ROOT_OPTIONS, ...overrides }, children, edges: elkEdges };
}

function labelSize(lines: string[]): { width: number; height: number } {
  return { width: linesWidth(lines, TYPE.label) + 6, height: lines.length * TYPE.line(TYPE.label) + 4 };
}

function boxesOf(root: ElkNode): Map<string, Box> {
  const boxes = new Map<string, Box>();
  const walk = (node: ElkNode) => {
    for (const child of node.children ?? []) {
      boxes.set(child.id, { x: child.x ?? 0, y: child.y ?? 0, width: child.width ?? 0, height: child.height ?? 0 });
      walk(child);
    }
  };
  walk(root);
  return boxes;
}

function placed(graph: MachineGraph, laid: ElkNode, sized: Map<string, Sized>, edges: LayoutEdge[], internal: GraphEdge[]): MachineLayout {
  const boxes = boxesOf(laid);
  const byId = new Map(edges.map((e) => [e.id, e]));
  const placedEdges: PlacedEdge[] = (laid.edges ?? []).map((elkEdge) => {
    const edge = byId.get(elkEdge.id)!;
    const sections = (elkEdge.sections ?? []).map((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    const label = elkEdge.labels?.[0];
    return {
      kind: edge.kind,
      source: edge.source,
      target: edge.target,
      transitions: edge.transitions,
      sections,
      ...(label ? { label: { x: label.x ?? 0, y: label.y ?? 0, width: label.width ?? 0, height: label.height ?? 0, lines: edge.lines } } : {}),
    };
  });
  const anyState = boxes.get(ANY_STATE);
  return {
    graph,
    width: Math.ceil(laid.width ?? 0),
    height: Math.ceil(laid.height ?? 0),
    states: graph.nodes.map((node) => ({ node, box: boxes.get(node.id)!, details: sized.get(node.id)!.details })),
    initials: ['', ...graph.nodes.filter((n) => n.kind === 'compound').map((n) => n.id)].map((parent) => ({
      parent,
      box: boxes.get(initialId(parent))!,
    })),
    ...(anyState ? { anyState } : {}),
    edges: placedEdges,
    notes: internal.filter((e) => e.source === '').map((e) => `on any state: ${internalLabel(e)}`),
  };
}

import { DiagramError } from './errors.js';
import { childrenOf, edgeLabel, internalLabel, machineGraph } from './machine-graph.js';
import type { GraphEdge, GraphNode, MachineGraph, StateTone } from './machine-graph.js';
import { namedMachines } from './named-machines.js';
import type { MachineArg } from './named-machines.js';

// Graphviz DOT. Compound states are `subgraph cluster_*`; Graphviz edges cannot end on a cluster, so an
// edge to or from a compound state ends on the cluster's initial point and is clipped with lhead/ltail.
// Node ids are the dotted paths, quoted; pseudo nodes carry a `#`, which no state path does.

const TONE_COLOURS: Record<StateTone, { stroke: string; fill: string } | undefined> = {
  normal: undefined,
  attention: { stroke: '#d97706', fill: '#fff7ed' },
  stop: { stroke: '#dc2626', fill: '#fef2f2' },
};

/** One `digraph` per machine, separated by a blank line (`dot` draws each). */
export function renderDot(machines: MachineArg | readonly MachineArg[]): string {
  return namedMachines(machines)
    .map(({ name, machine }) => dotDiagram(name, machineGraph(machine)))
    .join('\n');
}

export function dotDiagram(name: string, graph: MachineGraph): string {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const isBlock = (n: GraphNode | undefined) => n?.kind === 'compound' || n?.kind === 'parallel';
  const known = (path: string) => {
    if (path !== '' && !nodes.has(path)) throw new DiagramError(`machine "${graph.machine}": no state "${path}" to draw an edge to`);
    return path;
  };
  const anchor = (path: string) => (path === '' ? ANY_STATE : isBlock(nodes.get(path)) ? `${path}#initial` : path);
  const within = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}.`);
  const internal = graph.edges.filter((e) => e.target === null);
  const targeted = graph.edges.filter((e): e is GraphEdge & { target: string } => e.target !== null);

  const lines: string[] = [`digraph ${q(graph.machine)} {`];
  const rootNotes = internal.filter((e) => e.source === '').map((e) => `on any state: ${internalLabel(e)}`);
  const title = [name, ...rootNotes].join('\n');
  lines.push(`  graph [compound=true, rankdir=TB, fontname="Helvetica", fontsize=12, labelloc=t, labeljust=l, label=${q(title)}];`);
  lines.push('  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];');
  lines.push('  edge [fontname="Helvetica", fontsize=9];');
  if (targeted.some((e) => e.source === '')) lines.push(`  ${q(ANY_STATE)} [shape=plaintext, label="any state"];`);

  const headClip = (target: GraphNode) => (isBlock(target) ? ` [lhead=${q(`cluster_${target.id}`)}]` : '');
  const writeScope = (parent: string, depth: number) => {
    const pad = '  '.repeat(depth);
    const parentNode = nodes.get(parent);
    const initials = childrenOf(graph, parent).filter((c) => c.initial);
    // Parallel regions are all entered at once: their point only anchors edges, so it stays invisible.
    const point = parent === '' ? '#initial' : `${parent}#initial`;
    const hidden = parentNode?.kind === 'parallel' ? ', style=invis' : '';
    lines.push(`${pad}${q(point)} [shape=point, width=0.12, label=""${hidden}];`);
    if (parentNode?.kind !== 'parallel') {
      for (const c of initials) lines.push(`${pad}${q(point)} -> ${q(anchor(c.id))}${headClip(c)};`);
    }
    for (const child of childrenOf(graph, parent)) {
      if (isBlock(child)) {
        const notes = internal.filter((e) => e.source === child.id).map(internalLabel);
        lines.push(`${pad}subgraph ${q(`cluster_${child.id}`)} {`);
        lines.push(`${pad}  graph [label=${q([child.key, ...notes].join('\n'))}, style=rounded, color="#94a3b8"];`);
        writeScope(child.id, depth + 1);
        lines.push(`${pad}}`);
      } else {
        lines.push(`${pad}${q(child.id)} [${nodeAttributes(child, internal)}];`);
      }
    }
  };
  writeScope('', 1);

  for (const e of targeted) {
    const attrs = [`label=${q(edgeLabel(e))}`];
    const source = nodes.get(known(e.source));
    const target = nodes.get(known(e.target));
    if (isBlock(target) && !within(e.source, e.target)) attrs.push(`lhead=${q(`cluster_${e.target}`)}`);
    if (isBlock(source) && !within(e.target, e.source)) attrs.push(`ltail=${q(`cluster_${e.source}`)}`);
    lines.push(`  ${q(anchor(e.source))} -> ${q(anchor(e.target))} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const ANY_STATE = '#any';

function nodeAttributes(node: GraphNode, internal: GraphEdge[]): string {
  const details = [
    ...node.invoke.map((inv) => `invoke: ${inv.src}`),
    ...internal.filter((e) => e.source === node.id).map(internalLabel),
  ];
  const attrs = [`label=${q([node.kind === 'history' ? `${node.key} (history)` : node.key, ...details].join('\n'))}`];
  if (node.kind === 'final') attrs.push('shape=doublecircle');
  const colours = TONE_COLOURS[node.tone];
  if (colours) {
    attrs.push(`color=${q(colours.stroke)}`, `fillcolor=${q(colours.fill)}`, 'penwidth=2');
    attrs.push(node.kind === 'final' ? 'style=filled' : 'style="rounded,filled"');
  }
  return attrs.join(', ');
}

/** A DOT quoted string; a newline becomes the centred line break `\n`. */
function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

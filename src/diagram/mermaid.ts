import { childrenOf, edgeLabel, internalLabel, machineGraph } from './machine-graph.js';
import type { GraphEdge, GraphNode, MachineGraph } from './machine-graph.js';
import { collapseWhitespace } from '../one-line.js';
import { DiagramError } from './errors.js';
import { namedMachines } from './named-machines.js';
import type { MachineArg } from './named-machines.js';

// Mermaid `stateDiagram-v2`, as GitHub renders it in a pull request. The pitfalls this avoids:
// - ids are global across nested `state { }` blocks and may not hold dots: `confirming.checking` becomes
//   `confirming_checking`, shown with its own name through `state "checking" as confirming_checking`;
// - a state named inside a block becomes a child of that block, so an edge is written inside a block only
//   when both ends are direct children of it, and at the top level otherwise;
// - `:` and `;` end a label, `#…;` is an entity and `%%` a comment: such characters become `#NN;` entities,
//   which mermaid decodes when it draws;
// - some words are keywords at the start of a line (`default`, `note`, `state`, `class`…).

export interface MermaidOptions {
  /** Wrap each diagram in a ```mermaid fence under a heading, for a pull request or a report. */
  markdown?: boolean;
  direction?: 'TB' | 'LR';
}

/** One `stateDiagram-v2` per machine; several are separated by a blank line. */
export function renderMermaid(machines: MachineArg | readonly MachineArg[], options: MermaidOptions = {}): string {
  const diagrams = namedMachines(machines).map(({ name, machine }) => ({
    name,
    text: mermaidDiagram(name, machineGraph(machine), options.direction),
  }));
  if (options.markdown) return diagrams.map((d) => `### ${d.name}\n\n\`\`\`mermaid\n${d.text}\`\`\`\n`).join('\n');
  return diagrams.map((d) => d.text).join('\n');
}

export function mermaidDiagram(name: string, graph: MachineGraph, direction?: 'TB' | 'LR'): string {
  const ids = mermaidIds(graph);
  const id = (path: string) => {
    const found = ids.get(path);
    if (found === undefined) throw new DiagramError(`machine "${graph.machine}": no state "${path}" to draw an edge to`);
    return found;
  };
  const lines: string[] = ['stateDiagram-v2'];
  lines.push(`  %% ${collapseWhitespace(name)}: machine "${collapseWhitespace(graph.machine)}", drawn from its definition`);
  if (direction) lines.push(`  direction ${direction}`);
  lines.push('  classDef attention fill:#fff7ed,stroke:#d97706,stroke-width:2px');
  lines.push('  classDef stop fill:#fef2f2,stroke:#dc2626,stroke-width:2px');

  const targeted = graph.edges.filter((e): e is GraphEdge & { target: string } => e.target !== null);
  const internal = graph.edges.filter((e) => e.target === null);
  const nodesById = new Map(graph.nodes.map((n) => [n.id, n]));
  const parentOf = (path: string) => (path === '' ? undefined : (nodesById.get(path)?.parent ?? ''));
  // Edges whose ends are both direct children of one block are drawn inside it; the rest at the top.
  const scopeOf = (e: { source: string; target: string }) =>
    e.source !== '' && parentOf(e.source) === parentOf(e.target) ? parentOf(e.source)! : '';
  const endpoint = (path: string) => (path === '' ? ANY_STATE : id(path));

  for (const e of internal.filter((e) => e.source === '')) lines.push(`  %% internal on any state: ${collapseWhitespace(internalLabel(e))}`);
  if (targeted.some((e) => e.source === '')) lines.push(`  state "any state" as ${ANY_STATE}`);

  const writeScope = (parent: string, depth: number) => {
    const pad = '  '.repeat(depth);
    const children = childrenOf(graph, parent);
    const parentNode = nodesById.get(parent);
    if (parentNode?.kind !== 'parallel') {
      for (const c of children.filter((c) => c.initial)) lines.push(`${pad}[*] --> ${id(c.id)}`);
    }
    for (const child of children) {
      if (child.kind === 'compound' || child.kind === 'parallel') {
        lines.push(`${pad}state "${text(label(child))}" as ${id(child.id)} {`);
        for (const e of internal.filter((e) => e.source === child.id)) lines.push(`${pad}  %% internal: ${collapseWhitespace(internalLabel(e))}`);
        writeScope(child.id, depth + 1);
        lines.push(`${pad}}`);
      } else {
        lines.push(`${pad}state "${text(label(child))}" as ${id(child.id)}`);
        for (const line of detailLines(child, internal)) lines.push(`${pad}${id(child.id)} : ${text(line)}`);
      }
    }
    for (const e of targeted.filter((e) => scopeOf(e) === parent)) {
      lines.push(`${pad}${endpoint(e.source)} --> ${id(e.target)} : ${text(edgeLabel(e))}`);
    }
    for (const c of children.filter((c) => c.kind === 'final')) lines.push(`${pad}${id(c.id)} --> [*]`);
  };
  writeScope('', 1);

  for (const tone of ['attention', 'stop'] as const) {
    const toned = graph.nodes.filter((n) => n.tone === tone && n.kind !== 'compound' && n.kind !== 'parallel');
    if (toned.length > 0) lines.push(`  class ${toned.map((n) => id(n.id)).join(',')} ${tone}`);
  }
  return `${lines.join('\n')}\n`;
}

const ANY_STATE = 'any_state';

function label(node: GraphNode): string {
  return node.kind === 'history' ? `${node.key} (history)` : node.key;
}

/** Lines under the state's name: what it invokes, then its targetless transitions. */
function detailLines(node: GraphNode, internal: GraphEdge[]): string[] {
  return [
    ...node.invoke.map((inv) => `invoke: ${inv.src}`),
    ...internal.filter((e) => e.source === node.id).map(internalLabel),
  ];
}

// Words the mermaid lexer takes as keywords when a line starts with them.
const KEYWORD = /^(default|note|state|class|classdef|scale|hide|acctitle|accdescr|click|style|direction|statediagram|end)$/i;

/** Safe, unique mermaid ids for every state, stable for a given machine. */
export function mermaidIds(graph: MachineGraph): Map<string, string> {
  const ids = new Map<string, string>();
  // Mermaid names the start and end of each block `<block>_start` / `<block>_end`, the top level's `root_*`.
  const used = new Set<string>(['root', 'root_start', 'root_end', ANY_STATE]);
  for (const node of graph.nodes) {
    let base = node.id
      .split('.')
      .map((part) => part.replace(/[^A-Za-z0-9_]/g, '_'))
      .join('_');
    if (/^[0-9]/.test(base) || /^default/i.test(base) || KEYWORD.test(base)) base = `s_${base}`;
    const block = node.kind === 'compound' || node.kind === 'parallel';
    const free = (c: string) => !used.has(c) && (!block || (!used.has(`${c}_start`) && !used.has(`${c}_end`)));
    let candidate = base;
    for (let n = 2; !free(candidate); n++) candidate = `${base}_${n}`;
    used.add(candidate);
    if (block) used.add(`${candidate}_start`).add(`${candidate}_end`);
    ids.set(node.id, candidate);
  }
  return ids;
}

const ENTITIES: Record<string, string> = {
  '#': '#35;',
  ':': '#58;',
  ';': '#59;',
  '%': '#37;',
  '"': '#34;',
  '&': '#38;',
  '<': '#60;',
  '>': '#62;',
  '{': '#123;',
  '}': '#125;',
};

/** Label text mermaid's lexer accepts: one line, delimiters as entities. */
export function text(value: string): string {
  return collapseWhitespace(value)
    .replace(/[#:;%"&<>{}]/g, (c) => ENTITIES[c]!)
    .replace(/direction(\s+)(TB|BT|RL|LR)/gi, (_m, _s: string, d: string) => `direction#32;${d}`);
}

import type { AnyStateMachine } from 'xstate';
import { renderDot } from './dot.js';
import { DiagramError } from './errors.js';
import { renderJson } from './json.js';
import { renderMermaid } from './mermaid.js';
import { renderSvgDocument } from './svg.js';

export { machineGraph, edgeLabel } from './machine-graph.js';
export type { GraphEdge, GraphNode, MachineGraph, NamedMachine, StateKind, StateTone } from './machine-graph.js';
export { renderMermaid } from './mermaid.js';
export type { MermaidOptions } from './mermaid.js';
export { renderDot } from './dot.js';
export { renderJson, diagramDocument } from './json.js';
export type { DiagramDocument } from './json.js';
export { renderSvg, renderSvgDocument } from './svg.js';
export type { SvgOptions } from './svg.js';
export { DiagramError } from './errors.js';

export const DIAGRAM_FORMATS = ['mermaid', 'dot', 'json', 'svg'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

export interface DiagramOptions {
  /** mermaid only: one ```mermaid fence per machine under a heading. */
  markdown?: boolean;
}

/** Every machine in one text: mermaid and dot as consecutive diagrams, json as one document, svg stacked. */
export async function renderDiagram(
  format: DiagramFormat,
  machines: Array<{ name: string; machine: AnyStateMachine }>,
  options: DiagramOptions = {},
): Promise<string> {
  switch (format) {
    case 'mermaid':
      return renderMermaid(machines, { markdown: options.markdown ?? false });
    case 'dot':
      return renderDot(machines);
    case 'json':
      return renderJson(machines);
    case 'svg':
      return renderSvgDocument(machines);
    default:
      // Reached only from untyped input (a CLI flag): name the formats that exist.
      throw new DiagramError(`unknown diagram format "${String(format satisfies never)}" (expected ${DIAGRAM_FORMATS.join(', ')})`);
  }
}

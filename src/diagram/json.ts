import { machineGraph } from './machine-graph.js';
import type { MachineGraph } from './machine-graph.js';
import { namedMachines } from './named-machines.js';
import type { MachineArg } from './named-machines.js';

/** The neutral graph of each machine, for tooling and the review page. */
export interface DiagramDocument {
  format: 'quiesce.machine-graph';
  version: 1;
  machines: Array<{ name: string; graph: MachineGraph }>;
}

export function diagramDocument(machines: MachineArg | readonly MachineArg[]): DiagramDocument {
  return {
    format: 'quiesce.machine-graph',
    version: 1,
    machines: namedMachines(machines).map(({ name, machine }) => ({ name, graph: machineGraph(machine) })),
  };
}

/** Stable output: nodes and edges in definition order, keys in a fixed order, two-space indent. */
export function renderJson(machines: MachineArg | readonly MachineArg[]): string {
  return `${JSON.stringify(diagramDocument(machines), null, 2)}\n`;
}

import { describe, expect, it } from 'vitest';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import { diagramDocument, renderJson } from '../../src/diagram/json.js';
import type { DiagramDocument } from '../../src/diagram/json.js';
import { machineGraph } from '../../src/diagram/machine-graph.js';
import { trickyMachine } from './tricky-machine.js';

const machines = [
  { name: 'cluster', machine: clusterMachine },
  { name: 'fleet', machine: fleetMachine },
  { name: 'tricky', machine: trickyMachine },
];

describe('renderJson', () => {
  it('round-trips: parsing the text gives back the graphs', () => {
    const parsed = JSON.parse(renderJson(machines)) as DiagramDocument;
    expect(parsed).toStrictEqual(diagramDocument(machines));
    expect(parsed.format).toBe('quiesce.machine-graph');
    expect(parsed.machines.map((m) => m.name)).toEqual(['cluster', 'fleet', 'tricky']);
    expect(parsed.machines[0]!.graph).toStrictEqual(machineGraph(clusterMachine));
  });

  it('is stable: same text every time, keys in a fixed order', () => {
    const text = renderJson(machines);
    expect(renderJson(machines)).toBe(text);
    const parsed = JSON.parse(text) as DiagramDocument;
    const edge = parsed.machines[0]!.graph.edges.find((e) => e.guard === 'verifiedAndStable')!;
    expect(Object.keys(edge)).toEqual(['id', 'source', 'target', 'eventType', 'event', 'guard', 'actions', 'priority', 'reenter']);
    expect(Object.keys(parsed.machines[0]!.graph.nodes[0]!)).toEqual(['id', 'key', 'parent', 'kind', 'initial', 'invoke', 'entry', 'tone']);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

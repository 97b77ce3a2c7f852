import { describe, expect, it } from 'vitest';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import { DIAGRAM_FORMATS, DiagramError, renderDiagram } from '../../src/diagram/index.js';
import type { DiagramFormat } from '../../src/diagram/index.js';

const machines = [
  { name: 'cluster', machine: clusterMachine },
  { name: 'fleet', machine: fleetMachine },
];

describe('renderDiagram', () => {
  it('renders every format for both machines', async () => {
    const out = Object.fromEntries(await Promise.all(DIAGRAM_FORMATS.map(async (f) => [f, await renderDiagram(f, machines)] as const)));
    expect(out.mermaid!.match(/^stateDiagram-v2$/gm)).toHaveLength(2);
    expect(out.dot!.match(/^digraph /gm)).toHaveLength(2);
    expect((JSON.parse(out.json!) as { machines: unknown[] }).machines).toHaveLength(2);
    expect(out.svg!.match(/data-machine=/g)).toHaveLength(2);
  });

  it('passes markdown mode to mermaid', async () => {
    expect(await renderDiagram('mermaid', machines, { markdown: true })).toContain('```mermaid\n');
  });

  it('names the formats it knows when given another', async () => {
    await expect(renderDiagram('png' as DiagramFormat, machines)).rejects.toThrow(DiagramError);
    await expect(renderDiagram('png' as DiagramFormat, machines)).rejects.toThrow(/mermaid, dot, json, svg/);
  });
});

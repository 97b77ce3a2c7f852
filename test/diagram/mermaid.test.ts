import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import { edgeLabel, internalLabel, machineGraph } from '../../src/diagram/machine-graph.js';
import { mermaidIds, renderMermaid } from '../../src/diagram/mermaid.js';
import { parseMermaidSubset, splitDiagrams } from './mermaid-subset.js';
import { trickyMachine } from './tricky-machine.js';

const machines: Array<[string, AnyStateMachine]> = [
  ['cluster', clusterMachine],
  ['fleet', fleetMachine],
  ['tricky', trickyMachine],
];

describe.each(machines)('renderMermaid(%s)', (_name, machine) => {
  const text = renderMermaid(machine);
  const graph = machineGraph(machine);
  const ids = mermaidIds(graph);
  const parsed = parseMermaidSubset(text);

  it('starts with stateDiagram-v2 and balances its braces', () => {
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(text.split('{').length).toBe(text.split('}').length);
  });

  it('declares every state once, under its parent, with its own name as label', () => {
    expect(parsed.states.size).toBe(graph.nodes.length + (graph.edges.some((e) => e.source === '' && e.target !== null) ? 1 : 0));
    for (const node of graph.nodes) {
      const state = parsed.states.get(ids.get(node.id)!);
      expect(state, node.id).toBeDefined();
      expect(state!.label).toBe(node.kind === 'history' ? `${node.key} (history)` : node.key);
      expect(state!.parent).toBe(node.parent === null ? null : ids.get(node.parent)!);
      expect(state!.block).toBe(node.kind === 'compound' || node.kind === 'parallel');
    }
  });

  it('uses no dotted id anywhere', () => {
    for (const id of ids.values()) expect(id).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    for (const line of text.split('\n')) {
      if (line.trim().startsWith('%%')) continue;
      const ends = line.match(/^\s*(\S+) --> (\S+)/);
      if (ends) expect(`${ends[1]} ${ends[2]}`).not.toMatch(/\./);
    }
  });

  it('draws every targeted transition with its label, and lists targetless ones in their state', () => {
    const drawn = parsed.transitions.filter((t) => t.from !== '[*]' && t.to !== '[*]').map((t) => `${t.from} -> ${t.to} : ${t.label}`);
    const expected = graph.edges
      .filter((e) => e.target !== null)
      .map((e) => `${e.source === '' ? 'any_state' : ids.get(e.source)} -> ${ids.get(e.target!)} : ${edgeLabel(e)}`);
    expect(drawn.sort()).toEqual(expected.sort());
    for (const e of graph.edges.filter((e) => e.target === null && e.source !== '')) {
      const node = graph.nodes.find((n) => n.id === e.source)!;
      if (node.kind === 'compound' || node.kind === 'parallel') expect(text).toContain(`%% internal: ${internalLabel(e)}`);
      else expect(parsed.states.get(ids.get(e.source)!)!.descriptions).toContain(internalLabel(e));
    }
  });

  it('marks initial states with [*] --> and final states with --> [*]', () => {
    for (const node of graph.nodes) {
      const id = ids.get(node.id)!;
      const parentKind = graph.nodes.find((n) => n.id === node.parent)?.kind;
      const starts = parsed.transitions.some((t) => t.from === '[*]' && t.to === id);
      expect(starts, node.id).toBe(node.initial && parentKind !== 'parallel');
      expect(parsed.transitions.some((t) => t.from === id && t.to === '[*]'), node.id).toBe(node.kind === 'final');
    }
  });

  it('names invoked actors under the state name', () => {
    for (const node of graph.nodes.filter((n) => n.invoke.length > 0)) {
      expect(parsed.states.get(ids.get(node.id)!)!.descriptions).toEqual(
        expect.arrayContaining(node.invoke.map((inv) => `invoke: ${inv.src}`)),
      );
    }
  });
});

describe('renderMermaid', () => {
  it('escapes delimiters and renames keyword and colliding ids', () => {
    const text = renderMermaid(trickyMachine);
    const ids = mermaidIds(machineGraph(trickyMachine));
    expect(ids.get('note')).toBe('s_note');
    expect(ids.get('default')).toBe('s_default');
    expect(ids.get('end')).toBe('s_end');
    expect(ids.get('a_b')).toBe('a_b');
    expect(ids.get('a.b')).toBe('a_b_2');
    // `a` is a block, so mermaid itself names `a_start`: the state of that name has to move aside.
    expect(ids.get('a_start')).toBe('a_start_2');
    expect(text).toContain('s_note --> a_b : x#59;y#123;z#125; [weird#58;guard#59;#37;#37;]');
    expect(text).toContain('a_b --> a : direction#32;TB');
  });

  it('puts several machines in separate diagrams separated by a blank line', () => {
    const text = renderMermaid([
      { name: 'cluster', machine: clusterMachine },
      { name: 'fleet', machine: fleetMachine },
    ]);
    const diagrams = splitDiagrams(text);
    expect(diagrams).toHaveLength(2);
    expect(text).toContain('\n\nstateDiagram-v2\n');
    expect(diagrams[0]).toContain('%% cluster:');
    expect(diagrams[1]).toContain('%% fleet:');
    for (const d of diagrams) expect(() => parseMermaidSubset(d)).not.toThrow();
  });

  it('wraps each diagram in a fence in markdown mode', () => {
    const text = renderMermaid([clusterMachine, fleetMachine], { markdown: true });
    expect(text.match(/^```mermaid$/gm)).toHaveLength(2);
    expect(text.match(/^```$/gm)).toHaveLength(2);
    expect(text).toContain('### cluster\n\n```mermaid\nstateDiagram-v2\n');
  });

  it('styles waiting and stopping states', () => {
    const parsed = parseMermaidSubset(renderMermaid(clusterMachine));
    expect([...parsed.classes.keys()]).toEqual(['attention', 'stop']);
    const text = renderMermaid(clusterMachine);
    expect(text).toContain('  class paused attention\n');
    expect(text).toContain('  class abortInMaintenance,held,aborted stop\n');
  });

  it('is deterministic', () => {
    expect(renderMermaid(clusterMachine)).toBe(renderMermaid(clusterMachine));
  });
});

describe('parseMermaidSubset (the validator itself)', () => {
  it.each([
    ['a dotted id', 'stateDiagram-v2\n  state "x" as a.b\n'],
    ['a raw colon in a label', 'stateDiagram-v2\n  state "a" as a\n  state "b" as b\n  a --> b : done: x\n'],
    ['an unclosed block', 'stateDiagram-v2\n  state "a" as a {\n'],
    ['a duplicated id', 'stateDiagram-v2\n  state "a" as a\n  state "a" as a\n'],
    ['a keyword id', 'stateDiagram-v2\n  state "end" as end\n'],
    ['an edge that would re-parent a state', 'stateDiagram-v2\n  state "p" as p {\n    state "c" as c\n  }\n  state "q" as q {\n    c --> q\n  }\n'],
    ['an undeclared state', 'stateDiagram-v2\n  state "a" as a\n  a --> b\n'],
  ])('rejects %s', (_what, text) => {
    expect(() => parseMermaidSubset(text)).toThrow();
  });
});

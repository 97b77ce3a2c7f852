import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import { renderDot } from '../../src/diagram/dot.js';
import { edgeLabel, machineGraph } from '../../src/diagram/machine-graph.js';
import { dotProblems, parseDot, tokenizeDot } from './dot-check.js';
import { trickyMachine } from './tricky-machine.js';

const machines: Array<[string, AnyStateMachine]> = [
  ['cluster', clusterMachine],
  ['fleet', fleetMachine],
  ['tricky', trickyMachine],
];

describe.each(machines)('renderDot(%s)', (_name, machine) => {
  const text = renderDot(machine);
  const graph = machineGraph(machine);
  const [dot] = parseDot(text);

  it('balances its braces (outside strings) and parses', () => {
    const punct = tokenizeDot(text).filter((t) => t.kind === 'punct');
    expect(punct.filter((t) => t.value === '{').length).toBe(punct.filter((t) => t.value === '}').length);
    expect(dot?.name).toBe(machine.id);
  });

  it('declares every state, and every edge endpoint', () => {
    for (const node of graph.nodes) {
      const block = node.kind === 'compound' || node.kind === 'parallel';
      if (block) expect(dot!.clusters.has(`cluster_${node.id}`), node.id).toBe(true);
      else expect(dot!.nodes.has(node.id), node.id).toBe(true);
    }
    expect(dotProblems(dot!)).toEqual([]);
  });

  it('nests compound states as cluster subgraphs', () => {
    for (const node of graph.nodes.filter((n) => n.kind !== 'compound' && n.kind !== 'parallel')) {
      const expected: string[] = [];
      for (let p = node.parent; p !== null; p = graph.nodes.find((n) => n.id === p)!.parent) expected.unshift(`cluster_${p}`);
      expect(dot!.nodes.get(node.id)!.clusters).toEqual(expected);
    }
  });

  it('draws final states as double circles and every targeted transition with its label', () => {
    for (const node of graph.nodes.filter((n) => n.kind === 'final')) expect(dot!.nodes.get(node.id)!.attributes.shape).toBe('doublecircle');
    const labelled = dot!.edges.filter((e) => e.attributes.label !== undefined).map((e) => e.attributes.label);
    expect(labelled.sort()).toEqual(graph.edges.filter((e) => e.target !== null).map(edgeLabel).sort());
  });

  it('clips edges to and from compound states at the cluster border', () => {
    const block = (id: string) => ['compound', 'parallel'].includes(graph.nodes.find((n) => n.id === id)?.kind ?? '');
    const inside = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}.`);
    for (const e of graph.edges.filter((e) => e.target !== null)) {
      const drawn = dot!.edges.find((d) => d.attributes.label === edgeLabel(e) && [e.source, `${e.source}#initial`, '#any'].includes(d.from));
      expect(drawn, e.id).toBeDefined();
      if (block(e.target!) && !inside(e.source, e.target!)) expect(drawn!.attributes.lhead, e.id).toBe(`cluster_${e.target}`);
      if (block(e.source) && !inside(e.target!, e.source)) expect(drawn!.attributes.ltail, e.id).toBe(`cluster_${e.source}`);
    }
  });

  it('gives each compound state an initial point', () => {
    for (const node of graph.nodes.filter((n) => n.kind === 'compound')) {
      const point = dot!.nodes.get(`${node.id}#initial`);
      expect(point?.attributes.shape).toBe('point');
      const initial = graph.nodes.find((n) => n.parent === node.id && n.initial)!;
      expect(dot!.edges.some((e) => e.from === `${node.id}#initial` && (e.to === initial.id || e.to === `${initial.id}#initial`))).toBe(true);
    }
  });
});

describe('renderDot', () => {
  it('escapes quotes and keeps delimiters inside strings', () => {
    const [dot] = parseDot(renderDot(trickyMachine));
    expect(dot!.attributes.label).toBe('tricky\\non any state: PING<&>"\' / assign');
    expect(dot!.edges.find((e) => e.from === 'note' && e.to === 'a_b')?.attributes.label).toBe('x;y{z} [weird:guard;%%]');
    expect(dot!.nodes.get('#any')?.attributes.label).toBe('any state');
  });

  it('emits one digraph per machine', () => {
    const graphs = parseDot(renderDot([clusterMachine, fleetMachine]));
    expect(graphs.map((g) => g.name)).toEqual(['cluster', 'fleet']);
  });

  it('colours waiting and stopping states', () => {
    const [dot] = parseDot(renderDot(clusterMachine));
    expect(dot!.nodes.get('paused')!.attributes.color).toBe('#d97706');
    expect(dot!.nodes.get('held')!.attributes.color).toBe('#dc2626');
  });
});

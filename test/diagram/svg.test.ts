import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import { DiagramError } from '../../src/diagram/errors.js';
import { machineGraph } from '../../src/diagram/machine-graph.js';
import { renderSvg, renderSvgDocument } from '../../src/diagram/svg.js';
import { allElements, classesOf, parseXml } from './xml-check.js';
import type { XmlElement } from './xml-check.js';
import { trickyMachine } from './tricky-machine.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

const machines: Array<[string, AnyStateMachine]> = [
  ['cluster', clusterMachine],
  ['fleet', fleetMachine],
  ['tricky', trickyMachine],
];

const stateGroups = (root: XmlElement) => allElements(root).filter((e) => e.name === 'g' && e.attributes['data-state'] !== undefined);

describe.each(machines)('renderSvg(%s)', (_name, machine) => {
  let svg: string;
  let root: XmlElement;
  const graph = machineGraph(machine);

  // Laying out once per machine keeps the suite fast; each render is also the check that elkjs completes.
  beforeAll(async () => {
    svg = await renderSvg(machine);
    root = parseXml(svg);
  });

  it('is a well-formed SVG document', () => {
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe(SVG_NS);
    expect(root.attributes.viewBox).toMatch(/^0 0 \d+ \d+$/);
    expect(allElements(root).filter((e) => e.name === 'style')).toHaveLength(1);
  });

  it('has one data-state group per state, nested like the machine', () => {
    const groups = stateGroups(root);
    expect(groups.map((g) => g.attributes['data-state']).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    for (const group of groups) {
      const node = graph.nodes.find((n) => n.id === group.attributes['data-state'])!;
      const parentGroup = (function up(e: XmlElement | null): XmlElement | null {
        return e === null || e.attributes['data-state'] !== undefined ? e : up(e.parent);
      })(group.parent);
      expect(parentGroup?.attributes['data-state'] ?? null).toBe(node.parent);
      expect(classesOf(group)).toEqual(['state', node.kind]);
      const texts = group.children.filter((c) => c.name === 'text').map((t) => t.text);
      expect(texts[0]).toBe(node.kind === 'history' ? `${node.key} (history)` : node.key);
      for (const inv of node.invoke) expect(texts).toContain(`invoke: ${inv.src}`);
      const boxes = group.children.filter((c) => c.name === 'rect');
      expect(boxes.length).toBe(node.kind === 'final' ? 2 : 1);
    }
  });

  it('draws an arrow for every targeted transition with its label', () => {
    const edges = allElements(root).filter((e) => e.name === 'g' && classesOf(e).includes('transition'));
    const pairs = new Set(graph.edges.filter((e) => e.target !== null).map((e) => `${e.source === '' ? '#any' : e.source} -> ${e.target}`));
    expect(new Set(edges.map((e) => `${e.attributes['data-source']} -> ${e.attributes['data-target']}`))).toEqual(pairs);
    for (const e of edges) {
      const paths = e.children.filter((c) => c.name === 'path');
      expect(paths.length).toBeGreaterThanOrEqual(2);
      expect(paths.at(-1)!.attributes.d).toMatch(/Z$/);
    }
    const labels = allElements(root)
      .filter((e) => classesOf(e).includes('edge-label'))
      .flatMap((e) => e.children.filter((c) => c.name === 'text').map((t) => t.text));
    expect(labels.length).toBe(graph.edges.filter((e) => e.target !== null).length);
  });

  it('refers to nothing outside itself', () => {
    const urls = svg.match(/https?:\/\/[^\s"'<>)]*/g) ?? [];
    expect(new Set(urls)).toEqual(new Set([SVG_NS]));
    expect(svg).not.toMatch(/<script|<image|<foreignObject|href=|url\(|@import|@font-face|javascript:/i);
    for (const e of allElements(root)) {
      for (const name of Object.keys(e.attributes)) expect(name.toLowerCase().startsWith('on'), `${e.name}[${name}]`).toBe(false);
    }
  });
});

describe('renderSvg options', () => {
  it('adds the highlight class to exactly the highlighted state', async () => {
    const root = parseXml(await renderSvg(clusterMachine, { highlight: ['draining.waiting'] }));
    const highlighted = stateGroups(root).filter((g) => classesOf(g).includes('highlight'));
    expect(highlighted.map((g) => g.attributes['data-state'])).toEqual(['draining.waiting']);
    const box = highlighted[0]!.children.find((c) => c.name === 'rect')!;
    expect(box.attributes.stroke).toBe('#2563eb');
    expect(stateGroups(root).filter((g) => classesOf(g).includes('visited'))).toEqual([]);
  });

  it('marks visited states with a light fill', async () => {
    const visited = ['preflight', 'removing', 'removing.checkDrift'];
    const root = parseXml(await renderSvg(clusterMachine, { visited }));
    const marked = stateGroups(root).filter((g) => classesOf(g).includes('visited'));
    expect(marked.map((g) => g.attributes['data-state'])).toEqual(visited);
    expect(stateGroups(root).filter((g) => classesOf(g).includes('highlight'))).toEqual([]);
  });

  it('refuses a state the machine does not have', async () => {
    await expect(renderSvg(clusterMachine, { highlight: ['cluster.draining'] })).rejects.toThrow(DiagramError);
  });

  it('stacks several machines in one document, each scoped by data-machine', async () => {
    const root = parseXml(await renderSvgDocument([clusterMachine, fleetMachine]));
    const machineGroups = allElements(root).filter((e) => e.attributes['data-machine'] !== undefined);
    expect(machineGroups.map((g) => g.attributes['data-machine'])).toEqual(['cluster', 'fleet']);
    expect(stateGroups(machineGroups[1]!).map((g) => g.attributes['data-state'])).toEqual(['rolling', 'confirming', 'paused', 'done', 'held', 'aborted']);
  });

  it('escapes text from the machine', async () => {
    const svg = await renderSvg(trickyMachine);
    expect(svg).toContain('PING&lt;&amp;&gt;"\' / assign');
    const root = parseXml(svg);
    const title = allElements(root).find((e) => e.name === 'g' && e.attributes['data-state'] === 'end')!.children.find((c) => c.name === 'title')!;
    expect(title.text).toBe('end\nthe end: "quoted" <b> & more');
  });

  it('lays out the same machine the same way every time', async () => {
    expect(await renderSvg(fleetMachine)).toBe(await renderSvg(fleetMachine));
  });
});

describe('parseXml (the checker itself)', () => {
  it.each([
    ['a stray ampersand', '<svg>a & b</svg>'],
    ['mismatched tags', '<svg><g></svg></g>'],
    ['two roots', '<svg/><svg/>'],
    ['a raw < in an attribute', '<svg a="<"/>'],
    ['an unknown entity', '<svg>&nbsp;</svg>'],
    ['an unclosed element', '<svg><g>'],
    ['a duplicate attribute', '<svg a="1" a="2"/>'],
  ])('rejects %s', (_what, text) => {
    expect(() => parseXml(text)).toThrow();
  });
});

describe('renderSvgDocument', () => {
  it('marks a state in whichever machine has it, and refuses an id no machine has', async () => {
    const root = parseXml(await renderSvgDocument([clusterMachine, fleetMachine], { highlight: ['draining.waiting'] }));
    const highlighted = stateGroups(root).filter((g) => classesOf(g).includes('highlight'));
    expect(highlighted.map((g) => g.attributes['data-state'])).toEqual(['draining.waiting']);
    await expect(renderSvgDocument([clusterMachine, fleetMachine], { visited: ['nowhere'] })).rejects.toThrow(/no state "nowhere"/);
  });
});

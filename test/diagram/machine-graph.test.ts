import { describe, expect, it } from 'vitest';
import { setup, type AnyStateMachine, type AnyStateNode } from 'xstate';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import { edgeLabel, machineGraph } from '../../src/diagram/machine-graph.js';
import type { GraphEdge, MachineGraph } from '../../src/diagram/machine-graph.js';
import { trickyMachine } from './tricky-machine.js';

/** Every state below the root, depth first, straight from the StateNode tree. */
function walk(state: AnyStateNode): AnyStateNode[] {
  return Object.values(state.states).flatMap((child) => [child, ...walk(child)]);
}

function find(graph: MachineGraph, source: string, target: string | null, event?: string): GraphEdge[] {
  return graph.edges.filter((e) => e.source === source && e.target === target && (event === undefined || e.event === event));
}

const machines: Array<[string, AnyStateMachine]> = [
  ['cluster', clusterMachine],
  ['fleet', fleetMachine],
  ['tricky', trickyMachine],
];

describe.each(machines)('machineGraph(%s)', (_name, machine) => {
  const graph = machineGraph(machine);
  const states = walk(machine.root);

  it('has one node per state, in definition order, with its path, parent and kind', () => {
    expect(graph.nodes.map((n) => n.id)).toEqual(states.map((s) => s.path.join('.')));
    for (const [i, state] of states.entries()) {
      const node = graph.nodes[i]!;
      expect(node.key).toBe(state.key);
      expect(node.kind).toBe(state.type);
      expect(node.parent).toBe(state.parent === machine.root ? null : state.parent!.path.join('.'));
      expect(node.invoke.map((inv) => inv.id)).toEqual(state.invoke.map((inv) => inv.id));
    }
  });

  it('marks exactly the initial children of each compound state', () => {
    for (const state of [machine.root, ...states].filter((s) => s.type === 'compound')) {
      const initial = graph.nodes.filter((n) => (n.parent ?? '') === state.path.join('.') && n.initial).map((n) => n.id);
      expect(initial).toEqual((state.initial.target ?? []).map((t: AnyStateNode) => t.path.join('.')));
    }
    expect(graph.initial).toBe(graph.nodes.find((n) => n.parent === null && n.initial)?.id ?? null);
  });

  it('has an edge for every transition target and none to an unknown state', () => {
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const e of graph.edges) {
      expect(e.source === '' || ids.has(e.source), `source of ${e.id}`).toBe(true);
      expect(e.target === null || ids.has(e.target), `target of ${e.id}`).toBe(true);
    }
    const expected = [machine.root, ...states].flatMap((state) =>
      [...state.transitions.values(), state.always ?? []].flatMap((ts) => ts.flatMap((t) => (t.target?.length ? t.target.map((x) => x.path.join('.')) : [null]))),
    );
    expect(graph.edges.map((e) => e.target).sort()).toEqual(expected.sort());
    expect(new Set(graph.edges.map((e) => e.id)).size).toBe(graph.edges.length);
  });

  it('shortens XState internal event types', () => {
    for (const e of graph.edges) {
      expect(e.event.startsWith('xstate.'), e.event).toBe(false);
      if (e.eventType === '') expect(e.event).toBe('always');
    }
  });
});

describe('machineGraph of the cluster machine', () => {
  const graph = machineGraph(clusterMachine);

  it('names the guard on the only way into reactivating', () => {
    const into = graph.edges.filter((e) => e.target === 'reactivating' && e.source !== 'paused');
    expect(into).toHaveLength(1);
    expect(into[0]).toMatchObject({ source: 'verifying.checking', event: 'done: verifyCluster', guard: 'verifiedAndStable' });
    expect(edgeLabel(into[0]!)).toBe('done: verifyCluster [verifiedAndStable]');
  });

  it('labels invoke outcomes, eventless transitions and parameterised guards', () => {
    expect(find(graph, 'removing.setZero', 'securing')[0]?.event).toBe('error: setWeight');
    expect(find(graph, 'maintaining.next', 'maintaining.complete')[0]).toMatchObject({ event: 'always', guard: 'allStepsDone' });
    expect(find(graph, 'paused', 'removing', 'APPROVE')[0]?.guard).toBe('resumeTo(removing)');
    expect(find(graph, 'paused', 'reactivating', 'always')[0]?.guard).toBe('abortedWhile(reactivating)');
    expect(find(graph, 'confirming.afterConfirm', 'draining')[0]?.guard).toBeUndefined();
  });

  it('keeps transition priority and actions', () => {
    const fromChecking = graph.edges.filter((e) => e.source === 'draining.checking' && e.event === 'done: observeDrain');
    expect(fromChecking.map((e) => e.priority)).toEqual([0, 1, 2, 3, 4]);
    expect(fromChecking.map((e) => e.guard)).toEqual(['outputDone', 'outputDrift', 'outputFailed', 'outputPastDeadline', undefined]);
    expect(fromChecking[4]?.actions).toEqual(['observe', 'schedule']);
  });

  it('records invoked actors, entry actions and tones', () => {
    const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
    expect(node('reactivating.rollingBack').invoke).toEqual([{ id: 'setWeight', src: 'setWeight' }]);
    expect(node('maintaining.starting').entry).toEqual(['beginStep', 'startDeadline']);
    expect(node('paused').tone).toBe('attention');
    expect([node('held').tone, node('aborted').tone]).toEqual(['stop', 'stop']);
    expect(node('done')).toMatchObject({ kind: 'final', tone: 'normal' });
  });

  it('keeps the root-level ABORT as a targetless transition from the root', () => {
    expect(find(graph, '', null)).toEqual([expect.objectContaining({ event: 'ABORT', actions: ['recordAbort'] })]);
  });
});

describe('machineGraph of the fleet machine', () => {
  it('marks action-only transitions as targetless', () => {
    const graph = machineGraph(fleetMachine);
    const internal = graph.edges.filter((e) => e.target === null);
    expect(internal.map((e) => edgeLabel(e))).toEqual([
      'CLUSTER.DONE [fromRunning]',
      'CLUSTER.HELD [fromRunning]',
      'CLUSTER.ABORTED [fromRunning]',
      'CLUSTER.PAUSED [fromRunning]',
      'CLUSTER.RESUMED [fromRunning]',
      'ABORT',
      'always [canStart]',
    ]);
    expect(internal.at(-1)?.actions).toEqual(['startCluster', 'markStarted']);
    expect(find(graph, 'rolling', 'confirming')[0]?.guard).toBe('allDone');
    expect(find(graph, 'confirming', 'paused')[0]?.guard).toBe('confirmedDrift');
    expect(find(graph, 'confirming', 'done')).toHaveLength(1);
    expect(find(graph, 'paused', 'confirming')[0]?.event).toBe('APPROVE');
  });
});

describe('machineGraph of awkward definitions', () => {
  const graph = machineGraph(trickyMachine);

  it('shows the parts of composite guards, params, delays and inline logic', () => {
    expect(find(graph, 'note', 'default')[0]?.guard).toBe('a && !(b || c)');
    expect(find(graph, 'note', 'end')[0]?.guard).toBe('level(2)');
    expect(find(graph, 'default', 'a', 'INLINE')[0]?.guard).toBe('inline');
    expect(find(graph, 'default', 'end')[0]?.event).toBe('after 500ms');
    expect(find(graph, 'default', 'a', 'after slow')).toHaveLength(1);
    expect(find(graph, 'a', 'a_start')[0]?.event).toBe('done');
    expect(find(graph, 'par', null)[0]?.actions).toEqual(['inline']);
  });

  it('names a guard whose params are computed from the event when it runs, without them', () => {
    // Dynamic params (how the machines hand a guard an actor's typed output) have no value to draw.
    const machine = setup({
      types: { events: {} as { type: 'GO'; n: number } },
      guards: { big: (_, params: { n: number }) => params.n > 1 },
    }).createMachine({
      id: 'dynamic',
      initial: 'a',
      states: { a: { on: { GO: { target: 'b', guard: { type: 'big', params: ({ event }) => ({ n: event.n }) } } } }, b: {} },
    });
    expect(find(machineGraph(machine), 'a', 'b')[0]?.guard).toBe('big');
  });

  it('names invoked actors without generated ids', () => {
    const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
    expect(node('a.b').invoke[0]?.src).toBe('load#1');
    expect(find(graph, 'a.b', 'a.done')[0]?.event).toBe('done: load#1');
    expect(node('a_start').invoke[0]).toEqual({ id: 'inlineActor', src: 'inlineActor' });
  });

  it('handles parallel regions, history, root transitions, self-transitions and meta', () => {
    const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
    expect([node('par.left').initial, node('par.right').initial]).toEqual([true, true]);
    expect(node('par.right.hist').kind).toBe('history');
    expect(find(graph, '', 'note')[0]?.event).toBe('RESET');
    expect(find(graph, 'default', 'default')[0]?.reenter).toBe(true);
    expect(node('end')).toMatchObject({ tone: 'attention', description: 'the end: "quoted" <b> & more' });
  });
});

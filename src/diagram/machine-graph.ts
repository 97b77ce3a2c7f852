import type { AnyStateMachine, AnyStateNode } from 'xstate';

// The one place that reads a machine's structure. Every renderer draws from this neutral graph, so a
// diagram is derived from the machine definition itself and cannot disagree with it.

export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** How a renderer should colour a state: `attention` waits for a person, `stop` ends or holds the run. */
export type StateTone = 'normal' | 'attention' | 'stop';

export interface GraphNode {
  /** Dotted path from the machine root, as in a snapshot's state value: `confirming.checking`. */
  id: string;
  key: string;
  /** Dotted path of the parent state; null for top-level states. */
  parent: string | null;
  kind: StateKind;
  /** True when the parent enters this state first (its `initial`), or when the parent is parallel. */
  initial: boolean;
  invoke: Array<{ id: string; src: string }>;
  entry: string[];
  tone: StateTone;
  description?: string;
}

export interface GraphEdge {
  /** Stable id: `<source>|<event type or always>|<priority>` (plus `|<n>` for multi-target transitions). */
  id: string;
  /** Dotted path of the state that owns the transition; '' for the machine root ("from any state"). */
  source: string;
  /** Dotted path of the target; null for a targetless transition (actions only, no state is left). */
  target: string | null;
  /** Raw event type; '' for an eventless (`always`) transition. */
  eventType: string;
  /** Display form: `TICK`, `done: setWeight`, `error: setWeight`, `always`, `after 500ms`. */
  event: string;
  /** Display form of the guard: `verifiedAndStable`, `resumeTo(removing)`, `a && !b`. */
  guard?: string;
  actions: string[];
  /** Position among the transitions of `source` for the same event: lower is tried first. */
  priority: number;
  reenter: boolean;
}

export interface MachineGraph {
  machine: string;
  /** Dotted path of the state the machine starts in. */
  initial: string | null;
  /** Depth-first, in definition order. */
  nodes: GraphNode[];
  /** Grouped by owning state in node order (root first), then in definition order. */
  edges: GraphEdge[];
}

export interface NamedMachine {
  name: string;
  machine: AnyStateMachine;
}

// quiesce's waiting and stopping states. A machine can override with `meta: { tone: 'attention' }`.
const DEFAULT_TONES: Record<string, StateTone> = {
  paused: 'attention',
  held: 'stop',
  aborted: 'stop',
  abortInMaintenance: 'stop',
};

export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const visit = (state: AnyStateNode) => {
    if (state !== machine.root) nodes.push(toNode(state));
    edges.push(...edgesOf(state));
    for (const child of Object.values(state.states)) visit(child);
  };
  visit(machine.root);
  return { machine: machine.id, initial: initialChildren(machine.root)[0] ?? null, nodes, edges };
}

/** The label renderers put on an edge: the event, and the guard in brackets. */
export function edgeLabel(edge: GraphEdge): string {
  return edge.guard === undefined ? edge.event : `${edge.event} [${edge.guard}]`;
}

/** How a targetless transition reads inside its state's box: `EVENT [guard] / action, action`. */
export function internalLabel(edge: GraphEdge): string {
  return edge.actions.length === 0 ? edgeLabel(edge) : `${edgeLabel(edge)} / ${edge.actions.join(', ')}`;
}

/** Direct children of `parent` ('' for the root), in definition order. */
export function childrenOf(graph: MachineGraph, parent: string): GraphNode[] {
  return graph.nodes.filter((n) => (n.parent ?? '') === parent);
}

export function pathOf(state: AnyStateNode): string {
  return state.path.join('.');
}

function toNode(state: AnyStateNode): GraphNode {
  const parent = state.parent;
  return {
    id: pathOf(state),
    key: state.key,
    parent: parent && parent.parent ? pathOf(parent) : null,
    kind: state.type,
    initial: parent !== undefined && initialChildren(parent).includes(pathOf(state)),
    invoke: invokedActors(state).map(({ id, src }) => ({ id, src })),
    entry: state.entry.map(actionName),
    tone: toneOf(state),
    ...(state.description !== undefined ? { description: state.description } : {}),
  };
}

/**
 * What a state invokes, named for people: XState names an invoke without an `id` `<index>.<state id>` and
 * registers inline logic as `xstate.invoke.<index>.<state id>`; neither says anything, so each falls back
 * on the other, and `label` is what `done:` / `error:` edges show.
 */
function invokedActors(state: AnyStateNode): Array<{ id: string; src: string; label: string }> {
  return state.invoke.map((inv, index) => {
    const generatedId = `${index}.${state.id}`;
    const namedSrc = typeof inv.src === 'string' && !inv.src.startsWith('xstate.invoke.') ? inv.src : undefined;
    const namedId = inv.id !== generatedId ? inv.id : undefined;
    const src = namedSrc ?? namedId ?? 'inline';
    return { id: inv.id, src, label: namedId ?? src };
  });
}

function initialChildren(state: AnyStateNode): string[] {
  if (state.type === 'parallel') return Object.values(state.states).map(pathOf);
  if (state.type !== 'compound') return [];
  return (state.initial.target ?? []).map(pathOf);
}

function toneOf(state: AnyStateNode): StateTone {
  const fromMeta = (state.meta as { tone?: unknown } | undefined)?.tone;
  if (fromMeta === 'normal' || fromMeta === 'attention' || fromMeta === 'stop') return fromMeta;
  return Object.hasOwn(DEFAULT_TONES, state.key) ? DEFAULT_TONES[state.key]! : 'normal';
}

interface TransitionLike {
  target: ReadonlyArray<AnyStateNode> | undefined;
  guard?: unknown;
  actions: readonly unknown[];
  reenter: boolean;
}

function edgesOf(state: AnyStateNode): GraphEdge[] {
  const groups: Array<[string, readonly TransitionLike[]]> = [...state.transitions.entries()];
  if (state.always) groups.push(['', state.always]);
  const source = pathOf(state);
  const actors = new Map(invokedActors(state).map((a) => [a.id, a.label]));
  return groups.flatMap(([eventType, transitions]) =>
    transitions.flatMap((t, priority) => {
      const targets: Array<string | null> = t.target && t.target.length > 0 ? t.target.map(pathOf) : [null];
      const guard = guardText(t.guard);
      return targets.map(
        (target, n): GraphEdge => ({
          id: `${source}|${eventType || 'always'}|${priority}${targets.length > 1 ? `|${n}` : ''}`,
          source,
          target,
          eventType,
          event: eventLabel(eventType, state.id, actors),
          // Spread rather than `guard: undefined`, so the JSON form has the same keys as the object.
          ...(guard !== undefined ? { guard } : {}),
          actions: t.actions.map(actionName),
          priority,
          reenter: t.reenter,
        }),
      );
    }),
  );
}

/**
 * Shortens XState's internal event types. `stateId` is the owning state's XState id (`cluster.draining`);
 * `actors` maps invoke ids to the names to show for them.
 */
export function eventLabel(eventType: string, stateId: string, actors: ReadonlyMap<string, string> = new Map()): string {
  if (eventType === '') return 'always';
  const after = strip(eventType, 'xstate.after.');
  if (after !== undefined) {
    const delay = after.endsWith(`.${stateId}`) ? after.slice(0, -(stateId.length + 1)) : after;
    return /^\d+$/.test(delay) ? `after ${delay}ms` : `after ${delay}`;
  }
  const done = strip(eventType, 'xstate.done.actor.');
  if (done !== undefined) return `done: ${actors.get(done) ?? done}`;
  const error = strip(eventType, 'xstate.error.actor.');
  if (error !== undefined) return `error: ${actors.get(error) ?? error}`;
  if (strip(eventType, 'xstate.done.state.') !== undefined) return 'done';
  return eventType;
}

function strip(text: string, prefix: string): string | undefined {
  return text.startsWith(prefix) ? text.slice(prefix.length) : undefined;
}

type GuardForm = { text: string; compound: boolean };

/**
 * Named guards show their name; parameterised ones their params (`resumeTo(removing)`), because seven
 * `APPROVE [resumeTo]` edges would not say which is which; `and`/`or`/`not` show their parts. Params
 * computed from the event as the guard runs (how a guard receives an actor's output) have no value a
 * drawing could show, so such a guard shows its name alone.
 */
export function guardText(guard: unknown): string | undefined {
  return guard === undefined ? undefined : guardForm(guard).text;
}

function guardForm(guard: unknown): GuardForm {
  if (typeof guard === 'string') return { text: guard, compound: false };
  if (typeof guard === 'function') {
    const fn = guard as { name: string; guards?: unknown[]; stateValue?: unknown };
    if (Array.isArray(fn.guards) && (fn.name === 'and' || fn.name === 'or')) {
      const parts = fn.guards.map((g) => {
        const part = guardForm(g);
        return part.compound ? `(${part.text})` : part.text;
      });
      return { text: parts.join(fn.name === 'and' ? ' && ' : ' || '), compound: parts.length > 1 };
    }
    if (Array.isArray(fn.guards) && fn.name === 'not' && fn.guards.length === 1) {
      const part = guardForm(fn.guards[0]);
      return { text: part.compound ? `!(${part.text})` : `!${part.text}`, compound: false };
    }
    if (fn.name === 'stateIn') return { text: `in(${paramText(fn.stateValue)})`, compound: false };
    // An inline predicate has no name of its own; XState's config key `guard` is not one either.
    return { text: fn.name && fn.name !== 'guard' ? fn.name : 'inline', compound: false };
  }
  if (guard !== null && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    const { type, params } = guard as { type: string; params?: unknown };
    const nameOnly = params === undefined || typeof params === 'function';
    return { text: nameOnly ? type : `${type}(${paramText(params)})`, compound: false };
  }
  return { text: 'inline', compound: false };
}

function paramText(params: unknown): string {
  if (typeof params === 'function') return '…';
  if (params === null || typeof params !== 'object') return String(params);
  const entries = Object.entries(params as Record<string, unknown>);
  const plain = entries.every(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (!plain) return '…';
  if (entries.length === 1) return String(entries[0]![1]);
  return entries.map(([k, v]) => `${k}=${String(v)}`).join(', ');
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') {
    const type = (action as { type?: unknown }).type;
    if (typeof type === 'string') return type.startsWith('xstate.') ? type.slice('xstate.'.length) : type;
    // An inline function takes the name of the config key it was written under; that is no name either.
    return action.name && !['actions', 'entry', 'exit'].includes(action.name) ? action.name : 'inline';
  }
  if (action !== null && typeof action === 'object' && typeof (action as { type?: unknown }).type === 'string') {
    return (action as { type: string }).type;
  }
  return 'inline';
}

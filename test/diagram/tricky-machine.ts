import { and, assign, createMachine, fromPromise, not, or } from 'xstate';

// A machine built to trip renderers: keyword and colliding state names, delimiters in event and guard
// names, composite and parameterised guards, delays, a parallel state, history, a root-level transition,
// targetless transitions, a self-transition and inline logic. Built without `setup`, whose types would
// not allow the inline actor next to a named one. It is only drawn, never run.
export const trickyMachine = createMachine(
  {
    id: 'tricky',
    initial: 'note',
    on: {
      RESET: '.note',
      'PING<&>"\'': { actions: assign({}) },
    },
    states: {
      note: {
        on: {
          'GO:NOW': { target: 'default', guard: and(['a', not(or(['b', 'c']))]) },
          'x;y{z}': { target: 'a_b', guard: 'weird:guard;%%' },
          LEVEL: { target: 'end', guard: { type: 'level', params: { min: 2 } } },
        },
      },
      default: {
        after: { 500: 'end', slow: 'a' },
        on: { AGAIN: { target: 'default', reenter: true }, INLINE: { target: 'a', guard: () => true } },
      },
      a_b: { on: { 'direction TB': 'a' } },
      a: {
        initial: 'b',
        states: {
          b: { invoke: { src: 'load#1', onDone: 'done', onError: '#tricky.par' } },
          done: { type: 'final' },
        },
        onDone: 'a_start',
      },
      a_start: { invoke: { id: 'inlineActor', src: fromPromise(async () => 2), onDone: 'par' } },
      par: {
        type: 'parallel',
        on: { BACK: 'note', 'STAY%': { actions: () => undefined } },
        states: {
          left: { initial: 'l1', states: { l1: { on: { T: 'l2' } }, l2: { type: 'final' } } },
          right: { initial: 'r1', states: { r1: { on: { H: 'hist' } }, hist: { type: 'history', history: 'deep' } } },
        },
        onDone: 'end',
      },
      end: { type: 'final', description: 'the end: "quoted" <b> & more', meta: { tone: 'attention' } },
    },
  },
  {
    guards: { a: () => true, b: () => false, c: () => true, 'weird:guard;%%': () => true, level: () => true },
    actors: { 'load#1': fromPromise(async () => 1) },
    delays: { slow: 1000 },
  },
);

import type { AnyStateMachine } from 'xstate';
import type { NamedMachine } from './machine-graph.js';

export type MachineArg = AnyStateMachine | NamedMachine;

/** Renderers accept a bare machine (named by its id) or `{ name, machine }`, alone or in a list. */
export function namedMachines(machines: MachineArg | readonly MachineArg[]): NamedMachine[] {
  const list: readonly MachineArg[] = Array.isArray(machines) ? machines : [machines as MachineArg];
  return list.map((m) => ('machine' in m && 'name' in m ? m : { name: m.id, machine: m }));
}

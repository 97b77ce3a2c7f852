// Records every mutating call the world answered, with its input and the world's clock at that moment:
// the ground truth of when a change reached "AWS", whoever made it (quiesce, the waiter baseline).
import type { SandboxService, SandboxWorld } from '../../src/sandbox/index.js';

export interface TappedCall {
  at: number;
  service: SandboxService;
  command: string;
  input: Record<string, unknown>;
  caller: string;
  /** False when the world refused the call (the error went back to the caller). */
  ok: boolean;
  error?: string;
}

const READ = /^(Describe|List|Get)/;

export function tapWorld(world: SandboxWorld): TappedCall[] {
  const calls: TappedCall[] = [];
  const handle = world.handle.bind(world);
  world.handle = (service, command, input, caller) => {
    if (READ.test(command)) return handle(service, command, input, caller);
    const entry: TappedCall = { at: world.now(), service, command, input: structuredClone(input) as Record<string, unknown>, caller: caller ?? 'quiesce', ok: true };
    calls.push(entry);
    try {
      return handle(service, command, input, caller);
    } catch (err) {
      entry.ok = false;
      entry.error = err instanceof Error ? err.name : String(err);
      throw err;
    }
  };
  return calls;
}

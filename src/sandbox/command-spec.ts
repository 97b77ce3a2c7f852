// A command the sandbox answers: its handler, whether it mutates (audited, autosaved,
// mutate throttle bucket) and the resource it acts on (for the mutation log).
import type { WorldCore } from './world-core.js';

export interface CommandSpec {
  mutating: boolean;
  run(core: WorldCore, input: unknown): object;
  resource(input: unknown): string;
}

/**
 * The SDK's middleware hands us `args.input` untyped; `context.commandName` identifies the
 * command class, whose input type is `I`. This is the single place where that is asserted.
 */
export function command<I>(
  mutating: boolean,
  run: (core: WorldCore, input: I) => object,
  resource: (input: I) => string = () => '',
): CommandSpec {
  return {
    mutating,
    run: (core, input) => run(core, input as I),
    resource: (input) => resource(input as I),
  };
}

export interface Page<T> {
  items: T[];
  next: string | undefined;
}

/** Marker-based pagination as the Describe APIs do it; markers are opaque offsets. */
export function paginate<T>(items: T[], marker: string | undefined, pageSize: number, invalid: () => Error): Page<T> {
  let offset = 0;
  if (marker !== undefined) {
    const m = /^sbx-(\d+)$/.exec(marker);
    if (!m) throw invalid();
    offset = Number(m[1]);
  }
  const page = items.slice(offset, offset + pageSize);
  const nextOffset = offset + page.length;
  return { items: page, next: nextOffset < items.length ? `sbx-${nextOffset}` : undefined };
}

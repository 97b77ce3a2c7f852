/** Stable exit codes; documented in the README and kept by every command. */
export const EXIT = {
  done: 0,
  /** Held, or failed with every cluster left safe. */
  held: 1,
  badInput: 2,
  /** Paused, waiting for an operator. */
  paused: 3,
  /** Another run holds the lock on this listener. */
  locked: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitForStatus(status: string): ExitCode {
  if (status === 'done') return EXIT.done;
  if (status === 'paused') return EXIT.paused;
  return EXIT.held;
}

import type { JournalKind } from '../store/run-store.js';
import type { RunContext } from './run-context.js';

/** One journal entry of an effect, stamped on the run's clock (the engine commits it with the next group). */
export async function journal(
  ctx: RunContext,
  kind: JournalKind,
  message: string,
  extra: { cluster?: string; data?: Record<string, unknown> } = {},
): Promise<void> {
  await ctx.store.appendJournal(ctx.runId, [{ at: ctx.clock.now(), kind, message, ...extra }]);
}

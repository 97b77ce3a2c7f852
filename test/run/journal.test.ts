import { describe, expect, it } from 'vitest';
import { journal } from '../../src/run/journal.js';
import { sandboxRun } from './sandbox-context.js';

// One journal entry of an effect, stamped on the run's clock.

describe('journal', () => {
  it("appends one entry to the run's journal, stamped with the run's clock, with its cluster and data", async () => {
    const { ctx, clock, store } = await sandboxRun();
    clock.advanceTo(clock.now() + 90_000);
    const at = clock.now();
    await journal(ctx, 'intent', 'blue: set weight 0', { cluster: 'blue', data: { call: 'ModifyListener' } });
    await journal(ctx, 'check', 'fleet: every cluster in rotation');
    const entries = (await store.readJournal(ctx.runId)).slice(-2);
    expect(entries).toMatchObject([
      { runId: ctx.runId, at, kind: 'intent', message: 'blue: set weight 0', cluster: 'blue', data: { call: 'ModifyListener' } },
      { runId: ctx.runId, at, kind: 'check', message: 'fleet: every cluster in rotation' },
    ]);
    expect(entries[1]).not.toHaveProperty('cluster');
    expect(entries[1]!.seq).toBe(entries[0]!.seq + 1);
  });
});

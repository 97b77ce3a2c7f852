import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { DAY_MS } from '../../src/store/retention.js';
import { describeRunStoreContract } from './run-store.contract.js';
import { T0, newRun } from './fixtures/records.js';

describeRunStoreContract('memory store', async () => {
  const store = createMemoryStore();
  // Memory lasts as long as the process: the "fresh instance" is the same one.
  return { store, reopen: async () => store, cleanup: async () => {} };
});

describe('memory store', () => {
  it('prunes finished runs past retention, and frees their idempotency keys', async () => {
    const store = createMemoryStore({ retentionMs: 7 * DAY_MS });
    const { record } = await store.createRun(newRun('run-old', { idempotencyKey: 'k-old' }));
    await store.saveRun({ ...record, status: 'done', finishedAt: T0 }, 1);
    await store.createRun(newRun('run-open'));
    const recent = await store.createRun(newRun('run-recent'));
    await store.saveRun({ ...recent.record, status: 'aborted', finishedAt: T0 + 6 * DAY_MS }, 1);

    expect(await store.prune(T0 + 7 * DAY_MS + 1)).toEqual({ prunedRuns: ['run-old'] });
    expect((await store.listRuns()).map((r) => r.runId)).toEqual(['run-open', 'run-recent']);
    expect(await store.readJournal('run-old')).toEqual([]);
    expect((await store.createRun(newRun('run-new', { idempotencyKey: 'k-old' }))).created).toBe(true);
  });

  it('stores JSON, as the durable stores do: callers get copies', async () => {
    const store = createMemoryStore();
    const { record } = await store.createRun(newRun('run-1'));
    record.status = 'aborted';
    expect((await store.loadRun('run-1'))?.status).toBe('running');
    const value = await store.remember('run-1', 'k', async () => ({ at: new Date(T0) }));
    expect(value).toEqual({ at: new Date(T0).toISOString() });
  });
});

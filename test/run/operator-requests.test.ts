import { describe, expect, it } from 'vitest';
import { recordRequest, takeRequest } from '../../src/run/operator-requests.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { newRun } from '../store/fixtures/records.js';

async function storeWithRuns() {
  const store = createMemoryStore();
  for (const id of ['run-1', 'run-2']) await store.createRun(newRun(id));
  return store;
}

describe('operator requests recorded for the run\'s next driver', () => {
  it('a request is taken up once; two operators answering the same pause record one request', async () => {
    const store = await storeWithRuns();
    expect(await takeRequest(store, 'run-1', 'approve')).toBeUndefined();
    expect(await recordRequest(store, 'run-1', 'approve', { by: 'alice', at: 1 })).toEqual({ by: 'alice', at: 1 });
    // Bob approves the same pause before the driver took Alice's approval up: hers stands.
    expect(await recordRequest(store, 'run-1', 'approve', { by: 'bob', at: 2 })).toEqual({ by: 'alice', at: 1 });
    expect(await takeRequest(store, 'run-1', 'approve')).toEqual({ by: 'alice', at: 1 });
    expect(await takeRequest(store, 'run-1', 'approve')).toBeUndefined();
    // The next pause's approval is a new request.
    await recordRequest(store, 'run-1', 'approve', { by: 'bob', at: 3 });
    expect(await takeRequest(store, 'run-1', 'approve')).toEqual({ by: 'bob', at: 3 });
  });

  it('kinds and runs are separate series', async () => {
    const store = await storeWithRuns();
    await recordRequest(store, 'run-1', 'reinstate', { cluster: 'blue', by: 'alice', at: 1 });
    expect(await takeRequest(store, 'run-1', 'approve')).toBeUndefined();
    expect(await takeRequest(store, 'run-2', 'reinstate')).toBeUndefined();
    expect(await takeRequest(store, 'run-1', 'reinstate')).toEqual({ cluster: 'blue', by: 'alice', at: 1 });
  });
});

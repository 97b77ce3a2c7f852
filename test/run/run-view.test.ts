import { describe, expect, it } from 'vitest';
import { planSchema } from '../../src/plan/schema.js';
import { viewOfRecord } from '../../src/run/run-view.js';
import type { RunRecord } from '../../src/store/run-store.js';
import { planDoc } from '../e2e/deep-checks-harness.js';

// The view `status` and the Lambda give of a saved run: its status, and every plan cluster where the
// last save left it.

const plan = planSchema.parse(planDoc({}, ['blue', 'green', 'gray']));

function record(extra: Partial<RunRecord> = {}): RunRecord {
  return { runId: 'run-1', planName: plan.name, listenerArn: plan.fleet.listenerArn, plan, status: 'paused', createdAt: 1_000, updatedAt: 5_000, version: 3, target: { kind: 'sandbox' }, ...extra };
}

describe('viewOfRecord', () => {
  it("lists every plan cluster in the plan's order, pending when the record has nothing of it, with a reason only where there is one", () => {
    const view = viewOfRecord(
      record({
        reason: 'green: drift: payments-green weight expected 0, live 1',
        clusters: { green: { state: 'maintaining', reason: 'drift: payments-green weight expected 0, live 1' }, blue: { state: 'done' } },
      }),
    );
    expect(view).toEqual({
      runId: 'run-1',
      planName: 'deep-checks',
      status: 'paused',
      now: 5_000,
      reason: 'green: drift: payments-green weight expected 0, live 1',
      clusters: [
        { name: 'blue', state: 'done' },
        { name: 'green', state: 'maintaining', reason: 'drift: payments-green weight expected 0, live 1' },
        { name: 'gray', state: 'pending' },
      ],
    });
    expect(Object.keys(view.clusters[0]!)).toEqual(['name', 'state']);
  });

  it('a record saved before any cluster moved: every cluster pending, and no reason key', () => {
    const view = viewOfRecord(record({ status: 'running' }));
    expect(view.clusters.map((c) => c.state)).toEqual(['pending', 'pending', 'pending']);
    expect('reason' in view).toBe(false);
  });

  it('a cluster the record knows but the plan does not name is not shown', () => {
    const view = viewOfRecord(record({ clusters: { purple: { state: 'done' } } }));
    expect(view.clusters.map((c) => c.name)).toEqual(['blue', 'green', 'gray']);
  });
});

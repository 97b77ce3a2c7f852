import { describe, expect, it } from 'vitest';
import { GroupCommit, type ClusterSummary, type SavedMachines } from '../../src/run/group-commit.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { RunRecord, SaveHint } from '../../src/store/run-store.js';
import { planSchema } from '../../src/plan/schema.js';
import { planDoc } from '../e2e/deep-checks-harness.js';

// The group-commit writer alone, over a memory store and machines faked as plain values: what a commit
// writes, when, and who it releases.

const T0 = Date.UTC(2026, 0, 5, 9);

/** Machines whose snapshots the test sets by hand. */
class FakeMachines implements SavedMachines {
  readonly parts = new Map<string, { snapshot: unknown; summary: ClusterSummary }>();
  fleetSnapshot: unknown = { value: 'rolling' };
  clusterNames(): string[] {
    return [...this.parts.keys()];
  }
  cluster(name: string) {
    return this.parts.get(name)!;
  }
  fleet(): unknown {
    return this.fleetSnapshot;
  }
}

/** A run in a memory store, a writer over it, and a log of the store's writes in order. */
async function setup(options: { immediate?: boolean; failSaves?: number } = {}) {
  const memory = createMemoryStore();
  const writes: string[] = [];
  const hints: Array<SaveHint | undefined> = [];
  let failSaves = options.failSaves ?? 0;
  const store = {
    appendJournal: async (runId: string, entries: Parameters<typeof memory.appendJournal>[1]) => {
      writes.push(`append ${entries.map((e) => e.message).join(', ')}`);
      return memory.appendJournal(runId, entries);
    },
    saveRun: async (record: RunRecord, expected: number, hint?: SaveHint) => {
      if (failSaves > 0) {
        failSaves--;
        throw new Error('disk full');
      }
      writes.push(`save ${Object.keys(record.snapshot?.clusters ?? {}).join(',') || '-'}`);
      hints.push(hint);
      return memory.saveRun(record, expected, hint);
    },
  };
  const plan = planSchema.parse(planDoc());
  const { record } = await memory.createRun({ runId: 'run-1', planName: plan.name, listenerArn: plan.fleet.listenerArn, plan, status: 'running', createdAt: T0, updatedAt: T0, target: { kind: 'sandbox' } });
  const machines = new FakeMachines();
  let parkedSignals = 0;
  const commits = new GroupCommit({ store, record, clock: { now: () => T0 }, immediate: options.immediate ?? false, machines: () => machines, onPark: () => parkedSignals++ });
  return { commits, machines, writes, hints, memory, parked: () => parkedSignals };
}

const entry = (message: string) => ({ at: T0, kind: 'effect' as const, message });

describe('GroupCommit', () => {
  it('on a virtual clock, holds effects until asked, then writes them in one append and one save, and releases them after the save', async () => {
    const { commits, machines, writes, parked } = await setup();
    commits.start();
    machines.parts.set('blue', { snapshot: { value: 'removing' }, summary: { state: 'removing' } });
    commits.clusterAdded('blue');
    const released: string[] = [];
    const a = commits.appendLater([entry('blue: weight 1 -> 0')]).then((written) => released.push(`a ${written.map((e) => e.seq).join(',')} after ${writes.length} writes`));
    const b = commits.appendLater([entry('green: check'), entry('green: check 2')]).then((written) => released.push(`b ${written.map((e) => e.seq).join(',')}`));
    await Promise.resolve();
    expect(writes).toEqual([]);
    expect(commits.parked).toBe(2);
    expect(parked()).toBe(2);
    expect(commits.wanted()).toBe(true);

    await commits.commitPending();
    await Promise.all([a, b]);
    expect(writes).toEqual(['append blue: weight 1 -> 0, green: check, green: check 2', 'save blue']);
    // Each waiter gets its own entries, and only once the save that follows the append is done (write-ahead).
    expect(released).toEqual(['a 1 after 2 writes', 'b 2,3']);
    expect(commits.parked).toBe(0);
    expect(commits.wanted()).toBe(false);
    expect(commits.saved).toBe(true);
  });

  it('against AWS, commits as soon as something is noted', async () => {
    const { commits, writes } = await setup({ immediate: true });
    commits.add(entry('fleet: (start) -> rolling'));
    await commits.flush();
    expect(writes).toEqual(['append fleet: (start) -> rolling']);
  });

  it('before the machines start, writes the journal only: no snapshot, since nothing changed AWS yet', async () => {
    const { commits, writes, memory } = await setup();
    await commits.note('run', 'run started by test');
    expect(writes).toEqual(['append run started by test']);
    expect((await memory.loadRun('run-1'))!.snapshot).toBeUndefined();
    expect(commits.saved).toBe(false);
  });

  it('saves only what moved: a machine that did not change is not written again, and the hint names the clusters that did', async () => {
    const { commits, machines, writes, hints } = await setup();
    commits.start();
    machines.parts.set('blue', { snapshot: { value: 'draining', n: 1 }, summary: { state: 'draining' } });
    machines.parts.set('green', { snapshot: { value: 'preflight' }, summary: { state: 'preflight' } });
    commits.clusterAdded('blue');
    commits.clusterAdded('green');
    await commits.commitPending();
    // The first save adds the clusters: the stored record does not hold their snapshots yet, so no hint.
    expect(hints).toEqual([undefined]);

    machines.parts.set('blue', { snapshot: { value: 'draining', n: 2 }, summary: { state: 'draining' } });
    commits.clusterMoved('blue');
    commits.clusterMoved('green');
    await commits.commitPending();
    expect(hints.at(-1)).toEqual({ changedClusters: ['blue'] });

    commits.clusterMoved('blue');
    commits.fleetMoved();
    await commits.commitPending();
    expect(writes).toEqual(['save blue,green', 'save blue,green']);
    expect(commits.record.clusters).toEqual({ blue: { state: 'draining' }, green: { state: 'preflight' } });
  });

  it('a save that fails is the run failure: its waiters are rejected, the engine is told, and what moved is written by the next save', async () => {
    const { commits, machines, writes } = await setup({ failSaves: 1 });
    commits.start();
    machines.parts.set('blue', { snapshot: { value: 'removing' }, summary: { state: 'removing' } });
    commits.clusterAdded('blue');
    const waiting = commits.appendLater([entry('blue: intent')]).then(
      () => 'released',
      (err: Error) => `rejected: ${err.message}`,
    );
    await commits.commitPending();
    expect(await waiting).toBe('rejected: disk full');
    expect((commits.failure as Error).message).toBe('disk full');
    await expect(commits.commitNow({ status: 'held' })).rejects.toThrow('disk full');
    expect(writes).toEqual(['append blue: intent', 'save blue']);
    expect(commits.record.status).toBe('held');
  });
});

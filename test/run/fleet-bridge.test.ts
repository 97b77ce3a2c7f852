import { fromPromise } from 'xstate';
import type { ConfirmFleetInput, ConfirmFleetOutput } from '../../machines/fleet.machine.js';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { planSchema } from '../../src/plan/schema.js';
import type { ClusterActors, FleetActors } from '../../src/run/cluster-actors.js';
import { FleetBridge } from '../../src/run/fleet-bridge.js';
import type { NewEntry } from '../../src/run/group-commit.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { JournalKind, RunRecord } from '../../src/store/run-store.js';
import { planDoc } from '../e2e/deep-checks-harness.js';

// The fleet bridge with the real machines and effects played by fakes: which cluster the fleet starts,
// what a cluster's pause, resumption and end tell the fleet, what is journaled, and the progress view.

const T0 = Date.UTC(2026, 0, 5, 9);

/** Every cluster effect; those a test does not give never settle (the machine waits there). */
function clusterActors(given: Partial<Record<keyof ClusterActors, (input: { cluster: string }) => Promise<unknown>>>): ClusterActors {
  const names = ['runPreflight', 'checkDrift', 'setWeight', 'confirmWeight', 'deregisterTargets', 'observeDrain', 'startStep', 'observeStep', 'registerTargets', 'verifyCluster', 'observeRamp', 'secure'] as const;
  return Object.fromEntries(names.map((n) => [n, fromPromise(async ({ input }: { input: { cluster: string } }) => (given[n] ? given[n]!(input) : new Promise(() => undefined)))])) as unknown as ClusterActors;
}

const fleetActors: FleetActors = { confirmFleet: fromPromise<ConfirmFleetOutput, ConfirmFleetInput>(async () => ({ at: T0, drift: null })) };

async function setup(actors: Parameters<typeof clusterActors>[0], options: { abortRequest?: { by: string; reason: string } } = {}) {
  const store = createMemoryStore();
  const plan = planSchema.parse(planDoc({}, ['blue', 'green', 'gray']));
  const { record } = await store.createRun({ runId: 'run-1', planName: plan.name, listenerArn: plan.fleet.listenerArn, plan, status: 'running', createdAt: T0, updatedAt: T0, target: { kind: 'sandbox' } });
  if (options.abortRequest) await store.remember('run-1', 'abort-request', async () => options.abortRequest);
  const journal: string[] = [];
  const moved: string[] = [];
  const commits = {
    add: (e: NewEntry) => void journal.push(e.message),
    note: async (_kind: JournalKind, message: string) => void journal.push(message),
    clusterAdded: (name: string) => void moved.push(`added ${name}`),
    clusterMoved: (name: string) => void moved.push(name),
    fleetMoved: () => void moved.push('fleet'),
    fail: (err: unknown) => {
      throw err;
    },
  };
  const bridge = new FleetBridge({ record: record as RunRecord, clock: { now: () => T0, sleep: async () => undefined }, virtual: true, store, logger: silentLogger, commits, clusterActors: clusterActors(actors), fleetActors });
  return { bridge, journal, moved };
}

/** Lets the machines run what they queued (the fleet starts a cluster after its own transition). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('FleetBridge', () => {
  it('starts the fleet, which starts one cluster at a time; each transition is journaled and marks its machine moved', async () => {
    const { bridge, journal, moved } = await setup({});
    bridge.start({});
    await turn();
    expect(journal).toEqual(['fleet: (start) -> rolling', 'blue: (start) -> preflight']);
    // Marking a machine moved is idempotent (a set of names to save); only blue and the fleet are marked.
    expect(new Set(moved)).toEqual(new Set(['fleet', 'added blue', 'blue']));
    expect([...bridge.inFlight()]).toEqual(['blue']);
    expect(bridge.clusterNames()).toEqual(['blue']);
    expect(bridge.cluster('blue').summary).toEqual({ state: 'preflight' });
    expect(bridge.view('running').clusters.map((c) => `${c.name} ${c.state}`)).toEqual(['blue preflight', 'green pending', 'gray pending']);
    expect(bridge.ended()).toBeUndefined();
  });

  it("tells the fleet a cluster's end: a refused preflight holds it, and the fleet stops rolling", async () => {
    const { bridge, journal } = await setup({ runPreflight: async () => ({ at: T0, passed: false, reason: 'cache memory 91%', originalWeight: 1, checks: [] }) });
    bridge.start({});
    await turn();
    expect(journal).toContain('blue: preflight -> held (preflight refused: cache memory 91%)');
    expect(bridge.outcomes()).toEqual(new Map([['blue', 'held']]));
    expect(bridge.ended()).toMatchObject({ status: 'held' });
    expect([...bridge.inFlight()]).toEqual([]);
  });

  it('a paused cluster pauses the run with its reason; an approval resumes it', async () => {
    const drift = { summary: 'payments-blue weight expected 1, live 0', weights: [] };
    let drifted = true;
    const { bridge, journal } = await setup({
      runPreflight: async () => ({ at: T0, passed: true, originalWeight: 1, checks: [] }),
      checkDrift: async () => ({ at: T0, drift: drifted ? drift : null, checks: [] }),
    });
    bridge.start({});
    await turn();
    expect(bridge.pauseReason()).toMatch(/^blue: .*payments-blue weight expected 1, live 0/);
    expect(bridge.dueChecks()).toEqual([]);
    drifted = false;
    await bridge.approve('alice');
    await turn();
    expect(journal).toContain('approved by alice (blue)');
    expect(bridge.pauseReason()).toBeUndefined();
    expect(journal.filter((m) => m.startsWith('blue: paused -> '))).toHaveLength(1);
  });

  it('takes up an abort request once: journaled, then sent to the fleet and to every running cluster', async () => {
    const { bridge, journal } = await setup({}, { abortRequest: { by: 'bob', reason: 'change freeze' } });
    bridge.start({});
    await turn();
    expect(await bridge.pollAbort()).toBe(true);
    await turn();
    expect(journal).toContain('abort by bob taken up: clusters still in rotation stop, clusters out return only through verification, clusters in maintenance are held');
    expect(bridge.outcomes()).toEqual(new Map([['blue', 'aborted']]));
    expect(await bridge.pollAbort()).toBe(false);
  });
});

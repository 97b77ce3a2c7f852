import { createActor, fromPromise, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ClusterMachineInput, DriftOutput, PreflightOutput } from '../../machines/cluster.contract.js';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine, type ConfirmFleetInput, type ConfirmFleetOutput } from '../../machines/fleet.machine.js';

// The guards and actions that judge an invoked actor's output receive it as their params, typed by the
// invoke (XState's dynamic params), so an implementation provided at the edge reads `params.output`.

const input: ClusterMachineInput = {
  name: 'blue',
  drainMode: 'weight',
  steps: [],
  drain: { minimumMs: 0, timeoutMs: 60_000 },
  verify: { stableForMs: 0, timeoutMs: 60_000 },
  reactivate: { ramp: [100], holdMs: 0 },
  readBackTimeoutMs: 60_000,
  pollMs: 1_000,
};

describe('actor outputs reach guards and actions as params', () => {
  it('cluster: preflightPassed, hasDrift and observe see the outputs of runPreflight and checkDrift', async () => {
    const preflight: PreflightOutput = { at: 1_000, passed: true, originalWeight: 1 };
    const drift: DriftOutput = { at: 2_000, drift: { weights: [], targetsAppeared: [], targetsVanished: [], summary: 'blue weight expected 1, live 2' } };
    const judged: unknown[] = [];
    const observed: unknown[] = [];
    const machine = clusterMachine.provide({
      actors: {
        runPreflight: fromPromise(async () => preflight),
        checkDrift: fromPromise(async () => drift),
      },
      guards: {
        preflightPassed: (_, params) => {
          judged.push(params.output);
          return params.output.passed;
        },
        hasDrift: (_, params) => {
          judged.push(params.output);
          return params.output.drift !== null;
        },
      },
      actions: { observe: (_, params) => void observed.push(params.output) },
    });
    const actor = createActor(machine, { input }).start();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(judged).toEqual([preflight, drift]);
    expect(observed).toEqual([preflight, drift]);
    expect(actor.getSnapshot().value).toBe('paused');
    expect(actor.getSnapshot().context.pause?.reason).toBe('drift: blue weight expected 1, live 2');
    actor.stop();
  });

  it('fleet: confirmedDrift and pauseForError see the output and the error of confirmFleet', async () => {
    const confirmed: ConfirmFleetOutput = { at: 5_000, drift: null };
    const judged: unknown[] = [];
    const machine = fleetMachine.provide({
      actors: { confirmFleet: fromPromise(async () => confirmed) },
      actions: { startCluster: () => undefined },
      guards: {
        confirmedDrift: (_, params) => {
          judged.push(params.output);
          return params.output.drift !== null;
        },
      },
    });
    const actor = createActor(machine, { input: { clusters: ['blue'], maxOutOfService: 1, minActiveClusters: 0 } }).start();
    actor.send({ type: 'CLUSTER.DONE', name: 'blue' });
    const out = await toPromise(actor);
    expect(judged).toEqual([confirmed]);
    expect(out.status).toBe('done');

    const failing = fleetMachine.provide({
      actors: { confirmFleet: fromPromise<ConfirmFleetOutput, ConfirmFleetInput>(async () => Promise.reject(new Error('listener unreadable\nsecond line'))) },
      actions: { startCluster: () => undefined },
    });
    const paused = createActor(failing, { input: { clusters: ['blue'], maxOutOfService: 1, minActiveClusters: 0 } }).start();
    paused.send({ type: 'CLUSTER.DONE', name: 'blue' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(paused.getSnapshot().value).toBe('paused');
    expect(paused.getSnapshot().context.pause?.reason).toBe(
      'could not confirm that every finished cluster is in rotation (listener unreadable); approve to look again',
    );
    paused.stop();
  });
});

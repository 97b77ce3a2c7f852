import { createActor, fromPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ClusterMachineInput, DriftOutput, ObserveOutput, PreflightOutput } from '../../machines/cluster.contract.js';
import { clusterMachine, clusterOutputOf } from '../../machines/cluster.machine.js';

// The way back for a held cluster goes through the machine: REINSTATE leads from held into verification,
// never past it, and only for a cluster that was taken out of rotation.

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

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

/** A cluster whose verification answers with `verdicts`, one per look; every other effect succeeds. */
function cluster(verdicts: Array<ObserveOutput['status']>, preflight: Partial<PreflightOutput> = {}) {
  let t = 1_000;
  const at = () => (t += 1_000);
  const calls: string[] = [];
  const machine = clusterMachine.provide({
    actors: {
      runPreflight: fromPromise(async (): Promise<PreflightOutput> => ({ at: at(), passed: true, originalWeight: 1, ...preflight })),
      checkDrift: fromPromise(async (): Promise<DriftOutput> => ({ at: at(), drift: null })),
      setWeight: fromPromise(async ({ input: i }) => {
        calls.push(`setWeight ${i.percent}`);
        return { at: at(), before: 1, after: i.percent, changed: true };
      }),
      confirmWeight: fromPromise(async (): Promise<ObserveOutput> => ({ at: at(), status: 'done' })),
      observeDrain: fromPromise(async (): Promise<ObserveOutput> => ({ at: at(), status: 'done' })),
      verifyCluster: fromPromise(async (): Promise<ObserveOutput> => {
        const status = verdicts.shift() ?? 'done';
        calls.push(`verify ${status}`);
        return { at: at(), status, ...(status === 'failed' ? { reason: 'blue: 1 of 3 targets unhealthy' } : {}) };
      }),
      observeRamp: fromPromise(async (): Promise<ObserveOutput> => ({ at: at(), status: 'done' })),
      secure: fromPromise(async () => {
        calls.push('secure');
        return { at: at() };
      }),
    },
  });
  const actor = createActor(machine, { input }).start();
  return { actor, calls };
}

describe('reinstating a held cluster', () => {
  it('goes from held into verifying, and only a passing verification leads on to the ramp and done', async () => {
    const { actor, calls } = cluster(['failed', 'done']);
    await settle();
    expect(actor.getSnapshot().value).toBe('held');
    expect(actor.getSnapshot().status).toBe('active');
    expect(clusterOutputOf(actor.getSnapshot().context)).toEqual({ outcome: 'held', reason: 'verification failed: blue: 1 of 3 targets unhealthy', inRotation: false });

    const seen: unknown[] = [];
    actor.subscribe((s) => seen.push(s.value));
    actor.send({ type: 'REINSTATE', by: 'alice' });
    await settle();
    expect(seen[0]).toEqual({ verifying: 'checking' });
    // The first passing look starts the stable window; the next look ends it, and only then the ramp.
    expect(actor.getSnapshot().value).toEqual({ verifying: 'waiting' });
    actor.send({ type: 'TICK', now: actor.getSnapshot().context.nextCheckAt! });
    await settle();
    expect(actor.getSnapshot().value).toBe('done');
    expect(actor.getSnapshot().context.reinstatedBy).toEqual(['alice']);
    expect(calls).toEqual(['setWeight 0', 'verify failed', 'secure', 'verify done', 'verify done', 'setWeight 100']);
  });

  it('a cluster still broken fails verification again and is held again, never ramped', async () => {
    const { actor, calls } = cluster(['failed', 'failed']);
    await settle();
    actor.send({ type: 'REINSTATE', by: 'alice' });
    await settle();
    expect(actor.getSnapshot().value).toBe('held');
    expect(calls.filter((c) => c.startsWith('setWeight'))).toEqual(['setWeight 0']);
  });

  it('a cluster held before it left rotation cannot be reinstated, and REINSTATE means nothing anywhere but held', async () => {
    const refused = cluster([], { passed: false, reason: 'memory 91% > 80%' });
    await settle();
    expect(refused.actor.getSnapshot().value).toBe('held');
    expect(refused.actor.getSnapshot().can({ type: 'REINSTATE', by: 'alice' })).toBe(false);

    const { actor } = cluster(['not-yet']);
    await settle();
    expect(actor.getSnapshot().matches('verifying')).toBe(true);
    expect(actor.getSnapshot().can({ type: 'REINSTATE', by: 'alice' })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { runSchedule } from '../schedule-run.js';

// Found by the random fault schedules (the schedule fast-check shrank it to): DeregisterTargets took
// effect and then answered 500, for two minutes. The machine learns the target list only from a call
// that succeeds, so the cluster was secured (weight 0) without its targets: a lost target list.

describe('a deregistration that fails after taking effect', () => {
  it('holds the cluster with its targets registered again, from the list remembered before the call', async () => {
    const outcome = await runSchedule({
      plan: { clusters: 2, mode: 'deregister', steps: 'failover+modify' },
      seed: 1,
      events: [{ from: '0s', to: '121s', apiFault: { service: 'elbv2', operation: 'DeregisterTargets', kind: 'http500', rate: 1, when: 'after' } }],
    });
    expect(outcome.violations).toEqual([]);
    expect(outcome.status).toBe('held');
    expect(outcome.reason).toMatch(/blue: could not deregister targets: ELBv2 DeregisterTargets .* InternalFailure/);
    expect(outcome.weights).toEqual({ blue: 0, green: 1 });
  });

  it('securing outlasts two minutes of 500s from every ELBv2 call, so a held cluster gets its targets back', async () => {
    // Shrunk by fast-check: the drain failed after its retry budget, securing gave up after its own, and
    // the run ended held with the targets deregistered for good.
    const outcome = await runSchedule({
      plan: { clusters: 3, mode: 'deregister', steps: 'failover+modify' },
      seed: 1,
      events: [{ from: '1s', to: '271s', apiFault: { service: 'elbv2', kind: 'http500', rate: 1, when: 'before' } }],
    });
    expect(outcome.violations).toEqual([]);
    expect(outcome.status).toBe('held');
    expect(outcome.reason).toMatch(/blue: drain observation failed: ELBv2 DescribeRules .* InternalFailure/);
    expect(outcome.weights).toEqual({ blue: 0, green: 1, gray: 1 });
  });

  it('securing a cluster whose targets are deregistered is not refused for capacity: it serves nothing (found by npm run chaos)', async () => {
    // blue drained with its targets deregistered; a hand-made weight change put blue back at weight 1 (with
    // no targets) and green at 0. On abort, securing blue was refused ("would leave 0 clusters in
    // rotation"), so the run ended with blue's targets never registered again: a lost target list.
    const outcome = await runSchedule({
      plan: { clusters: 2, mode: 'deregister', steps: 'modify', maxOutOfService: 1 },
      seed: 1,
      events: [
        { from: '1s', to: '31s', manualWeight: { cluster: 'green', weight: 0 } },
        { from: '0s', to: '10s', manualWeight: { cluster: 'blue', weight: 2 } },
      ],
      onPause: 'approve',
    });
    expect(outcome.violations).toEqual([]);
    expect(outcome.problems).toEqual([]);
    expect(outcome.status).toBe('aborted');
    expect(outcome.weights.blue).toBe(0);
  });
});


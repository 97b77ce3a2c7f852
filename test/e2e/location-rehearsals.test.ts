import { describe, expect, it } from 'vitest';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';

// Fleets at several locations rehearsed end to end: examples/two-balancers.plan.yaml (an external and an
// internal load balancer, each cluster with a target group at both) and examples/two-listeners.plan.yaml
// (two load balancers, five clusters each), against their good worlds and a hand edit at one location.

async function rehearse(plan: string, world: string) {
  const stateDir = tempStateDir();
  const r = await runCli(['run', `examples/${plan}.plan.yaml`, '--sandbox', `examples/${world}.world.yaml`, '--json', '--state-dir', stateDir]);
  return { ...r, world: () => worldOf(stateDir, r.json.runId) };
}

describe('rehearsals of a fleet at several locations', () => {
  it('two balancers, the good world: every cluster done, no failed request at either location, every weight back', async () => {
    const r = await rehearse('two-balancers', 'two-balancers');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: any) => c.state)).toEqual(['done', 'done', 'done']);
    expect(r.json.sandbox.violations).toEqual([]);
    const world = r.world();
    expect(world.traffic.perLocation).toEqual({
      external: { requests: expect.any(Number), failed: 0 },
      internal: { requests: expect.any(Number), failed: 0 },
    });
    expect(world.traffic.perLocation!.internal!.requests).toBeGreaterThan(0);
    expect(world.weightsAt('external')).toEqual({ blue: 1, green: 1, gray: 1 });
    expect(world.weightsAt('internal')).toEqual({ blue: 1, green: 1, gray: 1 });
  });

  it('two balancers: a cluster leaves at both locations before its maintenance starts, and comes back at both after it', async () => {
    const r = await rehearse('two-balancers', 'two-balancers');
    expect(r.code, r.stderr).toBe(0);
    const ours = r.world().mutations.filter((m) => m.caller === 'quiesce');
    const at = (lb: string) => ours.flatMap((m, i) => (m.command === 'ModifyListener' && m.resource.includes(`:listener/app/${lb}/`) ? [i] : []));
    const blueCache = ours.flatMap((m, i) => (m.service === 'elasticache' && m.resource.includes('payments-blue') ? [i] : []));
    expect(blueCache.length).toBeGreaterThan(0);
    for (const lb of ['payments-ext', 'payments-int']) {
      // blue out at this load balancer before its first cache change, and a ramp there after its last.
      expect(at(lb).some((i) => i < blueCache[0]!), lb).toBe(true);
      expect(at(lb).some((i) => i > blueCache.at(-1)!), lb).toBe(true);
    }
    // Three clusters, each out and back in three ramp steps, at each of two listeners: the same count at both.
    expect(at('payments-ext').length).toBe(at('payments-int').length);
  });

  it('a weight raised by hand at the internal location while blue is out: the run pauses (exit 3) naming the location', async () => {
    const r = await rehearse('two-balancers', 'two-balancers-internal-drift');
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.status).toBe('paused');
    expect(r.json.reason).toMatch(/^blue: drift: at internal: payments-int-blue weight expected 0, live 1/);
    // The hand edit touched the internal listener only.
    const edits = r.world().mutations.filter((m) => m.caller === 'script:manualWeight');
    expect(edits).toHaveLength(1);
    expect(edits[0]!.resource).toMatch(/:listener\/app\/payments-int\//);
  });

  it('two listeners of five clusters each, the good world: all ten done, no failed request', async () => {
    const r = await rehearse('two-listeners', 'two-listeners');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: any) => c.state)).toEqual(Array(10).fill('done'));
    expect(r.json.sandbox.violations).toEqual([]);
    expect(r.json.sandbox.traffic.failed).toBe(0);
  });

  it('a cluster out by hand at one listener counts against maxOutOfService at the other: preflight refuses, nothing changes', async () => {
    const r = await rehearse('two-listeners', 'two-listeners-one-out');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0]).toMatchObject({ name: 'shop-a1', state: 'held' });
    expect(r.json.clusters[0].reason).toMatch(/^preflight refused: preflight\.capacity\.fleet: taking shop-a1 out of rotation would leave 8 cluster\(s\) in rotation at every location they are at and 2 out \(shop-b1, shop-a1\); the plan allows at least 4 in and at most 1 out/);
    expect(r.world().mutations.filter((m) => m.caller === 'quiesce')).toEqual([]);
    expect(r.world().weightsAt('shop-a')['shop-a1']).toBe(1);
    expect(r.json.sandbox.violations).toEqual([]);
  });
});

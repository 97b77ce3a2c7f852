import { describe, expect, it } from 'vitest';
import { checksOf, finalWorld, headerRules, journalOf, planDoc, runScenario, scenario, type PlanDoc } from './deep-checks-harness.js';

// Verification end to end on the sandbox: a cluster returns to rotation only after every check held for
// stableFor; a check that never passes holds it at weight 0 with the failing reading in its reason.

const verify = (extra: PlanDoc = {}) => ({ verify: { stableFor: '1m', timeout: '6m', ...extra } });

describe('verification', () => {
  it('needs every target healthy continuously for stableFor: a flapping target keeps resetting the window', async () => {
    // One target fails for 4 minutes, answers for 4 minutes, ... until 25m: it is never healthy for 3 minutes in a row.
    const s = scenario(planDoc({ verify: { stableFor: '3m', timeout: '40m' } }), 'events:\n  - { from: "0s", to: "25m", targetFlap: { cluster: blue, count: 1, period: "4m" } }\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    const healthy = (await checksOf(s, 'verify.targets.healthy')).filter((c) => c.cluster === 'blue');
    // Healthy, then not, then healthy again: the stable window restarted.
    const flips = healthy.map((c) => c.ok);
    expect(flips.filter((ok, i) => ok && flips[i + 1] === false).length).toBeGreaterThanOrEqual(1);
    expect(healthy.find((c) => !c.ok)?.observed).toMatch(/^2\/3 healthy$/);
    const lastRecovery = healthy.at(-1)!;
    expect(lastRecovery.ok).toBe(true);
    const rampAt = (await journalOf(s)).find((e) => e.kind === 'effect' && e.cluster === 'blue' && e.data?.purpose === 'ramp')!.at;
    expect(rampAt - lastRecovery.at).toBeGreaterThanOrEqual(3 * 60_000);
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('holds the cluster when its targets never become healthy (a crash after maintenance, seed 002)', async () => {
    const s = scenario(planDoc(verify()), 'events:\n  - { from: "2m", crashLoop: { cluster: blue } }\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters.map((c: { state: string }) => c.state)).toEqual(['held', 'pending']);
    expect(r.json.clusters[0].reason).toMatch(/^verification timed out: verify.targets.healthy: not healthy: i-\w+ unhealthy \(Target.FailedHealthChecks\)/);
    expect((await checksOf(s, 'verify.targets.healthy')).at(-1)).toMatchObject({ ok: false, observed: '0/3 healthy' });
    expect(r.json.sandbox.weights).toEqual({ blue: 0, green: 1 });
  });

  it('holds the cluster when its cache fills up during maintenance; the Redis write fails too (seed 004)', async () => {
    const s = scenario(planDoc(verify({ redis: { tls: false } })), 'events:\n  - { at: "1m", memory: { replicationGroupId: payments-blue, percent: 100 } }\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].state).toBe('held');
    expect(r.json.clusters[0].reason).toContain('verification timed out: verify.cache.memory: cache memory 100% on payments-blue-001 is at or above maxMemoryPercent 80%');
    expect(r.json.clusters[0].reason).not.toMatch(/seed/);
    expect((await checksOf(s, 'verify.cache.memory')).at(-1)).toMatchObject({ ok: false, observed: '100% on payments-blue-001', threshold: '< 80%' });
    expect((await checksOf(s, 'redis.canary')).at(-1)).toMatchObject({ ok: false, observed: 'OOM command not allowed when used memory > maxmemory' });
    expect(r.json.sandbox.weights.blue).toBe(0);
  });

  it('holds the cluster when replication lag stays above verify.maxReplicationLagSeconds', async () => {
    const s = scenario(planDoc(verify()), 'events:\n  - { from: "1m", replicationLag: { replicationGroupId: payments-blue, seconds: 25 } }\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toContain('verify.cache.replication-lag: replication lag 25s on payments-blue-002 is above verify.maxReplicationLagSeconds 10s');
    expect((await checksOf(s, 'verify.cache.replication-lag')).at(-1)).toMatchObject({ ok: false, observed: '25s on payments-blue-002', threshold: '<= 10s' });
  });

  it('holds the cluster when the canary through the load balancer does not get the expected status, and removes the rule', async () => {
    const s = scenario(planDoc(verify({ canary: { requests: 5, expectStatus: 204 } })));
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toMatch(/^verification timed out: canary.requests: 5\/5 canary requests to https:\/\/\S+\/healthz failed \(5× status 200\)/);
    expect((await checksOf(s, 'canary.requests')).at(-1)).toMatchObject({ ok: false, observed: '0/5 returned 204', threshold: '5/5 return 204' });
    expect(headerRules(finalWorld(s))).toEqual([]);
  });
});

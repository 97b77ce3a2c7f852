import { describe, expect, it } from 'vitest';
import { checksOf, finalWorld, journalOf, planDoc, runScenario, scenario, type Scenario } from './deep-checks-harness.js';

// Drain completion by evidence, end to end on the sandbox: the weight read back as 0, complete quiet
// RequestCount minutes, drain.minimum, the full deregistration delay, and a timeout that holds the
// cluster out of rotation.

async function timeOf(s: Scenario, kind: string, message: string | RegExp): Promise<number> {
  const entry = (await journalOf(s)).find((e) => e.kind === kind && (typeof message === 'string' ? e.message === message : message.test(e.message)));
  if (!entry) throw new Error(`no ${kind} entry ${String(message)} in the journal`);
  return entry.at;
}

describe('drain', () => {
  it('does not end before drain.minimum, though 2 quiet minutes are published after 3', async () => {
    const s = scenario(planDoc({ drain: { minimum: '6m', timeout: '15m' } }));
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    const removedAt = await timeOf(s, 'effect', 'blue: weight 1 -> 0');
    const stepAt = await timeOf(s, 'intent', 'blue: start step 1');
    const minimum = (await checksOf(s, 'drain.minimum')).filter((c) => c.cluster === 'blue');
    expect(minimum[0]).toMatchObject({ ok: false, observed: '0s since removal', threshold: '>= 360s' });
    expect(minimum.at(-1)).toMatchObject({ ok: true, observed: '360s since removal' });
    expect(stepAt - removedAt).toBe(6 * 60_000);
  });

  it('counts only complete minutes CloudWatch has published: quiet minutes are proven, not assumed', async () => {
    const s = scenario(planDoc({ drain: { minimum: '30s', timeout: '15m', quietMinutes: 3 } }));
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    const removedAt = await timeOf(s, 'effect', 'blue: weight 1 -> 0');
    const counts = (await checksOf(s, 'drain.request-count')).filter((c) => c.cluster === 'blue');
    expect(counts[0]).toMatchObject({ ok: false, observed: '0 complete quiet minute(s)', threshold: '3 consecutive minutes with RequestCount 0' });
    const done = counts.find((c) => c.ok)!;
    expect(done.observed).toMatch(/^3 complete quiet minute\(s\)/);
    // Three whole minutes after removal, and the last one visible only 60 s (the publish delay) after it ended.
    expect(done.at - removedAt).toBeGreaterThanOrEqual(4 * 60_000);
  });

  it('holds the cluster out of rotation when requests keep arriving until drain.timeout', async () => {
    // Sticky clients keep coming for the cookie's 10 minutes: no quiet minute can be seen within 10 minutes.
    const s = scenario(planDoc({ drain: { minimum: '1m', timeout: '10m' } }), 'elbv2:\n  stickiness: { enabled: true, duration: "10m" }\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters.map((c: { state: string }) => c.state)).toEqual(['held', 'pending']);
    expect(r.json.clusters[0].reason).toMatch(/^drain timed out \(the cluster stays out of rotation, which is safe\): drain.request-count: /);
    expect(r.json.sandbox.weights).toEqual({ blue: 0, green: 1 });
    expect(r.json.sandbox.violations).toEqual([]);
    const last = (await checksOf(s, 'drain.request-count')).filter((c) => c.cluster === 'blue').at(-1)!;
    expect(last.ok).toBe(false);
    // With thousands separators (issue 20.8): a number of four digits or more has its commas.
    expect(last.observed).toMatch(/^0 complete quiet minute\(s\); \d{1,3}(,\d{3})* requests in the last busy minute$/);
    // Never reached maintenance.
    expect((await journalOf(s)).some((e) => e.message === 'blue: start step 1')).toBe(false);
  });

  it('in deregister mode waits out the whole deregistration delay, then puts the same targets back', async () => {
    const s = scenario(planDoc({ drain: { mode: 'deregister', minimum: '30s', timeout: '15m' } }), 'defaults:\n  deregistrationDelay: "4m"\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
    const deregisteredAt = await timeOf(s, 'effect', /^blue: DeregisterTargets /);
    const gone = (await checksOf(s, 'drain.targets-gone')).filter((c) => c.cluster === 'blue');
    expect(gone[0]).toMatchObject({ ok: false, observed: '3 of 3 still listed (draining, draining, draining)' });
    // No request reaches blue after weight 0, yet AWS shows `draining` for the whole delay: nothing earlier is evidence.
    expect(gone.at(-1)!.ok).toBe(true);
    expect(gone.at(-1)!.at - deregisteredAt).toBeGreaterThanOrEqual(4 * 60_000);
    expect(finalWorld(s).finalAudit()).toEqual([]);
  });

  it('a weight that does not read back as 0 is drift: the run pauses with the reading (seed 003)', async () => {
    const s = scenario(planDoc({ drain: { minimum: '2m', timeout: '15m' } }), 'events:\n  - { at: "1m", manualWeight: { cluster: blue, weight: 1 } }\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.clusters[0]).toMatchObject({ state: 'paused' });
    expect(r.json.clusters[0].reason).toContain('payments-blue weight expected 0, live 1');
    const weights = (await checksOf(s, 'drain.weight')).filter((c) => c.cluster === 'blue');
    expect(weights.map((c) => [c.ok, c.observed])).toEqual([
      [true, 'weight 0'],
      [false, 'weight 1'],
    ]);
  });
});

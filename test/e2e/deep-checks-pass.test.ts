import { beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './cli-harness.js';
import { checksOf, finalWorld, headerRules, journalOf, planDoc, runScenario, scenario, type CheckEntry, type Scenario } from './deep-checks-harness.js';

// The passing side of every deep check, on one clean run: a failover with every option on (capacity as a
// percentage, stickiness shorter than the drain timeout, the Redis probe and the HTTP canary through a
// temporary rule). Every check must be in the journal with ok true and the value it observed.

let s: Scenario;
let result: CliResult;
let checks: CheckEntry[];

const plan = planDoc({
  capacity: { maxOutOfService: 1, minActiveClusters: 1, minHealthyTargets: '50%' },
  maintenance: [{ elasticache: 'failover' }],
  verify: { stableFor: '1m', timeout: '20m', redis: { tls: false }, canary: { requests: 5 } },
});

beforeAll(async () => {
  s = scenario(plan, 'elbv2:\n  stickiness: { enabled: true, duration: "2m" }\n');
  result = await runScenario(s);
  checks = await checksOf(s);
}, 120_000);

/** The last journaled reading of a check for a cluster (checks are journaled when they change). */
const last = (cluster: string, name: string): CheckEntry | undefined => checks.filter((c) => c.cluster === cluster && c.name === name).at(-1);

describe('a clean run with every deep check on', () => {
  it('ends done: weights back, no violation, no canary rule left', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.clusters.map((c: { state: string }) => c.state)).toEqual(['done', 'done']);
    expect(result.json.sandbox).toMatchObject({ violations: [], weights: { blue: 1, green: 1 } });
    expect(headerRules(finalWorld(s))).toEqual([]);
  });

  it('passes every preflight check, each with its reading', () => {
    const expected: Record<string, string> = {
      'preflight.in-rotation': 'weight 1 at run start',
      'preflight.others': '1/1 other clusters in rotation with every target healthy; 1/1 caches available, nothing pending',
      'preflight.capacity': '3 healthy targets would remain in rotation',
      'preflight.stickiness': 'target group stickiness 2m',
      'preflight.cache.available': 'status available',
      'preflight.cache.pending': 'nothing pending',
      'preflight.cache.automatic-failover': 'AutomaticFailover enabled',
      'preflight.cache.memory': '40% on payments-blue-001',
      'preflight.cache.replication-lag': '0.001s on payments-blue-002',
      'preflight.cache.update-actions': 'none in progress',
      'preflight.test-failover-budget': '0 used in the last 24h, 2 still planned',
      'preflight.canary-rule': 'none',
    };
    for (const [name, observed] of Object.entries(expected)) {
      expect(last('blue', name), name).toMatchObject({ phase: 'preflight', ok: true, observed });
    }
    expect(last('blue', 'preflight.capacity')?.threshold).toBe('>= 50% of 6 = 3');
    // The second cluster's budget counts the first one's TestFailover, logged by ElastiCache.
    expect(last('green', 'preflight.test-failover-budget')).toMatchObject({ ok: true, observed: '1 used in the last 24h, 1 still planned' });
  });

  it('drains by evidence: weight 0 read back, then 2 complete quiet minutes once published, after drain.minimum', async () => {
    expect(last('blue', 'drain.weight')).toMatchObject({ ok: true, observed: 'weight 0' });
    const removedAt = (await journalOf(s)).find((e) => e.kind === 'effect' && e.message === 'blue: weight 1 -> 0')!.at;
    const quiet = checks.find((c) => c.cluster === 'blue' && c.name === 'drain.request-count' && c.ok)!;
    expect(quiet.observed).toMatch(/^2 complete quiet minute\(s\)/);
    // Sticky clients kept arriving for 2 minutes; then 2 quiet minutes, each visible 60 s after it ended.
    expect(quiet.at - removedAt).toBeGreaterThanOrEqual(4 * 60_000);
    expect(last('blue', 'drain.minimum')).toMatchObject({ ok: true });
  });

  it('verifies every target, the cache on the new primary, memory, lag, Redis and the canary, for stableFor', async () => {
    const expected: Record<string, string> = {
      'verify.weight': 'weight 0',
      'verify.targets.healthy': '3/3 healthy',
      'verify.targets.count': '3 healthy',
      'verify.cache.available': 'status available',
      'verify.cache.pending': 'nothing pending',
      'verify.cache.primary': 'primary payments-blue-002',
      'verify.cache.memory': '40% on payments-blue-001',
      'redis.role': 'primary payments-blue-002 answers ROLE master',
      'redis.canary': 'canary key written and read back',
      'canary.requests': '5/5 returned 200',
      'canary.rule-removed': 'rule at priority 1 deleted',
    };
    for (const [name, observed] of Object.entries(expected)) {
      expect(last('blue', name), name).toMatchObject({ phase: 'verify', ok: true, observed });
    }
    expect(last('blue', 'verify.cache.primary')?.threshold).toBe('not payments-blue-001');
    // The old primary recovers as a replica: lag is 30 s until then, and verification waits for it.
    const lag = checks.filter((c) => c.cluster === 'blue' && c.name === 'verify.cache.replication-lag');
    expect(lag.map((c) => c.ok)).toEqual([false, true]);
    expect(lag[0]!.observed).toBe('30s on payments-blue-001');

    // Stable for stableFor: the ramp starts no sooner than 1 minute after the last check turned ok.
    const rampAt = (await journalOf(s)).find((e) => e.kind === 'effect' && e.cluster === 'blue' && e.data?.purpose === 'ramp')!.at;
    const verify = checks.filter((c) => c.cluster === 'blue' && c.phase === 'verify');
    const lastRecovery = Math.max(...verify.filter((c) => c.ok).map((c) => c.at));
    expect(rampAt - lastRecovery).toBeGreaterThanOrEqual(60_000);
  });

  it('ramps with the weight read back and every threshold checked at each step', () => {
    expect(last('blue', 'ramp.weight')).toMatchObject({ ok: true, observed: 'weight 1' });
    expect(last('blue', 'ramp.unhealthy-hosts')).toMatchObject({ ok: true, observed: '0 unhealthy now' });
    expect(last('blue', 'ramp.5xx')).toMatchObject({ ok: true, threshold: '<= 0' });
    expect(last('blue', 'ramp.5xx')?.observed).toMatch(/^0 target 5xx in \d\d:\d\d-\d\d:\d\d UTC$/);
    expect(last('blue', 'ramp.unhealthy-host-count')?.observed).toMatch(/^max UnHealthyHostCount 0 in /);
  });
});

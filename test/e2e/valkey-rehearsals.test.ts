import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';

// Redis OSS to Valkey, in place (examples/valkey.plan.yaml): the good world ends done with no failed
// request and no violation; each bad case holds or refuses with one clear line, and changes only what it
// says; the preview, the report and the review page say what the switch is.

const PLAN = 'examples/valkey.plan.yaml';
const world = (name: string) => `examples/${name}.world.yaml`;

async function rehearse(name: string) {
  const stateDir = tempStateDir('quiesce-valkey-');
  const r = await runCli(['run', PLAN, '--sandbox', world(name), '--json', '--state-dir', stateDir]);
  const changes = () => worldOf(stateDir, r.json.runId).mutations.filter((m) => m.caller === 'quiesce');
  return { ...r, stateDir, changes, switches: () => changes().filter((m) => m.command === 'ModifyReplicationGroup') };
}

describe('examples/valkey.plan.yaml', () => {
  it('the good world: every cluster switched to valkey 8.0, done, no failed request, no violation', async () => {
    const r = await rehearse('valkey');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: { state: string }) => c.state)).toEqual(['done', 'done', 'done']);
    expect(r.json.sandbox.traffic.failed).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
    expect(r.switches().map((m) => m.resource)).toEqual(['payments-blue', 'payments-green', 'payments-gray']);
    const members = Object.values(worldOf(r.stateDir, r.json.runId).state.elasticache.cacheClusters);
    expect(new Set(members.map((m) => `${m.engine} ${m.engineVersion} ${m.parameterGroup.name}`))).toEqual(new Set(['valkey 8.0.1 payments-valkey8']));

    // The report says what each switch was, from the engine recorded before it.
    const report = await runCli(['report', r.json.runId, '--state-dir', r.stateDir]);
    expect(report.stdout).toContain('**blue** ModifyReplicationGroup on payments-blue (modify requested): redis 7.1.0 → valkey 8.0');
    expect(report.stdout).toContain('ok verify.cache.engine: observed "valkey"; threshold "valkey" on every member');

    // The review page with the run overlaid says it too.
    const out = join(r.stateDir, 'review.html');
    const review = await runCli(['review', PLAN, '--sandbox', world('valkey'), '--run', r.json.runId, '--state-dir', r.stateDir, '--out', out]);
    expect(review.code, review.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('redis 7.1.0 → valkey 8.0');
    // A run review's live column is the world as the run left it (issue 20.7): every cluster on Valkey.
    expect(html).toContain(`<th>At the end of run ${r.json.runId} (sandbox)</th>`);
    expect(html).toContain('cache available, engine valkey &quot;8.0.1&quot;');
    expect(html).not.toContain('cache available, engine redis');
  });

  it('the plan preview says redis 7.1.0 → valkey 8.0, and what verification will require', async () => {
    const r = await runCli(['plan', PLAN, '--sandbox', world('valkey')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ElastiCache modify (engine valkey 8.0, parameter group payments-valkey8): redis 7.1.0 → valkey 8.0 (ApplyImmediately)');
    expect(r.stdout).toContain('engine is valkey on every member');
    expect(r.stdout).toContain('cache available, engine redis "7.1.0", primary payments-blue-001');
    expect(r.stdout).toContain('the engine switch is one ElastiCache accepts');
    expect(r.stdout).toContain('engine version is "8.0" or "8.0.N"');
  });

  it('the plan preview warns of what preflight will refuse: the wrong family, a serverless cache', async () => {
    const family = await runCli(['plan', PLAN, '--sandbox', world('valkey-wrong-family')]);
    expect(family.code, family.stderr).toBe(0);
    expect(family.stdout).toContain('preflight will refuse: parameter group payments-valkey8 is of family valkey7, and valkey 8.0 needs a valkey8 group');
    const serverless = await runCli(['plan', PLAN, '--sandbox', world('valkey-serverless')]);
    expect(serverless.code, serverless.stderr).toBe(0);
    expect(serverless.stdout).toContain('payments-gray is a serverless cache: it has no replication group to maintain (preflight will refuse)');
  });

  it('a parameter group of the wrong family: preflight refuses blue in one line, nothing is changed', async () => {
    const r = await rehearse('valkey-wrong-family');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'held' });
    expect(r.json.clusters[0].reason).toBe(
      'preflight refused: preflight.cache.engine-switch: parameter group payments-valkey8 is of family valkey7, and valkey 8.0 needs a valkey8 group: ElastiCache would refuse it (InvalidParameterCombination)',
    );
    expect(r.changes()).toEqual([]);
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('a Modify response showing the old engine, and Describe lagging the change: judged by Describe, done', async () => {
    const r = await rehearse('valkey-stale-response');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.status).toBe('done');
    expect(r.switches()).toHaveLength(3);
    expect(r.json.sandbox.traffic.failed).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('a switch that does not happen: blue is held on the evidence, green and gray untouched', async () => {
    const r = await rehearse('valkey-no-switch');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'held' });
    expect(r.json.clusters[0].reason).toMatch(/^maintenance step failed: modification settled with engine requested "valkey", live payments-blue-001="redis"/);
    expect(r.json.clusters.slice(1).map((c: { state: string }) => c.state)).toEqual(['pending', 'pending']);
    expect(r.switches().map((m) => m.resource)).toEqual(['payments-blue']);
    expect(r.json.sandbox.weights).toEqual({ blue: 0, green: 1, gray: 1 });
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('a serverless cache in the plan: refused in one line before anything changes', async () => {
    const r = await rehearse('valkey-serverless');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toBe('preflight refused: preflight.cache.replication-group: payments-gray is a serverless cache: it has no replication group to maintain');
    expect(r.changes()).toEqual([]);
  });
});

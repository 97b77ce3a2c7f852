import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';

// The CLI end to end against the sandbox. Every test also reads the sandbox's own audit: zero violations.

const seed = (name: string) => `examples/seeds/${name}`;

function expectNoViolations(result: { json: any }) {
  expect(result.json.sandbox.violations).toEqual([]);
}

describe('quiesce run --sandbox', () => {
  it('runs a clean 3-cluster plan: exit 0, no failed request, every weight back', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.status).toBe('done');
    expect(r.json.clusters.map((c: any) => c.state)).toEqual(['done', 'done', 'done']);
    expect(r.json.sandbox.traffic.requests).toBeGreaterThan(100_000);
    expect(r.json.sandbox.traffic.failed).toBe(0);
    expect(r.json.sandbox.weights).toEqual({ blue: 1, green: 1, gray: 1 });
    expectNoViolations(r);
    // The plan preview of the same sandbox must not promise a ramp shorter than the run took.
    const preview = await runCli(['plan', 'examples/payments.plan.yaml', '--sandbox', '--json']);
    expect(preview.code, preview.stderr).toBe(0);
    const journal = readFileSync(join(stateDir, 'runs', r.json.runId, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const ramping = (state: string | null) => state?.startsWith('reactivating') ?? false;
    for (const cluster of preview.json.clusters) {
      const moves = journal.filter((e: any) => e.kind === 'transition' && e.cluster === cluster.name);
      const entered = moves.find((e: any) => ramping(e.data.to))?.at;
      const finished = moves.find((e: any) => ramping(e.data.from) && !ramping(e.data.to))?.at;
      expect(entered, `${cluster.name} never ramped`).toBeTypeOf('number');
      const estimate = cluster.phases.find((p: any) => p.phase === 'reactivate').estimateMs;
      expect(estimate).toBeGreaterThanOrEqual(finished - entered);
    }
  });

  it('seed 003: a hand-made weight change while a cluster drains pauses the run (exit 3) with the diff, and nothing is changed after it', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', seed('003-manual-weight.plan.yaml'), '--sandbox', seed('003-manual-weight.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.status).toBe('paused');
    expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'paused' });
    expect(r.json.clusters[0].reason).toContain('payments-blue weight expected 0, live 1');
    expect(r.json.clusters.slice(1).map((c: any) => c.state)).toEqual(['pending', 'pending']);
    expectNoViolations(r);
    const world = worldOf(stateDir, r.json.runId);
    const manual = world.mutations.findIndex((m) => m.caller.startsWith('script:manualWeight'));
    expect(manual).toBeGreaterThan(0);
    expect(world.mutations.slice(manual + 1).filter((m) => m.caller === 'quiesce')).toEqual([]);
  });

  it('seed 003, then abort: the paused cluster is held out of rotation with the drift named, and the run ends (regression: it looped)', async () => {
    const stateDir = tempStateDir();
    const paused = await runCli(['run', seed('003-manual-weight.plan.yaml'), '--sandbox', seed('003-manual-weight.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(paused.code).toBe(3);
    const aborted = await runCli(['abort', paused.json.runId, '--by', 'alice', '--json', '--state-dir', stateDir]);
    expect(aborted.code, aborted.stderr).toBe(1);
    expect(aborted.json.status).toBe('aborted');
    expect(aborted.json.clusters[0].state).toBe('held');
    expect(aborted.json.clusters[0].reason).toMatch(/aborted by alice while the listener differed from what quiesce set \(payments-blue weight expected 0, live 1\)/);
    expect(aborted.json.sandbox.weights).toEqual({ blue: 0, green: 1, gray: 1 });
    expect(aborted.json.sandbox.violations).toEqual([]);
  });

  it('seed 000: a failover that never happens holds that cluster at weight 0, and the later clusters stay untouched', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', seed('000-failover-noop.plan.yaml'), '--sandbox', seed('000-failover-noop.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.status).toBe('held');
    expect(r.json.clusters.map((c: any) => c.state)).toEqual(['held', 'pending', 'pending']);
    expect(r.json.clusters[0].reason).toMatch(/timed out.*primary of node group 0001 to change/);
    expect(r.json.sandbox.weights).toEqual({ blue: 0, green: 1, gray: 1 });
    expectNoViolations(r);
    const touched = worldOf(stateDir, r.json.runId).mutations.filter((m) => m.caller === 'quiesce' && /green|gray/.test(m.resource));
    expect(touched).toEqual([]);
  });

  it('completes through a window of hard throttling', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', seed('throttle.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.status).toBe('done');
    expectNoViolations(r);
  });

  it('seed 004: memory above maxMemoryPercent at preflight refuses that cluster, with the reading in the reason', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', seed('004-memory.plan.yaml'), '--sandbox', seed('004-memory.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toMatch(/preflight refused: preflight.cache.memory: memory 91% on payments-blue-001 is at or above maxMemoryPercent 80%/);
    expect(r.json.sandbox.weights).toEqual({ blue: 1, green: 1, gray: 1 });
    expectNoViolations(r);
  });

  it('seed 001: with another cluster crash-looping, no cluster is taken out', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', seed('001-version.plan.yaml'), '--sandbox', seed('001-crashloop.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toMatch(/green is in rotation but not healthy/);
    expect(worldOf(stateDir, r.json.runId).mutations.filter((m) => m.caller === 'quiesce')).toEqual([]);
    expectNoViolations(r);
  });

  it('seed 001: the engine reporting "7.10" when "7.1" was requested holds the cluster', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', seed('001-version.plan.yaml'), '--sandbox', seed('001-version.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].state).toBe('held');
    expect(r.json.clusters[0].reason).toContain('requested "7.1"');
    expect(r.json.clusters[0].reason).toContain('"7.10"');
    expect(r.json.sandbox.weights.blue).toBe(0);
    expectNoViolations(r);
  });

  it('seed 001: an ECS deployment whose tasks run "1.2" when "1.20" was asked holds the cluster at the identity gate', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', seed('001-image.plan.yaml'), '--sandbox', seed('001-image.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters.map((c: any) => c.state)).toEqual(['held', 'pending', 'pending']);
    expect(r.json.clusters[0].reason).toBe('maintenance step failed: 3 of 3 running tasks run image "registry.example.com/worker:1.2", not "registry.example.com/worker:1.20" (compared as strings)');
    expect(r.json.sandbox.weights.blue).toBe(0);
    expectNoViolations(r);
  });

  it('seed 002: a shard that breaks after maintenance is held at verification; the other shards stay untouched', async () => {
    const stateDir = tempStateDir();
    const r = await runCli(['run', seed('002-rolling-shards.plan.yaml'), '--sandbox', seed('002-rolling-shards.world.yaml'), '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters.map((c: any) => c.state)).toEqual(['held', 'pending', 'pending', 'pending']);
    expect(r.json.clusters[0].reason).toMatch(/verification/);
    // The deployment itself was one UpdateService, on shard-a's service only.
    expect(worldOf(stateDir, r.json.runId).mutations.filter((m) => m.command === 'UpdateService').map((m) => m.resource)).toEqual(['chat/chat-shard-a']);
    expectNoViolations(r);
  });
});

describe('quiesce plan --sandbox', () => {
  it('is a dry run: it prints every cluster and the sandbox audit sees zero mutations', async () => {
    const r = await runCli(['plan', 'examples/payments.plan.yaml', '--sandbox', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: any) => c.name)).toEqual(['blue', 'green', 'gray']);
    expect(r.json.clusters[0].phases.map((p: any) => p.phase)).toEqual(['preflight', 'deregister', 'drain', 'maintain', 'verify', 'reactivate']);
    expect(r.json.totalMs).toBeGreaterThan(0);
  });
});

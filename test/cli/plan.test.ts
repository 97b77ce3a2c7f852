import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { buildPreview } from '../../src/preview/plan-preview.js';
import { PLAN, cli, tempDir, writeWorld } from '../helpers/sandbox-runs.js';

// `quiesce plan` colours its output only for a person at a terminal who has not asked for no colour
// (https://no-color.org: NO_COLOR set to anything but the empty string).

const ANSI = /\u001b\[[0-9;]*m/;
const envWith = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env = { ...process.env, ...extra };
  if (!('NO_COLOR' in extra)) delete env.NO_COLOR;
  return env;
};

describe('quiesce plan output', () => {
  it('is coloured on a terminal', async () => {
    const r = await cli(['plan', PLAN, '--sandbox'], { stdoutIsTTY: true, env: envWith({}) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(ANSI);
    expect(r.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toContain('quiesce plan: payments-core (us-east-1, read from sandbox)');
  });

  it('has no ANSI codes when stdout is not a terminal', async () => {
    const r = await cli(['plan', PLAN, '--sandbox'], { stdoutIsTTY: false, env: envWith({}) });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(r.stdout).toContain('Plan: 3 clusters to maintain.');
  });

  it('has no ANSI codes on a terminal when NO_COLOR is set', async () => {
    const r = await cli(['plan', PLAN, '--sandbox'], { stdoutIsTTY: true, env: envWith({ NO_COLOR: '1' }) });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(r.stdout).toContain('Plan: 3 clusters to maintain.');
  });

  it('keeps colour when NO_COLOR is present but empty, as no-color.org specifies', async () => {
    const r = await cli(['plan', PLAN, '--plan-only'], { stdoutIsTTY: true, env: envWith({ NO_COLOR: '' }) });
    expect(r.stdout).toMatch(ANSI);
  });

  it('never colours JSON, even on a terminal', async () => {
    const r = await cli(['plan', PLAN, '--sandbox', '--json'], { stdoutIsTTY: true, env: envWith({}) });
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(JSON.parse(r.stdout)).toMatchObject({ planName: 'payments-core', source: 'sandbox' });
  });

  it('writes nothing to stderr, so a pipe sees only the plan', async () => {
    const r = await cli(['plan', PLAN, '--plan-only'], { stdoutIsTTY: false, env: envWith({}) });
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/\u001b/);
  });
});

describe('quiesce plan: engine versions as AWS reports them', () => {
  it('says a cache already at the patch level of the requested version is already there, and names the rule', async () => {
    const world = writeWorld(tempDir('plan-version-'), 'world.yaml', 'clusters:\n  blue: { cache: { engineVersion: "7.1" } }\n');
    const r = await cli(['plan', PLAN, '--sandbox', world], { stdoutIsTTY: false, env: envWith({}) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ElastiCache modify (engine 7.1): engine already at "7.1.0", which matches "7.1"');
    expect(r.stdout).toContain('ElastiCache modify (engine 7.1): engine "7.0.7" -> "7.1" (ApplyImmediately)');
    expect(r.stdout).toContain('engine version is "7.1" or "7.1.N"');
  });
});

describe('quiesce plan: a promotion under Multi-AZ', () => {
  it('warns that preflight will refuse a primary-cluster-id failover on a group with automatic failover on', async () => {
    const dir = tempDir('plan-promote-');
    const plan = writeWorld(dir, 'promote.plan.yaml', readFileSync(PLAN, 'utf8').replace('- elasticache: failover        # move the primary to a replica and prove it moved', '- elasticache: failover\n    method: primary-cluster-id'));
    const world = writeWorld(dir, 'world.yaml', 'clusters:\n  green: { cache: { automaticFailover: false, multiAZ: false } }\n');
    const r = await cli(['plan', plan, '--sandbox', world], { stdoutIsTTY: false, env: envWith({}) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Multi-AZ and automatic failover disabled (ElastiCache refuses a promotion otherwise)');
    expect(r.stdout).toContain('payments-blue has Multi-AZ with automatic failover enabled: ElastiCache refuses a promotion (primary-cluster-id), so preflight will refuse');
    expect(r.stdout).not.toContain('payments-green has Multi-AZ');
    expect(r.stdout).not.toContain('TestFailover budget');
  });
});

describe('quiesce plan estimates', () => {
  it('counts one health check, not the healthy threshold, for targets registered again (deregister mode)', async () => {
    // "After your target is registered, it must pass one health check to be considered healthy":
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
    const plan = parsePlan(readFileSync(PLAN, 'utf8').replace('mode: weight', 'mode: deregister'));
    const preview = await buildPreview(plan);
    const verify = preview.clusters[0]!.phases.find((p) => p.phase === 'verify')!;
    // AWS defaults without live readers: interval 30 s, healthy threshold 5.
    expect(verify.basis).toBe('stableFor 2m + one health check (every 30s) for new targets');
    expect(verify.estimateMs).toBe(30_000 + plan.verify.stableFor + 30_000);
  });
});

describe('--region on the commands that read AWS', () => {
  // The help of plan, run and review lists --region; it confirms the plan's region, it does not choose one.
  it.each(['plan', 'review', 'run'])('%s refuses a region other than the plan\'s, before reading or changing anything (exit 2)', async (command) => {
    const r = await cli([command, PLAN, '--region', 'eu-west-1'], { env: envWith({}) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("quiesce: --region eu-west-1 differs from the plan's region us-east-1\n");
  });

  it('plan accepts the plan\'s own region', async () => {
    const r = await cli(['plan', PLAN, '--plan-only', '--region', 'us-east-1'], { env: envWith({}) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan: 3 clusters to maintain.');
  });
});

describe('quiesce plan: the ramp at weights 1/1/1', () => {
  it('shows the scaled steps and where they end, with no warning that the ramp collapses', async () => {
    const r = await cli(['plan', PLAN, '--sandbox', '--json'], { env: envWith({}) });
    const preview = JSON.parse(r.stdout) as { clusters: Array<{ name: string; notes: string[]; phases: Array<{ phase: string; changes: string[] }> }> };
    const blue = preview.clusters.find((c) => c.name === 'blue')!;
    expect(blue.phases.find((p) => p.phase === 'reactivate')!.changes).toEqual([
      'weight 0 -> 10 -> 50 -> 1 (ramp 10%, 50%, 100%, hold 1m each; mid-ramp every weight x100 (the others keep their shares), the last step puts the original weights back)',
    ]);
    expect(blue.notes.join('\n')).not.toMatch(/collapses/);
  });
});

describe('quiesce plan: a cluster mode enabled group', () => {
  const SHARDED = 'examples/sharded.plan.yaml';
  const WORLD = 'examples/sharded.world.yaml';

  it('lists the shards (node groups) with their slots, and fails over each one in turn', async () => {
    const r = await cli(['plan', SHARDED, '--sandbox', WORLD], { stdoutIsTTY: false, env: envWith({}) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      '~ blue  (cache sessions-blue; est. 46m40s) weight 1, 3/3 healthy; cache available, engine redis "7.0.7", cluster mode enabled, 3 shard(s): 0001 (slots 0-5461, 2 node(s)), 0002 (slots 5462-10922, 2 node(s)), 0003 (slots 10923-16383, 2 node(s))',
    );
    expect(r.stdout).toContain('TestFailover on node group(s) 0001, 0002, 0003, one at a time');
    expect(r.stdout).toContain('per node group (0001, 0002, 0003): its primary moved to another of its own members');
    // Three node groups' failover and recovery, one after another (the sandbox's 90 s + 10 min each).
    expect(r.stdout).toContain('maintain   ~34m30s');
    expect(r.stdout).not.toContain('primary ?');
  });

  it('warns when the step timeout is shorter than its node groups take one after another', async () => {
    const dir = tempDir('plan-sharded-');
    const plan = writeWorld(dir, 'short.plan.yaml', readFileSync(SHARDED, 'utf8').replace('    timeout: 45m\n', ''));
    const r = await cli(['plan', plan, '--sandbox', WORLD], { stdoutIsTTY: false, env: envWith({}) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('note: step 1 fails over 3 node groups one after another, about 34m30s; its timeout 20m covers them all and is shorter: raise it');
  });
});

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, PLAN, REPO_ROOT, tempDir, writeWorld } from '../helpers/sandbox-runs.js';

// An ALB forward action holds at most 5 target groups, a quota AWS does not raise
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html). A plan
// beyond it is refused everywhere but in a sandbox run whose world declares the synthetic stress setting,
// and that run says, in its result and its report, that it ran a topology AWS does not allow.

const dir = tempDir('quiesce-synthetic-');
const QUOTA = 'six.plan.yaml:10: fleet.clusters: has 6 clusters, all target groups of one forward action; an ALB forward action holds at most 5 (quota "Target groups per action", not adjustable); list more listeners under fleet.locations';
const LABEL = 'elbv2.syntheticTargetGroupsPerForward 6: up to 6 target groups in one forward action, a topology AWS does not allow (AWS: at most 5)';

/** The example plan with three more clusters, and a maintenance that takes no cache time. */
function sixClusterPlan(): string {
  const example = readFileSync(join(REPO_ROOT, PLAN), 'utf8');
  const extra = ['c4', 'c5', 'c6']
    .map((n, i) => `    - name: ${n}\n      targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-${n}/${String(i + 4).padStart(16, '0')}\n      cache: { replicationGroupId: payments-${n} }\n`)
    .join('');
  const text = example
    .replace('      cache: { replicationGroupId: payments-gray }\n', `      cache: { replicationGroupId: payments-gray }\n${extra}`)
    .replace(/maintenance:\n(?:  .*\n)+/, 'maintenance:\n  - command: ["true"]\n');
  expect(text).toContain('- command: ["true"]');
  return writeWorld(dir, 'six.plan.yaml', text);
}

describe('more than 5 clusters behind one forward action', () => {
  const plan = sixClusterPlan();

  it('is refused by a sandbox run without the synthetic setting, as by validate, and nothing is created', async () => {
    const stateDir = join(dir, 'refused');
    const plain = writeWorld(dir, 'plain.world.yaml', 'seed: 7\n');
    for (const sandbox of [['--sandbox'], ['--sandbox', plain]]) {
      const r = await cli(['run', plan, ...sandbox, '--state-dir', stateDir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`quiesce: ${plan.replace('six.plan.yaml', '')}${QUOTA}\n`);
    }
    expect((await cli(['plan', plan, '--sandbox', plain])).code).toBe(2);
    expect(existsSync(join(stateDir, 'runs')) ? readdirSync(join(stateDir, 'runs')) : []).toEqual([]);
  });

  it('runs against a world that declares it, and the result and the report name a topology AWS does not allow', async () => {
    const stateDir = join(dir, 'synthetic');
    const world = writeWorld(dir, 'synthetic.world.yaml', 'elbv2: { syntheticTargetGroupsPerForward: 6 }\n');
    const r = await cli(['run', plan, '--sandbox', world, '--json', '--state-dir', stateDir, '--run-id', 'run-synthetic']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.status).toBe('done');
    expect(result.sandbox).toMatchObject({ violations: [], synthetic: [LABEL] });
    const report = await cli(['report', 'run-synthetic', '--state-dir', stateDir]);
    expect(report.stdout).toContain(`- **Synthetic stress setting: ${LABEL}**`);
    // A person reading the run's own summary is told too.
    const text = await cli(['run', plan, '--sandbox', world, '--state-dir', join(dir, 'synthetic-text'), '--run-id', 'run-text']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`\n  SYNTHETIC: ${LABEL}\n`);
  });
});

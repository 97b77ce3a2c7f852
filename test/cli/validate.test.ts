import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../e2e/cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'quiesce-validate-'));

describe('quiesce validate', () => {
  it('exits 0 on the example and prints each cluster\'s steps', async () => {
    const r = await runCli(['validate', 'examples/payments.plan.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid plan "payments-core"');
    expect(r.stdout).toMatch(/blue: deregister -> drain -> ElastiCache failover .* -> verify -> reactivate/);
  });

  it('names each location of a fleet behind two load balancers, and where each cluster is', async () => {
    const r = await runCli(['validate', 'examples/two-balancers.plan.yaml']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('examples/two-balancers.plan.yaml: valid plan "payments-two-balancers" (us-east-1): 3 clusters at 2 locations (external, internal), at most 1 out of service, at least 2 in rotation');
    expect(lines[1]).toBe('  location external: listener arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments-ext/50dc6c495c0c9188/f2f7dc8efc522ab2');
    expect(lines[2]).toBe('  location internal: listener arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments-int/6a1f0c2e9b7d4a35/0b5e8c7d2a4f6e19');
    expect(lines[3]).toMatch(/^ {2}blue \(at external, internal\): deregister -> drain -> /);
    const json = await runCli(['validate', 'examples/two-balancers.plan.yaml', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, clusters: ['blue', 'green', 'gray'], locations: ['external', 'internal'] });
    // A one-listener plan lists no location.
    const one = await runCli(['validate', 'examples/payments.plan.yaml', '--json']);
    expect(JSON.parse(one.stdout)).not.toHaveProperty('locations');
  });

  it('exits 2 with one line naming file, line and field, and no stack trace', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: 1\nname: x\nregion: us-east-1\nfleet: { listenerArn: nope, clusters: [] }\nmaintenance: []\n');
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^quiesce: .*bad.yaml:4: fleet.clusters: must list at least 2 clusters/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 in one line for an unknown placeholder in a runbook step', async () => {
    const file = join(dir, 'placeholder.yaml');
    const runbook = readFileSync('examples/runbook.plan.yaml', 'utf8');
    const edited = runbook.replace(/command: \[.*\]/, 'command: ["./patch.sh", "{clusterName}"]');
    expect(edited).not.toBe(runbook);
    writeFileSync(file, edited);
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/placeholder\.yaml:\d+: maintenance\[0\]\.command\[1\]: unknown placeholder \{clusterName\}; known: \{runId\}/);
  });

  it('exits 2 for more than 5 clusters behind one forward action, naming the ALB quota in one line', async () => {
    const example = readFileSync('examples/payments.plan.yaml', 'utf8');
    const extra = ['c4', 'c5', 'c6']
      .map((n, i) => `    - name: ${n}\n      targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-${n}/${String(i + 4).padStart(16, '0')}\n      cache: { replicationGroupId: payments-${n} }\n`)
      .join('');
    const file = join(dir, 'six.yaml');
    writeFileSync(file, example.replace('      cache: { replicationGroupId: payments-gray }\n', `      cache: { replicationGroupId: payments-gray }\n${extra}`));
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/six.yaml:10: fleet.clusters: has 6 clusters, all target groups of one forward action; an ALB forward action holds at most 5 \(quota "Target groups per action", not adjustable\); list more listeners under fleet\.locations\n$/);
  });

  it('exits 2 for a missing file, an unknown command and an unknown flag', async () => {
    expect((await runCli(['validate', join(dir, 'missing.yaml')])).stderr).toMatch(/cannot read plan: ENOENT/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('quiesce: unknown command "frobnicate" (see quiesce --help)\n');
    const flag = await runCli(['validate', 'examples/payments.plan.yaml', '--frob']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^quiesce: validate: Unknown option '--frob'/);
  });

  it('shows help for the tool and for each command', async () => {
    expect((await runCli(['--help'])).stdout).toContain('Exit codes:');
    expect((await runCli(['run', '--help'])).stdout).toContain('Usage: quiesce run <plan>');
  });
});

describe('quiesce diagram', () => {
  it('prints both machines as mermaid stateDiagram-v2', async () => {
    const r = await runCli(['diagram', '--format', 'mermaid']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/stateDiagram-v2/g)).toHaveLength(2);
    expect(r.stdout).toContain('reactivating');
    expect(r.stdout).toContain('rolling');
  });

  it('rejects an unknown format with exit 2', async () => {
    const r = await runCli(['diagram', '--format', 'png']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format must be one of mermaid, dot, json, svg/);
  });
});

describe('quiesce validate catches what it can, each problem one line (issue 20.6)', () => {
  const example = readFileSync('examples/payments.plan.yaml', 'utf8');
  const variant = (name: string, edit: (text: string) => string) => {
    const file = join(dir, `${name}.yaml`);
    const text = edit(example);
    expect(text).not.toBe(example);
    writeFileSync(file, text);
    return file;
  };
  const cases: Array<[string, (t: string) => string, RegExp]> = [
    ['maxOutOfService larger than the fleet', (t) => t.replace('maxOutOfService: 1', 'maxOutOfService: 4').replace('minActiveClusters: 2', 'minActiveClusters: 1'), /:20: capacity\.maxOutOfService: is 4 but the fleet has 3 clusters; use at most 3$/],
    ['minHealthyTargets the fleet can never satisfy', (t) => t.replace('minActiveClusters: 2', 'minActiveClusters: 2\n  minHealthyTargets: "100%"'), /:22: capacity\.minHealthyTargets: is 100% of the fleet's targets: taking any cluster out of rotation leaves fewer, so no cluster could ever be maintained; use less$/],
    ['a percentage above 100%', (t) => t.replace('minActiveClusters: 2', 'minActiveClusters: 2\n  minHealthyTargets: "150%"'), /:22: capacity\.minHealthyTargets: must be a count such as 4 or a percentage from 0% to 100% such as "60%"$/],
    ['a drain timeout shorter than the shortest possible drain', (t) => t.replace('timeout: 15m', 'timeout: 4m'), /:25: drain\.timeout: is 4m, shorter than the shortest possible drain: 2 quiet minute\(s\) plus CloudWatch's publication delay \(3m\) = 5m$/],
    ['a step with two kinds', (t) => t.replace('  - elasticache: failover ', '  - command: ["./patch.sh"]\n    elasticache: failover '), /:27: maintenance\[0\]: has 2 kinds \(elasticache and command\); a step is exactly one: split it into 2 steps$/],
  ];
  it.each(cases)('%s', async (name, edit, expected) => {
    const r = await runCli(['validate', variant(name.replace(/\W+/g, '-'), edit)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });

  it('one line naming the first problem and how many more; with --json one object holding them all', async () => {
    const file = variant('three-problems', (t) =>
      t.replace('maxOutOfService: 1', 'maxOutOfService: 4').replace('minActiveClusters: 2', 'minActiveClusters: 1\n  minHealthyTargets: "100%"').replace('timeout: 15m', 'timeout: 4m'),
    );
    const text = await runCli(['validate', file]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^quiesce: .*three-problems\.yaml:20: capacity\.maxOutOfService: is 4 but the fleet has 3 clusters; use at most 3 \(and 2 more problems; quiesce validate --json lists them all\)\n$/);
    const json = await runCli(['validate', file, '--json']);
    expect(json.code).toBe(2);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    expect(json.json).toMatchObject({ valid: false, file });
    expect(json.json.problems.map((p: { field: string }) => p.field)).toEqual(['capacity.maxOutOfService', 'capacity.minHealthyTargets', 'drain.timeout']);
    expect(json.json.problems[0]).toEqual({ line: 20, field: 'capacity.maxOutOfService', detail: 'is 4 but the fleet has 3 clusters; use at most 3', message: `${file}:20: capacity.maxOutOfService: is 4 but the fleet has 3 clusters; use at most 3` });
    // Other commands say the same one line.
    const run = await runCli(['run', file, '--sandbox']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/use at most 3 \(and 2 more problems; quiesce validate --json lists them all\)\n$/);
  });
});

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
    expect(r.stderr).toMatch(/six.yaml:10: fleet.clusters: has 6 clusters, all target groups of one forward action; an ALB forward action holds at most 5 \(quota "Target groups per action", not adjustable\)\n$/);
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

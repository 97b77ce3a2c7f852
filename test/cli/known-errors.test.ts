import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../e2e/cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'quiesce-known-errors-'));

describe('a known error is one line, with its cause', () => {
  it('ends the line with the first line of the cause', async () => {
    const missing = join(dir, 'missing.yaml');
    const r = await runCli(['validate', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`quiesce: ${missing}: cannot read plan: ENOENT: no such file or directory, stat '${missing}'\n`);
  });

  it('ends the line with the cause of a corrupt run record, whatever the command', async () => {
    const stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, 'runs', 'run-broken'), { recursive: true });
    writeFileSync(join(stateDir, 'runs', 'run-broken', 'run.json'), '{"runId": "run-broken",');
    const r = await runCli(['status', 'run-broken', '--state-dir', stateDir]);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^quiesce: .*run\.json.*not valid JSON: .*JSON/);
  });

  it('does not repeat a cause the message already gives', async () => {
    const r = await runCli(['validate', 'examples/payments.plan.yaml', '--frob']);
    expect(r.code).toBe(2);
    expect(r.stderr.match(/Unknown option '--frob'/g)).toHaveLength(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

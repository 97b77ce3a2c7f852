import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_PATH, overviewGroups, topLevelEdges } from '../../src/review/machine-overview.js';
import { runCli, tempStateDir } from '../e2e/cli-harness.js';

// A review page that reviews the change (issue 20.7): the change in one sentence at the top, each step's
// real argv or URL, the plan's hash and text, a run review's "Now" column at the run's end, and a cluster
// machine drawn as its main path plus grouped exceptions, derived from the machine (nothing dropped).

const cell = (html: string, cluster: string) => new RegExp(`<tr data-cluster="${cluster}">(.*?)</tr>`).exec(html.split('<table class="clusters">')[1]!)?.[1] ?? '';

describe('the review page says what changes', () => {
  it('the change in one sentence, the plan hash and text', async () => {
    const dir = tempStateDir('quiesce-review-');
    const out = join(dir, 'review.html');
    const r = await runCli(['review', 'examples/payments.plan.yaml', '--sandbox', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<p class="change">The change: <strong>failover, then engine 7.0 → 7.1, on 3 clusters, one at a time</strong>.</p>');
    const text = readFileSync('examples/payments.plan.yaml', 'utf8');
    const sha = createHash('sha256').update(text).digest('hex');
    expect(html).toContain(`Plan <code>examples/payments.plan.yaml</code>, SHA-256 <code class="plan-hash">${sha}</code>`);
    expect(html).toContain('<pre class="plan-text">');
    expect(html).toContain('engineVersion: &quot;7.1&quot;');
  });

  it('an engine switch names both engines', async () => {
    const r = await runCli(['review', 'examples/valkey.plan.yaml', '--sandbox', 'examples/valkey.world.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/<p class="change">The change: <strong>redis 7\.\d → valkey 8\.0 and parameter group → \S+, on \d clusters, one at a time<\/strong>\.<\/p>/);
  });

  it("each step's real argv or URL, even when the step has a name", async () => {
    const r = await runCli(['review', 'examples/runbook.plan.yaml', '--sandbox']);
    expect(r.code, r.stderr).toBe(0);
    const step = readFileSync('examples/runbook.plan.yaml', 'utf8');
    expect(step).toMatch(/name: patch the hosts/);
    for (const cluster of ['blue', 'green']) expect(r.stdout).toMatch(new RegExp(`patch the hosts: command node -e \\S.* ${cluster}</li>`));
  });

  it('the "Now" column of a run review is the state at the end of the run', async () => {
    const stateDir = tempStateDir('quiesce-review-');
    const run = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', '--state-dir', stateDir, '--run-id', 'r-done', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const withRun = await runCli(['review', 'examples/payments.plan.yaml', '--sandbox', '--run', 'r-done', '--state-dir', stateDir]);
    expect(withRun.code, withRun.stderr).toBe(0);
    expect(withRun.stdout).toContain('<th>At the end of run r-done (sandbox)</th>');
    // The run upgraded every cache to 7.1; a fresh world would still say 7.0.
    for (const name of ['blue', 'green', 'gray']) expect(cell(withRun.stdout, name)).toMatch(/engine (redis )?&quot;7\.1\.\d+&quot;/);
    const fresh = await runCli(['review', 'examples/payments.plan.yaml', '--sandbox']);
    expect(cell(fresh.stdout, 'blue')).toMatch(/engine (redis )?&quot;7\.0\.\d+&quot;/);
  });
});

describe('the cluster machine overview', () => {
  it('covers every transition of the machine: the main path, or one of the groups', () => {
    const edges = topLevelEdges();
    const { main, groups } = overviewGroups(edges);
    expect(main).toHaveLength(MAIN_PATH.length - 1);
    const covered = new Set([...main, ...groups.flatMap((g) => g.edges)]);
    expect(edges.filter((e) => !covered.has(e))).toEqual([]);
    expect(groups.map((g) => g.id).slice(0, 4)).toEqual(['held', 'aborted', 'paused', 'deregister']);
  });

  it('refuses a main path the machine does not have', () => {
    expect(() => overviewGroups(topLevelEdges().filter((e) => e !== 'draining -> maintaining'))).toThrow(/no main-path transition draining -> maintaining/);
  });
});

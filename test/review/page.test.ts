import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import { buildPreview } from '../../src/preview/plan-preview.js';
import { buildRunReport } from '../../src/report/timeline.js';
import { buildReviewPage } from '../../src/review/build-review.js';
import { clusterMarks } from '../../src/review/diagrams.js';
import { REVIEW_CSP } from '../../src/review/page.js';
import type { RunRecord } from '../../src/store/run-store.js';
import { cli, PLAN, REPO_ROOT, tempDir } from '../helpers/sandbox-runs.js';
import { readFileSync } from 'node:fs';

// The review page as text: escaped user data, the strict CSP, and nothing that could make a request.

const plan = loadPlanFile(join(REPO_ROOT, PLAN));
const T0 = Date.parse('2026-01-05T09:00:00Z');

function hostilePlan(): Plan {
  const clusters = plan.fleet.clusters.map((c, i) => (i === 0 ? { ...c, name: 'blue"><img src=x onerror=alert(1)>' } : c));
  return { ...plan, name: '<script>alert("plan")</script>', fleet: { ...plan.fleet, clusters } };
}

/** Every attribute that could load something, and every CSS construct that could. */
function externalReferences(html: string): string[] {
  const refs = [...html.matchAll(/\s(?:src|href|srcset|action|poster|background|xlink:href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!).filter((v) => !v.startsWith('#'));
  const css = [...html.matchAll(/url\(|@import|@font-face/gi)].map((m) => m[0]);
  return [...refs, ...css];
}

describe('review page', () => {
  it('escapes plan names, cluster names and journal messages', async () => {
    const hostile = hostilePlan();
    const record: RunRecord = { runId: 'run-x', planName: hostile.name, listenerArn: hostile.fleet.listenerArn, plan: hostile, status: 'held', createdAt: T0, updatedAt: T0, version: 2, target: { kind: 'sandbox' } };
    const journal = [{ seq: 1, runId: 'run-x', at: T0, kind: 'error' as const, cluster: 'green', message: 'green: step failed: <script>alert("journal")</script>' }];
    const html = await buildReviewPage({ plan: hostile, preview: await buildPreview(hostile), run: { record, journal, report: buildRunReport(record, journal) }, now: T0 });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;plan&quot;)&lt;/script&gt;');
    expect(html).toContain('step failed: &lt;script&gt;alert(&quot;journal&quot;)&lt;/script&gt;');
    expect(html).toContain('data-cluster="blue&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
  });

  it('sets the strict CSP and references nothing outside itself', async () => {
    const html = await buildReviewPage({ plan, preview: await buildPreview(plan), estimateProblem: 'asked for with --plan-only', now: T0 });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REVIEW_CSP}">`);
    expect(REVIEW_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toMatch(/<(script|link|iframe|object|embed|img)\b/i);
    // The SVG namespace is an identifier, not a request; it is the only URL on the page.
    expect([...new Set(html.match(/https?:\/\/[^\s"'<)]+/g))]).toEqual(['http://www.w3.org/2000/svg']);
    expect(html).toContain('Plan-only estimates.');
    for (const c of plan.fleet.clusters) expect(html).toContain(`<article class="cluster" id="c${plan.fleet.clusters.indexOf(c)}-${c.name}" data-cluster="${c.name}">`);
    expect(html).toContain('elasticloadbalancing:ModifyListener');
  });

  it('maps journal states onto the diagram ids, ancestors included, unknown ones left out', () => {
    expect(clusterMarks({ current: 'draining.checking', visited: ['preflight', 'removing.checkDrift', 'draining.checking', 'no.such.state'] })).toEqual({
      current: 'draining.checking',
      visited: ['preflight', 'removing.checkDrift', 'removing', 'draining.checking', 'draining'],
    });
    expect(clusterMarks({ visited: [] })).toEqual({ visited: [] });
  });
});

describe('review page of a cluster mode enabled plan', () => {
  it("lists each cluster's shards (node groups) and the failover of each in turn", async () => {
    const out = join(tempDir('review-sharded-'), 'review.html');
    const r = await cli(['review', 'examples/sharded.plan.yaml', '--sandbox', 'examples/sharded.world.yaml', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('cluster mode enabled, 3 shard(s): 0001 (slots 0-5461, 2 node(s)), 0002 (slots 5462-10922, 2 node(s)), 0003 (slots 10923-16383, 2 node(s))');
    expect(html).toContain('TestFailover on node group(s) 0001, 0002, 0003, one at a time');
    expect(html).toContain('per node group (0001, 0002, 0003): its primary moved to another of its own members');
  });
});

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport, TimelineItem } from '../../src/report/run-report.js';
import { cli, rehearse, tempDir } from '../helpers/sandbox-runs.js';

// `quiesce report` on real sandbox runs: done, held, paused by a hand-made change (seed 003), aborted.

const UTC = /`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z`/;
const stateDirs = new Map<string, string>();
let base: string | undefined;
const dirOf = (runId: string) => stateDirs.get(runId) ?? 'missing';

async function report(runId: string, format: 'md' | 'json' = 'md'): Promise<string> {
  const result = await cli(['report', runId, '--format', format, '--state-dir', dirOf(runId)]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}
const json = async (runId: string) => JSON.parse(await report(runId, 'json')) as RunReport;
const timelineLines = (text: string) => text.slice(text.indexOf('## Timeline'), text.indexOf('## Sandbox')).split('\n').filter((l) => l.startsWith('- '));

beforeAll(async () => {
  base = tempDir('quiesce-report-');
  for (const outcome of ['done', 'held', 'paused', 'aborted'] as const) {
    const { runId, stateDir } = await rehearse(outcome, base!);
    stateDirs.set(runId, stateDir);
  }
}, 120_000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('a done run', () => {
  it('reads as an incident report: header, clusters, UTC timeline with every call and check', async () => {
    const text = await report('run-done');
    expect(text).toContain('**Status: DONE**');
    expect(text).toMatch(/\| Started \(UTC\) \| 2026-01-05 09:00:00Z by \S+ \|/);
    expect(text).toMatch(/\| Ended \(UTC\) \| 2026-01-05 \d\d:\d\d:\d\dZ \|/);
    for (const name of ['blue', 'green', 'gray']) expect(text).toMatch(new RegExp(`\\| \\*\\*${name}\\*\\* \\| done \\|`));
    const lines = timelineLines(text);
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) expect(line).toMatch(UTC);
    // Each mutating call with before and after, each check with observed value and threshold.
    expect(text).toContain('**blue** ModifyListener: payments-blue weight 1 -> 0');
    expect(text).toContain('  - payments-green: 1 (unchanged)');
    expect(text).toContain('**green** TestFailover on payments-green (failover requested)');
    expect(text).toContain('  - engineVersion: "7.1"');
    expect(text).toContain('ok verify.cache.engine-version: observed "7.1.0"; threshold "7.1" or "7.1.N"');
    expect(text).toContain('ok preflight.cache.memory: observed 40% on payments-blue-001; threshold < 80%');
    // Phases in order, and the next cluster starts only after the previous one is done.
    const phases = lines.filter((l) => l.includes('**blue**') && / -> /.test(l) && !l.includes('weight'));
    expect(phases.map((l) => l.replace(/^.*\*\*blue\*\* /, '').replace(/ \(.*$/, ''))).toEqual([
      'start -> preflight',
      'preflight -> removing',
      'removing -> confirming',
      'confirming -> draining',
      'draining -> maintaining',
      'maintaining -> verifying',
      'verifying -> reactivating',
      'reactivating -> done',
    ]);
    expect(lines.findIndex((l) => l.includes('**blue** reactivating -> done'))).toBeLessThan(lines.findIndex((l) => l.includes('**green** start -> preflight')));
    expect(text).toMatch(/- Traffic: [\d,]+ requests, 0 failed/);
    expect(text).toContain('- Violations: none');
    expect(text).toContain('- Changes not made by quiesce: none');
  });

  it('prints the RunReport as one JSON object', async () => {
    const r = await json('run-done');
    expect(r).toMatchObject({ runId: 'run-done', status: 'done', clock: 'sandbox', sandbox: { final: true, traffic: { failed: 0 }, violations: [] } });
    expect(r.clusters.map((c) => [c.name, c.state])).toEqual([['blue', 'done'], ['green', 'done'], ['gray', 'done']]);
    const blue = r.clusters[0]!;
    expect(blue.phases.map((p) => p.phase)).toEqual(['preflight', 'removing', 'confirming', 'draining', 'maintaining', 'verifying', 'reactivating']);
    expect(blue.phases.find((p) => p.phase === 'maintaining')!.ms).toBeGreaterThan(0);
    const removal = r.timeline.find((i): i is Extract<TimelineItem, { kind: 'call' }> => i.kind === 'call' && i.cluster === 'blue' && i.call === 'ModifyListener');
    expect(removal?.weights?.find((w) => w.group === 'payments-blue')).toMatchObject({ before: 1, after: 0 });
    const checks = r.timeline.flatMap((i) => (i.kind === 'checks' ? i.checks : []));
    expect(checks.length).toBeGreaterThan(50);
    expect(checks.every((c) => typeof c.observed === 'string' && c.threshold !== undefined)).toBe(true);
    expect(r.findings).toEqual([]);
  });
});

describe('a held run (engine version "7.10" where the plan asked for "7.1")', () => {
  it('highlights the failed check with its observation and leaves the other clusters untouched', async () => {
    const text = await report('run-held');
    expect(text).toContain('**Status: HELD**');
    expect(text).toMatch(/\*\*FAILED step\.2\.modify: observed [^*]*payments-blue-001="7\.10"[^*]*; threshold complete/);
    expect(text).toContain('**blue** **securing -> held: maintenance step failed');
    expect(text).toContain('- never started: green, gray');
    expect(text).toMatch(/\| \*\*blue\*\* \| held \|.*\| \d+, \*\*1 FAILED\*\* \|/);
    const r = await json('run-held');
    const failed = r.timeline.flatMap((i) => (i.kind === 'checks' ? i.checks : [])).filter((c) => c.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ name: 'step.2.modify', threshold: 'complete', observed: expect.stringContaining('"7.10"') })]);
    expect(r.clusters.map((c) => c.state)).toEqual(['held', 'pending', 'pending']);
  });
});

describe('the seed-003 rehearsal: a weight changed by hand while blue drains', () => {
  it('shows the hand-made change, the drift with its exact diff, and the pause', async () => {
    const text = await report('run-paused');
    expect(text).toContain('**Status: PAUSED** - blue: drift: payments-blue weight expected 0, live 1');
    expect(text).toContain('| Ended (UTC) | not ended (paused); last entry 2026-01-05 09:03:01Z |');
    const lines = timelineLines(text);
    const handMade = lines.findIndex((l) => l.startsWith('- `2026-01-05 09:01:00Z` **sandbox** **ModifyListener on listener/app/payments/') && l.includes('by script:manualWeight'));
    const drift = lines.findIndex((l) => l === '- `2026-01-05 09:03:01Z` **blue** **drift detected: payments-blue weight expected 0, live 1**');
    const pause = lines.findIndex((l) => l === '- `2026-01-05 09:03:01Z` **blue** draining -> paused: drift: payments-blue weight expected 0, live 1');
    expect(handMade).toBeGreaterThan(0);
    expect(drift).toBeGreaterThan(handMade);
    expect(pause).toBeGreaterThan(drift);
    expect(text).toContain('  - **payments-blue: expected weight 0, live weight 1**');
    expect(text).toMatch(/\*\*FAILED [\w.]*weight: observed weight 1; threshold 0 \(blue's weight reads 1, expected 0\)\*\*/);
    expect(text).toContain('**run** paused: blue: drift: payments-blue weight expected 0, live 1');
    expect(text).toContain('_The run has not ended: these are the world\'s figures so far');
  });

  it('carries the diff as data in JSON', async () => {
    const r = await json('run-paused');
    expect(r.status).toBe('paused');
    expect(r.endedAt).toBeUndefined();
    const drift = r.timeline.find((i) => i.kind === 'drift');
    expect(drift).toMatchObject({ cluster: 'blue', diff: { weights: [{ group: 'payments-blue', expected: 0, live: 1 }], targetsAppeared: [], targetsVanished: [] } });
    expect(r.sandbox).toMatchObject({ final: false, outOfBand: [{ command: 'ModifyListener', caller: 'script:manualWeight', at: Date.parse('2026-01-05T09:01:00Z') }] });
    expect(r.clusters[0]).toMatchObject({ name: 'blue', state: 'paused', current: 'paused' });
  });

  it('after an approval that does not fix the weight, shows who approved and the drift found again', async () => {
    const approve = await cli(['approve', 'run-paused', '--by', 'bob', '--json', '--state-dir', dirOf('run-paused')]);
    expect(approve.code).toBe(3);
    const text = await report('run-paused');
    expect(text).toMatch(/\| Approved by \| bob at 2026-01-05 09:03:01Z \|/);
    expect(text).toContain('**operator** approved by bob (blue)');
    expect(text.match(/\*\*drift detected: payments-blue weight expected 0, live 1\*\*/g)).toHaveLength(2);
    // The resumed process journals the same failed observation again: one row, counted.
    expect(text).toContain('(same observation 2 times, last 2026-01-05 09:03:01Z)');
  });
});

describe('an aborted run', () => {
  it('names who aborted, places the request on the run clock, and ends with green aborted in rotation', async () => {
    const text = await report('run-aborted');
    expect(text).toContain('**Status: ABORTED** - aborted by alice: hand change on gray; left untouched: gray');
    expect(text).toContain('| Aborted by | alice (hand change on gray) |');
    // The CLI in another process stamps a sandbox run's abort with the run's own (virtual) time.
    expect(text).toContain('- `2026-01-05 09:41:00Z` **operator** abort requested by alice: hand change on gray');
    expect(text).not.toContain('(wall clock)');
    expect(text).toContain('**green** **drift detected: payments-gray weight expected 1, live 2**');
    expect(text).toContain('**green** **paused -> aborted: aborted by alice before leaving rotation (hand change on gray)**');
    const r = await json('run-aborted');
    expect(r.clusters.map((c) => c.state)).toEqual(['done', 'aborted', 'pending']);
    expect(r.people.aborts).toEqual([expect.objectContaining({ by: 'alice', reason: 'hand change on gray' })]);
    expect(r.people.aborts[0]?.clock).toBeUndefined();
    expect(r.sandbox?.final).toBe(true);
  });
});

describe('report usage', () => {
  it('writes to --out, and refuses bad input with exit 2', async () => {
    const stateDir = dirOf('run-done');
    const out = join(stateDir, 'report.md');
    const written = await cli(['report', 'run-done', '--state-dir', stateDir, '--out', out]);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(existsSync(out) && readFileSync(out, 'utf8')).toMatch(/^# Run report: payments-core/);
    expect((await cli(['report', '--state-dir', stateDir])).code).toBe(2);
    expect((await cli(['report', 'run-done', '--format', 'xml', '--state-dir', stateDir])).code).toBe(2);
    const missing = await cli(['report', 'run-nope', '--state-dir', stateDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no run run-nope');
  });
});

describe('a cluster mode enabled run where one shard does not fail over (examples/sharded-shard-stuck.world.yaml)', () => {
  let stateDir = '';
  beforeAll(async () => {
    stateDir = tempDir('quiesce-report-sharded-');
    const run = await cli(['run', 'examples/sharded.plan.yaml', '--sandbox', 'examples/sharded-shard-stuck.world.yaml', '--json', '--state-dir', stateDir, '--run-id', 'run-sharded']);
    expect(run.code, run.stderr).toBe(1);
  }, 120_000);

  it('lists each cluster\'s shards and which ones moved', async () => {
    const md = await cli(['report', 'run-sharded', '--state-dir', stateDir]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(
      '- **blue**: 0001 moved (sessions-blue-0001-001 -> sessions-blue-0001-002); 0002 moved (sessions-blue-0002-001 -> sessions-blue-0002-002); 0003 moved (sessions-blue-0003-001 -> sessions-blue-0003-002)',
    );
    expect(md.stdout).toContain('- **green**: 0001 moved (sessions-green-0001-001 -> sessions-green-0001-002); 0002 failover requested, not completed; 0003 not started');
    // gray never started: no shards line; the step's plan of its node groups is not an intent left without its call.
    expect(md.stdout).not.toContain('- **gray**:');
    expect(md.stdout).not.toMatch(/intent "start step 1: fail over 3 node group\(s\).*no completed call followed it/);

    const data = JSON.parse((await cli(['report', 'run-sharded', '--format', 'json', '--state-dir', stateDir])).stdout) as RunReport;
    expect(data.clusters.find((c) => c.name === 'green')?.shards).toEqual([
      { nodeGroupId: '0001', state: 'moved', from: 'sessions-green-0001-001', to: 'sessions-green-0001-002' },
      { nodeGroupId: '0002', state: 'requested' },
      { nodeGroupId: '0003', state: 'not started' },
    ]);
    expect(data.clusters.find((c) => c.name === 'gray')?.shards).toBeUndefined();
  });

  it('the review page shows them in the run overlay', async () => {
    const out = join(stateDir, 'review.html');
    const r = await cli(['review', 'examples/sharded.plan.yaml', '--sandbox', 'examples/sharded-shard-stuck.world.yaml', '--run', 'run-sharded', '--state-dir', stateDir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<li class="tone-ok" data-node-group="0001">0001 moved (sessions-green-0001-001 -&gt; sessions-green-0001-002)</li>');
    expect(html).toContain('<li class="tone-warn" data-node-group="0002">0002 failover requested, not completed</li>');
    expect(html).toContain('<li class="tone-normal" data-node-group="0003">0003 not started</li>');
  });
});

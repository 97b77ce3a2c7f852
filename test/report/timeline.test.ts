import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load.js';
import { describeItem } from '../../src/report/describe.js';
import { causalOrder } from '../../src/report/journal-order.js';
import { md, renderReportMarkdown } from '../../src/report/markdown.js';
import { buildRunReport } from '../../src/report/timeline.js';
import type { JournalEntry, RunRecord } from '../../src/store/run-store.js';
import type { TimelineItem } from '../../src/report/run-report.js';
import { createClusterActors } from '../../src/run/cluster-actors.js';
import { baseline } from '../../src/run/baseline.js';
import { PLAN, REPO_ROOT } from '../helpers/sandbox-runs.js';
import { targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, settle } from '../run/sandbox-context.js';

// The report builder on hand-written journals: the cases a real run produces only by accident.

const plan = loadPlanFile(join(REPO_ROOT, PLAN));
const T0 = Date.parse('2026-01-05T09:00:00Z');
const BLUE = plan.fleet.clusters[0]!.targetGroupArn;
const GREEN = plan.fleet.clusters[1]!.targetGroupArn;

function record(over: Partial<RunRecord> = {}): RunRecord {
  return { runId: 'run-x', planName: plan.name, listenerArn: plan.fleet.listenerArn, plan, status: 'paused', createdAt: T0, updatedAt: T0, version: 3, target: { kind: 'sandbox' }, ...over };
}

let seq = 0;
function entry(at: number, kind: JournalEntry['kind'], message: string, extra: Partial<JournalEntry> = {}): JournalEntry {
  seq++;
  return { seq, runId: 'run-x', at, kind, message, ...extra };
}
const transition = (at: number, cluster: string, from: string | null, to: string, data: Record<string, unknown> = {}) =>
  entry(at, 'transition', `${cluster}: ${from ?? '(start)'} -> ${to}`, { cluster, data: { from, to, ...data } });
const check = (at: number, cluster: string, phase: string, name: string, ok: boolean, observed: string, threshold?: string, message?: string) =>
  entry(at, 'check', `${cluster} ${name}`, { cluster, data: { phase, name, ok, observed, ...(threshold ? { threshold } : {}), ...(message ? { message } : {}) } });

describe('causal order', () => {
  it('moves a transition journaled late to before the checks of the phase it enters, never across instants', () => {
    seq = 0;
    const journal = [
      check(T0, 'blue', 'preflight', 'preflight.cache.memory', true, '40%', '< 80%'),
      transition(T0, 'blue', null, 'preflight'),
      check(T0 + 1000, 'blue', 'drain', 'drain.minimum', false, '0s', '>= 60s'),
      transition(T0 + 2000, 'blue', 'preflight', 'draining.checking'),
    ];
    const order = causalOrder(journal).map((e) => e.seq);
    expect(order).toEqual([2, 1, 3, 4]);
  });

  it('puts the end of one cluster before the start of the next at the same instant', () => {
    seq = 0;
    const journal = [
      check(T0, 'green', 'preflight', 'preflight.in-rotation', true, 'weight 1', 'weight > 0'),
      transition(T0, 'blue', 'reactivating.waiting', 'reactivating.holding'),
      transition(T0, 'blue', 'reactivating.holding', 'done'),
      transition(T0, 'green', null, 'preflight'),
    ];
    expect(causalOrder(journal).map((e) => e.seq)).toEqual([2, 3, 4, 1]);
  });
});

describe('buildRunReport', () => {
  it('tells a drift with its exact diff, the pause, and the time spent in each phase', () => {
    seq = 0;
    const drift = { weights: [{ targetGroupArn: BLUE, expected: 0, live: 1 }], targetsAppeared: [{ targetGroupArn: BLUE, targets: ['i-new'] }], targetsVanished: [], summary: 'payments-blue weight expected 0, live 1; payments-blue target i-new appeared' };
    const journal = [
      entry(T0, 'run', 'run started by 1@host', { data: { owner: '1@host' } }),
      transition(T0, 'blue', null, 'preflight'),
      transition(T0, 'blue', 'preflight', 'draining.checking'),
      transition(T0 + 60_000, 'blue', 'draining.checking', 'draining.waiting'),
      transition(T0 + 181_000, 'blue', 'draining.waiting', 'paused', { reason: 'drift: payments-blue weight expected 0, live 1', drift }),
      entry(T0 + 181_000, 'run', 'run paused: blue: drift'),
    ];
    const report = buildRunReport(record({ clusters: { blue: { state: 'paused', reason: 'drift' } } }), journal);
    const driftItem = report.timeline.find((i) => i.kind === 'drift');
    expect(driftItem).toMatchObject({ cluster: 'blue', diff: { weights: [{ group: 'payments-blue', expected: 0, live: 1 }], targetsAppeared: [{ group: 'payments-blue', targets: ['i-new'] }] } });
    expect(report.timeline.filter((i) => i.kind === 'phase').map((i) => (i.kind === 'phase' ? `${i.from}->${i.to}` : ''))).toEqual(['null->preflight', 'preflight->draining', 'draining->paused']);
    const blue = report.clusters.find((c) => c.name === 'blue')!;
    expect(blue.phases).toEqual([{ phase: 'preflight', ms: 0 }, { phase: 'draining', ms: 181_000 }, { phase: 'paused', ms: 0 }]);
    expect(blue.current).toBe('paused');
    expect(report.clusters.map((c) => c.state)).toEqual(['paused', 'pending', 'pending']);
    expect(report.endedAt).toBeUndefined();
    expect(report.durationMs).toBe(181_000);
    const text = renderReportMarkdown(report);
    expect(text).toContain('payments-blue: expected weight 0, live weight 1');
    expect(text).toContain('payments-blue: targets appeared: i-new');
  });

  it('folds identical observations, and tells waiting from failing', () => {
    seq = 0;
    const journal = [
      transition(T0, 'blue', null, 'draining.checking'),
      check(T0, 'blue', 'drain', 'drain.minimum', false, '0s since removal', '>= 60s'),
      check(T0, 'blue', 'drain', 'weight', false, 'weight 1', '0', "blue's weight reads 1, expected 0"),
      check(T0 + 10_000, 'blue', 'drain', 'weight', false, 'weight 1', '0', "blue's weight reads 1, expected 0"),
      check(T0 + 10_000, 'blue', 'drift', 'drift', false, 'payments-gray weight expected 1, live 2', 'as recorded at run start'),
    ];
    const report = buildRunReport(record(), journal);
    const rows = report.timeline.flatMap((i) => (i.kind === 'checks' ? i.checks : []));
    expect(rows.map((r) => [r.name, r.status, r.count])).toEqual([
      ['drain.minimum', 'not yet', 1],
      ['weight', 'failed', 2],
      ['drift', 'failed', 1],
    ]);
    expect(rows[1]!.lastAt).toBe(T0 + 10_000);
    expect(report.clusters[0]!.checks).toEqual({ total: 3, failed: 2 });
  });

  it('skips the state a resumed process restores, and marks a wall-clock abort in a sandbox run', () => {
    seq = 0;
    const wall = Date.parse('2026-11-21T02:13:02Z');
    const journal = [
      entry(T0, 'run', 'run started by 1@host', { data: { owner: '1@host' } }),
      transition(T0, 'green', null, 'removing.checkDrift'),
      transition(T0, 'green', 'removing.checkDrift', 'paused', { reason: 'drift' }),
      entry(T0, 'run', 'run paused: green: drift'),
      entry(wall, 'operator', 'abort requested by alice: hand change', { data: { action: 'abort', by: 'alice', reason: 'hand change' } }),
      entry(T0, 'run', 'run resumed by 2@host', { data: { owner: '2@host' } }),
      transition(T0, 'green', null, 'paused'),
      entry(T0, 'operator', 'abort by alice taken up', { data: { action: 'abort', by: 'alice', reason: 'hand change' } }),
      transition(T0, 'green', 'paused', 'aborted', { reason: 'aborted by alice' }),
      entry(T0, 'run', 'run ended aborted', { data: { status: 'aborted' } }),
    ];
    const report = buildRunReport(record({ status: 'aborted' }), journal);
    expect(report.timeline.filter((i) => i.kind === 'phase')).toHaveLength(3);
    const request = report.timeline.find((i) => i.kind === 'operator' && i.message.startsWith('abort requested'));
    expect(request?.clock).toBe('wall');
    expect(report.people.aborts).toEqual([{ at: wall, by: 'alice', reason: 'hand change', clock: 'wall' }]);
    expect(report.people.drivers.map((d) => [d.by, d.resumed])).toEqual([['1@host', false], ['2@host', true]]);
    expect(report.endedAt).toBe(T0);
    expect(renderReportMarkdown(report)).toMatch(/`2026-11-21 02:13:02Z` \(wall clock\) \*\*operator\*\* abort requested by alice/);
  });

  it('keeps an intent whose call never completed, and drops those that did', () => {
    seq = 0;
    const journal = [
      entry(T0, 'intent', 'blue: set weight to 0 (remove)', { cluster: 'blue', data: { purpose: 'remove', weight: 0 } }),
      entry(T0, 'effect', 'blue: weight 1 -> 0', { cluster: 'blue', data: { call: 'ModifyListener', changed: true, before: { targetGroups: [{ targetGroupArn: BLUE, weight: 1 }] }, after: { targetGroups: [{ targetGroupArn: BLUE, weight: 0 }] } } }),
      entry(T0 + 1000, 'intent', 'blue: register 3 targets again (weight still 0)', { cluster: 'blue', data: { targets: [] } }),
      entry(T0 + 1000, 'error', 'blue: register failed: AccessDenied', { cluster: 'blue' }),
    ];
    const report = buildRunReport(record(), journal);
    expect(report.timeline.map((i) => i.kind)).toEqual(['call', 'intent', 'error']);
    expect(report.timeline[0]).toMatchObject({ call: 'ModifyListener', weights: [{ group: 'payments-blue', before: 1, after: 0 }] });
    expect(report.findings.some((f) => f.includes('no completed call followed'))).toBe(true);
  });
});

describe('markdown escaping', () => {
  it('escapes user data so a plan name or journal message cannot inject markup', () => {
    expect(md('a|b <script>x</script> *bold* [link](http://x)')).toBe('a\\|b &lt;script>x&lt;/script> \\*bold\\* \\[link\\](http://x)');
    seq = 0;
    const hostile = { ...plan, name: '<img src=x onerror=alert(1)> | pay' };
    const report = buildRunReport(record({ plan: hostile, planName: hostile.name }), [entry(T0, 'error', 'blue: failed: <b>boom</b>', { cluster: 'blue' })]);
    const text = renderReportMarkdown(report);
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<b>');
    expect(text).toContain('&lt;img src=x onerror=alert(1)> \\| pay');
  });
});

type CallItem = Extract<TimelineItem, { kind: 'call' }>;
const calls = (items: TimelineItem[]) => items.filter((i): i is CallItem => i.kind === 'call');

describe('a weight change on a forward config of more than 5 target groups', () => {
  it('describes the groups journaled and says how many others the call left unchanged', () => {
    seq = 0;
    const journal = [
      entry(T0, 'effect', 'blue: weight 1 -> 0', {
        cluster: 'blue',
        data: {
          call: 'ModifyListener',
          changed: true,
          before: { targetGroups: [{ targetGroupArn: BLUE, weight: 1 }, { targetGroupArn: GREEN, weight: 2 }] },
          after: { targetGroups: [{ targetGroupArn: BLUE, weight: 0 }, { targetGroupArn: GREEN, weight: 1 }] },
          unchangedGroups: 5,
        },
      }),
      entry(T0 + 1000, 'effect', 'green: weight 1 -> 0', {
        cluster: 'green',
        data: { call: 'ModifyListener', changed: true, before: { targetGroups: [{ targetGroupArn: GREEN, weight: 1 }] }, after: { targetGroups: [{ targetGroupArn: GREEN, weight: 0 }] } },
      }),
    ];
    const report = buildRunReport(record(), journal);
    const [large, small] = calls(report.timeline);
    expect(large).toMatchObject({ call: 'ModifyListener', unchangedGroups: 5, weights: [{ group: 'payments-blue', before: 1, after: 0 }, { group: 'payments-green', before: 2, after: 1 }] });
    const described = describeItem(large!);
    expect(described.headline).toBe('ModifyListener: payments-blue weight 1 -> 0, payments-green weight 2 -> 1');
    expect(described.details.map((d) => d.text)).toEqual(['payments-blue: 1 -> 0', 'payments-green: 2 -> 1', '5 other target groups: unchanged']);
    // A whole forward config (at most 5 groups) has no count of others.
    expect(small).not.toHaveProperty('unchangedGroups');
    expect(describeItem(small!).details.map((d) => d.text)).toEqual(['payments-green: 1 -> 0']);
    const text = renderReportMarkdown(report);
    expect(text).toContain('**blue** ModifyListener: payments-blue weight 1 -> 0, payments-green weight 2 -> 1');
    expect(text).toContain('  - 5 other target groups: unchanged');
    expect(text.match(/other target groups: unchanged/g)).toHaveLength(1);
  });

  it("setWeight on a 7-cluster sandbox fleet journals only the cluster's own group, and the count of the 6 others", async () => {
    // Seven groups in one forward action: a topology AWS does not allow (it holds 5), so a synthetic world.
    const names = ['blue', 'green', 'gray', 'amber', 'teal', 'coral', 'olive'];
    const run = await sandboxRun({}, 'elbv2: { syntheticTargetGroupsPerForward: 7 }\n', { clusters: names });
    await baseline(run.ctx);
    const tracker = { begin: () => undefined, end: () => undefined, persisted: async () => undefined };
    const actor = createActor(createClusterActors(run.ctx, tracker).setWeight, { input: { cluster: 'blue', percent: 0, purpose: 'remove' } });
    actor.start();
    await expect(settle(run.clock, toPromise(actor))).resolves.toMatchObject({ before: 1, after: 0, changed: true });

    const journal = await run.store.readJournal(run.ctx.runId);
    const effects = journal.filter((e) => e.kind === 'effect');
    expect(effects).toHaveLength(1);
    expect(effects[0]).toMatchObject({ cluster: 'blue', message: 'blue: weight 1 -> 0' });
    expect(effects[0]!.data).toEqual({
      call: 'ModifyListener',
      changed: true,
      purpose: 'remove',
      percent: 0,
      scale: { before: 1, after: 1, of: 100 },
      before: expect.objectContaining({ targetGroups: [{ targetGroupArn: targetGroupArn('blue'), weight: 1 }] }),
      after: expect.objectContaining({ targetGroups: [{ targetGroupArn: targetGroupArn('blue'), weight: 0 }] }),
      unchangedGroups: 6,
    });
    // The listener itself holds all seven, the others as they were.
    const live = await run.ctx.traffic.readForwardConfig(run.ctx.location);
    expect(live.targetGroups.map((g) => [g.targetGroupArn, g.weight])).toEqual(names.map((n) => [targetGroupArn(n), n === 'blue' ? 0 : 1]));

    const runRecord = await run.store.loadRun(run.ctx.runId);
    const [call] = calls(buildRunReport(runRecord!, journal).timeline);
    expect(describeItem(call!).details.map((d) => d.text)).toEqual(['payments-blue: 1 -> 0', '6 other target groups: unchanged']);
  });

  it('a ramp step that rescales a 7-cluster sandbox fleet journals the count of the groups it only rescaled, not each of them', async () => {
    const names = ['blue', 'green', 'gray', 'amber', 'teal', 'coral', 'olive'];
    const run = await sandboxRun({}, 'elbv2: { syntheticTargetGroupsPerForward: 7 }\n', { clusters: names });
    await baseline(run.ctx);
    const tracker = { begin: () => undefined, end: () => undefined, persisted: async () => undefined };
    const step = async (percent: number) => {
      const actor = createActor(createClusterActors(run.ctx, tracker).setWeight, { input: { cluster: 'blue', percent, purpose: percent ? 'ramp' : 'remove' } });
      actor.start();
      await settle(run.clock, toPromise(actor));
      run.world.advanceBy(1_000);
    };
    await step(0);
    await step(10);

    const live = await run.ctx.traffic.readForwardConfig(run.ctx.location);
    expect(live.targetGroups.map((g) => g.weight)).toEqual([10, 100, 100, 100, 100, 100, 100]);
    const journal = await run.store.readJournal(run.ctx.runId);
    const effect = journal.filter((e) => e.kind === 'effect').at(-1)!;
    expect(effect.message).toBe('blue: weight 0 -> 10 (every weight x100 so the others keep their shares: 6 other target groups)');
    expect(effect.data).toMatchObject({ rescaledGroups: 6, unchangedGroups: 0, after: { targetGroups: [{ targetGroupArn: targetGroupArn('blue'), weight: 10 }] } });
    const intent = journal.filter((e) => e.kind === 'intent').at(-1)!;
    expect(intent.data).toMatchObject({ weights: { [targetGroupArn('blue')]: 10 }, rescaledGroups: 6 });

    const runRecord = await run.store.loadRun(run.ctx.runId);
    const last = calls(buildRunReport(runRecord!, journal).timeline).at(-1)!;
    expect(describeItem(last).headline).toBe('ModifyListener, ramp 10% of its share: every weight x100 so the others keep their shares: payments-blue weight 0 -> 10');
    expect(describeItem(last).details.map((d) => d.text)).toEqual(['payments-blue: 0 -> 10', '6 other target groups: every weight x100']);
  });
});

import { describe, expect, it } from 'vitest';
import { describeItem } from '../../src/report/describe.js';
import { renderReportMarkdown } from '../../src/report/markdown.js';
import { buildRunReport } from '../../src/report/timeline.js';
import { runHeaderHtml, timelineHtml } from '../../src/review/run-html.js';
import type { JournalEntry, RunRecord } from '../../src/store/run-store.js';
import { twoBalancersPlan } from '../helpers/two-balancers.js';

// The run report of a fleet behind two load balancers: it names every location, and says at which one
// each weight change, check and drift happened when the engine journaled it.

const plan = twoBalancersPlan({ internalRule: true });
const T0 = Date.parse('2026-01-05T09:00:00Z');
const tg = (cluster: string, at: string) => plan.fleet.clusters.find((c) => c.name === cluster)!.placements.find((p) => p.location === at)!.targetGroupArn;

function record(over: Partial<RunRecord> = {}): RunRecord {
  return { runId: 'run-l', planName: plan.name, listenerArn: plan.fleet.listenerArn, plan, status: 'paused', createdAt: T0, updatedAt: T0, version: 3, target: { kind: 'sandbox' }, ...over };
}

let seq = 0;
function entry(at: number, kind: JournalEntry['kind'], message: string, extra: Partial<JournalEntry> = {}): JournalEntry {
  seq++;
  return { seq, runId: 'run-l', at, kind, message, ...extra };
}

/** blue out of rotation at both locations, then a drift found at the internal one. */
function journal(): JournalEntry[] {
  seq = 0;
  const forward = (at: string, blue: number) => ({ targetGroups: ['blue', 'green', 'gray'].map((c) => ({ targetGroupArn: tg(c, at), weight: c === 'blue' ? blue : 1 })) });
  return [
    entry(T0, 'run', 'run started by 1@host', { data: { owner: '1@host' } }),
    entry(T0, 'transition', 'blue: (start) -> preflight', { cluster: 'blue', data: { from: null, to: 'preflight' } }),
    entry(T0 + 1000, 'effect', 'blue: weight 1 -> 0 at external', { cluster: 'blue', data: { call: 'ModifyListener', changed: true, location: 'external', before: forward('external', 1), after: forward('external', 0) } }),
    entry(T0 + 1000, 'effect', 'blue: weight 1 -> 0 at internal', { cluster: 'blue', data: { call: 'ModifyRule', changed: true, location: 'internal', before: forward('internal', 1), after: forward('internal', 0) } }),
    entry(T0 + 2000, 'check', 'blue weight', { cluster: 'blue', data: { phase: 'drain', name: 'drain.weight', ok: true, observed: 'weight 0', location: 'internal' } }),
    // As the engine journals a drift found at one location (src/run/locations.ts): located, and said so in its summary.
    entry(T0 + 3000, 'drift', 'blue: drift', {
      cluster: 'blue',
      data: { drift: { location: 'internal', summary: 'at internal: payments-int-blue weight expected 0, live 1', weights: [{ targetGroupArn: tg('blue', 'internal'), expected: 0, live: 1 }], targetsAppeared: [], targetsVanished: [] } },
    }),
  ];
}

describe('the report of a run on a fleet at several locations', () => {
  it('names every location, its listener and its rule, in the header', () => {
    const report = buildRunReport(record(), journal());
    expect(report.locations).toEqual(plan.fleet.locations);
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain(
      '| Locations | external: listener listener/app/payments-ext/50dc6c495c0c9188/f2f7dc8efc522ab2; internal: listener listener/app/payments-int/6a1f0c2e9b7d4a35/0b5e8c7d2a4f6e19, rule listener-rule/app/payments-int/6a1f0c2e9b7d4a35/0b5e8c7d2a4f6e19/9d8c7b6a5f4e3d21 |',
    );
    expect(runHeaderHtml(report)).toContain('<th scope="row">Locations</th><td>external: listener listener/app/payments-ext/');
  });

  it('says at which location each weight change, check and drift happened', () => {
    const report = buildRunReport(record(), journal());
    const lines = report.timeline.map((item) => `${describeItem(item).who}: ${describeItem(item).headline}`);
    expect(lines).toContain('blue: ModifyListener at external: payments-ext-blue weight 1 -> 0');
    expect(lines).toContain('blue: ModifyRule at internal: payments-int-blue weight 1 -> 0');
    expect(lines).toContain('blue: drain at internal checks: 1 ok');
    expect(lines).toContain('blue: drift detected at internal: payments-int-blue weight expected 0, live 1');
    expect(timelineHtml(report)).toContain('ModifyRule at internal: payments-int-blue weight 1 -&gt; 0');
  });

  it('names the location of a call it cannot read weights from once, whether the message names it or not', () => {
    const bare = describeItem({ kind: 'call', at: T0, cluster: 'blue', location: 'internal', call: 'note', changed: false, message: 'weight 0' });
    expect(`${bare.who}: ${bare.headline}`).toBe('blue: weight 0 at internal');
    const named = describeItem({ kind: 'call', at: T0, cluster: 'blue', location: 'internal', call: 'note', changed: false, message: 'weight 1 -> 0 at internal' });
    expect(named.headline).toBe('weight 1 -> 0 at internal');
    const intent = describeItem({ kind: 'intent', at: T0, cluster: 'blue', location: 'internal', message: 'set weight to 0 at internal (remove)' });
    expect(intent.headline).toBe('intent recorded, no completed call followed: set weight to 0 at internal (remove)');
  });

  it('names no location for a one-location fleet, nor for a run recorded before locations existed', () => {
    const one = twoBalancersPlan();
    const single = { ...one, fleet: { ...one.fleet, locations: [one.fleet.locations[0]!] } };
    expect(buildRunReport(record({ plan: single }), journal().slice(0, 2)).locations).toBeUndefined();
    const { locations: _dropped, ...old } = one.fleet;
    const report = buildRunReport(record({ plan: { ...one, fleet: old as typeof one.fleet } }), journal().slice(0, 2));
    expect(report.locations).toBeUndefined();
    expect(renderReportMarkdown(report)).not.toContain('Locations');
  });
});

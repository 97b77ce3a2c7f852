import type { JournalEntry, RunRecord } from '../store/run-store.js';
import { isRecord } from './calls.js';
import type { SandboxSummary, TimelineItem } from './run-report.js';
import type { ReportSources } from './timeline.js';

// A sandbox run is also judged by the world it ran against: traffic served and failed, the audit's
// violations, and every change made by anyone other than quiesce (the world records the caller).

interface FinalAudit {
  violations: SandboxSummary['violations'];
  traffic: NonNullable<SandboxSummary['traffic']>;
  weights: Record<string, number>;
  mutations: number;
  synthetic?: string[];
}

export function sandboxSummary(record: RunRecord, journal: readonly JournalEntry[], sources: ReportSources): SandboxSummary {
  const ending = [...journal].reverse().find((e) => e.kind === 'run' && isRecord(e.data?.sandbox));
  const final = (record.sandbox ?? ending?.data?.sandbox) as FinalAudit | undefined;
  const world = sources.world;
  const outOfBand = (world?.mutations ?? []).filter((m) => m.caller !== 'quiesce').map((m) => ({ at: m.at, command: m.command, resource: m.resource, caller: m.caller }));
  const problem = sources.worldProblem ? { problem: sources.worldProblem } : {};
  // The world knows its own settings; the final audit of a run recorded them too.
  const names = final?.synthetic ?? world?.synthetic ?? [];
  const synthetic = names.length ? { synthetic: names } : {};
  if (final) {
    return { final: true, traffic: final.traffic, violations: final.violations, weights: final.weights, mutations: final.mutations, outOfBand, ...problem, ...synthetic };
  }
  if (world) {
    return { final: false, traffic: world.traffic, violations: world.violations, weights: world.weights, mutations: world.mutations.length, outOfBand, ...problem, ...synthetic };
  }
  return { final: false, violations: [], outOfBand, problem: sources.worldProblem ?? 'the sandbox world beside the run was not found' };
}

/** Out-of-band changes and violations, as timeline items at the time the world saw them. */
export function sandboxTimelineItems(summary: SandboxSummary): TimelineItem[] {
  const items: TimelineItem[] = summary.outOfBand.map((m) => ({ kind: 'out-of-band', at: m.at, command: m.command, resource: shortArn(m.resource), caller: m.caller }));
  for (const v of summary.violations) {
    if (v.at !== undefined) items.push({ kind: 'violation', at: v.at, violation: v.kind, message: v.message });
  }
  return items.sort((a, b) => a.at - b.at);
}

/** `listener/app/payments/50dc…/f2f7…` from its ARN: the account and region are the plan's. */
export function shortArn(arn: string): string {
  const m = /^arn:[^:]+:[^:]+:[^:]*:\d*:(.+)$/.exec(arn);
  return m?.[1] ?? arn;
}

import type { Drift } from '../../machines/types.js';
import type { JournalEntry, RunRecord } from '../store/run-store.js';
import { callOf, driftDiff, isRecord, stripCluster } from './calls.js';
import { checkRow, sameObservation } from './checks.js';
import { ClusterTracker, summarizeClusters } from './cluster-summary.js';
import { findingsOf } from './findings.js';
import { causalOrder, topOf } from './journal-order.js';
import type { CheckRow, OperatorAction, RunReport, TimelineItem, WorldAudit } from './run-report.js';
import { sandboxSummary, sandboxTimelineItems } from './sandbox-summary.js';

// Builds the RunReport of one run from its record and journal (and, for a sandbox run, the world's own
// audit). Pure: the CLI reads the store and the world file, this only reads what it is given.

export interface ReportSources {
  /** The sandbox world beside the run, when it could be read. */
  world?: WorldAudit;
  /** Why the sandbox world could not be read; shown in the report instead of its figures. */
  worldProblem?: string;
}

type Item = TimelineItem;

export function buildRunReport(record: RunRecord, journal: readonly JournalEntry[], sources: ReportSources = {}): RunReport {
  const ordered = causalOrder(journal);
  const sandbox = record.target.kind === 'sandbox';
  const wall = wallClockEntries(ordered, sandbox);
  const tracker = new ClusterTracker();
  const timeline: Item[] = [];
  const people: RunReport['people'] = { drivers: [], approvals: [], aborts: [], reinstatements: [] };
  const lastCheck = new Map<string, CheckRow>();
  const lastDrift = new Map<string, string>();
  const openIntent = new Map<string, Item>();
  const fulfilled = new Set<Item>();
  const stamp = (e: JournalEntry) => ({ at: e.at, seq: e.seq, ...(wall.has(e.seq) ? { clock: 'wall' as const } : {}), ...(e.cluster ? { cluster: e.cluster } : {}), ...locationOf(e) });

  for (const e of ordered) {
    const data = e.data ?? {};
    switch (e.kind) {
      case 'run': {
        const event = runEvent(e);
        if (event === 'started' || event === 'resumed') people.drivers.push({ at: e.at, by: ownerOf(e), resumed: event === 'resumed' });
        timeline.push({ ...stamp(e), kind: 'run', event, message: e.message, ...(typeof data.status === 'string' ? { status: data.status } : {}) });
        break;
      }
      case 'transition': {
        if (!e.cluster || typeof data.to !== 'string') break;
        const step = tracker.transition(e.cluster, data.from as string | null, data.to, e.at);
        if (!step) break;
        if (step.leftPause) lastDrift.delete(e.cluster);
        if (isRecord(data.drift) && lastDrift.get(e.cluster) !== (data.drift as unknown as Drift).summary) {
          const diff = driftDiff(data.drift as unknown as Drift);
          lastDrift.set(e.cluster, diff.summary);
          timeline.push({ ...stamp(e), kind: 'drift', cluster: e.cluster, diff });
        }
        if (step.phaseChanged) {
          const reason = typeof data.reason === 'string' ? data.reason : undefined;
          timeline.push({ ...stamp(e), kind: 'phase', cluster: e.cluster, from: step.from, to: topOf(data.to), state: data.to, ...(reason ? { reason } : {}) });
        }
        break;
      }
      case 'check': {
        const row = checkRow(e);
        const key = `${e.cluster ?? ''}|${row.name}`;
        const previous = lastCheck.get(key);
        if (previous && sameObservation(previous, row)) {
          previous.count++;
          previous.lastAt = e.at;
          break;
        }
        lastCheck.set(key, row);
        if (e.cluster) tracker.countCheck(e.cluster, row.status === 'failed');
        const phase = typeof data.phase === 'string' ? data.phase : 'check';
        const last = timeline[timeline.length - 1];
        if (last?.kind === 'checks' && last.cluster === e.cluster && last.phase === phase && last.at === e.at && last.location === locationOf(e).location) last.checks.push(row);
        else timeline.push({ ...stamp(e), kind: 'checks', cluster: e.cluster ?? 'fleet', phase, checks: [row] });
        break;
      }
      case 'intent': {
        if (typeof data.ruleArn === 'string') {
          // The canary rule is journaled once it exists: this intent is the record of CreateRule.
          timeline.push({ ...stamp(e), ...callOf(e, record.plan) });
          break;
        }
        if (e.cluster) tracker.noteNodeGroups(e.cluster, data);
        if (isRecord(data.intent) && Array.isArray(data.intent.nodeGroupIds) && !isRecord(data.nodeGroup)) {
          // A failover step's plan for its node groups: each one's own intent and call follow it.
          timeline.push({ ...stamp(e), kind: 'note', message: stripCluster(e) });
          break;
        }
        const item: Item = { ...stamp(e), kind: 'intent', message: stripCluster(e) };
        openIntent.set(e.cluster ?? '', item);
        timeline.push(item);
        break;
      }
      case 'effect': {
        if (e.cluster) tracker.noteNodeGroups(e.cluster, data);
        const intent = openIntent.get(e.cluster ?? '');
        if (intent) fulfilled.add(intent);
        openIntent.delete(e.cluster ?? '');
        timeline.push({ ...stamp(e), ...callOf(e, record.plan) });
        break;
      }
      case 'drift': {
        if (!e.cluster || !isRecord(data.drift)) break;
        const diff = driftDiff(data.drift as unknown as Drift);
        lastDrift.set(e.cluster, diff.summary);
        timeline.push({ ...stamp(e), kind: 'drift', cluster: e.cluster, diff });
        break;
      }
      case 'operator': {
        const action: OperatorAction = data.action === 'approve' || data.action === 'approve-request' || data.action === 'reinstate' || data.action === 'reinstate-request' ? data.action : 'abort';
        const by = typeof data.by === 'string' ? data.by : 'operator';
        const reason = typeof data.reason === 'string' ? data.reason : undefined;
        if (action === 'approve') people.approvals.push({ at: e.at, by });
        else if (action === 'reinstate') people.reinstatements.push({ at: e.at, by, cluster: typeof data.cluster === 'string' ? data.cluster : (e.cluster ?? '') });
        // An approval recorded for the run's driver counts once taken up (journaled then as approve).
        else if (action === 'abort' && !people.aborts.some((a) => a.by === by && a.reason === reason)) {
          people.aborts.push({ at: e.at, by, ...(reason ? { reason } : {}), ...(wall.has(e.seq) ? { clock: 'wall' as const } : {}) });
        }
        timeline.push({ ...stamp(e), kind: 'operator', action, by, ...(reason ? { reason } : {}), message: e.message });
        break;
      }
      case 'error':
        timeline.push({ ...stamp(e), kind: 'error', message: stripCluster(e) });
        break;
      default:
        timeline.push({ ...stamp(e), kind: 'note', message: e.message });
    }
  }

  // An intent followed by its call says nothing more; one without tells of a call that did not complete.
  const items = timeline.filter((item) => !fulfilled.has(item));
  const clock = ordered.filter((e) => !wall.has(e.seq));
  const started = items.find((i) => i.kind === 'run' && (i.event === 'started' || i.event === 'resumed'));
  const ended = [...items].reverse().find((i) => i.kind === 'run' && i.event === 'ended');
  const startedAt = started?.at ?? clock[0]?.at;
  const lastAt = clock.length ? Math.max(...clock.map((e) => e.at)) : undefined;
  const endedAt = ended?.at;
  const sandboxPart = sandbox ? sandboxSummary(record, ordered, sources) : undefined;
  if (sandboxPart) mergeByTime(items, sandboxTimelineItems(sandboxPart));
  const clusters = summarizeClusters(record, tracker, endedAt ?? lastAt);

  const report: RunReport = {
    runId: record.runId,
    planName: record.planName,
    status: record.status,
    ...(record.reason ? { reason: record.reason } : {}),
    target: record.target,
    ...locationsOf(record),
    clock: sandbox ? 'sandbox' : 'aws',
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(lastAt !== undefined ? { lastAt } : {}),
    ...(startedAt !== undefined && (endedAt ?? lastAt) !== undefined ? { durationMs: (endedAt ?? lastAt)! - startedAt } : {}),
    people,
    clusters,
    timeline: items,
    findings: [],
    ...(sandboxPart ? { sandbox: sandboxPart } : {}),
  };
  report.findings = findingsOf(report);
  return report;
}

/** The location a journal entry names (`data.location`, or its drift's), when the engine wrote one. */
function locationOf(e: JournalEntry): { location?: string } {
  const data = e.data ?? {};
  const location = typeof data.location === 'string' ? data.location : isRecord(data.drift) && typeof data.drift.location === 'string' ? data.drift.location : undefined;
  return location !== undefined ? { location } : {};
}

/** A fleet at several locations names each; a run record written before locations existed has none. */
function locationsOf(record: RunRecord): Pick<RunReport, 'locations'> {
  const locations = (record.plan.fleet as Partial<RunRecord['plan']['fleet']>).locations;
  if (!locations || locations.length < 2) return {};
  return { locations: locations.map((l) => ({ name: l.name, listenerArn: l.listenerArn, ...(l.ruleArn ? { ruleArn: l.ruleArn } : {}) })) };
}

function runEvent(e: JournalEntry): Extract<Item, { kind: 'run' }>['event'] {
  if (e.message.startsWith('run resumed')) return 'resumed';
  if (e.message.startsWith('run paused')) return 'paused';
  if (e.message.startsWith('run ended') || typeof e.data?.status === 'string') return 'ended';
  return 'started';
}

function ownerOf(e: JournalEntry): string {
  if (typeof e.data?.owner === 'string') return e.data.owner;
  return e.message.replace(/^run (started|resumed) by /, '');
}

/**
 * In a sandbox the run's clock is virtual, but an abort requested from another CLI is stamped with the
 * wall clock. Such operator entries fall outside the run's own time range; mark them so no reader takes
 * them for run time (they stay where the journal put them).
 */
function wallClockEntries(entries: JournalEntry[], sandbox: boolean): Set<number> {
  const out = new Set<number>();
  if (!sandbox) return out;
  const times = entries.filter((e) => e.kind !== 'operator').map((e) => e.at);
  if (!times.length) return out;
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  for (const e of entries) if (e.kind === 'operator' && (e.at < lo || e.at > hi)) out.add(e.seq);
  return out;
}

/** Items seen by the sandbox (not in the journal) go before the first run-clock item that is later. */
function mergeByTime(items: Item[], extra: Item[]): void {
  for (const x of extra) {
    const index = items.findIndex((i) => i.clock !== 'wall' && i.at > x.at);
    items.splice(index === -1 ? items.length : index, 0, x);
  }
}

import type { RunReport } from './run-report.js';
import { formatUtc } from './utc.js';

// The few lines a reader must not miss, in time order, before the full timeline: what drifted, who
// changed AWS besides quiesce, which checks failed, what errored, and where each cluster was left.

/** How the findings name what an operator did. */
const OPERATOR_VERBS: Record<string, string> = { approve: 'approved', abort: 'abort', reinstate: 'reinstated', 'approve-request': 'approval recorded', 'reinstate-request': 'reinstatement recorded' };

export function findingsOf(report: Omit<RunReport, 'findings'>): string[] {
  const out: string[] = [];
  const operators = new Set<string>();
  const when = (at: number, wall?: 'wall') => `${formatUtc(at)}${wall ? ' (wall clock)' : ''}`;
  for (const item of report.timeline) {
    const t = when(item.at, item.clock);
    switch (item.kind) {
      case 'drift':
        out.push(`${t} ${item.cluster}: drift detected: ${item.diff.summary}`);
        break;
      case 'out-of-band':
        out.push(`${t} ${item.command} on ${item.resource} by ${item.caller}: a change quiesce did not make`);
        break;
      case 'checks':
        for (const c of item.checks.filter((x) => x.status === 'failed')) {
          out.push(`${t} ${item.cluster} ${c.name} failed: observed ${c.observed}${c.threshold ? `, expected ${c.threshold}` : ''}${c.message ? ` (${c.message})` : ''}`);
        }
        break;
      case 'error':
        out.push(`${t} ${item.cluster ? `${item.cluster}: ` : ''}error: ${item.message}`);
        break;
      case 'intent':
        out.push(`${t} ${item.cluster ? `${item.cluster}: ` : ''}intent "${item.message}" recorded, but no completed call followed it`);
        break;
      case 'violation':
        out.push(`${t} sandbox violation ${item.violation}: ${item.message}`);
        break;
      case 'operator':
        // An abort is journaled when requested and again when the driving process takes it up.
        if (operators.has(`${item.action}|${item.by}|${item.reason ?? ''}`) && item.action === 'abort') break;
        operators.add(`${item.action}|${item.by}|${item.reason ?? ''}`);
        out.push(`${t} ${OPERATOR_VERBS[item.action] ?? item.action} by ${item.by}${item.reason ? `: ${item.reason}` : ''}`);
        break;
      default:
        break;
    }
  }
  for (const c of report.clusters) {
    if (c.state === 'held' || c.state === 'paused' || c.state === 'aborted') out.push(`${c.name} is ${c.state}${c.reason ? `: ${c.reason}` : ''}`);
    // A held cluster is never reactivated automatically: say what to look at, and the way back.
    if (c.state === 'held' && report.status !== 'running' && report.status !== 'paused') {
      out.push(`${c.name}: check first what held it (the failed checks above: its targets' health, its cache, the listener's weights) and fix that; then take it back through verification and the ramp: quiesce reinstate ${report.runId} ${c.name}`);
    }
  }
  const untouched = report.clusters.filter((c) => c.state === 'pending').map((c) => c.name);
  const ended = report.status === 'done' || report.status === 'held' || report.status === 'aborted';
  if (untouched.length) out.push(`${ended ? 'never started' : 'not started yet'}: ${untouched.join(', ')}`);
  return out;
}

import { basename } from 'node:path';
import { CHECK_LABEL, checkTone, describeItem, describeShard, locationsText } from '../report/describe.js';
import type { CheckRow, RunReport, SandboxSummary, ShardSummary } from '../report/run-report.js';
import { shortArn } from '../report/sandbox-summary.js';
import { formatSpan, formatUtc } from '../report/utc.js';
import { esc } from './html.js';

// The run overlay of the review page: the same report `quiesce report` prints, as HTML.

const time = (at: number, wall?: 'wall') => `<time datetime="${esc(new Date(at).toISOString())}">${esc(formatUtc(at))}${wall ? ' (wall clock)' : ''}</time>`;

export function runHeaderHtml(r: RunReport): string {
  const who = (list: Array<{ by: string; at: number }>) => (list.length ? list.map((p) => `${esc(p.by)} at ${esc(formatUtc(p.at))}`).join('; ') : '-');
  const where = r.target.kind === 'sandbox' ? `sandbox${r.target.worldFile ? `, world file ${esc(basename(r.target.worldFile))}` : ', default world'} (virtual clock)` : `AWS ${esc(r.target.region)}`;
  const rows: Array<[string, string]> = [
    ['Run', `<code>${esc(r.runId)}</code>`],
    ['Where', where],
    ...(r.locations ? [['Locations', esc(locationsText(r.locations))] as [string, string]] : []),
    ['Status', `<span class="badge ${esc(r.status)}">${esc(r.status)}</span>${r.reason ? ` ${esc(r.reason)}` : ''}`],
    ['Started (UTC)', r.startedAt !== undefined ? esc(formatUtc(r.startedAt)) : '-'],
    ['Ended (UTC)', r.endedAt !== undefined ? esc(formatUtc(r.endedAt)) : `not ended; last entry ${r.lastAt !== undefined ? esc(formatUtc(r.lastAt)) : '-'}`],
    ['Duration', r.durationMs !== undefined ? `${esc(formatSpan(r.durationMs))}${r.endedAt === undefined ? ' so far' : ''}` : '-'],
    ['Started by', who(r.people.drivers.filter((d) => !d.resumed))],
    ['Resumed by', who(r.people.drivers.filter((d) => d.resumed))],
    ['Approved by', who(r.people.approvals)],
    ['Aborted by', r.people.aborts.length ? r.people.aborts.map((a) => `${esc(a.by)}${a.reason ? ` (${esc(a.reason)})` : ''}`).join('; ') : '-'],
  ];
  const findings = r.findings.length ? `<h3>Findings</h3><ul class="findings">${r.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : '';
  return `<table class="run-header"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>${findings}`;
}

export function timelineHtml(r: RunReport): string {
  const items = r.timeline.map((item) => {
    const t = describeItem(item);
    const details = t.details.length ? `<ul>${t.details.map((d) => `<li class="tone-${d.tone}">${esc(d.text)}</li>`).join('')}</ul>` : '';
    const cluster = item.cluster ? ` data-cluster="${esc(item.cluster)}"` : '';
    return `<li class="tone-${t.tone}" data-kind="${item.kind}"${cluster}>${time(item.at, item.clock)}<span class="who">${esc(t.who)}</span><span class="headline">${esc(t.headline)}</span>${details}</li>`;
  });
  const note = r.clock === 'sandbox' ? '<p class="muted">Times are UTC on the sandbox world\'s virtual clock.</p>' : '<p class="muted">Times are UTC.</p>';
  return `${note}<ol class="timeline">${items.join('\n')}</ol>`;
}

/** The node groups of a cluster mode enabled cache, as the run's failover left them. */
export function shardsHtml(shards: ShardSummary[]): string {
  const items = shards.map((s) => {
    const d = describeShard(s);
    return `<li class="tone-${d.tone}" data-node-group="${esc(s.nodeGroupId)}">${esc(d.text)}</li>`;
  });
  return `<h4>Shards (node groups), failed over one at a time</h4><ul class="shards">${items.join('')}</ul>`;
}

/** Every check observation of one cluster, in time order, identical ones folded. */
export function checkObservationsHtml(r: RunReport, cluster: string): string {
  const rows: Array<{ at: number; phase: string; check: CheckRow }> = [];
  for (const item of r.timeline) if (item.kind === 'checks' && item.cluster === cluster) for (const check of item.checks) rows.push({ at: item.at, phase: item.phase, check });
  if (!rows.length) return '<p class="muted">No checks recorded for this cluster in this run.</p>';
  const body = rows.map(({ at, phase, check }) => {
    const repeated = check.count > 1 ? ` <span class="muted">(${check.count} times, last ${esc(formatUtc(check.lastAt))})</span>` : '';
    return `<tr class="tone-${checkTone(check)}"><td class="mono">${esc(formatUtc(at))}</td><td>${esc(phase)}</td><td>${esc(check.name)}</td><td>${esc(CHECK_LABEL[check.status])}</td><td>${esc(check.observed)}${check.message ? `<br><span class="muted">${esc(check.message)}</span>` : ''}${repeated}</td><td>${esc(check.threshold ?? '')}</td></tr>`;
  });
  return `<table class="observations"><thead><tr><th>Time (UTC)</th><th>Phase</th><th>Check</th><th>Result</th><th>Observed</th><th>Threshold</th></tr></thead><tbody>${body.join('\n')}</tbody></table>`;
}

export function sandboxHtml(s: SandboxSummary): string {
  const parts: string[] = [];
  if (!s.final) parts.push('<p class="muted">The run has not ended: these are the world\'s figures so far.</p>');
  if (s.problem) parts.push(`<p class="callout failed">The sandbox world could not be read: ${esc(s.problem)}</p>`);
  for (const line of s.synthetic ?? []) parts.push(`<p class="callout failed">Synthetic stress setting: ${esc(line)}</p>`);
  const items: string[] = [];
  if (s.traffic) items.push(`Traffic: ${esc(s.traffic.requests.toLocaleString('en'))} requests, <span class="${s.traffic.failed ? 'tone-failed' : ''}">${esc(s.traffic.failed.toLocaleString('en'))} failed</span>`);
  items.push(s.violations.length ? `<span class="tone-failed">Violations: ${s.violations.length}</span><ul>${s.violations.map((v) => `<li>${esc(v.kind)}: ${esc(v.message)}</li>`).join('')}</ul>` : 'Violations: none');
  if (s.weights) items.push(`Weights: ${esc(Object.entries(s.weights).map(([n, w]) => `${n} ${w}`).join(', '))}`);
  items.push(
    s.outOfBand.length
      ? `<span class="tone-failed">Changes not made by quiesce: ${s.outOfBand.length}</span><ul>${s.outOfBand.map((m) => `<li>${esc(formatUtc(m.at))} ${esc(m.command)} on ${esc(shortArn(m.resource))} by ${esc(m.caller)}</li>`).join('')}</ul>`
      : 'Changes not made by quiesce: none',
  );
  parts.push(`<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`);
  return parts.join('');
}

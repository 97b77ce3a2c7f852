import { basename } from 'node:path';
import { CHECK_LABEL, describeItem, describeShard, locationsText, phaseRank, type Tone } from './describe.js';
import type { RunReport, SandboxSummary } from './run-report.js';
import { shortArn } from './sandbox-summary.js';
import { formatSpan, formatUtc } from './utc.js';

// The run as a markdown incident report: header, per-cluster summary, findings, timeline, sandbox.
// Plan names, cluster names and journal messages are user data: every one goes through `md()`.

/** Escapes what markdown (and the HTML GitHub renders inside it) would otherwise interpret. */
export function md(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|]/g, (c) => `\\${c}`)
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;');
}

const strong = (text: string, tone: Tone) => (tone === 'failed' ? `**${text}**` : text);

export function renderReportMarkdown(report: RunReport): string {
  const lines: string[] = [];
  lines.push(`# Run report: ${md(report.planName)}`, '');
  lines.push(`**Status: ${report.status.toUpperCase()}**${report.reason ? ` - ${md(report.reason)}` : ''}`, '');
  lines.push(...header(report), '');
  lines.push('## Clusters', '', ...clusterTable(report), '');
  const sharded = report.clusters.filter((c) => c.shards);
  if (sharded.length) {
    lines.push('## Shards', '', "_Node groups of each cluster mode enabled cache, failed over one at a time._", '');
    for (const c of sharded) lines.push(`- **${md(c.name)}**: ${c.shards!.map((s) => md(describeShard(s).text)).join('; ')}`);
    lines.push('');
  }
  if (report.findings.length) lines.push('## Findings', '', ...report.findings.map((f) => `- ${md(f)}`), '');
  lines.push('## Timeline (UTC)', '');
  if (report.clock === 'sandbox') lines.push('_Times are on the sandbox world\'s virtual clock._', '');
  for (const item of report.timeline) {
    const text = describeItem(item);
    const when = `\`${formatUtc(item.at)}\`${item.clock === 'wall' ? ' (wall clock)' : ''}`;
    lines.push(`- ${when} **${md(text.who)}** ${strong(md(text.headline), text.tone)}`);
    for (const d of text.details) lines.push(`  - ${strong(md(d.text), d.tone)}`);
  }
  lines.push('');
  if (report.sandbox) lines.push('## Sandbox', '', ...sandboxLines(report.sandbox), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

function header(r: RunReport): string[] {
  const who = (list: Array<{ at: number; by: string; clock?: 'wall' }>) =>
    list.length ? list.map((p) => `${md(p.by)} at ${formatUtc(p.at)}${p.clock === 'wall' ? ' (wall clock)' : ''}`).join('; ') : '-';
  const starts = r.people.drivers.filter((d) => !d.resumed);
  const resumes = r.people.drivers.filter((d) => d.resumed);
  const where =
    r.target.kind === 'sandbox'
      ? `sandbox${r.target.worldFile ? `, world file ${md(basename(r.target.worldFile))}` : ', default world'} (virtual clock)`
      : `AWS ${md(r.target.region)}${r.target.profile ? `, profile ${md(r.target.profile)}` : ''}`;
  const ended = r.endedAt !== undefined ? formatUtc(r.endedAt) : `not ended (${r.status}); last entry ${r.lastAt !== undefined ? formatUtc(r.lastAt) : '-'}`;
  const duration = r.durationMs !== undefined ? `${formatSpan(r.durationMs)}${r.endedAt === undefined ? ' so far' : ''}` : '-';
  const rows: Array<[string, string]> = [
    ['Plan', md(r.planName)],
    ['Run', `\`${md(r.runId)}\``],
    ['Where', where],
    ...(r.locations ? [['Locations', md(locationsText(r.locations))] as [string, string]] : []),
    ['Status', `${r.status}${r.reason ? `: ${md(r.reason)}` : ''}`],
    ['Started (UTC)', r.startedAt !== undefined ? `${formatUtc(r.startedAt)}${starts[0] ? ` by ${md(starts[0].by)}` : ''}` : '-'],
    ['Ended (UTC)', ended],
    ['Duration', duration],
    ['Resumed by', who(resumes)],
    ['Approved by', who(r.people.approvals)],
    ['Aborted by', r.people.aborts.length ? r.people.aborts.map((a) => `${md(a.by)}${a.reason ? ` (${md(a.reason)})` : ''}`).join('; ') : '-'],
    ...(r.people.reinstatements.length ? [['Reinstated', r.people.reinstatements.map((x) => `${md(x.cluster)} by ${md(x.by)}`).join('; ')] as [string, string]] : []),
  ];
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

function clusterTable(r: RunReport): string[] {
  const phases = [...new Set(r.clusters.flatMap((c) => c.phases.map((p) => p.phase)))].sort((a, b) => phaseRank(a) - phaseRank(b));
  const head = ['Cluster', 'State', 'Reason', ...phases, 'Total', 'Checks'];
  const rows = r.clusters.map((c) => {
    const spent = new Map(c.phases.map((p) => [p.phase, p.ms]));
    const total = c.phases.reduce((n, p) => n + p.ms, 0);
    const checks = c.checks.total ? `${c.checks.total}${c.checks.failed ? `, **${c.checks.failed} ${CHECK_LABEL.failed}**` : ''}` : '-';
    return [
      `**${md(c.name)}**`,
      c.state,
      c.reason ? md(c.reason) : '',
      ...phases.map((p) => (spent.has(p) ? formatSpan(spent.get(p)!) : '-')),
      c.phases.length ? formatSpan(total) : '-',
      checks,
    ];
  });
  const align = head.map((_, i) => (i >= 3 && i < head.length - 1 ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`), '', '_Time in each phase on the run\'s clock; a phase entered twice is summed._'];
}

function sandboxLines(s: SandboxSummary): string[] {
  const lines: string[] = [];
  if (!s.final) lines.push('_The run has not ended: these are the world\'s figures so far; the final audit is taken when it ends._', '');
  if (s.problem) lines.push(`- **The sandbox world could not be read: ${md(s.problem)}**`);
  for (const line of s.synthetic ?? []) lines.push(`- **Synthetic stress setting: ${md(line)}**`);
  if (s.traffic) {
    const per = s.traffic.perCluster ? ` (${Object.entries(s.traffic.perCluster).map(([n, t]) => `${md(n)} ${t.requests.toLocaleString('en')}/${t.failed.toLocaleString('en')}`).join(', ')})` : '';
    lines.push(`- Traffic: ${s.traffic.requests.toLocaleString('en')} requests, ${strong(`${s.traffic.failed.toLocaleString('en')} failed`, s.traffic.failed > 0 ? 'failed' : 'normal')}${per}`);
  }
  lines.push(s.violations.length ? `- **Violations: ${s.violations.length}**` : '- Violations: none');
  for (const v of s.violations) lines.push(`  - **${md(v.kind)}**${v.at !== undefined ? ` at ${formatUtc(v.at)}` : ''}: ${md(v.message)}`);
  if (s.weights) lines.push(`- Weights${s.final ? ' at the end' : ' now'}: ${Object.entries(s.weights).map(([n, w]) => `${md(n)} ${w}`).join(', ')}`);
  if (s.mutations !== undefined) lines.push(`- Changes recorded by the world: ${s.mutations}`);
  lines.push(s.outOfBand.length ? `- **Changes not made by quiesce: ${s.outOfBand.length}**` : '- Changes not made by quiesce: none');
  for (const m of s.outOfBand) lines.push(`  - ${formatUtc(m.at)} ${md(m.command)} on ${md(shortArn(m.resource))} by ${md(m.caller)}`);
  return lines;
}

import { formatDuration } from '../duration.js';
import { shardsText, type PlanPreview } from './plan-preview.js';

// A terraform-plan-like listing: what will change, in order, per cluster.

export function renderPlanText(preview: PlanPreview, options: { color: boolean }): string {
  const c = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  lines.push(
    c('1', `quiesce plan: ${preview.planName}`) + ` (${preview.region}, read from ${preview.source})`,
    `  listener ${preview.listenerArn}${preview.ruleArn ? `\n  rule ${preview.ruleArn}` : ''}`,
    `  ${preview.clusters.length} clusters in order; at most ${preview.capacity.maxOutOfService} out of service, at least ${preview.capacity.minActiveClusters} in rotation`,
    '',
  );
  for (const cluster of preview.clusters) {
    const live = cluster.live;
    const liveText = live
      ? ` weight ${live.weight ?? 'missing'}, ${live.healthyTargets}/${live.targets} healthy${live.cache ? `; cache ${live.cache.status}, engine ${live.cache.engine ? `${live.cache.engine} ` : ''}"${live.cache.engineVersions.join('", "')}", ${live.cache.shards ? `cluster mode enabled, ${shardsText(live.cache.shards)}` : `primary ${live.cache.primary ?? '?'}`}` : ''}`
      : '';
    lines.push(`  ${c('33', '~')} ${c('1', cluster.name)}  (${cluster.replicationGroupId ? `cache ${cluster.replicationGroupId}; ` : ''}est. ${formatDuration(cluster.totalMs)})${liveText}`);
    for (const phase of cluster.phases) {
      const head = `      ${phase.phase.padEnd(11)}`;
      const changes = phase.changes.map((x) => `${c('33', '~')} ${x}`);
      const checks = phase.checks.map((x) => `${c('36', '?')} ${x}`);
      const body = [...changes, ...checks];
      lines.push(`${head}${c('2', `~${formatDuration(phase.estimateMs)} (${phase.basis})`)}`);
      for (const item of body) lines.push(`          ${item}`);
    }
    for (const note of cluster.notes) lines.push(`      ${c('35', 'note:')} ${note}`);
    lines.push('');
  }
  for (const note of preview.notes) lines.push(`${c('2', `note: ${note}`)}`);
  lines.push(c('1', `Plan: ${preview.clusters.length} clusters to maintain. Estimated total: ${formatDuration(preview.totalMs)}. Nothing has been changed.`));
  return `${lines.join('\n')}\n`;
}

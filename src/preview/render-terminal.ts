import { formatDuration } from '../duration.js';
import { groupName } from '../traffic/drift.js';
import { shardsText, type ClusterPreview, type PlanPreview } from './plan-preview.js';

// A terraform-plan-like listing: what will change, in order, per cluster.

export function renderPlanText(preview: PlanPreview, options: { color: boolean }): string {
  const c = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  // A one-location plan reads as it always has: one listener, a weight per cluster.
  const several = preview.locations.length > 1;
  const lines: string[] = [];
  lines.push(c('1', `quiesce plan: ${preview.planName}`) + ` (${preview.region}, read from ${preview.source})`);
  if (several) {
    lines.push(`  ${preview.locations.length} locations (a cluster leaves and comes back at all of its own together):`);
    for (const l of preview.locations) lines.push(`    ${l.name}: listener ${l.listenerArn}${l.ruleArn ? `\n    ${' '.repeat(l.name.length)}  rule ${l.ruleArn}` : ''}`);
  } else {
    lines.push(`  listener ${preview.listenerArn}${preview.ruleArn ? `\n  rule ${preview.ruleArn}` : ''}`);
  }
  lines.push(`  ${preview.clusters.length} clusters in order; at most ${preview.capacity.maxOutOfService} out of service, at least ${preview.capacity.minActiveClusters} in rotation`, '');
  for (const cluster of preview.clusters) {
    const live = cluster.live;
    const cacheText = live?.cache
      ? `cache ${live.cache.status}, engine ${live.cache.engine ? `${live.cache.engine} ` : ''}"${live.cache.engineVersions.join('", "')}", ${live.cache.shards ? `cluster mode enabled, ${shardsText(live.cache.shards)}` : `primary ${live.cache.primary ?? '?'}`}`
      : '';
    // With several locations the weights and health are each target group's, on the lines below.
    const liveText = !live ? '' : several ? (cacheText ? ` ${cacheText}` : '') : ` weight ${live.weight ?? 'missing'}, ${live.healthyTargets}/${live.targets} healthy${cacheText ? `; ${cacheText}` : ''}`;
    lines.push(`  ${c('33', '~')} ${c('1', cluster.name)}  (${cluster.replicationGroupId ? `cache ${cluster.replicationGroupId}; ` : ''}est. ${formatDuration(cluster.totalMs)})${liveText}`);
    if (several) lines.push(...placementLines(cluster));
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

/** "at internal: payments-int-blue (arn...) weight 1, 3/3 healthy": one line per target group of the cluster. */
function placementLines(cluster: ClusterPreview): string[] {
  return cluster.placements.map((p) => {
    const live = p.live ? ` weight ${p.live.weight ?? 'missing'}, ${p.live.healthyTargets}/${p.live.targets} healthy` : '';
    return `      at ${p.location}: target group ${groupName(p.targetGroupArn)} (${p.targetGroupArn})${live}`;
  });
}

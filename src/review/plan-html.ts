import type { PermissionStatement } from '../plan/permissions.js';
import { formatDuration } from '../duration.js';
import type { Plan } from '../plan/schema.js';
import { shardsText, type ClusterPreview, type PlanPreview } from '../preview/plan-preview.js';
import { groupName } from '../traffic/drift.js';
import { esc } from './html.js';

// What the plan will do, from the PlanPreview `quiesce plan` prints: the fleet, the estimates, and for
// each cluster the exact steps and the checks with their thresholds.

const span = (ms: number) => esc(formatDuration(Math.round(ms / 1000) * 1000));

export function fleetHtml(plan: Plan, preview: PlanPreview, account: string, nowLabel?: string): string {
  const c = plan.capacity;
  // A one-location fleet keeps its listener and rule in this table; several get a table of their own below.
  const several = preview.locations.length > 1;
  const where: Array<[string, string]> = several
    ? [['Locations', `${esc(preview.locations.length)}: ${esc(preview.locations.map((l) => l.name).join(', '))} (<a href="#locations">each listener, rule and target group</a>)`]]
    : [
        ['Listener', `<code>${esc(preview.listenerArn)}</code>`],
        ['Weighted forward action', preview.ruleArn ? `rule <code>${esc(preview.ruleArn)}</code>` : "the listener's default action"],
      ];
  const rows: Array<[string, string]> = [
    ['Region', esc(plan.region)],
    ['Account', esc(account)],
    ...where,
    ['Capacity', `at most ${esc(c.maxOutOfService)} cluster(s) out of service; at least ${esc(c.minActiveClusters)} in rotation${c.minHealthyTargets !== undefined ? `; at least ${esc(c.minHealthyTargets)} healthy targets in rotation` : ''}`],
    ['Drain', `${esc(plan.drain.mode)} mode; minimum ${esc(formatDuration(plan.drain.minimum))}; timeout ${esc(formatDuration(plan.drain.timeout))}`],
    ['Reactivation', `ramp ${esc(plan.reactivate.ramp.join('%, '))}% of the weight before maintenance, hold ${esc(formatDuration(plan.reactivate.hold))} each`],
  ];
  const clusters = preview.clusters.map((cl, i) => {
    const live = cl.live;
    const cacheText = live?.cache
      ? `cache ${esc(live.cache.status)}, engine ${live.cache.engine ? `${esc(live.cache.engine)} ` : ''}${esc(live.cache.engineVersions.map((v) => `"${v}"`).join(', '))}, ${live.cache.shards ? `cluster mode enabled, ${esc(shardsText(live.cache.shards))}` : `primary ${esc(live.cache.primary ?? '?')}`}`
      : '';
    // With several locations, the weight and health of each of the cluster's target groups.
    const trafficText = several
      ? cl.placements.map((p) => (p.live ? `${esc(p.location)}: weight ${esc(p.live.weight ?? 'missing')}, ${esc(p.live.healthyTargets)}/${esc(p.live.targets)} healthy` : '')).filter(Boolean).join('; ')
      : live
        ? `weight ${esc(live.weight ?? 'missing')}; ${esc(live.healthyTargets)}/${esc(live.targets)} healthy`
        : '';
    const liveText = live ? [trafficText, cacheText].filter(Boolean).join('; ') : '<span class="muted">not read</span>';
    const groups = several
      ? cl.placements.map((p) => `<span class="placement" data-location="${esc(p.location)}">${esc(p.location)}: ${esc(groupName(p.targetGroupArn))}<br><code>${esc(p.targetGroupArn)}</code></span>`).join('<br>')
      : `${esc(groupName(cl.targetGroupArn))}<br><code>${esc(cl.targetGroupArn)}</code>`;
    return `<tr data-cluster="${esc(cl.name)}"><td class="num">${i + 1}</td><td><strong>${esc(cl.name)}</strong></td><td>${groups}</td><td>${cl.replicationGroupId ? esc(cl.replicationGroupId) : '<span class="muted">none</span>'}</td><td>${liveText}</td></tr>`;
  });
  return (
    `<table class="fleet"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>` +
    (several ? locationsHtml(preview) : '') +
    `<h3>Clusters, in the order they are maintained</h3>` +
    `<table class="clusters"><thead><tr><th class="num">#</th><th>Cluster</th><th>${several ? 'Target group at each location' : 'Target group'}</th><th>ElastiCache replication group</th><th>${esc(nowLabel ?? `Now (${preview.source})`)}</th></tr></thead><tbody>${clusters.join('')}</tbody></table>`
  );
}

/**
 * The places traffic reaches the fleet: each location's listener, the forward action weighted there (a
 * rule's, or the listener's default) and the target group each cluster has at it.
 */
function locationsHtml(preview: PlanPreview): string {
  const rows = preview.locations.map((l) => {
    const groups = preview.clusters.flatMap((c) => c.placements.filter((p) => p.location === l.name).map((p) => `<li data-cluster="${esc(c.name)}"><strong>${esc(c.name)}</strong>: ${esc(groupName(p.targetGroupArn))}<br><code>${esc(p.targetGroupArn)}</code></li>`));
    const rule = l.ruleArn ? `<code>${esc(l.ruleArn)}</code>` : '<span class="muted">none: the listener\'s default action</span>';
    return `<tr data-location="${esc(l.name)}"><td><strong>${esc(l.name)}</strong></td><td><code>${esc(l.listenerArn)}</code></td><td>${rule}</td><td><ul class="placements">${groups.join('')}</ul></td></tr>`;
  });
  return (
    `<h3 id="locations">Locations</h3><p class="muted">Each cluster leaves, drains, is verified and comes back at every location it is at, together.</p>` +
    `<table class="locations"><thead><tr><th>Location</th><th>Listener</th><th>Rule</th><th>Target group of each cluster</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

export function estimatesHtml(preview: PlanPreview, problem: string | undefined): string {
  const phases = preview.clusters[0]?.phases.map((p) => p.phase) ?? [];
  const rows = preview.clusters.map((c) => {
    const cells = c.phases.map((p) => `<td class="num" title="${esc(p.basis)}">${span(p.estimateMs)}</td>`).join('');
    return `<tr><td><strong>${esc(c.name)}</strong></td>${cells}<td class="num">${span(c.totalMs)}</td></tr>`;
  });
  const head = `<tr><th>Cluster</th>${phases.map((p) => `<th class="num">${esc(p)}</th>`).join('')}<th class="num">Cluster total</th></tr>`;
  const total = `<tr class="total"><td colspan="${phases.length + 1}">Fleet total (clusters in batches of at most ${esc(preview.capacity.maxOutOfService)})</td><td class="num">${span(preview.totalMs)}</td></tr>`;
  const source =
    preview.source === 'plan only'
      ? `<div class="callout plan-only"><strong>Plan-only estimates.</strong> No live or sandbox state was read${problem ? `: ${esc(problem)}` : ''}. Health-check and drain settings are AWS defaults (health check every 30s, healthy threshold 5, deregistration delay 300s); run <code>quiesce review --sandbox</code> or with AWS credentials for the target groups' own settings.</div>`
      : `<p class="muted">Estimated from the target groups' health-check and drain settings read from ${esc(preview.source)}.</p>`;
  const notes = preview.notes.length ? `<ul class="notes">${preview.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `${source}<table class="estimates"><thead>${head}</thead><tbody>${rows.join('')}${total}</tbody></table>${notes}`;
}

/** The exact steps and checks of one cluster, phase by phase. */
export function clusterPlanHtml(cluster: ClusterPreview): string {
  const phases = cluster.phases.map((p) => {
    const changes = p.changes.length ? `<h4>Changes</h4><ol class="changes">${p.changes.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>` : '';
    const checks = p.checks.length ? `<h4>Checks and thresholds</h4><ul class="checks">${p.checks.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '';
    return `<div class="phase" data-phase="${esc(p.phase)}"><h3>${esc(p.phase)} <span class="estimate">~${span(p.estimateMs)} (${esc(p.basis)})</span></h3>${changes}${checks}</div>`;
  });
  const notes = cluster.notes.length ? `<div class="callout">${cluster.notes.map((n) => `<p>${esc(n)}</p>`).join('')}</div>` : '';
  return `${notes}${phases.join('\n')}`;
}

export function permissionsHtml(statements: PermissionStatement[], account: string): string {
  const rows = statements.map(
    (s) =>
      `<tr><td>${s.actions.map((a) => `<code>${esc(a)}</code>`).join('<br>')}</td><td>${s.resources.map((r) => `<code>${esc(r)}</code>`).join('<br>')}${s.conditions ? `<br>when <code>${esc(JSON.stringify(s.conditions))}</code>` : ''}</td><td>${esc(s.reason)}</td></tr>`,
  );
  return (
    `<p>What the identity running this plan needs, derived from the plan alone (account ${esc(account)}, from the listener ARN). Every mutating action is scoped to resources the plan names.</p>` +
    `<table class="permissions"><thead><tr><th>Actions</th><th>Resources</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

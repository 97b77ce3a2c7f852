import type { MaintenanceStep, Plan } from '../plan/schema.js';
import type { PlanPreview } from '../preview/plan-preview.js';

// The change in one sentence, for the top of the review page: what happens to each cluster, in order, and
// how many clusters at once, e.g. "failover, then engine 7.0 → 7.1, on 3 clusters, one at a time" (and
// where, when the fleet is at several locations: "on 3 clusters at 2 locations (external, internal)").

/** The live versions cut to the precision of the wanted one ("7.0.7" next to "7.1" reads "7.0"), each once. */
function liveVersions(preview: PlanPreview, wanted: string): string[] {
  const parts = wanted.split('.').length;
  const seen = preview.clusters.flatMap((c) => c.live?.cache?.engineVersions ?? []).map((v) => v.split('.').slice(0, parts).join('.'));
  return [...new Set(seen)];
}

function stepPhrase(step: MaintenanceStep, preview: PlanPreview): string {
  if ('elasticache' in step) {
    switch (step.elasticache) {
      case 'failover':
        return step.targetPrimary ? `failover to ${step.targetPrimary}` : 'failover';
      case 'modify': {
        const from = step.engineVersion ? liveVersions(preview, step.engineVersion) : [];
        // An engine switch names both engines: "redis 7.1 → valkey 8.0".
        const liveEngines = [...new Set(preview.clusters.map((c) => c.live?.cache?.engine).filter((e): e is string => !!e))];
        const fromText = `${step.engine && liveEngines.length ? `${liveEngines.join('/')} ` : ''}${from.length ? `${from.join('/')} ` : ''}`;
        return [
          step.engineVersion && `${step.engine ? '' : 'engine '}${fromText}→ ${step.engine ? `${step.engine} ` : ''}${step.engineVersion}`,
          step.cacheNodeType && `node type → ${step.cacheNodeType}`,
          step.cacheParameterGroupName && `parameter group → ${step.cacheParameterGroupName}`,
        ]
          .filter(Boolean)
          .join(' and ');
      }
      case 'reboot':
        return step.nodes === 'replicas' ? 'reboot of the replicas' : step.nodes === 'all' ? 'reboot of every node' : `reboot of ${step.nodes.join(', ')}`;
      case 'service-update':
        return `service update ${step.serviceUpdateName}`;
    }
  }
  if ('command' in step) return `${step.name ?? step.command[0]} (a command)`;
  if ('http' in step) return `${step.name ?? `${step.http.method} ${hostOf(step.http.url)}`} (a webhook)`;
  return "an operator's approval";
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    // Not a URL the plan schema would pass; say it as written.
    return url;
  }
}

export function changeSentence(plan: Plan, preview: PlanPreview): string {
  const steps = plan.maintenance.map((s) => stepPhrase(s, preview));
  const what = steps.length ? steps.join(', then ') : 'no maintenance step (out of rotation and back)';
  const n = plan.fleet.clusters.length;
  const k = Math.min(plan.capacity.maxOutOfService, n);
  const pace = k === 1 ? 'one at a time' : `up to ${k} at a time`;
  return `${what}, on ${n} cluster${n === 1 ? '' : 's'}${locationsPhrase(plan)}, ${pace}`;
}

/** " at 2 locations (external, internal)" for a fleet at several; nothing for one listener (or rule). */
export function locationsPhrase(plan: Plan): string {
  const names = plan.fleet.locations.map((l) => l.name);
  return names.length > 1 ? ` at ${names.length} locations (${names.join(', ')})` : '';
}

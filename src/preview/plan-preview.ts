import { formatDuration } from '../duration.js';
import { describeEngineVersionRule, engineVersionMatches } from '../plan/engine-version.js';
import type { ClusterSpec, MaintenanceStep, Plan } from '../plan/schema.js';
import type { CachePort, ReplicationGroupView } from '../ports/cache.js';
import type { ForwardConfig, TargetGroupSettings, TrafficPort } from '../ports/traffic.js';
import { nodeGroupsOfStep } from '../run/cluster-mode-checks.js';
import { stepLabel } from '../run/machine-input.js';
import { describeEngineChange, engineNow, engineSwitched, judgeEngineSwitch, readEngineSwitchFacts, type EngineSwitchRequest } from '../cache/engine-switch.js';
import { NotAReplicationGroupError } from '../errors.js';
import { fillStep, placeholderValues, type StepClusterValues } from '../runbook/placeholders.js';
import { redactUrl } from '../runbook/redaction.js';
import { rampScale, shareWeight } from '../traffic/ramp-scale.js';

// What a plan would do, cluster by cluster, with the values read now. Shared by `quiesce plan` and the
// review page. It only reads: building a preview never changes anything.

export type Phase = 'preflight' | 'deregister' | 'drain' | 'maintain' | 'verify' | 'reactivate';

export interface PhasePreview {
  phase: Phase;
  /** Changes this phase makes, in order ("weight 1 -> 0 (ModifyListener)"). */
  changes: string[];
  /** Checks and thresholds this phase applies. */
  checks: string[];
  estimateMs: number;
  /** Where the estimate comes from, e.g. "deregistration delay 300s". */
  basis: string;
}

export interface ClusterPreview {
  name: string;
  /** Its target group at its first location; `placements` holds every one. */
  targetGroupArn: string;
  /** Its target group at each location it is at, with the weight and health read there. */
  placements: PlacementPreview[];
  replicationGroupId?: string;
  live?: {
    weight: number | undefined;
    healthyTargets: number;
    targets: number;
    cache?: { status: string; engine?: string; engineVersions: string[]; primary?: string; automaticFailover: string; shards?: ShardPreview[] };
  };
  phases: PhasePreview[];
  notes: string[];
  totalMs: number;
}

export interface PlacementPreview {
  location: string;
  targetGroupArn: string;
  live?: { weight: number | undefined; healthyTargets: number; targets: number };
}

/** A node group (shard) of a cluster mode enabled group, as the preview lists it. */
export interface ShardPreview {
  nodeGroupId: string;
  slots?: string;
  members: number;
}

/** "3 shards: 0001 (slots 0-5461, 2 nodes), ..." for the cluster lines of `quiesce plan` and the review page. */
export function shardsText(shards: ShardPreview[]): string {
  return `${shards.length} shard(s): ${shards.map((g) => `${g.nodeGroupId} (${g.slots ? `slots ${g.slots}, ` : ''}${g.members} node(s))`).join(', ')}`;
}

export interface PlanPreview {
  planName: string;
  region: string;
  source: 'aws' | 'sandbox' | 'plan only';
  /** The first location's listener and rule; `locations` holds every one. */
  listenerArn: string;
  ruleArn?: string;
  locations: PreviewLocation[];
  capacity: Plan['capacity'];
  clusters: ClusterPreview[];
  totalMs: number;
  notes: string[];
}

export interface PreviewLocation {
  name: string;
  listenerArn: string;
  ruleArn?: string;
}

/** Cache operation durations: AWS publishes none; these are typical figures, and the sandbox's own when rehearsing. */
export interface CacheTimings {
  failoverMs: number;
  recoveryMs: number;
  modifyMs: number;
  rebootMs: number;
  serviceUpdateMs: number;
  source: string;
}

export const TYPICAL_AWS_TIMINGS: CacheTimings = {
  failoverMs: 120_000,
  recoveryMs: 600_000,
  modifyMs: 1_200_000,
  rebootMs: 300_000,
  serviceUpdateMs: 1_800_000,
  source: 'typical AWS durations (not published by AWS; unconfirmed)',
};

export interface LiveReaders {
  traffic: TrafficPort;
  cache: CachePort;
  source: 'aws' | 'sandbox';
  timings: CacheTimings;
  metricsLagMs: number;
}

const DEFAULT_TG: Pick<TargetGroupSettings, 'deregistrationDelaySeconds' | 'healthCheck'> = {
  deregistrationDelaySeconds: 300,
  healthCheck: { intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 5, unhealthyThreshold: 2 },
};

export async function buildPreview(plan: Plan, live?: LiveReaders): Promise<PlanPreview> {
  const locations: PreviewLocation[] = plan.fleet.locations.map((l) => ({ name: l.name, listenerArn: l.listenerArn, ...(l.ruleArn ? { ruleArn: l.ruleArn } : {}) }));
  // Each location's forward action, read once through the same port the run uses.
  const forwards = new Map<string, ForwardConfig>();
  if (live) for (const l of locations) forwards.set(l.name, await live.traffic.readForwardConfig({ listenerArn: l.listenerArn, ...(l.ruleArn ? { ruleArn: l.ruleArn } : {}) }));
  const clusters: ClusterPreview[] = [];
  for (const spec of plan.fleet.clusters) clusters.push(await previewCluster(plan, spec, live ? forwards : undefined, live));

  // Clusters go in batches of maxOutOfService (never below minActiveClusters in rotation).
  const batch = Math.max(1, Math.min(plan.capacity.maxOutOfService, plan.fleet.clusters.length - plan.capacity.minActiveClusters));
  let totalMs = 0;
  for (let i = 0; i < clusters.length; i += batch) totalMs += Math.max(...clusters.slice(i, i + batch).map((c) => c.totalMs));
  const notes: string[] = [];
  if (!live) notes.push('estimates use AWS defaults (health checks, 300s deregistration delay): run with --sandbox or against AWS for live values');
  if (live) notes.push(`cache operation times: ${live.timings.source}`);
  const canary = plan.verify.canary;
  if (canary?.protocol === 'https' && !canary.host) {
    notes.push("verify.canary is https without verify.canary.host: the load balancer's certificate names your domain, not its DNS name, so certificate checks will fail against AWS; set host to the name the certificate covers");
  }
  return {
    planName: plan.name,
    region: plan.region,
    source: live ? live.source : 'plan only',
    listenerArn: plan.fleet.listenerArn,
    ...(plan.fleet.ruleArn ? { ruleArn: plan.fleet.ruleArn } : {}),
    locations,
    capacity: plan.capacity,
    clusters,
    totalMs,
    notes,
  };
}

/** One placement of a cluster with the forward action of its location (when read live). */
interface PlacementAt {
  location: string;
  targetGroupArn: string;
  /** A rule's forward action (ModifyRule) rather than the listener's default (ModifyListener). */
  rule: boolean;
  forward: ForwardConfig | undefined;
  weight: number | undefined;
}

async function previewCluster(plan: Plan, spec: ClusterSpec, forwards: Map<string, ForwardConfig> | undefined, live: LiveReaders | undefined): Promise<ClusterPreview> {
  const notes: string[] = [];
  // A one-location plan reads as before: its changes and notes name no location.
  const several = plan.fleet.locations.length > 1;
  const at: PlacementAt[] = spec.placements.map((p) => {
    const forward = forwards?.get(p.location);
    const rule = plan.fleet.locations.find((l) => l.name === p.location)?.ruleArn !== undefined;
    return { ...p, rule, forward, weight: forward?.targetGroups.find((g) => g.targetGroupArn === p.targetGroupArn)?.weight };
  });
  const first = at[0]!;
  const weight = first.weight;
  const placements: PlacementPreview[] = [];
  let settings: Pick<TargetGroupSettings, 'deregistrationDelaySeconds' | 'healthCheck'> = DEFAULT_TG;
  let view: ReplicationGroupView | undefined;
  let livePart: ClusterPreview['live'];
  let targets: StepClusterValues['targets'] | undefined;
  if (live) {
    settings = await live.traffic.describeTargetGroup(spec.targetGroupArn);
    const health = await live.traffic.describeTargetHealth(spec.targetGroupArn);
    const registered = health.filter((h) => h.state !== 'unused');
    targets = registered.map((h) => h.target);
    if (spec.cache) {
      view = await live.cache.describe(spec.cache.replicationGroupId).catch((err: unknown) => {
        // A serverless cache: the preview goes on without it, and says preflight will refuse.
        if (!(err instanceof NotAReplicationGroupError)) throw err;
        notes.push(`${err.message} (preflight will refuse)`);
        return undefined;
      });
    }
    livePart = {
      weight,
      healthyTargets: registered.filter((h) => h.state === 'healthy').length,
      targets: registered.length,
      ...(view
        ? {
            cache: {
              status: view.status,
              ...(view.engine ? { engine: view.engine } : {}),
              engineVersions: [...new Set(view.engineVersions)],
              ...(view.primaries['0001'] ? { primary: view.primaries['0001'] } : {}),
              automaticFailover: view.automaticFailover,
              ...(view.clusterMode === 'enabled' ? { shards: view.nodeGroups.map((g) => ({ nodeGroupId: g.nodeGroupId, ...(g.slots !== undefined ? { slots: g.slots } : {}), members: g.memberIds.length })) } : {}),
            },
          }
        : {}),
    };
    for (const p of at) {
      // The first placement's health is read above; every other target group is read for its own line.
      const others = p === first ? registered : (await live.traffic.describeTargetHealth(p.targetGroupArn)).filter((h) => h.state !== 'unused');
      placements.push({ location: p.location, targetGroupArn: p.targetGroupArn, live: { weight: p.weight, healthyTargets: others.filter((h) => h.state === 'healthy').length, targets: others.length } });
      const where = several ? ` at ${p.location}` : '';
      if (p.weight === undefined) notes.push(several ? `${spec.name}'s target group at ${p.location} is not in that location's forward action: preflight will refuse` : `${spec.name}'s target group is not in the listener's forward action: preflight will refuse`);
      else if (p.weight === 0) notes.push(`${spec.name} is at weight 0${where} already: preflight will refuse (quiesce only returns clusters it took out)`);
    }
    if (view && failoverMethods(plan).has('primary-cluster-id') && (view.automaticFailover !== 'disabled' || (view.multiAZ ?? 'disabled') !== 'disabled')) {
      notes.push(`${spec.cache?.replicationGroupId} has Multi-AZ with automatic failover enabled: ElastiCache refuses a promotion (primary-cluster-id), so preflight will refuse`);
    }
    if (view) notes.push(...(await engineSwitchNotes(plan, view, live.cache)));
  }
  if (!live) for (const p of at) placements.push({ location: p.location, targetGroupArn: p.targetGroupArn });
  const w = weight ?? 1;
  const hc = settings.healthCheck;
  const timings = live?.timings ?? TYPICAL_AWS_TIMINGS;
  const lagMs = live?.metricsLagMs ?? 180_000;
  const phases: PhasePreview[] = [];

  phases.push({
    phase: 'preflight',
    changes: [],
    checks: [
      plan.fleet.clusters.length - 1 > plan.capacity.liveScanLimit
        ? `every other cluster in rotation: all targets healthy (${plan.fleet.clusters.length - 1} others, above capacity.liveScanLimit ${plan.capacity.liveScanLimit}: CloudWatch host counts of the last 3 published minutes vouch for the steady ones, the rest and those in flight are read live), cache available with nothing pending`
        : 'every other cluster in rotation: all targets healthy (DescribeTargetHealth of each), cache available with nothing pending',
      ...(plan.capacity.minHealthyTargets !== undefined ? [`healthy targets left in rotation >= ${plan.capacity.minHealthyTargets}`] : []),
      ...(spec.cache ? [`cache available, nothing pending, no service update in progress, memory < ${plan.verify.maxMemoryPercent}%, replication lag <= ${plan.verify.maxReplicationLagSeconds}s`] : []),
      ...(failoverMethods(plan).has('test-failover') ? ['automatic failover enabled; TestFailover budget (15 node groups / 24h) not exhausted'] : []),
      ...(failoverMethods(plan).has('primary-cluster-id') ? ['Multi-AZ and automatic failover disabled (ElastiCache refuses a promotion otherwise)'] : []),
      ...(spec.cache ? serviceUpdateNames(plan).map((name) => `service update ${name} exists and applies to the group (an update action not not-applicable or stopping)`) : []),
      ...(spec.cache && plan.maintenance.some((s) => 'elasticache' in s && s.elasticache === 'modify' && s.engine !== undefined)
        ? ['the engine switch is one ElastiCache accepts: a version it offers, a parameter group of that version\'s family (a custom Redis OSS group needs a Valkey one named in the step)']
        : []),
      `forward-action stickiness shorter than drain.timeout ${formatDuration(plan.drain.timeout)}`,
      several
        ? 'no other rule of its load balancers forwards to any of its target groups with a weight above 0 (weight 0 in the fleet would not stop it)'
        : 'no other rule of the load balancer forwards to its target group with a weight above 0 (weight 0 in the fleet would not stop it)',
      ...(plan.verify.canary ? ['no canary rule on the listener but this run\'s; a free rule priority ahead of every rule that could take the canary request'] : []),
      several ? "each location's forward action matches what the run recorded at its start (drift check)" : 'the listener matches what the run recorded at its start (drift check)',
    ],
    estimateMs: 5_000,
    basis: 'a few reads',
  });

  phases.push({
    phase: 'deregister',
    changes: [
      ...(several
        ? at.map((p) => `at ${p.location}: weight ${p.weight ?? 1} -> 0 (${p.rule ? 'ModifyRule' : 'ModifyListener'}, the whole forward config, other weights kept)`)
        : [`weight ${w} -> 0 (${plan.fleet.ruleArn ? 'ModifyRule' : 'ModifyListener'}, the whole forward config, other weights kept)`]),
      ...(plan.drain.mode === 'deregister' ? [`DeregisterTargets: ${livePart ? livePart.targets : 'all'} targets (list saved first)`] : []),
    ],
    checks: ['weight reads back as 0, and no other rule sends it traffic'],
    estimateMs: 5_000,
    basis: 'one change and a read-back',
  });

  const drainMs =
    plan.drain.mode === 'deregister'
      ? Math.max(plan.drain.minimum, settings.deregistrationDelaySeconds * 1000)
      : Math.max(plan.drain.minimum, 30_000 + plan.drain.quietMinutes * 60_000 + lagMs);
  phases.push({
    phase: 'drain',
    changes: [],
    checks:
      plan.drain.mode === 'deregister'
        ? [`every target gone or unused (the full deregistration delay, ${settings.deregistrationDelaySeconds}s: AWS shows draining until then)`, `at least ${formatDuration(plan.drain.minimum)}`]
        : [`RequestCount 0 for ${plan.drain.quietMinutes} complete minutes`, `at least ${formatDuration(plan.drain.minimum)}`],
    estimateMs: Math.min(drainMs, plan.drain.timeout),
    basis: plan.drain.mode === 'deregister' ? `deregistration delay ${settings.deregistrationDelaySeconds}s` : `${plan.drain.quietMinutes} quiet minutes + ${Math.round(lagMs / 1000)}s metric delay`,
  });
  for (const p of plan.drain.mode === 'weight' ? at : []) {
    if (!p.forward?.stickiness.enabled) continue;
    notes.push(`stickiness is on for ${p.forward.stickiness.durationSeconds}s${several ? ` at ${p.location}` : ''}: sticky clients keep arriving until their cookie expires`);
  }

  phases.push({
    phase: 'maintain',
    changes: plan.maintenance.map((step, i) => `${i + 1}. ${describeStep(step, view, stepValues(spec, view, targets))}`),
    checks: plan.maintenance.map((step, i) => `${i + 1}. ${stepEvidence(step, view)}`),
    estimateMs: plan.maintenance.reduce((n, s) => n + stepEstimate(s, timings, view), 0),
    basis: timings.source,
  });
  for (const [i, step] of plan.maintenance.entries()) {
    const shards = 'elasticache' in step && step.elasticache === 'failover' ? nodeGroupsOfStep(step.nodeGroupId, view) : 1;
    if (shards > 1 && 'timeout' in step && stepEstimate(step, timings, view) > step.timeout) {
      notes.push(`step ${i + 1} fails over ${shards} node groups one after another, about ${formatDuration(stepEstimate(step, timings, view))}; its timeout ${formatDuration(step.timeout)} covers them all and is shorter: raise it`);
    }
  }

  // A registered target is healthy after ONE passing check; the healthy threshold governs later transitions:
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
  const newTargetsMs = plan.drain.mode === 'deregister' ? hc.intervalSeconds * 1000 : 0;
  phases.push({
    phase: 'verify',
    changes: plan.drain.mode === 'deregister' ? ['RegisterTargets (weight still 0): the saved target list'] : [],
    checks: verifyChecks(plan, spec, view),
    estimateMs: newTargetsMs + plan.verify.stableFor + hc.intervalSeconds * 1000,
    basis: `stableFor ${formatDuration(plan.verify.stableFor)}${newTargetsMs ? ` + one health check (every ${hc.intervalSeconds}s) for new targets` : ''}`,
  });

  // Mid-ramp every weight is scaled by k (src/traffic/ramp-scale.ts); the last step writes the originals back.
  // Each location's forward action has its own weights, so its own scale.
  const ramps = at.map((p) => {
    const pw = p.weight ?? 1;
    const k = rampScale(p.forward ? p.forward.targetGroups.map((g) => g.weight) : [pw]);
    const weights = plan.reactivate.ramp.map((r) => (r >= 100 ? pw : shareWeight(pw, r, k)));
    const where = several ? ` at ${p.location}` : '';
    if (new Set(weights).size < weights.length) {
      notes.push(`the ramp${where} collapses to weights ${weights.join(' -> ')}: weight ${pw} cannot be split finely even scaled (x${k}, the most that keeps every weight within 999)`);
    }
    const scaling = k > 1 && plan.reactivate.ramp.some((r) => r < 100) ? `; mid-ramp every weight x${k} (the others keep their shares), the last step puts the original weights back` : '';
    return `${several ? `at ${p.location}: ` : ''}weight 0 -> ${weights.join(' -> ')} (ramp ${plan.reactivate.ramp.join('%, ')}%, hold ${formatDuration(plan.reactivate.hold)} each${scaling})`;
  });
  phases.push({
    phase: 'reactivate',
    changes: ramps,
    checks: [`each step: weight reads back; target 5xx <= ${plan.reactivate.max5xx}; unhealthy hosts <= ${plan.reactivate.maxUnhealthyHosts}; a breach sets weight 0 and holds`],
    // A step ends only once CloudWatch published the minute holding the end of its hold (observeRamp).
    estimateMs: plan.reactivate.ramp.length * (plan.reactivate.hold + 60_000 + lagMs),
    basis: `${plan.reactivate.ramp.length} steps x (hold ${formatDuration(plan.reactivate.hold)} + up to 1m to the minute's end + ${formatDuration(lagMs)} CloudWatch publication)`,
  });

  return {
    name: spec.name,
    targetGroupArn: spec.targetGroupArn,
    placements,
    ...(spec.cache ? { replicationGroupId: spec.cache.replicationGroupId } : {}),
    ...(livePart ? { live: livePart } : {}),
    phases,
    notes,
    totalMs: phases.reduce((n, p) => n + p.estimateMs, 0),
  };
}

/**
 * What preflight will say of an engine switch on this group, read now; and the failover AWS documents for a
 * switch from Redis OSS older than 5.0.6 ("30 to 60 seconds during DNS propagation", VersionManagement.HowTo).
 */
async function engineSwitchNotes(plan: Plan, view: ReplicationGroupView, cache: CachePort): Promise<string[]> {
  const notes: string[] = [];
  for (const step of plan.maintenance) {
    if (!('elasticache' in step) || step.elasticache !== 'modify' || step.engine === undefined) continue;
    const request = switchRequest(step);
    const verdict = judgeEngineSwitch(request, await readEngineSwitchFacts(cache, view, request));
    if (!verdict.ok) notes.push(`${view.replicationGroupId}: preflight will refuse: ${verdict.refusal}`);
    const old = view.members.find((m) => m.engine === 'redis' && m.engineVersion !== undefined && olderThan506(m.engineVersion));
    if (old) notes.push(`${view.replicationGroupId} runs Redis OSS ${old.engineVersion}: AWS documents a 30 to 60 second failover for a switch from before 5.0.6 (the cluster is out of rotation then)`);
  }
  return notes;
}

function switchRequest(step: Extract<MaintenanceStep, { elasticache: 'modify' }>): EngineSwitchRequest {
  return { engine: step.engine, engineVersion: step.engineVersion, cacheParameterGroupName: step.cacheParameterGroupName };
}

/** Part by part, as numbers: "4.0.10" is older than "5.0.6", "5.0.10" is not. */
function olderThan506(version: string): boolean {
  const [a = 0, b = 0, c = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return a < 5 || (a === 5 && b === 0 && c < 6);
}

function failoverMethods(plan: Plan): Set<string> {
  return new Set(plan.maintenance.flatMap((s) => ('elasticache' in s && s.elasticache === 'failover' ? [s.method] : [])));
}

function serviceUpdateNames(plan: Plan): string[] {
  return [...new Set(plan.maintenance.flatMap((s) => ('elasticache' in s && s.elasticache === 'service-update' ? [s.serviceUpdateName] : [])))];
}

/**
 * A step's placeholders as this cluster's run fills them: the run id is not known before the run, and the
 * targets and cache endpoint only when read live.
 */
function stepValues(spec: ClusterSpec, view: ReplicationGroupView | undefined, targets: StepClusterValues['targets'] | undefined): Record<string, string> {
  const values = placeholderValues({
    runId: 'RUN-ID', // not known before the run; uppercase so a URL shows it unencoded
    cluster: spec.name,
    targetGroupArn: spec.targetGroupArn,
    targets: targets ?? [],
    replicationGroupId: spec.cache?.replicationGroupId,
    cacheEndpoint: view?.primaryEndpoint ? `${view.primaryEndpoint.address}:${view.primaryEndpoint.port}` : undefined,
  });
  if (!targets) values.targets = 'TARGETS-READ-AT-RUN-TIME';
  if (spec.cache && !view?.primaryEndpoint) values.cacheEndpoint = 'CACHE-ENDPOINT-READ-AT-RUN-TIME';
  return values;
}

function describeStep(step: MaintenanceStep, view: ReplicationGroupView | undefined, values: Record<string, string>): string {
  // A step named in the plan keeps its name; the exact argv or URL this cluster runs follows it.
  if ('command' in step) {
    const argv = fillStep(step, values as ReturnType<typeof placeholderValues>).command;
    return `${step.name ? `${step.name}: ` : ''}command ${argv.map(shellQuote).join(' ')}`;
  }
  if ('http' in step) {
    const filled = fillStep(step, values as ReturnType<typeof placeholderValues>).http;
    return `${step.name ? `${step.name}: ` : ''}${filled.method} ${redactUrl(filled.url)}${filled.poll ? `, then poll ${redactUrl(filled.poll.url)}` : ''}`;
  }
  if ('ssm' in step) {
    const filled = fillStep(step, values as ReturnType<typeof placeholderValues>);
    const t = filled.targets;
    const to = !t ? `the cluster's targets (${values.targets})` : 'instanceIds' in t ? t.instanceIds.join(', ') : `instances tagged ${Object.entries(t.tags).map(([k, v]) => `${k}=${v.join('|')}`).join(', ')}`;
    const parameters = filled.parameters ? ` ${JSON.stringify(filled.parameters)}` : '';
    return `${step.name ? `${step.name}: ` : ''}SSM SendCommand ${filled.ssm}${parameters} to ${to} (MaxConcurrency ${filled.maxConcurrency}, MaxErrors ${filled.maxErrors})`;
  }
  if ('ecs' in step) {
    const filled = fillStep(step, values as ReturnType<typeof placeholderValues>);
    const what = filled.taskDefinition ? `taskDefinition ${filled.taskDefinition}` : 'a new deployment of the current task definition';
    return `${step.name ? `${step.name}: ` : ''}ECS UpdateService ${filled.cluster}/${filled.service}: ${what}${filled.image ? `, image "${filled.image}"` : ''}`;
  }
  if ('elasticache' in step && step.elasticache === 'modify' && step.engine !== undefined && view) {
    const request = switchRequest(step);
    if (engineSwitched(view, request)) return `${stepLabel(step)}: already ${engineNow(view)} on every member`;
    return `${stepLabel(step)}: ${describeEngineChange(view, request)} (ApplyImmediately)`;
  }
  if ('elasticache' in step && step.elasticache === 'modify' && step.engineVersion && view) {
    const live = [...new Set(view.engineVersions)];
    const wanted = step.engineVersion;
    if (live.length > 0 && live.every((v) => engineVersionMatches(wanted, v))) {
      return `${stepLabel(step)}: engine already at "${live.join('", "')}", which matches "${wanted}"`;
    }
    return `${stepLabel(step)}: engine "${live.join('", "')}" -> "${wanted}" (ApplyImmediately)`;
  }
  if ('elasticache' in step && step.elasticache === 'failover' && view?.clusterMode === 'enabled') {
    const ids = step.nodeGroupId !== undefined ? [step.nodeGroupId] : view.nodeGroups.map((g) => g.nodeGroupId);
    const turn = ids.length > 1 ? ', one at a time (each TestFailover after the previous node replacement completed)' : '';
    return `${stepLabel(step)}: TestFailover on node group(s) ${ids.join(', ')}${turn}: each node group's primary -> a replica of that node group`;
  }
  if ('elasticache' in step && step.elasticache === 'failover' && view) return `${stepLabel(step)}: primary ${view.primaries[step.nodeGroupId ?? '0001'] ?? '?'} -> ${step.targetPrimary ?? 'a replica'}`;
  return stepLabel(step);
}

function stepEvidence(step: MaintenanceStep, view: ReplicationGroupView | undefined): string {
  if ('elasticache' in step) {
    switch (step.elasticache) {
      case 'failover':
        if (view?.clusterMode === 'enabled') {
          return `per node group: the "Failover ... completed" event names one of its own nodes, then "Finished recovery"; group and members available, nothing pending (timeout ${formatDuration(step.timeout)} for all node groups together)`;
        }
        return `primary changed, "Failover ... completed" event, group and members available, nothing pending (timeout ${formatDuration(step.timeout)})`;
      case 'modify':
        return `status available, nothing pending, live values match the request as strings${step.engine ? ` (the engine of every member, as Describe reports it)` : ''} (an engine version "7.1" also accepts its patch level "7.1.N") (timeout ${formatDuration(step.timeout)})`;
      case 'reboot':
        return `members rebooted and available again (timeout ${formatDuration(step.timeout)})`;
      case 'service-update':
        return `DescribeUpdateActions shows complete; any unprocessed action fails (timeout ${formatDuration(step.timeout)})`;
    }
  }
  if ('command' in step) return `exits 0 within ${formatDuration(step.timeout)}; output kept in the journal`;
  if ('http' in step) return `returns ${JSON.stringify(step.http.expectStatus)}${step.http.poll ? `, then ${step.http.poll.field} equals ${JSON.stringify(step.http.poll.equals)}` : ''}`;
  if ('ssm' in step) return `every invocation reads back Success; a Failed, timed-out or undeliverable one holds the cluster with the instance and its output (timeout ${formatDuration(step.timeout)})`;
  if ('ecs' in step) {
    return `the primary deployment reads COMPLETED and every running task runs exactly ${step.taskDefinition ?? 'the current revision'}${step.image ? ` and image "${step.image}" (compared as strings)` : ''}; a FAILED or rolled-back deployment holds the cluster (timeout ${formatDuration(step.timeout)})`;
  }
  return 'the run pauses (exit 3) until quiesce approve';
}

function stepEstimate(step: MaintenanceStep, t: CacheTimings, view: ReplicationGroupView | undefined): number {
  if ('elasticache' in step) {
    if (step.elasticache === 'failover') return nodeGroupsOfStep(step.nodeGroupId, view) * (t.failoverMs + t.recoveryMs);
    if (step.elasticache === 'modify') return t.modifyMs;
    if (step.elasticache === 'reboot') return t.rebootMs;
    return t.serviceUpdateMs;
  }
  if ('command' in step) return Math.min(step.timeout, 60_000);
  if ('http' in step) return step.http.poll ? step.http.poll.interval * 3 : 5_000;
  // AWS publishes neither: a patch baseline run or a rolling deployment takes minutes.
  if ('ssm' in step) return Math.min(step.timeout, 10 * 60_000);
  if ('ecs' in step) return Math.min(step.timeout, 5 * 60_000);
  return 0;
}

function verifyChecks(plan: Plan, spec: ClusterSpec, view: ReplicationGroupView | undefined): string[] {
  const checks = [`all registered targets healthy, as many as before, continuously for ${formatDuration(plan.verify.stableFor)} (timeout ${formatDuration(plan.verify.timeout)})`];
  if (spec.cache) {
    checks.push('cache available, every member available, nothing pending');
    for (const step of plan.maintenance) {
      if (!('elasticache' in step)) continue;
      if (step.elasticache === 'failover' && view?.clusterMode === 'enabled') {
        const ids = step.nodeGroupId !== undefined ? [step.nodeGroupId] : view.nodeGroups.map((g) => g.nodeGroupId);
        checks.push(`per node group (${ids.join(', ')}): its primary moved to another of its own members`);
      } else if (step.elasticache === 'failover') checks.push(`primary is not ${view?.primaries[step.nodeGroupId ?? '0001'] ?? 'the primary before the failover'}`);
      if (step.elasticache === 'modify' && step.engine) checks.push(`engine is ${step.engine} on every member`);
      if (step.elasticache === 'modify' && step.engineVersion) checks.push(`engine version is ${describeEngineVersionRule(step.engineVersion)}`);
      if (step.elasticache === 'service-update') checks.push('one engine and version on every member (a service update may change the engine)');
      if (step.elasticache === 'modify' && step.cacheNodeType) checks.push(`node type is ${step.cacheNodeType}`);
    }
    checks.push(`memory < ${plan.verify.maxMemoryPercent}%, replication lag <= ${plan.verify.maxReplicationLagSeconds}s`);
  }
  if (plan.verify.redis && view?.clusterMode === 'enabled') {
    checks.push(`Redis cluster probe through the configuration endpoint: cluster_state ok, every slot served, ${view.nodeGroups.length} shard(s) as ElastiCache reports; per shard a canary key in its slots written and read back on its primary, replicas linked and caught up`);
  } else if (plan.verify.redis) checks.push('Redis probe: ROLE master, canary key written and read back, replicas linked and caught up');
  if (plan.verify.canary) {
    const c = plan.verify.canary;
    checks.push(`${c.requests} canary requests through the load balancer (${c.headerName} header rule, weight still 0) return ${c.expectStatus}`);
  }
  return checks;
}

/** An argv word as a reader would type it: quoted only when it holds something a shell would split or expand. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

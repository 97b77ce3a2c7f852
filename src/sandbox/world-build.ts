// Build the initial world from a plan and an optional world file: every ARN the plan names
// exists, targets are healthy, caches are available, weights are 1.
import { fillStep, placeholderValues } from '../runbook/placeholders.js';
import { taskDefinitionKey } from './ecs-model.js';
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { listenerRuleArn, loadBalancerArn, parseListenerArn, parseRuleArn, parseTargetGroupArn } from './arns.js';
import { findLocation, fleetLocations, groupAt } from './fleet-locations.js';
import { parseWorldDuration } from '../duration.js';
import { findNodeGroup, nodeGroupLayout } from './elasticache-node-groups.js';
import { TARGET_GROUPS_PER_FORWARD, targetGroupsPerForward } from './elbv2-quotas.js';
import { forwardAction, normalizeActions, recordShares } from './elbv2-routing.js';
import { scheduleEvent } from './events.js';
import { freshAccumulator } from './metrics-recorder.js';
import type { SandboxPlan } from './plan-input.js';
import { stableHex } from './random.js';
import { resolveRunbook } from './runbook-script.js';
import type {
  CacheClusterState,
  ClusterInfo,
  FleetLocation,
  HealthCheckSettings,
  Placement,
  ReplicationGroupState,
  RuleSpec,
  RuleState,
  TargetGroupState,
  TargetState,
  WorldSettings,
  WorldState,
} from './state.js';
import { DEFAULT_ENGINE_VERSIONS, reportedEngineVersion } from './versions.js';
import { defaultParameterGroup, isDefaultParameterGroup, parameterGroupFamily } from './elasticache-engine-switch.js';
import { ruleSpecOf, toScheduledEvent, validateWorldFile, WorldFileError, type ClusterOverrides, type WorldFile } from './world-file.js';

export const DEFAULT_START = '2026-01-05T09:00:00Z';
const DAY_MS = 86_400_000;

const ms = (text: string | undefined, fallback: number): number => (text === undefined ? fallback : parseWorldDuration(text));

function resolveSettings(plan: SandboxPlan, file: WorldFile): WorldSettings {
  const e = file.elbv2 ?? {};
  const c = file.elasticache ?? {};
  const t = c.timings ?? {};
  const cw = file.cloudwatch ?? {};
  const tr = file.traffic ?? {};
  return {
    elbv2: {
      registrationDelayMs: ms(e.registrationDelay, 10_000),
      staleReadsMs: ms(e.staleReads, 0),
      throttle: {
        describe: e.throttle?.describe ?? { bucket: 40, refillPerSecond: 10 },
        mutate: e.throttle?.mutate ?? { bucket: 20, refillPerSecond: 5 },
      },
      syntheticTargetGroupsPerForward: e.syntheticTargetGroupsPerForward ?? null,
    },
    elasticache: {
      failoverMs: ms(t.failover, 90_000),
      recoveryMs: ms(t.recovery, 600_000),
      modifyMs: ms(t.modify, 900_000),
      modifyOutageMs: t.modifyOutage === undefined ? null : parseWorldDuration(t.modifyOutage),
      rebootMs: ms(t.reboot, 120_000),
      promoteMs: ms(t.promote, 60_000),
      serviceUpdateStartMs: ms(t.serviceUpdateStart, 30_000),
      serviceUpdateMs: ms(t.serviceUpdate, 1_200_000),
      testFailoverLimit: {
        count: c.testFailoverLimit?.count ?? 15,
        windowMs: ms(c.testFailoverLimit?.window, DAY_MS),
        scope: c.testFailoverLimit?.scope ?? 'account',
      },
      engineVersions: { ...DEFAULT_ENGINE_VERSIONS, ...(c.engineVersions ?? {}) },
      staleReadsMs: ms(c.staleReads, 0),
      throttle: {
        describe: c.throttle?.describe ?? { bucket: 40, refillPerSecond: 10 },
        mutate: c.throttle?.mutate ?? { bucket: 20, refillPerSecond: 5 },
      },
    },
    cloudwatch: {
      publishDelayMs: ms(cw.publishDelay, 60_000),
      retentionMs: ms(cw.retention, 3_600_000),
      throttle: cw.throttle ?? { bucket: 50, refillPerSecond: 50 },
    },
    ssm: {
      // AWS documents no delivery or run time: a patch baseline run takes minutes; these are the sandbox's own.
      deliveryMs: ms(file.ssm?.delivery, 5_000),
      commandMs: ms(file.ssm?.commandDuration, 180_000),
      throttle: {
        describe: file.ssm?.throttle?.describe ?? { bucket: 40, refillPerSecond: 10 },
        mutate: file.ssm?.throttle?.mutate ?? { bucket: 20, refillPerSecond: 5 },
      },
    },
    ecs: {
      deploymentMs: ms(file.ecs?.deployment, 180_000),
      taskFailureMs: ms(file.ecs?.taskFailure, 30_000),
      desiredCount: file.ecs?.desiredCount ?? 3,
      circuitBreaker: file.ecs?.circuitBreaker ?? { enable: true, rollback: true },
      throttle: {
        describe: file.ecs?.throttle?.describe ?? { bucket: 40, refillPerSecond: 10 },
        mutate: file.ecs?.throttle?.mutate ?? { bucket: 20, refillPerSecond: 5 },
      },
    },
    traffic: {
      ratePerSecond: tr.ratePerSecond ?? 200,
      requestDurationMs: ms(tr.requestDuration, 200),
      stickyFraction: tr.stickyFraction ?? 0.5,
      paths: requestPaths(tr.paths),
      // A location the world file does not name gets the fleet's traffic: the same at each location.
      ...(tr.locations
        ? {
            perLocation: Object.fromEntries(
              Object.entries(tr.locations).map(([name, own]) => [name, { ratePerSecond: own.ratePerSecond ?? tr.ratePerSecond ?? 200, paths: requestPaths(own.paths ?? tr.paths) }]),
            ),
          }
        : {}),
    },
    audit: {
      maxOutOfService: file.audit?.maxOutOfService ?? plan.capacity?.maxOutOfService ?? 1,
      minActiveClusters: file.audit?.minActiveClusters ?? plan.capacity?.minActiveClusters ?? 1,
    },
    runbook: resolveRunbook(file.runbook),
  };
}

/** Relative frequencies of request paths, as shares summing to 1; default every request to "/". */
function requestPaths(paths: Record<string, number> | undefined): Array<{ path: string; share: number }> {
  const entries = Object.entries(paths ?? { '/': 1 });
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return entries.map(([path, n]) => ({ path, share: n / total }));
}

function mergeCluster(defaults: ClusterOverrides, own: ClusterOverrides | undefined): ClusterOverrides {
  return {
    ...defaults,
    ...own,
    healthCheck: { ...defaults.healthCheck, ...own?.healthCheck },
    cache: { ...defaults.cache, ...own?.cache },
    tags: { ...defaults.tags, ...own?.tags },
  };
}

function healthCheckOf(o: ClusterOverrides): HealthCheckSettings {
  const hc = o.healthCheck ?? {};
  return {
    intervalMs: ms(hc.interval, 30_000),
    timeoutMs: ms(hc.timeout, 5_000),
    healthyThreshold: hc.healthyThreshold ?? 5,
    unhealthyThreshold: hc.unhealthyThreshold ?? 2,
    matcher: hc.matcher ?? '200',
    path: hc.path ?? '/',
    // A newly registered target must pass ONE check; the thresholds govern later transitions:
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
    newTargetChecks: hc.newTargetChecks ?? 1,
  };
}

/** Each location's clusters are target groups of its one forward action: a listener AWS could not hold is not built. */
function checkForwardQuota(locations: FleetLocation[], placements: Map<string, Placement[]>, settings: WorldSettings, source: string): void {
  const several = locations.length > 1;
  for (const location of locations) {
    const count = [...placements.values()].filter((ps) => ps.some((p) => p.location === location.name)).length;
    const limit = targetGroupsPerForward(settings.elbv2);
    if (count <= limit) continue;
    const what = `plan: ${count} clusters share one forward action${several ? ` at location ${location.name}` : ''}`;
    if (limit > TARGET_GROUPS_PER_FORWARD) fail(`${what}; ${source} allows at most ${limit} (elbv2.syntheticTargetGroupsPerForward)`);
    fail(
      `${what}; AWS allows at most ${TARGET_GROUPS_PER_FORWARD} target groups per forward action (quota "Target groups per action", not adjustable); ${source} may raise it with elbv2.syntheticTargetGroupsPerForward, a topology AWS does not allow`,
    );
  }
}

/** The plan's locations; a plan of one listener is one location, named after its load balancer. */
function planLocations(plan: SandboxPlan): FleetLocation[] {
  if (plan.fleet.locations && plan.fleet.locations.length > 0) {
    return plan.fleet.locations.map((l) => ({ name: l.name, listenerArn: l.listenerArn, ruleArn: l.ruleArn ?? null }));
  }
  const name = parseListenerArn(plan.fleet.listenerArn)?.loadBalancerName ?? 'fleet';
  return [{ name, listenerArn: plan.fleet.listenerArn, ruleArn: plan.fleet.ruleArn ?? null }];
}

function fail(message: string): never {
  throw new WorldFileError(message);
}

/** Build a fresh world state; the file may be written by hand, so it is validated here too. */
export function buildWorldState(plan: SandboxPlan, rawFile: WorldFile = {}, source = 'world file'): WorldState {
  const file = validateWorldFile(rawFile, source);
  const region = plan.region;
  const locations = planLocations(plan);
  const listeners = locations.map((location, i) => {
    const field = locations.length > 1 ? `fleet.locations[${i}].listenerArn` : 'fleet.listenerArn';
    const parts = parseListenerArn(location.listenerArn) ?? fail(`plan: ${field} is not an ALB listener ARN: ${location.listenerArn}`);
    if (parts.region !== region) fail(`plan: ${locations.length > 1 ? `${field}: ` : ''}listener ARN is in ${parts.region}, the plan's region is ${region}`);
    return parts;
  });
  const listenerParts = listeners[0]!;
  const { accountId, partition } = listenerParts;
  for (const [i, parts] of listeners.entries()) {
    if (parts.accountId !== accountId || parts.partition !== partition) fail(`plan: fleet.locations[${i}].listenerArn is in account ${parts.accountId}, the first location's in ${accountId}: the sandbox models one account`);
  }
  const locationNames = new Set(locations.map((l) => l.name));
  if (locationNames.size !== locations.length) fail('plan: location names must be unique');
  const seed = file.seed ?? 1;
  const startedAt = Date.parse(file.startAt ?? DEFAULT_START);
  const settings = resolveSettings(plan, file);
  const defaults = file.defaults ?? {};
  const names = new Set(plan.fleet.clusters.map((c) => c.name));
  if (names.size !== plan.fleet.clusters.length) fail('plan: cluster names must be unique');
  const placements = new Map<string, Placement[]>();
  for (const c of plan.fleet.clusters) {
    const own = c.placements && c.placements.length > 0 ? c.placements.map((p) => ({ ...p })) : [{ location: locations[0]!.name, targetGroupArn: c.targetGroupArn }];
    for (const p of own) if (!locationNames.has(p.location)) fail(`plan: cluster ${c.name}: no such location "${p.location}"`);
    placements.set(c.name, own);
  }
  checkForwardQuota(locations, placements, settings, source);
  for (const name of Object.keys(file.clusters ?? {})) {
    if (!names.has(name)) fail(`${source}: clusters.${name}: no such cluster in the plan`);
  }
  for (const name of Object.keys(file.traffic?.locations ?? {})) {
    if (!locationNames.has(name)) fail(`${source}: traffic.locations.${name}: no such location in the plan (${[...locationNames].join(', ')})`);
  }
  for (const [i, entry] of (file.runbook?.steps ?? []).entries()) {
    if (entry.cluster !== undefined && !names.has(entry.cluster)) fail(`${source}: runbook.steps[${i}].cluster: no such cluster in the plan: ${entry.cluster}`);
  }

  const zones = ['a', 'b', 'c'].map((z) => `${region}${z}`);
  // One VPC for the world: an internal and an internet-facing load balancer of one service share it.
  const vpcId = `vpc-${stableHex(`${loadBalancerArn(listenerParts)}:vpc`, 17)}`;
  const loadBalancers: WorldState['elbv2']['loadBalancers'] = [];
  for (const parts of listeners) {
    const lbArn = loadBalancerArn(parts);
    if (loadBalancers.some((lb) => lb.arn === lbArn)) continue;
    const lbName = parts.loadBalancerName;
    loadBalancers.push({
      arn: lbArn,
      name: lbName,
      id: parts.loadBalancerId,
      dnsName: `${lbName}-${parseInt(stableHex(lbArn, 8), 16) % 1_000_000_000}.${region}.elb.amazonaws.com`,
      vpcId,
      createdAt: startedAt - 30 * DAY_MS,
      availabilityZones: zones,
      tags: [],
    });
  }
  const lbOfLocation = new Map(locations.map((l, i) => [l.name, loadBalancerArn(listeners[i]!)]));
  const state: WorldState = {
    format: 'quiesce-sandbox-world',
    version: 1,
    seed,
    rngState: seed >>> 0,
    startedAt,
    now: startedAt,
    region,
    accountId,
    settings,
    fleet: { listenerArn: locations[0]!.listenerArn, ruleArn: locations[0]!.ruleArn, locations },
    clusters: [],
    elbv2: {
      loadBalancers,
      listeners: [],
      rules: [],
      targetGroups: {},
      sticky: {},
    },
    elasticache: {
      replicationGroups: {},
      cacheClusters: {},
      ops: [],
      events: [],
      eventSeq: 0,
      testFailovers: [],
      serviceUpdates: [],
      updateActions: {},
      parameterGroups: { ...(file.elasticache?.parameterGroups ?? {}) },
      serverlessCaches: {},
    },
    metrics: {
      minuteStart: Math.floor(startedAt / 60_000) * 60_000,
      acc: { startCounts: {}, lbStart: {}, gauges: {} },
      alb: {},
      lb: {},
      cache: {},
    },
    traffic: { perGroup: {}, perLoadBalancer: {}, unrouted: { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 } },
    audit: { violations: [], mutations: [], initialTargets: {} },
    ssm: { commands: [] },
    ecs: { services: {}, taskDefinitions: {}, seq: 0 },
    events: { scheduled: [], queue: [], active: [], seq: 0 },
    buckets: {},
    stale: {},
    requestSeq: 0,
    idSeq: 0,
  };

  const tuples = new Map<string, Array<{ TargetGroupArn: string; Weight: number }>>(locations.map((l) => [l.name, []]));
  for (const planCluster of plan.fleet.clusters) {
    const o = mergeCluster(defaults, file.clusters?.[planCluster.name]);
    const healthCheck = healthCheckOf(o);
    const registeredAt = startedAt - DAY_MS;
    const own = placements.get(planCluster.name)!;
    // The same instances are registered in the cluster's group at every location (a target can be in
    // several target groups): one fleet behind an internal and an external load balancer.
    const instanceIds = Array.from({ length: o.targets ?? 3 }, (_, i) => `i-${stableHex(`${seed}:${planCluster.name}:${i}`, 17)}`);
    for (const placement of own) {
      const tgParts =
        parseTargetGroupArn(placement.targetGroupArn) ??
        fail(`plan: cluster ${planCluster.name}: not a target group ARN: ${placement.targetGroupArn}`);
      if (Object.hasOwn(state.elbv2.targetGroups, placement.targetGroupArn)) fail(`plan: target group used twice: ${placement.targetGroupArn}`);
      const targets: TargetState[] = instanceIds.map((id) => ({
        id,
        port: 80,
        registeredAt,
        drainUntil: null,
        checksFrom: registeredAt + settings.elbv2.registrationDelayMs,
        base: { at: startedAt, state: 'healthy' },
        condition: 'ok',
        lastFailure: null,
        marks: [],
      }));
      const group: TargetGroupState = {
        arn: placement.targetGroupArn,
        name: tgParts.name,
        id: tgParts.id,
        port: 80,
        vpcId,
        // A target group is used with one load balancer, the one of the listener forwarding to it:
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html
        loadBalancerArn: lbOfLocation.get(placement.location)!,
        healthCheck: { ...healthCheck },
        attributes: {
          'deregistration_delay.timeout_seconds': String(ms(o.deregistrationDelay, 300_000) / 1000),
          'stickiness.enabled': 'false',
          'stickiness.type': 'lb_cookie',
          'stickiness.lb_cookie.duration_seconds': '86400',
          'slow_start.duration_seconds': '0',
          'load_balancing.algorithm.type': 'round_robin',
          'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
        },
        targets,
        used: true,
        crashLoops: [],
        tags: Object.entries(o.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      };
      state.elbv2.targetGroups[group.arn] = group;
      tuples.get(placement.location)!.push({ TargetGroupArn: group.arn, Weight: o.weight ?? 1 });
    }

    // One cache per cluster, whatever the number of its locations.
    let replicationGroupId: string | null = null;
    if (planCluster.cache?.replicationGroupId !== undefined && o.cache?.serverless) {
      buildServerlessCache(state, planCluster.cache.replicationGroupId, o, partition);
    } else if (planCluster.cache) {
      replicationGroupId = planCluster.cache.replicationGroupId;
      if (Object.hasOwn(state.elasticache.replicationGroups, replicationGroupId)) fail(`plan: replication group used twice: ${replicationGroupId}`);
      buildCache(state, replicationGroupId, o, partition, zones);
    }
    const info: ClusterInfo = { name: planCluster.name, targetGroupArn: own[0]!.targetGroupArn, replicationGroupId, placements: own };
    state.clusters.push(info);
    state.audit.initialTargets[info.name] = instanceIds.map((id) => `${id}:80`).sort();
  }

  buildListeners(state, file, source, tuples, listeners);
  buildServiceUpdates(state, file, startedAt);
  buildEcsServices(state, plan, file);
  for (const [i, event] of (file.events ?? []).entries()) {
    const scheduled = toScheduledEvent(event, `event-${i + 1}`, startedAt);
    checkEventTargets(state, scheduled.body, `${source}: events[${i}]`);
    scheduleEvent(state, scheduled);
  }
  state.metrics.acc = freshAccumulator(state);
  return state;
}

type EcsStepInput = { ecs: string; cluster: string; service: string; taskDefinition?: string; image?: string };

/**
 * The ECS service each plan cluster's ecs step deploys, running the revision before the one asked (or
 * revision 1 for a forced new deployment), with `desiredCount` tasks. The asked task definition is
 * registered with the step's image (else `<family>:r<revision>`); the current one runs
 * `ecs.currentImage.<cluster>` (else `<family>:r<revision>`).
 */
function buildEcsServices(state: WorldState, plan: SandboxPlan, file: WorldFile): void {
  const steps = (plan.maintenance ?? []).filter((s): s is EcsStepInput => 'ecs' in s);
  for (const step of steps) {
    for (const c of plan.fleet.clusters) {
      const values = placeholderValues({ runId: '', cluster: c.name, targetGroupArn: c.targetGroupArn, targets: [], replicationGroupId: c.cache?.replicationGroupId ?? '' });
      const filled = fillStep(step, values);
      const clusterName = filled.cluster.startsWith('arn:') ? filled.cluster.slice(filled.cluster.lastIndexOf('/') + 1) : filled.cluster;
      const key = `${clusterName}/${filled.service}`;
      if (Object.hasOwn(state.ecs.services, key)) continue;
      const asked = filled.taskDefinition ? taskDefinitionKey(filled.taskDefinition) : `${filled.service}:1`;
      const [family, revisionText] = [asked.slice(0, asked.lastIndexOf(':')), asked.slice(asked.lastIndexOf(':') + 1)];
      const revision = Number(revisionText);
      const current = filled.taskDefinition && revision > 1 ? `${family}:${revision - 1}` : asked;
      state.ecs.taskDefinitions[asked] ??= { image: filled.image ?? `${family}:r${revision}` };
      const currentImage = file.ecs?.currentImage?.[c.name] ?? (current === asked ? state.ecs.taskDefinitions[asked]!.image : `${family}:r${revision - 1}`);
      state.ecs.taskDefinitions[current] ??= { image: currentImage };
      state.ecs.services[key] = {
        clusterName,
        serviceName: filled.service,
        planCluster: c.name,
        desiredCount: state.settings.ecs.desiredCount,
        stable: { taskDefinition: current, image: currentImage },
        // AWS lists a service's current deployment as PRIMARY, COMPLETED once steady.
        deployments: [
          { id: `ecs-svc/${String(BigInt(`0x${stableHex(key, 15)}`)).padStart(19, '1').slice(0, 19)}`, taskDefinition: current, image: currentImage, createdAt: state.startedAt - DAY_MS, completesAt: state.startedAt - DAY_MS, failsAt: null, failed: false, rollbackOf: null },
        ],
        events: [],
        createdAt: state.startedAt - 30 * DAY_MS,
      };
    }
  }
}

function buildCache(state: WorldState, id: string, o: ClusterOverrides, partition: string, zones: string[]): void {
  const c = o.cache ?? {};
  const engine = c.engine ?? 'redis';
  const engineVersion = c.engineVersion ?? (engine === 'valkey' ? '8.0' : '7.0');
  const nodeType = c.nodeType ?? 'cache.r7g.large';
  const family = parameterGroupFamily(engine, engineVersion);
  const parameterGroup = c.parameterGroup ?? (family !== undefined ? defaultParameterGroup(family) : `default.${engine}${engineVersion}`);
  if (c.parameterGroup !== undefined && !isDefaultParameterGroup(c.parameterGroup) && !Object.hasOwn(state.elasticache.parameterGroups, c.parameterGroup)) {
    fail(`${id}: cache.parameterGroup ${c.parameterGroup} is not a default group (default.<family>) nor declared in elasticache.parameterGroups`);
  }
  // "AutomaticFailoverEnabled must be enabled for Valkey or Redis OSS (cluster mode enabled) replication groups"
  // (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html).
  if (c.shards !== undefined && c.automaticFailover === false) fail(`cache ${id}: shards (cluster mode enabled) needs automaticFailover: AWS requires it for cluster mode enabled groups`);
  const createdAt = state.startedAt - 30 * DAY_MS;
  const { members, nodeGroups } = nodeGroupLayout(id, c.shards, c.replicas ?? 2);
  for (const clusterId of members) {
    // Each node group's members spread over the zones the same way, its first member in the first zone.
    const i = nodeGroups ? (nodeGroups.find((g) => g.members.includes(clusterId))?.members.indexOf(clusterId) ?? 0) : members.indexOf(clusterId);
    const cluster: CacheClusterState = {
      id: clusterId,
      replicationGroupId: id,
      arn: `arn:${partition}:elasticache:${state.region}:${state.accountId}:cluster:${clusterId}`,
      status: 'available',
      nodeStatus: 'available',
      engine,
      engineVersion: reportedEngineVersion(engine, engineVersion),
      cacheNodeType: nodeType,
      az: zones[i % zones.length] ?? '',
      createdAt,
      parameterGroup: { name: parameterGroup, applyStatus: 'in-sync' },
      pending: {},
    };
    state.elasticache.cacheClusters[clusterId] = cluster;
  }
  const rg: ReplicationGroupState = {
    id,
    arn: `arn:${partition}:elasticache:${state.region}:${state.accountId}:replicationgroup:${id}`,
    description: `${id} (sandbox)`,
    status: 'available',
    engine,
    cacheNodeType: nodeType,
    automaticFailover: c.automaticFailover === false ? 'disabled' : 'enabled',
    multiAZ: c.multiAZ === false ? 'disabled' : 'enabled',
    members,
    primaryClusterId: members[0] ?? '',
    ...(nodeGroups ? { nodeGroups } : {}),
    pendingPrimaryClusterId: null,
    endpointHash: stableHex(`${state.seed}:${id}`, 6),
    port: 6379,
    createdAt,
    memoryPercent: c.memoryPercent ?? 40,
    dataGeneration: 0,
    versionReported: null,
  };
  state.elasticache.replicationGroups[id] = rg;
}

/**
 * One listener per distinct listener ARN of the locations, on its load balancer; a location with a rule
 * holds its forward action in that rule, else in the listener's default action. A target group may be
 * named in several listeners only of the same load balancer:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-target-group.html
 */
function buildListeners(
  state: WorldState,
  file: WorldFile,
  source: string,
  tuples: Map<string, Array<{ TargetGroupArn: string; Weight: number }>>,
  listeners: Array<NonNullable<ReturnType<typeof parseListenerArn>>>,
): void {
  const stickiness = file.elbv2?.stickiness;
  const locations = fleetLocations(state);
  const forwardOf = (location: string): Action => ({
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: tuples.get(location) ?? [],
      TargetGroupStickinessConfig: stickiness?.enabled
        ? { Enabled: true, DurationSeconds: ms(stickiness.duration, 3_600_000) / 1000 }
        : { Enabled: false },
    },
  });
  const notFound: Action = {
    Type: 'fixed-response',
    FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' },
  };
  const several = locations.length > 1;
  for (const [i, location] of locations.entries()) {
    const parts = listeners[i]!;
    const listenerArn = location.listenerArn;
    const field = several ? `fleet.locations[${i}]` : 'fleet';
    const sharing = locations.filter((l) => l.listenerArn === listenerArn);
    // The fleet rule of every location matches every path ("/*"): two on one listener, the second would never be reached.
    if (sharing.length > 1) fail(`plan: ${field}: listener ${listenerArn} holds the fleet at ${sharing.length} locations (${sharing.map((l) => l.name).join(', ')}); the sandbox models one fleet forward action per listener`);
    state.elbv2.listeners.push({
      arn: listenerArn,
      loadBalancerArn: loadBalancerArn(parts),
      port: 80,
      protocol: 'HTTP',
      defaultActions: normalizeActions([location.ruleArn ? notFound : forwardOf(location.name)]),
      defaultRuleArn: listenerRuleArn(parts, stableHex(`${listenerArn}:default`, 16)),
    });
    const listener = state.elbv2.listeners[state.elbv2.listeners.length - 1]!;
    if (location.ruleArn) {
      const ruleArn = location.ruleArn;
      const ruleParts = parseRuleArn(ruleArn) ?? fail(`plan: ${field}.ruleArn is not a listener rule ARN: ${ruleArn}`);
      if (ruleParts.listenerId !== parts.listenerId || ruleParts.loadBalancerId !== parts.loadBalancerId) {
        fail(`plan: ${field}.ruleArn does not belong to ${field}.listenerArn`);
      }
      const rule: RuleState = {
        arn: ruleArn,
        listenerArn,
        priority: file.elbv2?.fleetRulePriority ?? 100,
        conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        actions: normalizeActions([forwardOf(location.name)]),
        tags: [],
      };
      state.elbv2.rules.push(rule);
      state.elbv2.sticky[ruleArn] = recordShares(undefined, rule.actions[0], state.startedAt);
    } else {
      state.elbv2.sticky[listenerArn] = recordShares(undefined, listener.defaultActions[0], state.startedAt);
    }
  }
  for (const [i, spec] of (file.elbv2?.rules ?? []).entries()) {
    const where = `${source}: elbv2.rules[${i}]`;
    const ruleSpec = ruleSpecOf(spec);
    const location = ruleLocation(state, ruleSpec, where);
    const parts = parseListenerArn(location.listenerArn)!;
    if (state.elbv2.rules.some((r) => r.listenerArn === location.listenerArn && r.priority === spec.priority)) {
      fail(`${where}: priority ${spec.priority} is already in use on the fleet listener${several ? ` of location ${location.name}` : ''}`);
    }
    const rule = ruleFromSpec(state, ruleSpec, listenerRuleArn(parts, stableHex(`${location.listenerArn}:rule:${spec.priority}`, 16)), where);
    state.elbv2.rules.push(rule);
    state.elbv2.sticky[rule.arn] = recordShares(undefined, forwardAction(rule.actions), state.startedAt);
  }
}

/**
 * The location a world file's rule or event acts at: the one it names, else the only one. With several
 * locations it must name one: a hand edit is made on one listener.
 */
export function eventLocation(state: WorldState, name: string | null | undefined, where: string): FleetLocation {
  const locations = fleetLocations(state);
  if (name === null || name === undefined) {
    if (locations.length > 1) fail(`${where}: the plan has several locations (${locations.map((l) => l.name).join(', ')}): name one with "location"`);
    return locations[0]!;
  }
  return findLocation(state, name) ?? fail(`${where}: no such location "${name}" (the plan has ${locations.map((l) => l.name).join(', ')})`);
}

function ruleLocation(state: WorldState, spec: RuleSpec, where: string): FleetLocation {
  return eventLocation(state, spec.location, where);
}

/**
 * A rule on the fleet listener from a world file's spec: its path and host conditions, and a forward to
 * the named clusters' groups. Rules are evaluated by priority, lowest first, the default rule last:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html
 */
export function ruleFromSpec(state: WorldState, spec: RuleSpec, arn: string, where: string): RuleState {
  const location = ruleLocation(state, spec, where);
  const conditions: RuleCondition[] = [];
  if (spec.path) conditions.push({ Field: 'path-pattern', PathPatternConfig: { Values: [...spec.path] } });
  if (spec.host) conditions.push({ Field: 'host-header', HostHeaderConfig: { Values: [...spec.host] } });
  const tuples = Object.entries(spec.forward).map(([name, weight]) => {
    const cluster = state.clusters.find((c) => c.name === name) ?? fail(`${where}: forward: no such cluster "${name}"`);
    // The cluster's own group at this listener's load balancer: a group of another load balancer cannot be used here.
    const arn = groupAt(state, cluster, location.name) ?? fail(`${where}: forward: cluster "${name}" has no target group at location ${location.name}`);
    return { TargetGroupArn: arn, Weight: weight };
  });
  const forward: Action = { Type: 'forward', ForwardConfig: { TargetGroups: tuples, TargetGroupStickinessConfig: { Enabled: false } } };
  return { arn, listenerArn: location.listenerArn, priority: spec.priority, conditions, actions: normalizeActions([forward]), tags: [] };
}

/** A plan's replicationGroupId that names a serverless cache (`cache.serverless`): there is no replication group. */
function buildServerlessCache(state: WorldState, name: string, o: ClusterOverrides, partition: string): void {
  if (Object.hasOwn(state.elasticache.serverlessCaches, name)) fail(`plan: serverless cache used twice: ${name}`);
  const engine = o.cache?.engine ?? 'valkey';
  const version = o.cache?.engineVersion ?? (engine === 'valkey' ? '8.0' : '7.1');
  state.elasticache.serverlessCaches[name] = {
    name,
    arn: `arn:${partition}:elasticache:${state.region}:${state.accountId}:serverlesscache:${name}`,
    engine,
    majorEngineVersion: version.split('.')[0] ?? version,
    fullEngineVersion: reportedEngineVersion(engine, version),
    createdAt: state.startedAt - 30 * DAY_MS,
  };
}

function buildServiceUpdates(state: WorldState, file: WorldFile, startedAt: number): void {
  for (const u of file.elasticache?.serviceUpdates ?? []) {
    for (const id of u.replicationGroups ?? []) {
      if (!state.elasticache.replicationGroups[id]) fail(`serviceUpdates: ${u.name}: no such replication group ${id}`);
    }
    state.elasticache.serviceUpdates.push({
      name: u.name,
      releaseDate: u.releasedAt ? Date.parse(u.releasedAt) : startedAt - 7 * DAY_MS,
      severity: u.severity ?? 'important',
      type: u.type ?? 'security-update',
      engine: u.engine ?? 'redis',
      upgradesTo: u.upgradesTo ?? null,
      replicationGroups: u.replicationGroups ?? null,
    });
  }
}

/** Events must name clusters and replication groups that exist. */
export function checkEventTargets(state: WorldState, body: ScheduledBody, where: string): void {
  if ('cluster' in body && !state.clusters.some((c) => c.name === body.cluster)) {
    fail(`${where}: ${body.type}: no such cluster "${body.cluster}"`);
  }
  if (body.type === 'manualWeight') {
    const location = eventLocation(state, body.location, `${where}: manualWeight`);
    const cluster = state.clusters.find((c) => c.name === body.cluster)!;
    if (groupAt(state, cluster, location.name) === undefined) fail(`${where}: manualWeight: cluster "${body.cluster}" has no target group at location ${location.name}`);
  }
  if (body.type === 'addRule') ruleFromSpec(state, body, '', `${where}: addRule`);
  // Own properties only: "__proto__" or "constructor" must not find Object.prototype (a memory event on
  // replication group "__proto__" wrote memoryPercent onto every object of the process).
  if ('replicationGroupId' in body && !Object.hasOwn(state.elasticache.replicationGroups, body.replicationGroupId)) {
    fail(`${where}: ${body.type}: no such replication group "${body.replicationGroupId}"`);
  }
  if (body.type === 'failoverNoop' && body.nodeGroupId !== undefined && !findNodeGroup(state.elasticache.replicationGroups[body.replicationGroupId]!, body.nodeGroupId)) {
    fail(`${where}: failoverNoop: replication group "${body.replicationGroupId}" has no node group "${body.nodeGroupId}"`);
  }
}

type ScheduledBody = WorldState['events']['scheduled'][number]['body'];

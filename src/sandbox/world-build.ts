// Build the initial world from a plan and an optional world file: every ARN the plan names
// exists, targets are healthy, caches are available, weights are 1.
import { fillStep, placeholderValues } from '../runbook/placeholders.js';
import { taskDefinitionKey } from './ecs-model.js';
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { listenerRuleArn, loadBalancerArn, parseListenerArn, parseRuleArn, parseTargetGroupArn } from './arns.js';
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
  HealthCheckSettings,
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

/** Every plan cluster is a target group of the fleet's one forward action: a listener AWS could not hold is not built. */
function checkForwardQuota(plan: SandboxPlan, settings: WorldSettings, source: string): void {
  const count = plan.fleet.clusters.length;
  const limit = targetGroupsPerForward(settings.elbv2);
  if (count <= limit) return;
  if (limit > TARGET_GROUPS_PER_FORWARD) fail(`plan: ${count} clusters share one forward action; ${source} allows at most ${limit} (elbv2.syntheticTargetGroupsPerForward)`);
  fail(
    `plan: ${count} clusters share one forward action; AWS allows at most ${TARGET_GROUPS_PER_FORWARD} target groups per forward action (quota "Target groups per action", not adjustable); ${source} may raise it with elbv2.syntheticTargetGroupsPerForward, a topology AWS does not allow`,
  );
}

function fail(message: string): never {
  throw new WorldFileError(message);
}

/** Build a fresh world state; the file may be written by hand, so it is validated here too. */
export function buildWorldState(plan: SandboxPlan, rawFile: WorldFile = {}, source = 'world file'): WorldState {
  const file = validateWorldFile(rawFile, source);
  const listenerParts = parseListenerArn(plan.fleet.listenerArn) ?? fail(`plan: fleet.listenerArn is not an ALB listener ARN: ${plan.fleet.listenerArn}`);
  const region = plan.region;
  if (listenerParts.region !== region) fail(`plan: listener ARN is in ${listenerParts.region}, the plan's region is ${region}`);
  const { accountId, partition } = listenerParts;
  const seed = file.seed ?? 1;
  const startedAt = Date.parse(file.startAt ?? DEFAULT_START);
  const settings = resolveSettings(plan, file);
  const defaults = file.defaults ?? {};
  const names = new Set(plan.fleet.clusters.map((c) => c.name));
  if (names.size !== plan.fleet.clusters.length) fail('plan: cluster names must be unique');
  checkForwardQuota(plan, settings, source);
  for (const name of Object.keys(file.clusters ?? {})) {
    if (!names.has(name)) fail(`${source}: clusters.${name}: no such cluster in the plan`);
  }
  for (const [i, entry] of (file.runbook?.steps ?? []).entries()) {
    if (entry.cluster !== undefined && !names.has(entry.cluster)) fail(`${source}: runbook.steps[${i}].cluster: no such cluster in the plan: ${entry.cluster}`);
  }

  const lbArn = loadBalancerArn(listenerParts);
  const lbName = listenerParts.loadBalancerName;
  const zones = ['a', 'b', 'c'].map((z) => `${region}${z}`);
  const vpcId = `vpc-${stableHex(`${lbArn}:vpc`, 17)}`;
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
    fleet: { listenerArn: plan.fleet.listenerArn, ruleArn: plan.fleet.ruleArn ?? null },
    clusters: [],
    elbv2: {
      loadBalancers: [
        {
          arn: lbArn,
          name: lbName,
          id: listenerParts.loadBalancerId,
          dnsName: `${lbName}-${parseInt(stableHex(lbArn, 8), 16) % 1_000_000_000}.${region}.elb.amazonaws.com`,
          vpcId,
          createdAt: startedAt - 30 * DAY_MS,
          availabilityZones: zones,
          tags: [],
        },
      ],
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

  const tuples: Array<{ TargetGroupArn: string; Weight: number }> = [];
  for (const planCluster of plan.fleet.clusters) {
    const o = mergeCluster(defaults, file.clusters?.[planCluster.name]);
    const tgParts =
      parseTargetGroupArn(planCluster.targetGroupArn) ??
      fail(`plan: cluster ${planCluster.name}: not a target group ARN: ${planCluster.targetGroupArn}`);
    if (Object.hasOwn(state.elbv2.targetGroups, planCluster.targetGroupArn)) fail(`plan: target group used twice: ${planCluster.targetGroupArn}`);
    const healthCheck = healthCheckOf(o);
    const registeredAt = startedAt - DAY_MS;
    const targets: TargetState[] = [];
    for (let i = 0; i < (o.targets ?? 3); i++) {
      targets.push({
        id: `i-${stableHex(`${seed}:${planCluster.name}:${i}`, 17)}`,
        port: 80,
        registeredAt,
        drainUntil: null,
        checksFrom: registeredAt + settings.elbv2.registrationDelayMs,
        base: { at: startedAt, state: 'healthy' },
        condition: 'ok',
        lastFailure: null,
        marks: [],
      });
    }
    const group: TargetGroupState = {
      arn: planCluster.targetGroupArn,
      name: tgParts.name,
      id: tgParts.id,
      port: 80,
      vpcId,
      loadBalancerArn: lbArn,
      healthCheck,
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
    tuples.push({ TargetGroupArn: group.arn, Weight: o.weight ?? 1 });

    let replicationGroupId: string | null = null;
    if (planCluster.cache?.replicationGroupId !== undefined && o.cache?.serverless) {
      buildServerlessCache(state, planCluster.cache.replicationGroupId, o, partition);
    } else if (planCluster.cache) {
      replicationGroupId = planCluster.cache.replicationGroupId;
      if (Object.hasOwn(state.elasticache.replicationGroups, replicationGroupId)) fail(`plan: replication group used twice: ${replicationGroupId}`);
      buildCache(state, replicationGroupId, o, partition, zones);
    }
    const info: ClusterInfo = { name: planCluster.name, targetGroupArn: group.arn, replicationGroupId };
    state.clusters.push(info);
    state.audit.initialTargets[info.name] = targets.map((t) => `${t.id}:${t.port}`).sort();
  }

  buildListener(state, plan, file, source, tuples, listenerParts);
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

function buildListener(
  state: WorldState,
  plan: SandboxPlan,
  file: WorldFile,
  source: string,
  tuples: Array<{ TargetGroupArn: string; Weight: number }>,
  parts: NonNullable<ReturnType<typeof parseListenerArn>>,
): void {
  const stickiness = file.elbv2?.stickiness;
  const forward: Action = {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: tuples,
      TargetGroupStickinessConfig: stickiness?.enabled
        ? { Enabled: true, DurationSeconds: ms(stickiness.duration, 3_600_000) / 1000 }
        : { Enabled: false },
    },
  };
  const listenerArn = plan.fleet.listenerArn;
  const ruleArn = plan.fleet.ruleArn;
  const notFound: Action = {
    Type: 'fixed-response',
    FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' },
  };
  state.elbv2.listeners.push({
    arn: listenerArn,
    loadBalancerArn: loadBalancerArn(parts),
    port: 80,
    protocol: 'HTTP',
    defaultActions: normalizeActions([ruleArn ? notFound : forward]),
    defaultRuleArn: listenerRuleArn(parts, stableHex(`${listenerArn}:default`, 16)),
  });
  if (ruleArn) {
    const ruleParts = parseRuleArn(ruleArn) ?? fail(`plan: fleet.ruleArn is not a listener rule ARN: ${ruleArn}`);
    if (ruleParts.listenerId !== parts.listenerId || ruleParts.loadBalancerId !== parts.loadBalancerId) {
      fail('plan: fleet.ruleArn does not belong to fleet.listenerArn');
    }
    state.elbv2.rules.push({
      arn: ruleArn,
      listenerArn,
      priority: file.elbv2?.fleetRulePriority ?? 100,
      conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      actions: normalizeActions([forward]),
      tags: [],
    });
    state.elbv2.sticky[ruleArn] = recordShares(undefined, state.elbv2.rules[0]?.actions[0], state.startedAt);
  } else {
    state.elbv2.sticky[listenerArn] = recordShares(undefined, state.elbv2.listeners[0]?.defaultActions[0], state.startedAt);
  }
  for (const [i, spec] of (file.elbv2?.rules ?? []).entries()) {
    const where = `${source}: elbv2.rules[${i}]`;
    if (state.elbv2.rules.some((r) => r.priority === spec.priority)) fail(`${where}: priority ${spec.priority} is already in use on the fleet listener`);
    const rule = ruleFromSpec(state, ruleSpecOf(spec), listenerRuleArn(parts, stableHex(`${listenerArn}:rule:${spec.priority}`, 16)), where);
    state.elbv2.rules.push(rule);
    state.elbv2.sticky[rule.arn] = recordShares(undefined, forwardAction(rule.actions), state.startedAt);
  }
}

/**
 * A rule on the fleet listener from a world file's spec: its path and host conditions, and a forward to
 * the named clusters' groups. Rules are evaluated by priority, lowest first, the default rule last:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html
 */
export function ruleFromSpec(state: WorldState, spec: RuleSpec, arn: string, where: string): RuleState {
  const conditions: RuleCondition[] = [];
  if (spec.path) conditions.push({ Field: 'path-pattern', PathPatternConfig: { Values: [...spec.path] } });
  if (spec.host) conditions.push({ Field: 'host-header', HostHeaderConfig: { Values: [...spec.host] } });
  const tuples = Object.entries(spec.forward).map(([name, weight]) => {
    const cluster = state.clusters.find((c) => c.name === name) ?? fail(`${where}: forward: no such cluster "${name}"`);
    return { TargetGroupArn: cluster.targetGroupArn, Weight: weight };
  });
  const forward: Action = { Type: 'forward', ForwardConfig: { TargetGroups: tuples, TargetGroupStickinessConfig: { Enabled: false } } };
  return { arn, listenerArn: state.fleet.listenerArn, priority: spec.priority, conditions, actions: normalizeActions([forward]), tags: [] };
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

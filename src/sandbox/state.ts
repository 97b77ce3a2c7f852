// The whole sandbox world as plain JSON-safe data. Everything that changes lives here, so
// `toJSON()` / `fromJSON()` resume a world exactly; caches derived from it live elsewhere.
import type { Action, RuleCondition, Tag } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RunbookLogEntry, RunbookSettings } from './runbook-script.js';

export type SandboxService = 'elbv2' | 'elasticache' | 'cloudwatch' | 'ssm' | 'ecs';

export interface BucketSettings {
  bucket: number;
  refillPerSecond: number;
}

export interface WorldSettings {
  elbv2: {
    registrationDelayMs: number;
    staleReadsMs: number;
    throttle: { describe: BucketSettings; mutate: BucketSettings };
    /** Raises AWS's 5 target groups per forward action (a topology AWS does not allow); null = AWS's limit. */
    syntheticTargetGroupsPerForward: number | null;
  };
  elasticache: {
    failoverMs: number;
    recoveryMs: number;
    modifyMs: number;
    /** How long the primary is unavailable during a modify; null = the whole modify. */
    modifyOutageMs: number | null;
    rebootMs: number;
    promoteMs: number;
    serviceUpdateStartMs: number;
    serviceUpdateMs: number;
    testFailoverLimit: { count: number; windowMs: number; scope: 'account' | 'replicationGroup' };
    engineVersions: Record<string, string[]>;
    staleReadsMs: number;
    throttle: { describe: BucketSettings; mutate: BucketSettings };
  };
  cloudwatch: {
    publishDelayMs: number;
    retentionMs: number;
    throttle: BucketSettings;
  };
  ssm: {
    /** From SendCommand to an instance's agent starting it (Pending, then InProgress). */
    deliveryMs: number;
    /** How long the document runs on one instance. */
    commandMs: number;
    throttle: { describe: BucketSettings; mutate: BucketSettings };
  };
  ecs: {
    /** From UpdateService until the new tasks are all running and the deployment is COMPLETED. */
    deploymentMs: number;
    /** Between two failed task launches of a crash-looping deployment. */
    taskFailureMs: number;
    desiredCount: number;
    circuitBreaker: { enable: boolean; rollback: boolean };
    throttle: { describe: BucketSettings; mutate: BucketSettings };
  };
  traffic: {
    ratePerSecond: number;
    requestDurationMs: number;
    stickyFraction: number;
    /** Request paths of ordinary traffic and the share of requests of each (shares sum to 1). */
    paths: Array<{ path: string; share: number }>;
    /**
     * Traffic at each fleet location by location name (absent: every location gets ratePerSecond and paths).
     * Saved worlds from before locations have none.
     */
    perLocation?: Record<string, { ratePerSecond: number; paths: Array<{ path: string; share: number }> }>;
  };
  audit: {
    maxOutOfService: number;
    minActiveClusters: number;
  };
  /** The rehearsal's answers to runbook steps; absent in worlds saved before it existed (the defaults apply). */
  runbook?: RunbookSettings;
}

// ---------------------------------------------------------------- ELBv2

export type HealthState = 'initial' | 'healthy' | 'unhealthy';
/** What the target would answer right now, whatever the load balancer has concluded yet. */
export type TargetCondition = 'ok' | 'crash' | 'error5xx';

export interface HealthCheckSettings {
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  matcher: string;
  path: string;
  /** Passing checks a newly registered target needs before it is healthy. */
  newTargetChecks: number;
}

export interface TargetState {
  id: string;
  port: number;
  registeredAt: number;
  /** Set once deregistered: the target shows `draining` until then, then it is gone. */
  drainUntil: number | null;
  /** Time of the first health check; checks follow every interval. Null while the group is unused. */
  checksFrom: number | null;
  /** Health state reached at `base.at`; `condition` has held constant since then. */
  base: { at: number; state: HealthState };
  condition: TargetCondition;
  lastFailure: Exclude<TargetCondition, 'ok'> | null;
  /** Ids of scripted effects currently making this target fail (targetUnhealthy, targetFlap). */
  marks: string[];
}

export interface TargetGroupState {
  arn: string;
  name: string;
  id: string;
  port: number;
  vpcId: string;
  loadBalancerArn: string;
  healthCheck: HealthCheckSettings;
  attributes: Record<string, string>;
  targets: TargetState[];
  used: boolean;
  /** Scripted crashLoop effects active on this group: every target fails. */
  crashLoops: string[];
  tags: Tag[];
}

export interface LoadBalancerState {
  arn: string;
  name: string;
  id: string;
  dnsName: string;
  vpcId: string;
  createdAt: number;
  availabilityZones: string[];
  tags: Tag[];
}

export interface ListenerState {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  defaultActions: Action[];
  defaultRuleArn: string;
}

export interface RuleState {
  arn: string;
  listenerArn: string;
  priority: number;
  conditions: RuleCondition[];
  actions: Action[];
  tags: Tag[];
}

/** Weight shares of one forward action over time, for cookie stickiness. */
export interface StickyHistory {
  enabled: boolean;
  durationMs: number;
  /** Ascending; the first entry stands for all time before it. */
  changes: Array<{ at: number; shares: Record<string, number> }>;
}

export interface Elbv2State {
  loadBalancers: LoadBalancerState[];
  listeners: ListenerState[];
  rules: RuleState[];
  targetGroups: Record<string, TargetGroupState>;
  /** Keyed by the owner of the forward action: a listener ARN (default action) or a rule ARN. */
  sticky: Record<string, StickyHistory>;
}

// ---------------------------------------------------------------- ElastiCache

export interface CacheClusterState {
  id: string;
  replicationGroupId: string;
  arn: string;
  status: string;
  nodeStatus: string;
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  az: string;
  createdAt: number;
  parameterGroup: { name: string; applyStatus: string };
  pending: { EngineVersion?: string; CacheNodeType?: string };
}

export interface ReplicationGroupState {
  id: string;
  arn: string;
  description: string;
  status: string;
  engine: string;
  cacheNodeType: string;
  automaticFailover: 'enabled' | 'disabled';
  multiAZ: 'enabled' | 'disabled';
  members: string[];
  /** Cluster mode disabled: the primary. Cluster mode enabled: node group 0001's (elasticache-node-groups.ts keeps it). */
  primaryClusterId: string;
  /** Present only when cluster mode is enabled: the shards, each with its own primary. */
  nodeGroups?: NodeGroupState[];
  pendingPrimaryClusterId: string | null;
  endpointHash: string;
  port: number;
  createdAt: number;
  memoryPercent: number;
  /** Bumped when the primary's data is lost (primary rebooted without a failover). */
  dataGeneration: number;
  /** Engine version reported after the next modify instead of the requested one (scripted). */
  versionReported: string | null;
}

export interface NodeGroupState {
  id: string;
  /** The keyspace it serves, as AWS writes it: "0-5461". */
  slots: string;
  members: string[];
  primaryClusterId: string;
}

export type CacheOp =
  | {
      kind: 'failover';
      id: string;
      replicationGroupId: string;
      /** Absent in worlds saved before node groups were modelled: node group 0001. */
      nodeGroupId?: string;
      phase: 'switching' | 'recovering';
      nextAt: number;
      from: string;
      to: string;
    }
  | { kind: 'promote'; id: string; replicationGroupId: string; nextAt: number; to: string | null }
  | {
      kind: 'modify';
      id: string;
      replicationGroupId: string;
      nextAt: number;
      outageUntil: number;
      /** When the primary's outage starts; absent = when the modify starts. */
      outageFrom?: number;
      changes: { engine?: string; engineVersion?: string; cacheNodeType?: string; parameterGroup?: string };
      promoteTo: string | null;
    }
  | { kind: 'reboot'; id: string; replicationGroupId: string; cacheClusterId: string; nextAt: number; wasPrimary: boolean }
  | {
      kind: 'serviceUpdate';
      id: string;
      replicationGroupId: string;
      serviceUpdateName: string;
      phase: 'waiting' | 'in-progress';
      nextAt: number;
    };

export interface CacheEventRecord {
  seq: number;
  at: number;
  sourceId: string;
  sourceType: 'replication-group' | 'cache-cluster';
  message: string;
}

export interface ServiceUpdateState {
  name: string;
  releaseDate: number;
  severity: 'critical' | 'important' | 'medium' | 'low';
  /** The user guide's three types (Self-Service-Updates); the SDK's model declares only security-update. */
  type: 'security-update' | 'engine-update' | 'engine-major-version-update';
  engine: string;
  /** What an engine-major-version-update moves the group to; null for the other types. */
  upgradesTo: { engine: string; engineVersion: string } | null;
  /** Replication groups it applies to; null = all. */
  replicationGroups: string[] | null;
}

export interface UpdateActionState {
  status: 'not-applied' | 'waiting-to-start' | 'in-progress' | 'complete';
  modifiedAt: number;
  nodesUpdated: number;
}

export interface ElastiCacheState {
  replicationGroups: Record<string, ReplicationGroupState>;
  cacheClusters: Record<string, CacheClusterState>;
  ops: CacheOp[];
  events: CacheEventRecord[];
  eventSeq: number;
  testFailovers: Array<{ at: number; replicationGroupId: string }>;
  serviceUpdates: ServiceUpdateState[];
  /** Keyed `${serviceUpdateName}|${replicationGroupId}`; absent = not-applied. */
  updateActions: Record<string, UpdateActionState>;
  /** Custom cache parameter groups by name: their family (valkey8, redis7, ...). Default groups are implied. */
  parameterGroups: Record<string, string>;
  /** Serverless caches by name: no replication group, no members. */
  serverlessCaches: Record<string, ServerlessCacheState>;
}

export interface ServerlessCacheState {
  name: string;
  arn: string;
  engine: string;
  majorEngineVersion: string;
  fullEngineVersion: string;
  createdAt: number;
}

// ---------------------------------------------------------------- metrics and traffic

/** [minuteStart, requests, target5xx, elb5xx, healthyAvg, healthyMin, healthyMax, unhealthyAvg, unhealthyMin, unhealthyMax, used(0|1)] */
export type AlbMinuteRow = [number, number, number, number, number, number, number, number, number, number, number];
/** [minuteStart, requests, elb5xx] */
export type LbMinuteRow = [number, number, number];
/** [minuteStart, memoryPercent, engineCpu, replicationLag, currConnections, evictions] */
export type CacheMinuteRow = [number, number, number, number, number, number];

export interface MinuteAccumulator {
  /** Cumulative counters at the start of the minute, to take integer differences at its end. */
  startCounts: Record<string, [number, number, number]>;
  lbStart: Record<string, [number, number]>;
  /** Per target group: [healthy integral, unhealthy integral, healthyMin, healthyMax, unhealthyMin, unhealthyMax] */
  gauges: Record<string, [number, number, number, number, number, number]>;
}

export interface MetricsState {
  minuteStart: number;
  acc: MinuteAccumulator;
  alb: Record<string, AlbMinuteRow[]>;
  lb: Record<string, LbMinuteRow[]>;
  cache: Record<string, CacheMinuteRow[]>;
}

/** Cumulative fractional counts; reported values are floors so minute differences stay integers. */
export interface CounterState {
  requests: number;
  failed: number;
  target5xx: number;
  elb5xx: number;
}

export interface TrafficState {
  /** Keyed by target group ARN. */
  perGroup: Record<string, CounterState>;
  /** Keyed by load balancer ARN. */
  perLoadBalancer: Record<string, CounterState>;
  /** Requests that found no target group at all (every weight 0). */
  unrouted: CounterState;
  /** Keyed by fleet location name: what arrived at that location's listener (absent in worlds saved before locations). */
  perLocation?: Record<string, CounterState>;
}

// ---------------------------------------------------------------- audit, events, plumbing

export interface ClusterInfo {
  name: string;
  /** Its target group at its first location. */
  targetGroupArn: string;
  replicationGroupId: string | null;
  /** Its target group at each location (absent in worlds saved before locations: one, at the first location). */
  placements?: Placement[];
}

export interface Placement {
  location: string;
  targetGroupArn: string;
}

/** A listener (and optionally one of its rules) whose forward action holds the fleet's target groups there. */
export interface FleetLocation {
  name: string;
  listenerArn: string;
  ruleArn: string | null;
}

export interface Mutation {
  at: number;
  service: SandboxService;
  command: string;
  resource: string;
  caller: string;
  detail?: string;
}

export type ViolationKind =
  | 'unsafe-reactivation'
  | 'too-many-out-of-service'
  | 'too-few-active'
  | 'maintenance-in-rotation'
  | 'target-list-changed'
  | 'sdk-model-mismatch';

export interface Violation {
  at: number;
  kind: ViolationKind;
  cluster: string;
  /** The fleet location it happened at, in a world of several locations. */
  location?: string;
  caller: string;
  command: string;
  message: string;
}

export interface AuditState {
  violations: Violation[];
  mutations: Mutation[];
  /** Registered target ids (`id:port`) per cluster when the world was built. */
  initialTargets: Record<string, string[]>;
}

export type ApiFaultKind = 'http500' | 'http503' | 'econnreset' | 'timeout';

export type EventBody =
  /** `location` null: the first location. */
  | { type: 'manualWeight'; cluster: string; weight: number; location: string | null }
  /** Without a node group: every TestFailover and promotion on the group; with one: that node group's TestFailover. */
  | { type: 'failoverNoop'; replicationGroupId: string; nodeGroupId?: string }
  /** A ModifyReplicationGroup with Engine is accepted and runs, but the members keep their engine and version. */
  | { type: 'engineSwitchNoop'; replicationGroupId: string }
  | { type: 'throttle'; service: SandboxService; rate: number }
  | { type: 'targetUnhealthy'; cluster: string; count: number }
  | { type: 'memory'; replicationGroupId: string; percent: number }
  | { type: 'crashLoop'; cluster: string }
  | { type: 'versionReported'; replicationGroupId: string; engineVersion: string }
  | { type: 'replicationLag'; replicationGroupId: string; seconds: number }
  | { type: 'slowReads'; service: SandboxService; operation: string | null; seconds: number }
  | {
      type: 'apiFault';
      service: SandboxService;
      operation: string | null;
      kind: ApiFaultKind;
      rate: number;
      when: 'before' | 'after';
    }
  | { type: 'staleReads'; service: 'elbv2' | 'elasticache'; seconds: number }
  /** GetMetricData results of `metric` (null: every metric) come back with this StatusCode, at `rate`. */
  | { type: 'metricStatus'; status: 'PartialData' | 'InternalError' | 'Forbidden'; metric: string | null; rate: number }
  | { type: 'targetFlap'; cluster: string; count: number; periodMs: number }
  /** Commands sent while active fail on the first `count` instances of the cluster, with this output. */
  | { type: 'ssmCommandFails'; cluster: string; count: number; output: string }
  /** The SSM agent of the first `count` instances of the cluster never picks a command up. */
  | { type: 'ssmAgentSilent'; cluster: string; count: number }
  /** Deployments of the cluster's service started while active: their new tasks exit at once. */
  | { type: 'ecsCrashLoop'; cluster: string }
  /** Deployments of the cluster's service started while active run this image, whatever was asked (seed 001). */
  | { type: 'ecsImageDeployed'; cluster: string; image: string }
  | ({ type: 'addRule' } & RuleSpec);

/** A listener rule of a world file or an addRule event: conditions, and a forward to clusters by name. */
export interface RuleSpec {
  /** The fleet location whose listener holds the rule; null: the first location. */
  location: string | null;
  priority: number;
  path: string[] | null;
  host: string[] | null;
  /** Plan cluster name to weight. */
  forward: Record<string, number>;
}

export interface ScheduledEvent {
  id: string;
  from: number;
  /** End of the window; null = from then on (or an instant, for instant kinds). */
  to: number | null;
  body: EventBody;
}

export interface QueueItem {
  at: number;
  seq: number;
  eventId: string;
  edge: 'start' | 'end' | 'tick';
}

export interface ActiveEffect {
  eventId: string;
  body: EventBody;
  /** Targets chosen by targetUnhealthy / targetFlap, and what memory / weight to restore. */
  targets: string[];
  restore: number | string | null;
  flapping: boolean;
}

export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export interface StaleSnapshot {
  until: number;
  value: unknown;
}

export interface WorldState {
  format: 'quiesce-sandbox-world';
  version: 1;
  seed: number;
  rngState: number;
  startedAt: number;
  now: number;
  region: string;
  accountId: string;
  settings: WorldSettings;
  /** The first location's listener and rule; `locations` every location (absent in worlds saved before them: one). */
  fleet: { listenerArn: string; ruleArn: string | null; locations?: FleetLocation[] };
  clusters: ClusterInfo[];
  elbv2: Elbv2State;
  elasticache: ElastiCacheState;
  metrics: MetricsState;
  traffic: TrafficState;
  audit: AuditState;
  events: { scheduled: ScheduledEvent[]; queue: QueueItem[]; active: ActiveEffect[]; seq: number };
  buckets: Record<string, BucketState>;
  stale: Record<string, StaleSnapshot>;
  ssm: SsmState;
  ecs: EcsState;
  requestSeq: number;
  idSeq: number;
  /** Every runbook step rehearsed in this world, simulated or run for real (absent until the first). */
  runbookLog?: RunbookLogEntry[];
}

// ---------------------------------------------------------------- SSM Run Command, ECS

export type SsmFate = 'success' | 'fail' | 'silent';

export interface SsmInvocationState {
  instanceId: string;
  fate: SsmFate;
  output: string;
  /** When the agent picks it up (its wave's start plus the delivery time); null: never sent (MaxErrors reached first). */
  startAt: number | null;
}

export interface SsmCommandState {
  commandId: string;
  documentName: string;
  documentVersion: string | null;
  comment: string;
  parameters: Record<string, string[]>;
  requestedAt: number;
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
  invocations: SsmInvocationState[];
  cancelledAt: number | null;
}

export interface SsmState {
  commands: SsmCommandState[];
}

export interface EcsDeploymentState {
  id: string;
  taskDefinition: string;
  /** The image its tasks run (the task definition's, or a scripted one). */
  image: string;
  createdAt: number;
  /** When its tasks are all running; null: never (a crash loop). */
  completesAt: number | null;
  /** When the circuit breaker fails it; null: it does not fail (or has failed). */
  failsAt: number | null;
  failed: boolean;
  /** A rollback deployment, started when the one it rolls back failed. */
  rollbackOf: string | null;
}

export interface EcsServiceState {
  clusterName: string;
  serviceName: string;
  /** The plan cluster whose target group the service feeds. */
  planCluster: string;
  desiredCount: number;
  /** The last deployment that completed: what a rollback returns to. */
  stable: { taskDefinition: string; image: string };
  deployments: EcsDeploymentState[];
  events: Array<{ id: string; at: number; message: string }>;
  createdAt: number;
}

export interface EcsState {
  services: Record<string, EcsServiceState>;
  /** Registered task definitions (`family:revision`) and the image their container runs. */
  taskDefinitions: Record<string, { image: string }>;
  seq: number;
}

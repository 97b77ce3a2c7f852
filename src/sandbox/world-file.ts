// The world file: YAML that overrides the default topology and timings and scripts events.
// Strict: unknown keys, unit-less durations and unquoted versions are rejected with one
// clear line, because a silently ignored typo makes a test prove nothing.
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import * as z from 'zod';
import { isOffset, isWorldDuration, parseOffset, parseWorldDuration } from '../duration.js';
import { TARGET_GROUPS_PER_FORWARD } from './elbv2-quotas.js';
import { PARAMETER_GROUP_FAMILIES } from './elasticache-engine-switch.js';
import { HISTORY_MS } from './history.js';
import { runbookFileSchema } from './runbook-script.js';
import { parseGuardedYaml } from './safe-yaml.js';
import type { EventBody, RuleSpec, ScheduledEvent } from './state.js';
import { WorldFileError } from './world-file-error.js';

export { WorldFileError };

// ---------------------------------------------------------------- building blocks

/** Event times: after the run start ("90s"), or in the world's past ("-10m", at most HISTORY_MS back). */
function offset() {
  return z
    .string({ error: 'expected a time such as "90s" after the run start, or "-10m" before it' })
    .refine(isOffset, { message: 'expected a time such as "90s" after the run start, or "-10m" before it' })
    // zod runs every refinement, even after one failed: each must accept what an earlier one rejected.
    .refine((text) => !isOffset(text) || parseOffset(text) >= -HISTORY_MS, { message: `a time before the run start can go back at most ${HISTORY_MS / 60_000}m (the world's history)` });
}

function duration(minMs = 0, maxMs = Number.POSITIVE_INFINITY) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a duration with a unit, e.g. "90s", "5m", "1h"') })
    .refine(isWorldDuration, { message: 'expected a duration with a unit, e.g. "90s", "5m", "1h"' })
    .refine(
      (text) => {
        if (!isWorldDuration(text)) return true;
        const ms = parseWorldDuration(text);
        return ms >= minMs && ms <= maxMs;
      },
      { message: `out of range (${minMs / 1000}s to ${maxMs === Number.POSITIVE_INFINITY ? 'unbounded' : `${maxMs / 1000}s`})` },
    );
}

const version = z.string({
  error: (issue) =>
    typeof issue.input === 'number'
      ? `engine versions must be quoted strings (got the number ${String(issue.input)})`
      : 'expected an engine version string such as "7.1"',
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const services = z.enum(['elbv2', 'elasticache', 'cloudwatch', 'ssm', 'ecs']);
const bucket = z.strictObject({ bucket: int(1, 100_000), refillPerSecond: z.number().positive() });

const healthCheck = z
  .strictObject({
    interval: duration(5_000, 300_000),
    timeout: duration(2_000, 120_000),
    healthyThreshold: int(2, 10),
    unhealthyThreshold: int(2, 10),
    matcher: z.string(),
    path: z.string(),
    /** Passing checks a new target needs: AWS's current ALB guide says one (the default); more is a stricter reading. */
    newTargetChecks: int(1, 10),
  })
  .partial();

const cache = z
  .strictObject({
    engine: z.enum(['redis', 'valkey']),
    engineVersion: version,
    nodeType: z.string().regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, 'expected a node type such as "cache.r7g.large"'),
    replicas: int(1, 5),
    /** Node groups of a cluster mode enabled group (AWS: 1 to 90); absent: cluster mode disabled. */
    shards: int(1, 90),
    memoryPercent: z.number().min(0).max(100),
    automaticFailover: z.boolean(),
    multiAZ: z.boolean(),
    parameterGroup: z.string(),
    /** The plan's replicationGroupId names a serverless cache: no replication group exists under that name. */
    serverless: z.boolean(),
  })
  .partial();

const cluster = z
  .strictObject({
    targets: int(0, 1000),
    weight: int(0, 999),
    deregistrationDelay: duration(0, 3_600_000),
    healthCheck,
    cache,
    tags: z.record(z.string(), z.string()),
  })
  .partial();

/**
 * A listener rule of the fleet listener besides the fleet's own: path and/or host conditions (each up to
 * 3 values, as AWS allows) and a forward to plan clusters' groups by name, with weights.
 */
const listenerRule = z
  .strictObject({
    /** The fleet location (by name) whose listener holds the rule; absent: the first location. */
    location: z.string().min(1).optional(),
    priority: int(1, 50_000),
    path: z.array(z.string().min(1)).min(1).max(3).optional(),
    host: z.array(z.string().min(1)).min(1).max(3).optional(),
    forward: z.record(z.string(), int(0, 999)),
  })
  .refine((r) => r.path !== undefined || r.host !== undefined, { message: 'a rule needs a path or a host condition' })
  .refine((r) => Object.keys(r.forward).length >= 1 && Object.keys(r.forward).length <= 5, { message: 'forward needs 1 to 5 clusters' });

const requestPaths = z.record(z.string().regex(/^\//, 'a request path starts with "/"'), z.number().positive());

const eventKinds = {
  /** A hand edit of a cluster's weight in one location's forward action (by location name; absent: the first location). */
  manualWeight: z.strictObject({ cluster: z.string(), weight: int(0, 999), location: z.string().min(1).optional() }),
  failoverNoop: z.strictObject({ replicationGroupId: z.string(), nodeGroupId: z.string().regex(/^\d{4}$/, 'expected a node group id such as "0002"').optional() }),
  engineSwitchNoop: z.strictObject({ replicationGroupId: z.string() }),
  throttle: z.strictObject({ service: services, rate: z.number().min(0) }),
  targetUnhealthy: z.strictObject({ cluster: z.string(), count: int(1, 1000) }),
  memory: z.strictObject({ replicationGroupId: z.string(), percent: z.number().min(0).max(100) }),
  crashLoop: z.strictObject({ cluster: z.string() }),
  versionReported: z.strictObject({ replicationGroupId: z.string(), engineVersion: version }),
  replicationLag: z.strictObject({ replicationGroupId: z.string(), seconds: z.number().min(0) }),
  slowReads: z.strictObject({ service: services, operation: z.string().optional(), seconds: z.number().min(0).max(3600) }),
  apiFault: z.strictObject({
    service: services,
    operation: z.string().optional(),
    kind: z.enum(['http500', 'http503', 'econnreset', 'timeout']),
    rate: z.number().min(0).max(1).optional(),
    when: z.enum(['before', 'after']).optional(),
  }),
  staleReads: z.strictObject({ service: z.enum(['elbv2', 'elasticache']), seconds: z.number().min(0) }),
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html (StatusCode)
  metricStatus: z.strictObject({
    status: z.enum(['PartialData', 'InternalError', 'Forbidden']),
    metric: z.string().optional(),
    rate: z.number().min(0).max(1).optional(),
  }),
  targetFlap: z.strictObject({ cluster: z.string(), count: int(1, 1000), period: duration(1_000).optional() }),
  addRule: listenerRule,
  ssmCommandFails: z.strictObject({ cluster: z.string(), count: int(1, 1000).optional(), output: z.string().optional() }),
  ssmAgentSilent: z.strictObject({ cluster: z.string(), count: int(1, 1000).optional() }),
  ecsCrashLoop: z.strictObject({ cluster: z.string() }),
  // An image is a string, never a number: "1.20" is not "1.2" (seed 001).
  ecsImageDeployed: z.strictObject({ cluster: z.string(), image: z.string().min(1) }),
};

type EventKind = keyof typeof eventKinds;
const EVENT_KINDS = Object.keys(eventKinds) as EventKind[];

export const worldEventSchema = z
  .strictObject({
    at: offset().optional(),
    from: offset().optional(),
    to: offset().optional(),
    ...Object.fromEntries(EVENT_KINDS.map((k) => [k, eventKinds[k].optional()])) as {
      [K in EventKind]: z.ZodOptional<(typeof eventKinds)[K]>;
    },
  })
  .superRefine((event, ctx) => {
    const kinds = EVENT_KINDS.filter((k) => event[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `an event needs exactly one of ${EVENT_KINDS.join(', ')}` });
    }
    if ((event.at === undefined) === (event.from === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'an event needs either "at" or "from" (with an optional "to")' });
    }
    if (event.to !== undefined && event.from === undefined) {
      ctx.addIssue({ code: 'custom', message: '"to" needs "from"' });
    }
    if (event.from !== undefined && event.to !== undefined && isOffset(event.from) && isOffset(event.to)) {
      if (parseOffset(event.to) <= parseOffset(event.from)) ctx.addIssue({ code: 'custom', message: '"to" must be after "from"' });
    }
  });

const serviceUpdate = z.strictObject({
  name: z.string().min(1),
  severity: z.enum(['critical', 'important', 'medium', 'low']).optional(),
  engine: z.enum(['redis', 'valkey']).optional(),
  releasedAt: z.iso.datetime({ offset: true }).optional(),
  replicationGroups: z.array(z.string()).optional(),
  type: z.enum(['security-update', 'engine-update', 'engine-major-version-update']).optional(),
  /** Where an engine-major-version-update takes the group (engine and version). */
  upgradesTo: z.strictObject({ engine: z.enum(['redis', 'valkey']), engineVersion: version }).optional(),
}).refine((u) => (u.type === 'engine-major-version-update') === (u.upgradesTo !== undefined), {
  message: 'upgradesTo goes with type engine-major-version-update, and only with it',
});

export const worldFileSchema = z
  .strictObject({
    seed: z.number().int().min(0).max(0xffffffff),
    startAt: z.iso.datetime({ offset: true }),
    defaults: cluster,
    clusters: z.record(z.string(), cluster),
    elbv2: z
      .strictObject({
        registrationDelay: duration(0, 600_000),
        stickiness: z.strictObject({ enabled: z.boolean(), duration: duration(1_000, 604_800_000).optional() }),
        staleReads: duration(),
        throttle: z.strictObject({ describe: bucket, mutate: bucket }).partial(),
        syntheticTargetGroupsPerForward: z
          .number()
          .int()
          .min(TARGET_GROUPS_PER_FORWARD + 1, {
            message: `only raises AWS's limit of ${TARGET_GROUPS_PER_FORWARD} target groups per forward action, as a synthetic stress setting (a topology AWS does not allow): use ${TARGET_GROUPS_PER_FORWARD + 1} or more, or leave it out`,
          })
          .max(1000),
        fleetRulePriority: int(1, 50_000),
        rules: z.array(listenerRule),
      })
      .partial(),
    elasticache: z
      .strictObject({
        timings: z
          .strictObject({
            failover: duration(),
            recovery: duration(),
            modify: duration(),
            modifyOutage: duration(),
            reboot: duration(),
            promote: duration(),
            serviceUpdateStart: duration(),
            serviceUpdate: duration(),
          })
          .partial(),
        testFailoverLimit: z.strictObject({ count: int(1, 1000), window: duration(1_000), scope: z.enum(['account', 'replicationGroup']) }).partial(),
        engineVersions: z.record(z.string(), z.array(version)),
        /** Custom cache parameter groups: name -> family. Default groups (default.<family>) always exist. */
        parameterGroups: z.record(z.string(), z.enum(PARAMETER_GROUP_FAMILIES)),
        serviceUpdates: z.array(serviceUpdate),
        staleReads: duration(),
        throttle: z.strictObject({ describe: bucket, mutate: bucket }).partial(),
      })
      .partial(),
    cloudwatch: z.strictObject({ publishDelay: duration(), retention: duration(60_000), throttle: bucket }).partial(),
    ssm: z.strictObject({ delivery: duration(), commandDuration: duration(1_000), throttle: z.strictObject({ describe: bucket, mutate: bucket }).partial() }).partial(),
    ecs: z
      .strictObject({
        deployment: duration(1_000),
        taskFailure: duration(1_000),
        desiredCount: int(1, 1000),
        circuitBreaker: z.strictObject({ enable: z.boolean(), rollback: z.boolean() }),
        /** The image each plan cluster's service runs before the deployment (default `<family>:current`). */
        currentImage: z.record(z.string(), z.string().min(1)),
        throttle: z.strictObject({ describe: bucket, mutate: bucket }).partial(),
      })
      .partial(),
    traffic: z
      .strictObject({
        ratePerSecond: z.number().min(0),
        requestDuration: duration(1),
        stickyFraction: z.number().min(0).max(1),
        paths: requestPaths,
        /** Traffic arriving at each fleet location, by location name; a location not named gets ratePerSecond and paths. */
        locations: z.record(z.string(), z.strictObject({ ratePerSecond: z.number().min(0), paths: requestPaths }).partial()),
      })
      .partial(),
    audit: z.strictObject({ maxOutOfService: int(0, 100_000), minActiveClusters: int(0, 100_000) }).partial(),
    /** How a rehearsal answers the plan's command and http steps (runbook-script.ts). */
    runbook: runbookFileSchema,
    events: z.array(worldEventSchema),
  })
  .partial();

/** A world file as written (durations as strings). */
export type WorldFile = z.input<typeof worldFileSchema>;
export type WorldEvent = z.input<typeof worldEventSchema>;
export type ClusterOverrides = z.output<typeof cluster>;

// ---------------------------------------------------------------- errors

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function describeIssues(source: string, error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return `${source}: invalid world file`;
  const where = pathText(first.path);
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
  if (first.code === 'unrecognized_keys') {
    const keys = first.keys.map((k) => `"${k}"`).join(', ');
    return `${source}: unknown key ${keys} ${where ? `in ${where}` : 'at the top level'}${more}`;
  }
  return `${source}: ${where || 'world file'}: ${first.message}${more}`;
}

export function validateWorldFile(file: unknown, source = 'world file'): WorldFile {
  const result = worldFileSchema.safeParse(file ?? {});
  if (!result.success) throw new WorldFileError(describeIssues(source, result.error));
  return result.data;
}

export function validateWorldEvent(event: unknown, source = 'event'): WorldEvent {
  const result = worldEventSchema.safeParse(event);
  if (!result.success) throw new WorldFileError(describeIssues(source, result.error));
  return result.data;
}

// ---------------------------------------------------------------- YAML

function numericScalarText(node: unknown): string | null {
  if (!isScalar(node) || typeof node.value !== 'number') return null;
  return node.source ?? String(node.value);
}

function numericVersionMessage(path: string, text: string): string {
  return `${path}: engine version ${text} is a YAML number; quote it: "${text}"`;
}

/** Find version fields YAML read as numbers, quoting the text as written ("6.20", not 6.2). */
function findNumericVersion(node: unknown, path: string[]): string | null {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : '?';
      const here = [...path, key];
      const text = key === 'engineVersion' ? numericScalarText(item.value) : null;
      if (text) return numericVersionMessage(here.join('.'), text);
      // engineVersions: { redis: ["7.0", ...] }: every list item is a version.
      if (path[path.length - 1] === 'engineVersions' && isSeq(item.value)) {
        for (const [i, v] of item.value.items.entries()) {
          const t = numericScalarText(v);
          if (t) return numericVersionMessage(`${here.join('.')}[${i}]`, t);
        }
      }
      const found = findNumericVersion(item.value, here);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = findNumericVersion(item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`]);
      if (found) return found;
    }
  }
  return null;
}

/** Parse and validate a YAML world file; every problem is one line naming the key. */
export function parseWorldFile(text: string, source = 'world file'): WorldFile {
  const doc = parseGuardedYaml(text, (reason) => {
    throw new WorldFileError(`${source}: ${reason}`);
  });
  const numeric = findNumericVersion(doc.contents, []);
  if (numeric) throw new WorldFileError(`${source}: ${numeric}`);
  return validateWorldFile(doc.toJS({ maxAliasCount: 100 }), source);
}

// ---------------------------------------------------------------- events

function bodyOf(event: WorldEvent): EventBody {
  if (event.manualWeight) {
    const f = event.manualWeight;
    return { type: 'manualWeight', cluster: f.cluster, weight: f.weight, location: f.location ?? null };
  }
  if (event.failoverNoop) return { type: 'failoverNoop', ...event.failoverNoop };
  if (event.engineSwitchNoop) return { type: 'engineSwitchNoop', ...event.engineSwitchNoop };
  if (event.throttle) return { type: 'throttle', ...event.throttle };
  if (event.targetUnhealthy) return { type: 'targetUnhealthy', ...event.targetUnhealthy };
  if (event.memory) return { type: 'memory', ...event.memory };
  if (event.crashLoop) return { type: 'crashLoop', ...event.crashLoop };
  if (event.versionReported) return { type: 'versionReported', ...event.versionReported };
  if (event.replicationLag) return { type: 'replicationLag', ...event.replicationLag };
  if (event.slowReads) return { type: 'slowReads', service: event.slowReads.service, operation: event.slowReads.operation ?? null, seconds: event.slowReads.seconds };
  if (event.apiFault) {
    const f = event.apiFault;
    return { type: 'apiFault', service: f.service, operation: f.operation ?? null, kind: f.kind, rate: f.rate ?? 1, when: f.when ?? 'before' };
  }
  if (event.staleReads) return { type: 'staleReads', ...event.staleReads };
  if (event.metricStatus) {
    const f = event.metricStatus;
    return { type: 'metricStatus', status: f.status, metric: f.metric ?? null, rate: f.rate ?? 1 };
  }
  if (event.targetFlap) {
    const f = event.targetFlap;
    return { type: 'targetFlap', cluster: f.cluster, count: f.count, periodMs: f.period ? parseWorldDuration(f.period) : 60_000 };
  }
  if (event.addRule) return { type: 'addRule', ...ruleSpecOf(event.addRule) };
  if (event.ssmCommandFails) {
    const f = event.ssmCommandFails;
    return { type: 'ssmCommandFails', cluster: f.cluster, count: f.count ?? 1, output: f.output ?? 'Failed to run commands: exit status 1' };
  }
  if (event.ssmAgentSilent) return { type: 'ssmAgentSilent', cluster: event.ssmAgentSilent.cluster, count: event.ssmAgentSilent.count ?? 1 };
  if (event.ecsCrashLoop) return { type: 'ecsCrashLoop', ...event.ecsCrashLoop };
  if (event.ecsImageDeployed) return { type: 'ecsImageDeployed', ...event.ecsImageDeployed };
  throw new WorldFileError('an event needs exactly one kind');
}

export type ListenerRuleInput = z.output<typeof listenerRule>;

export function ruleSpecOf(rule: ListenerRuleInput): RuleSpec {
  return { location: rule.location ?? null, priority: rule.priority, path: rule.path ?? null, host: rule.host ?? null, forward: { ...rule.forward } };
}

/** A validated event placed on the clock: its times are offsets from the world's start. */
export function toScheduledEvent(event: WorldEvent, id: string, startedAt: number): ScheduledEvent {
  const from = startedAt + parseOffset(event.at ?? event.from ?? '0s');
  const to = event.to === undefined ? null : startedAt + parseOffset(event.to);
  return { id, from, to, body: bodyOf(event) };
}

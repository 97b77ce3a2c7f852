import { z } from 'zod';
import { parseDuration } from './duration.js';
import { checkElbArn, listenerOfRule, parseArn } from './arn.js';

// The plan file schema. Strict everywhere: an unknown key is a typo until proven otherwise
// (a misspelt `maxOutOfSevice` silently defaulting to 1 is a plan that lies).

const duration = (what: string) =>
  z
    .string({ error: `must be a duration string such as "90s", "15m" or "1h30m" (${what})` })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; write e.g. "90s", "15m" or "1h30m"` });
        return z.NEVER;
      }
      return ms;
    });

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, "-" or "_", starting with a letter or digit');

/** Versions are strings, never numbers: `6.20` read as a number is 6.2 (seed 001). */
const versionString = z
  .string({ error: 'must be a quoted string, e.g. "7.1" (an unquoted 6.20 reads as the number 6.2)' })
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+-]*$/, 'is not a version string');

// Defaults of transformed schemas are output values (milliseconds), so parse the literal once here.
const timeout = (fallback: string) => duration('timeout').default(parseDuration(fallback)!);

const failoverStep = z.strictObject({
  elasticache: z.literal('failover'),
  name: z.string().optional(),
  /** test-failover: TestFailover on the node group; primary-cluster-id: ModifyReplicationGroup PrimaryClusterId. */
  method: z.enum(['test-failover', 'primary-cluster-id']).default('test-failover'),
  nodeGroupId: z.string().regex(/^\d{4}$/, 'must be a 4-digit node group id such as "0001"').default('0001'),
  /** For primary-cluster-id: the member to promote. Without it quiesce picks the first available replica. */
  targetPrimary: z.string().optional(),
  timeout: timeout('20m'),
});

const modifyStep = z
  .strictObject({
    elasticache: z.literal('modify'),
    name: z.string().optional(),
    engineVersion: versionString.optional(),
    cacheNodeType: z.string().regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, 'must look like "cache.r7g.large"').optional(),
    cacheParameterGroupName: z.string().optional(),
    applyImmediately: z
      .literal(true, {
        error:
          'must be true: with false ElastiCache defers the change to its own maintenance window, so "maintenance complete" would be a lie; remove the key or set it to true',
      })
      .default(true),
    timeout: timeout('60m'),
  })
  .refine((s) => s.engineVersion ?? s.cacheNodeType ?? s.cacheParameterGroupName, {
    message: 'must change at least one of engineVersion, cacheNodeType, cacheParameterGroupName',
  });

const rebootStep = z.strictObject({
  elasticache: z.literal('reboot'),
  name: z.string().optional(),
  /** Member cache cluster ids to reboot; "replicas" reboots every replica; default: every member, replicas first. */
  nodes: z.union([z.literal('replicas'), z.literal('all'), z.array(z.string()).min(1)]).default('all'),
  timeout: timeout('30m'),
});

const serviceUpdateStep = z.strictObject({
  elasticache: z.literal('service-update'),
  name: z.string().optional(),
  serviceUpdateName: z.string().min(1),
  timeout: timeout('2h'),
});

const commandStep = z.strictObject({
  command: z.array(z.string().min(1), {
    error: 'must be an argv array such as ["./patch.sh", "--cluster", "blue"], never a shell string',
  }).min(1),
  name: z.string().optional(),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  timeout: timeout('10m'),
});

const httpStep = z.strictObject({
  http: z.strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    expectStatus: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).default(200),
    timeout: timeout('30s'),
    poll: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
        field: z.string().min(1),
        equals: z.union([z.string(), z.number(), z.boolean()]),
        interval: duration('poll interval').default(10_000),
        timeout: timeout('15m'),
      })
      .optional(),
  }),
  name: z.string().optional(),
});

const approvalStep = z.strictObject({
  approval: z.union([z.string(), z.strictObject({ message: z.string().optional() })]),
  name: z.string().optional(),
});

const STEP_SCHEMAS = {
  'elasticache:failover': failoverStep,
  'elasticache:modify': modifyStep,
  'elasticache:reboot': rebootStep,
  'elasticache:service-update': serviceUpdateStep,
  command: commandStep,
  http: httpStep,
  approval: approvalStep,
} as const;

export type FailoverStep = z.output<typeof failoverStep>;
export type ModifyStep = z.output<typeof modifyStep>;
export type RebootStep = z.output<typeof rebootStep>;
export type ServiceUpdateStep = z.output<typeof serviceUpdateStep>;
export type CommandStep = z.output<typeof commandStep>;
export type HttpStep = z.output<typeof httpStep>;
export type ApprovalStep = z.output<typeof approvalStep>;
export type MaintenanceStep =
  | FailoverStep
  | ModifyStep
  | RebootStep
  | ServiceUpdateStep
  | CommandStep
  | HttpStep
  | ApprovalStep;

/**
 * Steps are told apart by their leading key. Dispatching by hand (rather than z.union) keeps the error
 * about the step the author meant, instead of "matched none of 7 alternatives".
 */
const step = z.unknown().transform((raw, ctx): MaintenanceStep => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail('must be a mapping such as { elasticache: failover } or { command: [...] }');
  }
  const record = raw as Record<string, unknown>;
  let key: keyof typeof STEP_SCHEMAS | undefined;
  if ('elasticache' in record) {
    const action = record.elasticache;
    // Plans also arrive as Lambda events: `action` can be any value, even one String() throws on.
    const scalar = typeof action === 'string' || typeof action === 'number' || typeof action === 'boolean';
    const kind = action === null ? 'null' : Array.isArray(action) ? 'list' : typeof action;
    const shown = scalar ? String(action) : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
    const candidate = `elasticache:${shown}`;
    if (typeof action !== 'string' || !Object.hasOwn(STEP_SCHEMAS, candidate)) {
      return fail(`elasticache: "${shown}" is not a known action (failover, modify, reboot, service-update)`);
    }
    key = candidate as keyof typeof STEP_SCHEMAS;
  } else {
    key = (['command', 'http', 'approval'] as const).find((k) => k in record);
  }
  if (!key) return fail('is not a known step: use elasticache, command, http or approval');
  const result = STEP_SCHEMAS[key].safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
    }
    return z.NEVER;
  }
  return result.data as MaintenanceStep;
});

const percentOrCount = z.union([
  z.number().int().min(0),
  z.string().regex(/^(100|[1-9]?\d)%$/, 'must be a count such as 4 or a percentage such as "60%"'),
]);

const redisProbe = z.strictObject({
  /** Defaults to the replication group's primary endpoint. */
  host: z.string().optional(),
  port: z.number().int().min(1).max(65535).default(6379),
  tls: z.boolean().default(true),
  username: z.string().optional(),
  /** The AUTH token never sits in the plan: name an environment variable or a Secrets Manager secret. */
  authTokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
  authTokenSecretId: z.string().optional(),
  authTokenSecretKey: z.string().optional(),
  timeout: duration('probe timeout').default(5_000),
  replicaCatchUp: duration('replica catch-up').default(10_000),
});

const canaryProbe = z.strictObject({
  path: z.string().startsWith('/').default('/healthz'),
  protocol: z.enum(['http', 'https']).default('https'),
  headerName: z.string().regex(/^[A-Za-z0-9-]{1,40}$/).default('X-Quiesce-Canary'),
  requests: z.number().int().min(1).max(1000).default(20),
  expectStatus: z.number().int().min(100).max(599).default(200),
  bodyMatch: z.string().optional(),
  timeout: duration('request timeout').default(5_000),
});

const cluster = z.strictObject({
  name,
  targetGroupArn: z.string(),
  cache: z
    .strictObject({
      replicationGroupId: z
        .string()
        .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/, 'must be a replication group id (letters, digits, hyphens; starts with a letter)'),
    })
    .optional(),
});

const schedule = z.strictObject({
  /** EventBridge Scheduler expression, e.g. "cron(0 3 ? * SUN *)". */
  cron: z.string().regex(/^cron\(.+\)$/, 'must be an EventBridge cron expression such as "cron(0 3 ? * SUN *)"'),
  timezone: z.string().default('UTC'),
  flexibleWindow: duration('flexible window').optional(),
});

export const planSchema = z
  .strictObject({
    version: z.literal(1, { error: 'must be 1 (the plan format version)' }),
    name,
    description: z.string().optional(),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1'),
    schedule: schedule.optional(),
    fleet: z.strictObject({
      listenerArn: z.string(),
      ruleArn: z.string().optional(),
      clusters: z.array(cluster).min(2, 'must list at least 2 clusters: one must stay in rotation while another is maintained'),
    }),
    capacity: z
      .strictObject({
        maxOutOfService: z.number().int().min(1).default(1),
        minActiveClusters: z.number().int().min(1).default(1),
        minHealthyTargets: percentOrCount.optional(),
      })
      .default({ maxOutOfService: 1, minActiveClusters: 1 }),
    drain: z
      .strictObject({
        mode: z.enum(['weight', 'deregister']).default('weight'),
        minimum: duration('drain minimum').default(60_000),
        timeout: duration('drain timeout').default(900_000),
        /** Complete CloudWatch minutes with zero RequestCount needed before the group counts as drained. */
        quietMinutes: z.number().int().min(1).max(30).default(2),
      })
      .default({ mode: 'weight', minimum: 60_000, timeout: 900_000, quietMinutes: 2 }),
    maintenance: z.array(step).min(1, 'must list at least one step'),
    verify: z
      .strictObject({
        stableFor: duration('stableFor').default(120_000),
        timeout: duration('verify timeout').default(1_200_000),
        maxMemoryPercent: z.number().min(1).max(100).default(80),
        maxReplicationLagSeconds: z.number().min(0).default(10),
        redis: redisProbe.optional(),
        canary: canaryProbe.optional(),
      })
      .default({ stableFor: 120_000, timeout: 1_200_000, maxMemoryPercent: 80, maxReplicationLagSeconds: 10 }),
    reactivate: z
      .strictObject({
        ramp: z
          .array(z.number().int().min(1, 'ramp percentages must be 1-100').max(100, 'ramp percentages must be 1-100'))
          .min(1)
          .default([10, 50, 100]),
        hold: duration('ramp hold').default(60_000),
        max5xx: z.number().int().min(0).default(0),
        maxUnhealthyHosts: z.number().int().min(0).default(0),
      })
      .default({ ramp: [10, 50, 100], hold: 60_000, max5xx: 0, maxUnhealthyHosts: 0 }),
  })
  .superRefine((plan, ctx) => {
    const at = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    const listenerProblem = checkElbArn(plan.fleet.listenerArn, 'listener', plan.region);
    if (listenerProblem) at(['fleet', 'listenerArn'], listenerProblem);
    if (plan.fleet.ruleArn !== undefined) {
      const ruleProblem = checkElbArn(plan.fleet.ruleArn, 'listener-rule', plan.region);
      if (ruleProblem) at(['fleet', 'ruleArn'], ruleProblem);
      else if (!listenerProblem && listenerOfRule(plan.fleet.ruleArn) !== plan.fleet.listenerArn) {
        at(['fleet', 'ruleArn'], 'belongs to a different listener than fleet.listenerArn');
      }
    }
    const account = parseArn(plan.fleet.listenerArn)?.account;
    const names = new Map<string, number>();
    const groups = new Map<string, number>();
    const caches = new Map<string, number>();
    plan.fleet.clusters.forEach((c, i) => {
      const tgProblem = checkElbArn(c.targetGroupArn, 'targetgroup', plan.region);
      if (tgProblem) at(['fleet', 'clusters', i, 'targetGroupArn'], tgProblem);
      else if (account && parseArn(c.targetGroupArn)?.account !== account) {
        at(['fleet', 'clusters', i, 'targetGroupArn'], `is in account ${parseArn(c.targetGroupArn)?.account}, the listener in ${account}`);
      }
      const dup = (seen: Map<string, number>, key: string, field: (string | number)[], what: string) => {
        const first = seen.get(key);
        if (first !== undefined) at(['fleet', 'clusters', i, ...field], `duplicate ${what} "${key}" (also clusters[${first}])`);
        else seen.set(key, i);
      };
      dup(names, c.name, ['name'], 'cluster name');
      dup(groups, c.targetGroupArn, ['targetGroupArn'], 'target group');
      if (c.cache) dup(caches, c.cache.replicationGroupId, ['cache', 'replicationGroupId'], 'replication group');
    });

    const clusterCount = plan.fleet.clusters.length;
    if (plan.capacity.minActiveClusters >= clusterCount) {
      at(
        ['capacity', 'minActiveClusters'],
        `is ${plan.capacity.minActiveClusters} but the fleet has ${clusterCount} clusters: nothing could ever be maintained; use at most ${clusterCount - 1}`,
      );
    }

    const ramp = plan.reactivate.ramp;
    ramp.forEach((p, i) => {
      if (i > 0 && p <= ramp[i - 1]!) at(['reactivate', 'ramp', i], `must be greater than the step before (${ramp[i - 1]})`);
    });
    if (ramp.at(-1) !== 100) at(['reactivate', 'ramp', ramp.length - 1], 'the last ramp step must be 100 (the weight before maintenance)');

    if (plan.drain.minimum > plan.drain.timeout) at(['drain', 'minimum'], 'is longer than drain.timeout');
    if (plan.verify.stableFor >= plan.verify.timeout) at(['verify', 'stableFor'], 'must be shorter than verify.timeout');

    const usesCache = plan.maintenance.some((s) => 'elasticache' in s);
    if (usesCache) {
      plan.fleet.clusters.forEach((c, i) => {
        if (!c.cache) at(['fleet', 'clusters', i], 'has no cache.replicationGroupId but the maintenance has elasticache steps');
      });
    }
    const redis = plan.verify.redis;
    if (redis?.authTokenEnv && redis.authTokenSecretId) {
      at(['verify', 'redis', 'authTokenSecretId'], 'set either authTokenEnv or authTokenSecretId, not both');
    }
  });

export type PlanInput = z.input<typeof planSchema>;
export type Plan = z.output<typeof planSchema>;
export type ClusterSpec = Plan['fleet']['clusters'][number];

import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { DURATION_JSON_PATTERN, formatDuration, parseDuration } from '../duration.js';
import { AWS_METRICS_LAG_MS } from '../ports/metrics.js';
import { placeholderTexts, unknownPlaceholderMessage, unknownPlaceholders } from '../runbook/placeholders.js';
import { checkElbArn, elbArnPattern, listenerOfRule, parseArn, type ElbResourceType } from './arn.js';

// The plan file schema. Strict everywhere: an unknown key is a typo until proven otherwise
// (a misspelt `maxOutOfSevice` silently defaulting to 1 is a plan that lies).
// zod/mini rather than classic zod: same checks and messages, a quarter of the size in the Lambda bundle
// (classic's methods keep every schema kind and the JSON Schema code alive; docs/performance.md, finding 7).

// zod/mini ships no message locale ("Invalid input" for a wrong enum value or an empty list): English,
// loaded alone (the locales index would bring every language into the Lambda bundle).
z.config(en());

/**
 * What the plan's JSON Schema (schema/plan.schema.json, made by src/plan/json-schema.ts) says beyond what
 * zod can derive: checks made by transforms and refinements, as far as JSON Schema can express them, and
 * descriptions for editors. Nothing here changes what a plan is.
 */
export type JsonSchemaHint = { description?: string } & Record<string, unknown>;
export const planJsonSchemaHints = z.registry<JsonSchemaHint>();
const hint = <T extends z.ZodMiniType>(schema: T, h: JsonSchemaHint): T => {
  planJsonSchemaHints.add(schema, h);
  return schema;
};

const duration = (what: string) =>
  hint(
    z.pipe(
      z.string({ error: `must be a duration string such as "90s", "15m" or "1h30m" (${what})` }),
      z.transform((text: string, ctx) => {
        const ms = parseDuration(text);
        if (ms === undefined) {
          ctx.issues.push({ code: 'custom', message: `"${text}" is not a duration; write e.g. "90s", "15m" or "1h30m"`, input: text });
          return z.NEVER;
        }
        return ms;
      }),
    ),
    { pattern: DURATION_JSON_PATTERN, description: `${what}: a duration such as "90s", "15m" or "1h30m" (units ms, s, m, h, d; a bare number is refused)` },
  );

const regex = (pattern: RegExp, message: string) => hint(z.string().check(z.regex(pattern, message)), { description: message });
/** Checked against the plan's region and the listener's account by the plan rules below. */
const elbArn = (type: ElbResourceType) =>
  hint(z.string(), { pattern: elbArnPattern(type), description: `an ELBv2 ${type} ARN, in the plan's region (arn:aws:elasticloadbalancing:<region>:<account>:${type}/...)` });
// A range in words: the locale's "Too small: expected number to be >=1" names no whole numbers.
const int = (min: number, max?: number) => {
  const range = max === undefined ? `a whole number, at least ${min}` : `a whole number from ${min} to ${max}`;
  const number = z.number({ error: `must be ${range}` });
  const error = { error: `must be ${range}` };
  return max === undefined ? number.check(z.int(error), z.gte(min, error)) : number.check(z.int(error), z.gte(min, error), z.lte(max, error));
};
const optionalString = () => z.optional(z.string());

const name = regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, "-" or "_", starting with a letter or digit');

/** Versions are strings, never numbers: `6.20` read as a number is 6.2, another version. */
const versionString = hint(
  z
    .string({ error: 'must be a quoted string, e.g. "7.1" (an unquoted 6.20 reads as the number 6.2)' })
    .check(z.regex(/^[0-9A-Za-z][0-9A-Za-z.+-]*$/, 'is not a version string')),
  { description: 'a quoted string, e.g. "7.1" (unquoted, YAML reads 6.20 as the number 6.2); "7.1" accepts the "7.1.N" AWS reports' },
);

// Defaults of transformed schemas are output values (milliseconds), so parse the literal once here.
const timeout = (fallback: string) => z._default(duration('timeout'), parseDuration(fallback)!);

const failoverStep = z.strictObject({
  elasticache: z.literal('failover'),
  name: optionalString(),
  /** test-failover: TestFailover on the node group; primary-cluster-id: ModifyReplicationGroup PrimaryClusterId. */
  method: z._default(z.enum(['test-failover', 'primary-cluster-id']), 'test-failover'),
  /** Without it, every node group: one on a cluster mode disabled group, each in turn on a cluster mode enabled one. */
  nodeGroupId: z.optional(
    hint(z.string().check(z.regex(/^\d{4}$/, 'must be a 4-digit node group id such as "0001"')), {
      description: 'a 4-digit node group id such as "0002"; without it, every node group (on a cluster mode enabled group, each in turn)',
    }),
  ),
  /** For primary-cluster-id: the member to promote. Without it quiesce picks the first available replica. */
  targetPrimary: optionalString(),
  timeout: timeout('20m'),
});

const modifyStep = z
  .strictObject({
    elasticache: z.literal('modify'),
    name: optionalString(),
    /**
     * An engine switch in place. AWS documents one: Redis OSS to Valkey, "by specifying the new engine and
     * major engine version" (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VersionManagement.HowTo.html).
     */
    engine: z.optional(
      hint(
        z.literal('valkey', {
          error: 'must be valkey: the one engine switch ElastiCache makes in place is from Redis OSS to Valkey (to change the version only, leave engine out)',
        }),
        { description: 'valkey: switch a Redis OSS group to Valkey in place (needs engineVersion, e.g. "8.0"; a custom parameter group needs a Valkey one in cacheParameterGroupName)' },
      ),
    ),
    engineVersion: z.optional(versionString),
    cacheNodeType: z.optional(regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, 'must look like "cache.r7g.large"')),
    cacheParameterGroupName: optionalString(),
    applyImmediately: hint(
      z._default(
        z.literal(true, {
          error:
            'must be true: with false ElastiCache defers the change to its own maintenance window, so "maintenance complete" would be a lie; remove the key or set it to true',
        }),
        true,
      ),
      { description: 'must be true: with false ElastiCache defers the change to its own maintenance window' },
    ),
    timeout: timeout('60m'),
  })
  .check(
    // An engine without its version is refused below, with its own reason.
    z.refine((s) => s.engine ?? s.engineVersion ?? s.cacheNodeType ?? s.cacheParameterGroupName, {
      message: 'must change at least one of engineVersion, cacheNodeType, cacheParameterGroupName',
    }),
    // ModifyReplicationGroup takes Engine only with an EngineVersion of that engine.
    z.refine((s) => s.engine === undefined || s.engineVersion !== undefined, {
      message: `engine: valkey needs engineVersion too (e.g. "8.0"): ElastiCache switches the engine only together with a version of it`,
    }),
  );
hint(modifyStep, {
  description: 'ModifyReplicationGroup, applied immediately: changes at least one of engineVersion, cacheNodeType, cacheParameterGroupName (engine: valkey with an engineVersion switches the engine)',
  anyOf: [{ required: ['engineVersion'] }, { required: ['cacheNodeType'] }, { required: ['cacheParameterGroupName'] }],
  dependencies: { engine: ['engineVersion'] },
});

const rebootStep = z.strictObject({
  elasticache: z.literal('reboot'),
  name: optionalString(),
  /** Member cache cluster ids to reboot; "replicas" reboots every replica; default: every member, replicas first. */
  nodes: z._default(z.union([z.literal('replicas'), z.literal('all'), z.array(z.string()).check(z.minLength(1))]), 'all'),
  timeout: timeout('30m'),
});

const serviceUpdateStep = z.strictObject({
  elasticache: z.literal('service-update'),
  name: optionalString(),
  serviceUpdateName: z.string().check(z.minLength(1)),
  timeout: timeout('2h'),
});

const commandStep = z.strictObject({
  command: z
    .array(z.string().check(z.minLength(1)), {
      error: 'must be an argv array such as ["./patch.sh", "--cluster", "blue"], never a shell string',
    })
    .check(z.minLength(1)),
  name: optionalString(),
  cwd: optionalString(),
  env: z.optional(z.record(z.string(), z.string())),
  timeout: timeout('10m'),
});

const httpUrl = () => hint(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }), { pattern: '^https?://', description: 'an http(s) URL' });
const httpStatus = () => int(100, 599);

const httpStep = z.strictObject({
  http: z.strictObject({
    method: z._default(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']), 'POST'),
    url: httpUrl(),
    headers: z.optional(z.record(z.string(), z.string())),
    body: optionalString(),
    expectStatus: z._default(z.union([httpStatus(), z.array(httpStatus()).check(z.minLength(1))]), 200),
    timeout: timeout('30s'),
    poll: z.optional(
      z.strictObject({
        url: httpUrl(),
        field: z.string().check(z.minLength(1)),
        equals: z.union([z.string(), z.number(), z.boolean()]),
        interval: z._default(duration('poll interval'), 10_000),
        timeout: timeout('15m'),
      }),
    ),
  }),
  name: optionalString(),
});

/** An SSM parameter value or tag value: a list of strings, as SendCommand takes them. */
const stringList = () => z.array(z.string()).check(z.minLength(1));
const concurrency = (what: string) =>
  regex(/^([1-9]\d{0,3}|0|(100|[1-9]?\d)%)$/, `must be a count such as "10" or a percentage such as "25%" (${what}, as SSM takes it)`);

/**
 * SSM Run Command on the cluster's instances: SendCommand of a document with its parameters. Without
 * `targets`, the instances are the cluster's targets as saved before the drain.
 */
const ssmStep = z.strictObject({
  ssm: regex(/^(arn:[^\s]+|[A-Za-z0-9_.:/-]{3,128})$/, 'must be an SSM document name such as AWS-RunPatchBaseline, or its ARN'),
  name: optionalString(),
  documentVersion: z.optional(regex(/^(\$DEFAULT|\$LATEST|[0-9]+)$/, 'must be $DEFAULT, $LATEST or a version number')),
  parameters: z.optional(z.record(z.string(), stringList())),
  targets: z.optional(
    z.union([
      z.strictObject({ instanceIds: z.array(regex(/^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17}|\{[A-Za-z]+\})$/, 'must be an instance id such as i-0abc12345678def90')).check(z.minLength(1), z.maxLength(50)) }),
      z.strictObject({ tags: z.record(z.string().check(z.minLength(1)), stringList()) }),
    ]),
  ),
  maxConcurrency: z._default(concurrency('maxConcurrency'), '50'),
  maxErrors: z._default(concurrency('maxErrors'), '0'),
  /** SendCommand TimeoutSeconds: how long SSM tries to deliver the command to an instance that does not answer. */
  deliveryTimeout: z._default(duration('delivery timeout'), 600_000),
  timeout: timeout('60m'),
});

/** An ECS service deployment: UpdateService with a task definition, or a forced new deployment of the current one. */
const ecsStep = z
  .strictObject({
    ecs: z.literal('deploy', { error: 'must be "deploy" (UpdateService)' }),
    name: optionalString(),
    /** The ECS cluster (name or ARN); placeholders allowed, e.g. "payments-{cluster}". */
    cluster: z.string().check(z.minLength(1)),
    service: z.string().check(z.minLength(1)),
    /** family:revision or a task definition ARN with its revision: the identity gate needs the exact revision. */
    taskDefinition: z.optional(
      regex(/^(arn:[^\s]+:task-definition\/[A-Za-z0-9_{}-]+:\d+|[A-Za-z0-9_{}-]{1,255}:\d+)$/, 'must be family:revision such as "payments-api:42" (or its ARN): a family alone would deploy whatever revision is latest'),
    ),
    /** The image every running task must run, as a string (a tag "1.20" never matches "1.2"). */
    image: z.optional(z.string({ error: 'must be a quoted string such as "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments:1.20"' }).check(z.minLength(1))),
    forceNewDeployment: z._default(z.boolean(), false),
    timeout: timeout('30m'),
  })
  .check(
    z.refine((s) => s.taskDefinition !== undefined || s.forceNewDeployment, {
      message: 'must give taskDefinition, or forceNewDeployment: true to redeploy the current one',
    }),
  );

const approvalStep = z.strictObject({
  approval: z.union([z.string(), z.strictObject({ message: optionalString() })]),
  name: optionalString(),
});

/** The plan's JSON Schema lists these as the alternatives of a maintenance step. */
export const STEP_SCHEMAS = {
  'elasticache:failover': failoverStep,
  'elasticache:modify': modifyStep,
  'elasticache:reboot': rebootStep,
  'elasticache:service-update': serviceUpdateStep,
  command: commandStep,
  http: httpStep,
  ssm: ssmStep,
  'ecs:deploy': ecsStep,
  approval: approvalStep,
} as const;

export type FailoverStep = z.output<typeof failoverStep>;
export type ModifyStep = z.output<typeof modifyStep>;
export type RebootStep = z.output<typeof rebootStep>;
export type ServiceUpdateStep = z.output<typeof serviceUpdateStep>;
export type CommandStep = z.output<typeof commandStep>;
export type HttpStep = z.output<typeof httpStep>;
export type ApprovalStep = z.output<typeof approvalStep>;
export type SsmStep = z.output<typeof ssmStep>;
export type EcsStep = z.output<typeof ecsStep>;
export type MaintenanceStep =
  | FailoverStep
  | ModifyStep
  | RebootStep
  | ServiceUpdateStep
  | CommandStep
  | HttpStep
  | SsmStep
  | EcsStep
  | ApprovalStep;

/**
 * Steps are told apart by their leading key. Dispatching by hand (rather than z.union) keeps the error
 * about the step the author meant, instead of "matched none of 7 alternatives".
 */
export const maintenanceStep = z.pipe(
  z.unknown(),
  z.transform((raw: unknown, ctx): MaintenanceStep => {
    const fail = (message: string) => {
      ctx.issues.push({ code: 'custom', message, input: raw });
      return z.NEVER;
    };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return fail('must be a mapping such as { elasticache: failover } or { command: [...] }');
    }
    const record = raw as Record<string, unknown>;
    const kinds = ['elasticache', 'ecs', 'command', 'http', 'ssm', 'approval'].filter((k) => k in record);
    if (kinds.length > 1) return fail(`has ${kinds.length} kinds (${kinds.join(' and ')}); a step is exactly one: split it into ${kinds.length} steps`);
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
    } else if ('ecs' in record) {
      key = 'ecs:deploy';
    } else {
      key = (['command', 'http', 'ssm', 'approval'] as const).find((k) => k in record);
    }
    if (!key) return fail('is not a known step: use elasticache, command, http, ssm, ecs or approval');
    const result = STEP_SCHEMAS[key].safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: raw } as (typeof ctx.issues)[number]);
      return z.NEVER;
    }
    return result.data as MaintenanceStep;
  }),
);

const percentOrCount = z.union([int(0), regex(/^(100|[1-9]?\d)%$/, 'must be a count such as 4 or a percentage from 0% to 100% such as "60%"')]);

const redisProbe = z.strictObject({
  /** Defaults to the replication group's primary endpoint. */
  host: optionalString(),
  port: z._default(int(1, 65535), 6379),
  tls: z._default(z.boolean(), true),
  username: optionalString(),
  /** The AUTH token never sits in the plan: name an environment variable or a Secrets Manager secret. */
  authTokenEnv: z.optional(regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')),
  authTokenSecretId: optionalString(),
  authTokenSecretKey: optionalString(),
  timeout: z._default(duration('probe timeout'), 5_000),
  replicaCatchUp: z._default(duration('replica catch-up'), 10_000),
});
hint(redisProbe, { not: { required: ['authTokenEnv', 'authTokenSecretId'] }, description: 'a real Redis write and read; the AUTH token from authTokenEnv or authTokenSecretId, not both' });

const canaryProbe = z.strictObject({
  path: z._default(z.string().check(z.startsWith('/')), '/healthz'),
  protocol: z._default(z.enum(['http', 'https']), 'https'),
  headerName: z._default(z.string().check(z.regex(/^[A-Za-z0-9-]{1,40}$/)), 'X-Quiesce-Canary'),
  requests: z._default(int(1, 1000), 20),
  expectStatus: z._default(int(100, 599), 200),
  bodyMatch: optionalString(),
  timeout: z._default(duration('request timeout'), 5_000),
  /**
   * The service's own name: requests carry it as Host and TLS SNI (and the certificate is checked
   * against it) while they still travel to the load balancer. Needed for https, whose certificate never
   * names the load balancer's DNS name.
   */
  host: z.optional(regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'must be a DNS name, e.g. api.example.com (no scheme, port or path)')),
});

const cluster = z.strictObject({
  name,
  targetGroupArn: elbArn('targetgroup'),
  cache: z.optional(
    z.strictObject({
      replicationGroupId: regex(
        /^[a-zA-Z][a-zA-Z0-9-]{0,39}$/,
        'must be a replication group id (letters, digits, hyphens; starts with a letter)',
      ),
    }),
  ),
});

const schedule = z.strictObject({
  /** EventBridge Scheduler expression, e.g. "cron(0 3 ? * SUN *)". */
  cron: regex(/^cron\(.+\)$/, 'must be an EventBridge cron expression such as "cron(0 3 ? * SUN *)"'),
  timezone: z._default(z.string(), 'UTC'),
  flexibleWindow: z.optional(duration('flexible window')),
});

/** Where run notifications go besides EventBridge. The webhook URL is a credential: the plan names where it lives, never the URL. */
const notify = z.strictObject({
  webhook: z.optional(
    z.strictObject({
      urlEnv: z.optional(regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')),
      urlSecretId: optionalString(),
      urlSecretKey: optionalString(),
    }),
  ),
});

const rampPercent = z.number().check(z.int(), z.gte(1, 'ramp percentages must be 1-100'), z.lte(100, 'ramp percentages must be 1-100'));

/**
 * An ALB forward action holds at most 5 target groups, a quota AWS does not raise ("Target groups per
 * action", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
 * Every cluster of a plan is one target group of the same forward action, so a plan has at most 5.
 */
export const TARGET_GROUPS_PER_FORWARD = 5;

/** What a plan may need beyond AWS's limits: only a sandbox world that declares it (a synthetic stress setting). */
export interface PlanAllowances {
  /** The sandbox world's `elbv2.syntheticTargetGroupsPerForward`: a topology AWS does not allow. */
  syntheticTargetGroupsPerForward?: number | undefined;
}

/**
 * One place traffic reaches the clusters: a listener's default forward action, or one rule's. A service
 * behind an internal and an external load balancer is at two locations, with a target group at each (a
 * target group belongs to one load balancer).
 */
const location = z.strictObject({
  /** How reports and errors name it; default: its load balancer's name. */
  name: z.optional(name),
  listenerArn: elbArn('listener'),
  ruleArn: z.optional(elbArn('listener-rule')),
  clusters: hint(z.array(cluster).check(z.minLength(1, 'must list at least one cluster')), {
    maxItems: TARGET_GROUPS_PER_FORWARD,
    description: `1 to ${TARGET_GROUPS_PER_FORWARD} clusters, each a target group of this location's forward action; a cluster at several locations has the same name at each`,
  }),
});

const planShape = z
  .strictObject({
    version: z.literal(1, { error: 'must be 1 (the plan format version)' }),
    name,
    description: optionalString(),
    region: regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1'),
    schedule: z.optional(schedule),
    notify: z.optional(notify),
    fleet: hint(
      z.strictObject({
        listenerArn: z.optional(elbArn('listener')),
        ruleArn: z.optional(elbArn('listener-rule')),
        clusters: z.optional(
          hint(z.array(cluster).check(z.minLength(2, 'must list at least 2 clusters: one must stay in rotation while another is maintained')), {
            maxItems: TARGET_GROUPS_PER_FORWARD,
            description: `2 to ${TARGET_GROUPS_PER_FORWARD} clusters, each a target group of the listener's forward action (an ALB forward action holds at most ${TARGET_GROUPS_PER_FORWARD}); names, target groups and caches unique`,
          }),
        ),
        locations: z.optional(
          hint(z.array(location).check(z.minLength(1, 'must list at least one location')), {
            description: 'the listeners (optionally one rule each) whose forward actions hold the clusters; a cluster named at several locations leaves, drains, is verified and comes back at all of them together',
          }),
        ),
      }),
      {
        description: 'one listener (listenerArn, optionally ruleArn, and clusters) or several (locations), not both',
        oneOf: [{ required: ['listenerArn', 'clusters'], not: { required: ['locations'] } }, { required: ['locations'], not: { anyOf: [{ required: ['listenerArn'] }, { required: ['ruleArn'] }, { required: ['clusters'] }] } }],
      },
    ),
    capacity: z._default(
      z.strictObject({
        maxOutOfService: z._default(int(1), 1),
        minActiveClusters: hint(z._default(int(1), 1), { description: 'clusters always in rotation; fewer than the fleet has' }),
        minHealthyTargets: z.optional(percentOrCount),
        /**
         * Up to this many other clusters, their health is read live (one DescribeTargetHealth each) before a
         * cluster leaves rotation; a larger fleet is scanned with one CloudWatch read and only the clusters
         * it cannot vouch for are read live. 40 is one ELBv2 Describe bucket.
         */
        liveScanLimit: z._default(int(0, 100_000), 40),
      }),
      { maxOutOfService: 1, minActiveClusters: 1, liveScanLimit: 40 },
    ),
    drain: z._default(
      z.strictObject({
        mode: z._default(z.enum(['weight', 'deregister']), 'weight'),
        minimum: z._default(duration('drain minimum'), 60_000),
        timeout: z._default(duration('drain timeout'), 900_000),
        /** Complete CloudWatch minutes with zero RequestCount needed before the group counts as drained. */
        quietMinutes: z._default(int(1, 30), 2),
      }),
      { mode: 'weight', minimum: 60_000, timeout: 900_000, quietMinutes: 2 },
    ),
    maintenance: z.array(maintenanceStep).check(z.minLength(1, 'must list at least one step')),
    verify: z._default(
      z.strictObject({
        stableFor: z._default(duration('stableFor'), 120_000),
        timeout: z._default(duration('verify timeout'), 1_200_000),
        maxMemoryPercent: z._default(z.number().check(z.gte(1, 'is a percentage: 1 to 100'), z.lte(100, 'is a percentage: at most 100')), 80),
        maxReplicationLagSeconds: z._default(z.number().check(z.gte(0)), 10),
        redis: z.optional(redisProbe),
        canary: z.optional(canaryProbe),
      }),
      { stableFor: 120_000, timeout: 1_200_000, maxMemoryPercent: 80, maxReplicationLagSeconds: 10 },
    ),
    reactivate: z._default(
      z.strictObject({
        ramp: hint(z._default(z.array(rampPercent).check(z.minLength(1)), [10, 50, 100]), {
          contains: { const: 100 },
          description: "percentages of the cluster's weight before maintenance, each greater than the one before, the last 100",
        }),
        hold: z._default(duration('ramp hold'), 60_000),
        max5xx: z._default(int(0), 0),
        maxUnhealthyHosts: z._default(int(0), 0),
      }),
      { ramp: [10, 50, 100], hold: 60_000, max5xx: 0, maxUnhealthyHosts: 0 },
    ),
  });
hint(planShape, {
  title: 'quiesce plan',
  // ElastiCache steps need every cluster's replication group.
  if: { required: ['maintenance'], properties: { maintenance: { type: 'array', contains: { type: 'object', required: ['elasticache'] } } } },
  then: { properties: { fleet: { type: 'object', properties: { clusters: { type: 'array', items: { type: 'object', required: ['cache'] } } } } } },
});

function planRules(allowances: PlanAllowances) {
  return z.superRefine((plan: PlanShape, ctx) => {
    const at = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    const layout = sourceLayout(plan.fleet);
    if (typeof layout === 'string') {
      at(['fleet'], layout);
      return;
    }
    const perForward = Math.max(TARGET_GROUPS_PER_FORWARD, allowances.syntheticTargetGroupsPerForward ?? 0);
    const account = parseArn(layout[0]!.listenerArn)?.account;
    const locationNames = new Map<string, number>();
    const forwards = new Map<string, number>();
    // A cluster is one name across locations; its target group at a location is that location's alone.
    const clusters = new Map<string, { first: number; cache: string | undefined }>();
    const groups = new Map<string, string>();
    const caches = new Map<string, string>();
    layout.forEach((loc, li) => {
      const listenerProblem = checkElbArn(loc.listenerArn, 'listener', plan.region);
      if (listenerProblem) at([...loc.path, 'listenerArn'], listenerProblem);
      else if (account && parseArn(loc.listenerArn)?.account !== account) {
        at([...loc.path, 'listenerArn'], `is in account ${parseArn(loc.listenerArn)?.account}, the first location's listener in ${account}`);
      }
      if (loc.ruleArn !== undefined) {
        const ruleProblem = checkElbArn(loc.ruleArn, 'listener-rule', plan.region);
        if (ruleProblem) at([...loc.path, 'ruleArn'], ruleProblem);
        else if (!listenerProblem && listenerOfRule(loc.ruleArn) !== loc.listenerArn) {
          at([...loc.path, 'ruleArn'], `belongs to a different listener than ${loc.path.length > 1 ? 'its location\'s listenerArn' : 'fleet.listenerArn'}`);
        }
      }
      const forward = `${loc.listenerArn}|${loc.ruleArn ?? ''}`;
      const sameForward = forwards.get(forward);
      if (sameForward !== undefined) at(loc.path, `is the same forward action as locations[${sameForward}]: list its clusters once`);
      else forwards.set(forward, li);
      if (loc.name !== undefined) {
        const first = locationNames.get(loc.name);
        if (first !== undefined) at([...loc.path, 'name'], `duplicate location name "${loc.name}" (also locations[${first}])`);
        else locationNames.set(loc.name, li);
      }
      if (loc.clusters.length > perForward) {
        const limit = perForward > TARGET_GROUPS_PER_FORWARD
          ? `the sandbox world allows at most ${perForward} (elbv2.syntheticTargetGroupsPerForward, a topology AWS does not allow)`
          : `an ALB forward action holds at most ${TARGET_GROUPS_PER_FORWARD} (quota "Target groups per action", not adjustable)${layout.length === 1 ? '; list more listeners under fleet.locations' : ''}`;
        at([...loc.path, 'clusters'], `has ${loc.clusters.length} clusters, all target groups of one forward action; ${limit}`);
      }
      const here = new Set<string>();
      loc.clusters.forEach((c, ci) => {
        const cpath = [...loc.path, 'clusters', ci];
        const tgProblem = checkElbArn(c.targetGroupArn, 'targetgroup', plan.region);
        if (tgProblem) at([...cpath, 'targetGroupArn'], tgProblem);
        else if (account && parseArn(c.targetGroupArn)?.account !== account) {
          at([...cpath, 'targetGroupArn'], `is in account ${parseArn(c.targetGroupArn)?.account}, the listener in ${account}`);
        }
        if (here.has(c.name)) {
          at([...cpath, 'name'], `duplicate cluster name "${c.name}" at this location: a cluster has one target group per forward action`);
          return;
        }
        here.add(c.name);
        const owner = groups.get(c.targetGroupArn);
        if (owner !== undefined && owner !== c.name) at([...cpath, 'targetGroupArn'], `duplicate target group "${c.targetGroupArn}" (also cluster ${owner})`);
        else groups.set(c.targetGroupArn, c.name);
        const seen = clusters.get(c.name);
        if (!seen) {
          clusters.set(c.name, { first: li, cache: c.cache?.replicationGroupId });
        } else {
          if (c.cache && seen.cache !== undefined && seen.cache !== c.cache.replicationGroupId) {
            at([...cpath, 'cache', 'replicationGroupId'], `is "${c.cache.replicationGroupId}" but cluster ${c.name} has "${seen.cache}" at locations[${seen.first}]: a cluster has one cache`);
          }
          seen.cache ??= c.cache?.replicationGroupId;
        }
        if (c.cache && (!seen || seen.cache === undefined || seen.cache === c.cache.replicationGroupId)) {
          const cacheOwner = caches.get(c.cache.replicationGroupId);
          if (cacheOwner !== undefined && cacheOwner !== c.name) at([...cpath, 'cache', 'replicationGroupId'], `duplicate replication group "${c.cache.replicationGroupId}" (also cluster ${cacheOwner})`);
          else caches.set(c.cache.replicationGroupId, c.name);
        }
      });
      // Capacity holds at each location: it must keep minActiveClusters of its own in rotation.
      if (layout.length > 1 && loc.clusters.length <= plan.capacity.minActiveClusters) {
        at(
          [...loc.path, 'clusters'],
          `has ${loc.clusters.length} cluster(s) but capacity.minActiveClusters is ${plan.capacity.minActiveClusters} at every location: none of them could ever be maintained`,
        );
      }
    });
    if (layout.length === 1 && layout[0]!.clusters.length < 2) {
      at([...layout[0]!.path, 'clusters'], 'must list at least 2 clusters: one must stay in rotation while another is maintained');
    }
    if (plan.drain.mode === 'deregister') {
      const many = [...clusters.keys()].find((n) => [...groups.values()].filter((owner) => owner === n).length > 1);
      if (many !== undefined) {
        at(['drain', 'mode'], `deregister mode takes a cluster's targets out of its one target group, but cluster ${many} has one per location; use mode: weight`);
      }
    }
    const defaultNames = new Map<string, number>();
    layout.forEach((loc, li) => {
      if (loc.name !== undefined) return;
      const derived = loadBalancerNameOf(loc.listenerArn);
      if (locationNames.has(derived) || defaultNames.has(derived)) {
        at([...loc.path], `needs a name: its default, the load balancer name "${derived}", is taken by locations[${locationNames.get(derived) ?? defaultNames.get(derived)}]`);
      } else defaultNames.set(derived, li);
    });

    const clusterCount = clusters.size;
    if (plan.capacity.minActiveClusters >= clusterCount) {
      at(
        ['capacity', 'minActiveClusters'],
        `is ${plan.capacity.minActiveClusters} but the fleet has ${clusterCount} clusters: nothing could ever be maintained; use at most ${clusterCount - 1}`,
      );
    }

    if (plan.capacity.maxOutOfService > clusterCount) {
      at(['capacity', 'maxOutOfService'], `is ${plan.capacity.maxOutOfService} but the fleet has ${clusterCount} clusters; use at most ${clusterCount}`);
    }
    // A percentage is of every target of the fleet: with any cluster out of rotation fewer stay, so 100% could never be met.
    if (plan.capacity.minHealthyTargets === '100%') {
      at(['capacity', 'minHealthyTargets'], 'is 100% of the fleet\'s targets: taking any cluster out of rotation leaves fewer, so no cluster could ever be maintained; use less');
    }

    // Weight mode ends a drain on CloudWatch's word: quietMinutes whole minutes with no request, each readable
    // only once AWS has published it. A timeout shorter than that could never end in a drained cluster.
    if (plan.drain.mode === 'weight') {
      const shortest = plan.drain.quietMinutes * 60_000 + AWS_METRICS_LAG_MS;
      if (plan.drain.timeout < shortest) {
        at(
          ['drain', 'timeout'],
          `is ${formatDuration(plan.drain.timeout)}, shorter than the shortest possible drain: ${plan.drain.quietMinutes} quiet minute(s) plus CloudWatch's publication delay (${formatDuration(AWS_METRICS_LAG_MS)}) = ${formatDuration(shortest)}`,
        );
      }
    }

    const ramp = plan.reactivate.ramp;
    ramp.forEach((p, i) => {
      if (i > 0 && p <= ramp[i - 1]!) at(['reactivate', 'ramp', i], `must be greater than the step before (${ramp[i - 1]})`);
    });
    if (ramp.at(-1) !== 100) at(['reactivate', 'ramp', ramp.length - 1], 'the last ramp step must be 100 (the weight before maintenance)');

    if (plan.drain.minimum > plan.drain.timeout) at(['drain', 'minimum'], 'is longer than drain.timeout');
    if (plan.verify.stableFor >= plan.verify.timeout) at(['verify', 'stableFor'], 'must be shorter than verify.timeout');

    plan.maintenance.forEach((step, i) => {
      for (const { path, text } of placeholderTexts(step)) {
        const unknown = unknownPlaceholders(text);
        if (unknown.length) at(['maintenance', i, ...path], unknownPlaceholderMessage(unknown));
      }
    });

    const usesCache = plan.maintenance.some((s) => 'elasticache' in s);
    if (usesCache) {
      for (const [clusterName, seen] of clusters) {
        if (seen.cache !== undefined) continue;
        const loc = layout[seen.first]!;
        const i = loc.clusters.findIndex((c) => c.name === clusterName);
        at([...loc.path, 'clusters', i], 'has no cache.replicationGroupId but the maintenance has elasticache steps');
      }
    }
    const redis = plan.verify.redis;
    if (redis?.authTokenEnv && redis.authTokenSecretId) {
      at(['verify', 'redis', 'authTokenSecretId'], 'set either authTokenEnv or authTokenSecretId, not both');
    }
    const webhook = plan.notify?.webhook;
    if (webhook && (webhook.urlEnv === undefined) === (webhook.urlSecretId === undefined)) {
      at(['notify', 'webhook'], 'set exactly one of urlEnv or urlSecretId (the URL itself never goes in the plan)');
    }
  });
}

type PlanShape = z.output<typeof planShape>;
type ClusterInput = z.output<typeof cluster>;

/** The fleet as written, in either form, with the path of each part for error messages. */
interface SourceLocation {
  path: (string | number)[];
  name: string | undefined;
  listenerArn: string;
  ruleArn: string | undefined;
  clusters: ClusterInput[];
}

/** Both forms as one list of locations; a string when the fleet is neither. */
function sourceLayout(fleet: PlanShape['fleet']): SourceLocation[] | string {
  const single = fleet.listenerArn !== undefined || fleet.ruleArn !== undefined || fleet.clusters !== undefined;
  if (fleet.locations !== undefined) {
    if (single) return 'give either listenerArn with clusters (one listener) or locations (several), not both';
    return fleet.locations.map((l, i) => ({ path: ['fleet', 'locations', i], name: l.name, listenerArn: l.listenerArn, ruleArn: l.ruleArn, clusters: l.clusters }));
  }
  if (fleet.listenerArn === undefined || fleet.clusters === undefined) {
    return `needs ${fleet.listenerArn === undefined ? 'listenerArn' : 'clusters'}: give listenerArn with clusters (one listener), or locations (several)`;
  }
  return [{ path: ['fleet'], name: undefined, listenerArn: fleet.listenerArn, ruleArn: fleet.ruleArn, clusters: fleet.clusters }];
}

/** The load balancer's name in a listener ARN (arn:...:listener/app/<name>/<id>/<id>). */
function loadBalancerNameOf(listenerArn: string): string {
  return parseArn(listenerArn)?.resource.split('/')[2] ?? listenerArn;
}

/** Where a cluster's traffic comes from: its target group in one location's forward action. */
export interface Placement {
  /** The location's name. */
  location: string;
  targetGroupArn: string;
}

export interface PlanLocation {
  name: string;
  listenerArn: string;
  ruleArn?: string;
}

export interface PlanCluster {
  name: string;
  /** Its target group at its first location; `placements` holds every one. */
  targetGroupArn: string;
  cache?: { replicationGroupId: string };
  /** One per location the cluster is at, in the plan's order of locations. */
  placements: Placement[];
}

/**
 * The fleet every part of quiesce works with, whichever form the plan used. `listenerArn` and `ruleArn`
 * are the first location's: what a run's record and lock name it by; acting on traffic goes through
 * `locations` and each cluster's `placements`.
 */
export interface PlanFleet {
  listenerArn: string;
  ruleArn?: string;
  locations: PlanLocation[];
  clusters: PlanCluster[];
}

function normalizePlan(plan: PlanShape): Omit<PlanShape, 'fleet'> & { fleet: PlanFleet } {
  const layout = sourceLayout(plan.fleet);
  // The rules ran first: a fleet in neither form never gets here.
  if (typeof layout === 'string') throw new Error(`fleet: ${layout}`);
  const locations: PlanLocation[] = layout.map((l) => ({ name: l.name ?? loadBalancerNameOf(l.listenerArn), listenerArn: l.listenerArn, ...(l.ruleArn !== undefined ? { ruleArn: l.ruleArn } : {}) }));
  const clusters = new Map<string, PlanCluster>();
  layout.forEach((l, li) => {
    for (const c of l.clusters) {
      const placement = { location: locations[li]!.name, targetGroupArn: c.targetGroupArn };
      const seen = clusters.get(c.name);
      if (seen) {
        seen.placements.push(placement);
        if (!seen.cache && c.cache) seen.cache = { ...c.cache };
      } else {
        clusters.set(c.name, { name: c.name, targetGroupArn: c.targetGroupArn, ...(c.cache ? { cache: { ...c.cache } } : {}), placements: [placement] });
      }
    }
  });
  const first = locations[0]!;
  const fleet: PlanFleet = { listenerArn: first.listenerArn, ...(first.ruleArn !== undefined ? { ruleArn: first.ruleArn } : {}), locations, clusters: [...clusters.values()] };
  return { ...plan, fleet };
}

/** A plan as AWS allows it: what the CLI, the Lambda handler and every real run accept. */
export const planSchema = z.pipe(planShape.check(planRules({})), z.transform(normalizePlan));

/** A plan for a sandbox world that allows more than AWS does (the bench's large synthetic fleets). */
export function planSchemaAllowing(allowances: PlanAllowances): typeof planSchema {
  return allowances.syntheticTargetGroupsPerForward === undefined ? planSchema : z.pipe(planShape.check(planRules(allowances)), z.transform(normalizePlan));
}

export type Plan = z.output<typeof planSchema>;
export type ClusterSpec = PlanCluster;

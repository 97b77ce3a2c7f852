// scripts/bench/scale-child.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as join6 } from "node:path";

// scripts/bench/plans.ts
import { fileURLToPath } from "node:url";
import { parseDocument as parseDocument2 } from "yaml";

// src/plan/load.ts
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit } from "yaml";

// src/plan/schema.ts
import * as z from "zod/mini";

// src/plan/duration.ts
var UNIT_MS = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
var DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
var PART = /(\d+)(ms|s|m|h|d)/g;
function parseDuration(text) {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return void 0;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNIT_MS[unit];
  return total;
}
function formatDuration(ms2) {
  if (ms2 === 0) return "0s";
  if (ms2 % 1e3 !== 0) return `${ms2}ms`;
  let seconds2 = ms2 / 1e3;
  const parts = [];
  for (const [unit, size] of [["h", 3600], ["m", 60], ["s", 1]]) {
    if (seconds2 >= size) {
      parts.push(`${Math.floor(seconds2 / size)}${unit}`);
      seconds2 %= size;
    }
  }
  return parts.join("");
}

// src/plan/arn.ts
var ARN = /^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):(\d{12}):(.+)$/;
var ELB_RESOURCE = {
  listener: /^listener\/(app)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
  "listener-rule": /^listener-rule\/(app)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
  targetgroup: /^targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  loadbalancer: /^loadbalancer\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/
};
function parseArn(text) {
  const m = ARN.exec(text);
  if (!m) return void 0;
  return { partition: m[1], service: m[2], region: m[3], account: m[4], resource: m[5] };
}
function checkElbArn(text, type, region) {
  const arn = parseArn(text);
  if (!arn) return `is not a valid ARN (expected arn:aws:elasticloadbalancing:${region}:<account>:${type}/...)`;
  if (arn.service !== "elasticloadbalancing") {
    return `is a ${arn.service} ARN; expected an elasticloadbalancing ${type} ARN`;
  }
  const kind = arn.resource.split("/")[0];
  if (kind !== type) return `is a ${kind} ARN; expected a ${type} ARN`;
  if (!ELB_RESOURCE[type].test(arn.resource)) return `has a malformed ${type} resource part "${arn.resource}"`;
  if (arn.region !== region) return `is in region ${arn.region}, but the plan's region is ${region}`;
  return void 0;
}
function listenerOfRule(ruleArn) {
  const arn = parseArn(ruleArn);
  if (!arn) return "";
  const [, app, name2, lbId, listenerId] = arn.resource.split("/");
  return `arn:${arn.partition}:elasticloadbalancing:${arn.region}:${arn.account}:listener/${app}/${name2}/${lbId}/${listenerId}`;
}

// src/plan/schema.ts
var duration = (what) => z.pipe(
  z.string({ error: `must be a duration string such as "90s", "15m" or "1h30m" (${what})` }),
  z.transform((text, ctx) => {
    const ms2 = parseDuration(text);
    if (ms2 === void 0) {
      ctx.issues.push({ code: "custom", message: `"${text}" is not a duration; write e.g. "90s", "15m" or "1h30m"`, input: text });
      return z.NEVER;
    }
    return ms2;
  })
);
var regex2 = (pattern, message) => z.string().check(z.regex(pattern, message));
var int2 = (min, max) => max === void 0 ? z.number().check(z.int(), z.gte(min)) : z.number().check(z.int(), z.gte(min), z.lte(max));
var optionalString = () => z.optional(z.string());
var name = regex2(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, "-" or "_", starting with a letter or digit');
var versionString = z.string({ error: 'must be a quoted string, e.g. "7.1" (an unquoted 6.20 reads as the number 6.2)' }).check(z.regex(/^[0-9A-Za-z][0-9A-Za-z.+-]*$/, "is not a version string"));
var timeout = (fallback) => z._default(duration("timeout"), parseDuration(fallback));
var failoverStep = z.strictObject({
  elasticache: z.literal("failover"),
  name: optionalString(),
  /** test-failover: TestFailover on the node group; primary-cluster-id: ModifyReplicationGroup PrimaryClusterId. */
  method: z._default(z.enum(["test-failover", "primary-cluster-id"]), "test-failover"),
  nodeGroupId: z._default(regex2(/^\d{4}$/, 'must be a 4-digit node group id such as "0001"'), "0001"),
  /** For primary-cluster-id: the member to promote. Without it quiesce picks the first available replica. */
  targetPrimary: optionalString(),
  timeout: timeout("20m")
});
var modifyStep = z.strictObject({
  elasticache: z.literal("modify"),
  name: optionalString(),
  engineVersion: z.optional(versionString),
  cacheNodeType: z.optional(regex2(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, 'must look like "cache.r7g.large"')),
  cacheParameterGroupName: optionalString(),
  applyImmediately: z._default(
    z.literal(true, {
      error: 'must be true: with false ElastiCache defers the change to its own maintenance window, so "maintenance complete" would be a lie; remove the key or set it to true'
    }),
    true
  ),
  timeout: timeout("60m")
}).check(
  z.refine((s) => s.engineVersion ?? s.cacheNodeType ?? s.cacheParameterGroupName, {
    message: "must change at least one of engineVersion, cacheNodeType, cacheParameterGroupName"
  })
);
var rebootStep = z.strictObject({
  elasticache: z.literal("reboot"),
  name: optionalString(),
  /** Member cache cluster ids to reboot; "replicas" reboots every replica; default: every member, replicas first. */
  nodes: z._default(z.union([z.literal("replicas"), z.literal("all"), z.array(z.string()).check(z.minLength(1))]), "all"),
  timeout: timeout("30m")
});
var serviceUpdateStep = z.strictObject({
  elasticache: z.literal("service-update"),
  name: optionalString(),
  serviceUpdateName: z.string().check(z.minLength(1)),
  timeout: timeout("2h")
});
var commandStep = z.strictObject({
  command: z.array(z.string().check(z.minLength(1)), {
    error: 'must be an argv array such as ["./patch.sh", "--cluster", "blue"], never a shell string'
  }).check(z.minLength(1)),
  name: optionalString(),
  cwd: optionalString(),
  env: z.optional(z.record(z.string(), z.string())),
  timeout: timeout("10m")
});
var httpUrl = () => z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
var httpStatus = () => int2(100, 599);
var httpStep = z.strictObject({
  http: z.strictObject({
    method: z._default(z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]), "POST"),
    url: httpUrl(),
    headers: z.optional(z.record(z.string(), z.string())),
    body: optionalString(),
    expectStatus: z._default(z.union([httpStatus(), z.array(httpStatus()).check(z.minLength(1))]), 200),
    timeout: timeout("30s"),
    poll: z.optional(
      z.strictObject({
        url: httpUrl(),
        field: z.string().check(z.minLength(1)),
        equals: z.union([z.string(), z.number(), z.boolean()]),
        interval: z._default(duration("poll interval"), 1e4),
        timeout: timeout("15m")
      })
    )
  }),
  name: optionalString()
});
var approvalStep = z.strictObject({
  approval: z.union([z.string(), z.strictObject({ message: optionalString() })]),
  name: optionalString()
});
var STEP_SCHEMAS = {
  "elasticache:failover": failoverStep,
  "elasticache:modify": modifyStep,
  "elasticache:reboot": rebootStep,
  "elasticache:service-update": serviceUpdateStep,
  command: commandStep,
  http: httpStep,
  approval: approvalStep
};
var step = z.pipe(
  z.unknown(),
  z.transform((raw, ctx) => {
    const fail2 = (message) => {
      ctx.issues.push({ code: "custom", message, input: raw });
      return z.NEVER;
    };
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      return fail2("must be a mapping such as { elasticache: failover } or { command: [...] }");
    }
    const record3 = raw;
    let key;
    if ("elasticache" in record3) {
      const action = record3.elasticache;
      const scalar = typeof action === "string" || typeof action === "number" || typeof action === "boolean";
      const kind = action === null ? "null" : Array.isArray(action) ? "list" : typeof action;
      const shown = scalar ? String(action) : `${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}`;
      const candidate = `elasticache:${shown}`;
      if (typeof action !== "string" || !Object.hasOwn(STEP_SCHEMAS, candidate)) {
        return fail2(`elasticache: "${shown}" is not a known action (failover, modify, reboot, service-update)`);
      }
      key = candidate;
    } else {
      key = ["command", "http", "approval"].find((k) => k in record3);
    }
    if (!key) return fail2("is not a known step: use elasticache, command, http or approval");
    const result = STEP_SCHEMAS[key].safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: raw });
      return z.NEVER;
    }
    return result.data;
  })
);
var percentOrCount = z.union([int2(0), regex2(/^(100|[1-9]?\d)%$/, 'must be a count such as 4 or a percentage such as "60%"')]);
var redisProbe = z.strictObject({
  /** Defaults to the replication group's primary endpoint. */
  host: optionalString(),
  port: z._default(int2(1, 65535), 6379),
  tls: z._default(z.boolean(), true),
  username: optionalString(),
  /** The AUTH token never sits in the plan: name an environment variable or a Secrets Manager secret. */
  authTokenEnv: z.optional(regex2(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name")),
  authTokenSecretId: optionalString(),
  authTokenSecretKey: optionalString(),
  timeout: z._default(duration("probe timeout"), 5e3),
  replicaCatchUp: z._default(duration("replica catch-up"), 1e4)
});
var canaryProbe = z.strictObject({
  path: z._default(z.string().check(z.startsWith("/")), "/healthz"),
  protocol: z._default(z.enum(["http", "https"]), "https"),
  headerName: z._default(z.string().check(z.regex(/^[A-Za-z0-9-]{1,40}$/)), "X-Quiesce-Canary"),
  requests: z._default(int2(1, 1e3), 20),
  expectStatus: z._default(int2(100, 599), 200),
  bodyMatch: optionalString(),
  timeout: z._default(duration("request timeout"), 5e3),
  /**
   * The service's own name: requests carry it as Host and TLS SNI (and the certificate is checked
   * against it) while they still travel to the load balancer. Needed for https, whose certificate never
   * names the load balancer's DNS name.
   */
  host: z.optional(regex2(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, "must be a DNS name, e.g. api.example.com (no scheme, port or path)"))
});
var cluster = z.strictObject({
  name,
  targetGroupArn: z.string(),
  cache: z.optional(
    z.strictObject({
      replicationGroupId: regex2(
        /^[a-zA-Z][a-zA-Z0-9-]{0,39}$/,
        "must be a replication group id (letters, digits, hyphens; starts with a letter)"
      )
    })
  )
});
var schedule = z.strictObject({
  /** EventBridge Scheduler expression, e.g. "cron(0 3 ? * SUN *)". */
  cron: regex2(/^cron\(.+\)$/, 'must be an EventBridge cron expression such as "cron(0 3 ? * SUN *)"'),
  timezone: z._default(z.string(), "UTC"),
  flexibleWindow: z.optional(duration("flexible window"))
});
var rampPercent = z.number().check(z.int(), z.gte(1, "ramp percentages must be 1-100"), z.lte(100, "ramp percentages must be 1-100"));
var planSchema = z.strictObject({
  version: z.literal(1, { error: "must be 1 (the plan format version)" }),
  name,
  description: optionalString(),
  region: regex2(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1"),
  schedule: z.optional(schedule),
  fleet: z.strictObject({
    listenerArn: z.string(),
    ruleArn: optionalString(),
    clusters: z.array(cluster).check(z.minLength(2, "must list at least 2 clusters: one must stay in rotation while another is maintained"))
  }),
  capacity: z._default(
    z.strictObject({
      maxOutOfService: z._default(int2(1), 1),
      minActiveClusters: z._default(int2(1), 1),
      minHealthyTargets: z.optional(percentOrCount)
    }),
    { maxOutOfService: 1, minActiveClusters: 1 }
  ),
  drain: z._default(
    z.strictObject({
      mode: z._default(z.enum(["weight", "deregister"]), "weight"),
      minimum: z._default(duration("drain minimum"), 6e4),
      timeout: z._default(duration("drain timeout"), 9e5),
      /** Complete CloudWatch minutes with zero RequestCount needed before the group counts as drained. */
      quietMinutes: z._default(int2(1, 30), 2)
    }),
    { mode: "weight", minimum: 6e4, timeout: 9e5, quietMinutes: 2 }
  ),
  maintenance: z.array(step).check(z.minLength(1, "must list at least one step")),
  verify: z._default(
    z.strictObject({
      stableFor: z._default(duration("stableFor"), 12e4),
      timeout: z._default(duration("verify timeout"), 12e5),
      maxMemoryPercent: z._default(z.number().check(z.gte(1), z.lte(100)), 80),
      maxReplicationLagSeconds: z._default(z.number().check(z.gte(0)), 10),
      redis: z.optional(redisProbe),
      canary: z.optional(canaryProbe)
    }),
    { stableFor: 12e4, timeout: 12e5, maxMemoryPercent: 80, maxReplicationLagSeconds: 10 }
  ),
  reactivate: z._default(
    z.strictObject({
      ramp: z._default(z.array(rampPercent).check(z.minLength(1)), [10, 50, 100]),
      hold: z._default(duration("ramp hold"), 6e4),
      max5xx: z._default(int2(0), 0),
      maxUnhealthyHosts: z._default(int2(0), 0)
    }),
    { ramp: [10, 50, 100], hold: 6e4, max5xx: 0, maxUnhealthyHosts: 0 }
  )
}).check(
  z.superRefine((plan2, ctx) => {
    const at = (path, message) => ctx.addIssue({ code: "custom", path, message });
    const listenerProblem = checkElbArn(plan2.fleet.listenerArn, "listener", plan2.region);
    if (listenerProblem) at(["fleet", "listenerArn"], listenerProblem);
    if (plan2.fleet.ruleArn !== void 0) {
      const ruleProblem = checkElbArn(plan2.fleet.ruleArn, "listener-rule", plan2.region);
      if (ruleProblem) at(["fleet", "ruleArn"], ruleProblem);
      else if (!listenerProblem && listenerOfRule(plan2.fleet.ruleArn) !== plan2.fleet.listenerArn) {
        at(["fleet", "ruleArn"], "belongs to a different listener than fleet.listenerArn");
      }
    }
    const account = parseArn(plan2.fleet.listenerArn)?.account;
    const names2 = /* @__PURE__ */ new Map();
    const groups = /* @__PURE__ */ new Map();
    const caches = /* @__PURE__ */ new Map();
    plan2.fleet.clusters.forEach((c, i) => {
      const tgProblem = checkElbArn(c.targetGroupArn, "targetgroup", plan2.region);
      if (tgProblem) at(["fleet", "clusters", i, "targetGroupArn"], tgProblem);
      else if (account && parseArn(c.targetGroupArn)?.account !== account) {
        at(["fleet", "clusters", i, "targetGroupArn"], `is in account ${parseArn(c.targetGroupArn)?.account}, the listener in ${account}`);
      }
      const dup = (seen, key, field, what) => {
        const first = seen.get(key);
        if (first !== void 0) at(["fleet", "clusters", i, ...field], `duplicate ${what} "${key}" (also clusters[${first}])`);
        else seen.set(key, i);
      };
      dup(names2, c.name, ["name"], "cluster name");
      dup(groups, c.targetGroupArn, ["targetGroupArn"], "target group");
      if (c.cache) dup(caches, c.cache.replicationGroupId, ["cache", "replicationGroupId"], "replication group");
    });
    const clusterCount = plan2.fleet.clusters.length;
    if (plan2.capacity.minActiveClusters >= clusterCount) {
      at(
        ["capacity", "minActiveClusters"],
        `is ${plan2.capacity.minActiveClusters} but the fleet has ${clusterCount} clusters: nothing could ever be maintained; use at most ${clusterCount - 1}`
      );
    }
    const ramp = plan2.reactivate.ramp;
    ramp.forEach((p, i) => {
      if (i > 0 && p <= ramp[i - 1]) at(["reactivate", "ramp", i], `must be greater than the step before (${ramp[i - 1]})`);
    });
    if (ramp.at(-1) !== 100) at(["reactivate", "ramp", ramp.length - 1], "the last ramp step must be 100 (the weight before maintenance)");
    if (plan2.drain.minimum > plan2.drain.timeout) at(["drain", "minimum"], "is longer than drain.timeout");
    if (plan2.verify.stableFor >= plan2.verify.timeout) at(["verify", "stableFor"], "must be shorter than verify.timeout");
    const usesCache = plan2.maintenance.some((s) => "elasticache" in s);
    if (usesCache) {
      plan2.fleet.clusters.forEach((c, i) => {
        if (!c.cache) at(["fleet", "clusters", i], "has no cache.replicationGroupId but the maintenance has elasticache steps");
      });
    }
    const redis = plan2.verify.redis;
    if (redis?.authTokenEnv && redis.authTokenSecretId) {
      at(["verify", "redis", "authTokenSecretId"], "set either authTokenEnv or authTokenSecretId, not both");
    }
  })
);

// src/errors.ts
var QuiesceError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
};
var AwsCallError = class extends QuiesceError {
  service;
  operation;
  resource;
  code;
  classification;
  attempts;
  awsMessage;
  httpStatusCode;
  constructor(details, options) {
    super(formatAwsCallMessage(details, options?.qualifier), options);
    this.name = "AwsCallError";
    this.service = details.service;
    this.operation = details.operation;
    this.resource = details.resource;
    this.code = details.code;
    this.classification = details.classification;
    this.attempts = details.attempts;
    this.awsMessage = details.awsMessage;
    this.httpStatusCode = details.httpStatusCode;
  }
};
var BudgetExhaustedError = class extends AwsCallError {
  budgetMs;
  elapsedMs;
  constructor(details, options) {
    super(details, { ...options, qualifier: `retry budget ${details.budgetMs} ms spent` });
    this.name = "BudgetExhaustedError";
    this.budgetMs = details.budgetMs;
    this.elapsedMs = details.elapsedMs;
  }
};
var RefusedError = class extends QuiesceError {
  constructor(message, options) {
    super(oneLine(message), options);
    this.name = "RefusedError";
  }
};
var ConfigError = class extends QuiesceError {
  constructor(message, options) {
    super(oneLine(message), options);
    this.name = "ConfigError";
  }
};
var UnexpectedResponseError = class extends QuiesceError {
  constructor(message, options) {
    super(oneLine(message), options);
    this.name = "UnexpectedResponseError";
  }
};
function formatAwsCallMessage(d, qualifier) {
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`;
  const meta = [d.classification, attempts, qualifier].filter(Boolean).join(", ");
  const tail = d.awsMessage ? `: ${d.awsMessage}` : "";
  return oneLine(`${d.service} ${d.operation} on ${d.resource} failed: ${d.code} (${meta})${tail}`);
}
function oneLine(text) {
  return text.replace(/Value '[^']*' at '([^']*(?:token|secret|password|credential)[^']*)'/gi, "Value '[REDACTED]' at '$1'").replace(/\s+/g, " ").trim();
}

// src/plan/plan-error.ts
var PlanError = class extends QuiesceError {
  file;
  line;
  field;
  detail;
  constructor(file, line, field, detail, options) {
    const where = line === void 0 ? file : `${file}:${line}`;
    const more = options?.more ? ` (and ${options.more} more problem${options.more > 1 ? "s" : ""})` : "";
    super(`${where}: ${field ? `${field}: ` : ""}${detail}${more}`, options);
    this.file = file;
    this.line = line;
    this.field = field;
    this.detail = detail;
  }
};

// src/plan/load.ts
var MAX_PLAN_BYTES = 1024 * 1024;
var MAX_DEPTH = 64;
var FORBIDDEN_KEYS = /* @__PURE__ */ new Set(["__proto__", "constructor", "prototype"]);
var VERSION_KEY = /version$/i;
function parsePlan(text, file = "<plan>") {
  const doc = parseSafeDocument(text, file);
  const raw = doc.toJS({ maxAliasCount: 100 });
  const result = planSchema.safeParse(raw);
  if (!result.success) throw planErrorFromIssue(result.error.issues, doc, raw, text, file);
  return result.data;
}
function parseSafeDocument(text, file) {
  if (text.length > MAX_PLAN_BYTES) throw new PlanError(file, void 0, void 0, `input is larger than ${MAX_PLAN_BYTES} bytes`);
  const nul = text.indexOf("\0");
  if (nul >= 0) throw new PlanError(file, lineOf(text, nul), void 0, "contains a NUL byte; plans are text");
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, version: "1.2", logLevel: "error" });
  } catch (err) {
    if (err instanceof RangeError) throw new PlanError(file, void 0, void 0, `nesting is deeper than ${MAX_DEPTH} levels`, { cause: err });
    throw err;
  }
  const firstError = doc.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line ?? lineOf(text, firstError.pos[0]);
    throw new PlanError(file, line, void 0, `invalid YAML: ${firstLine(firstError.message)}`);
  }
  if (doc.contents === null) throw new PlanError(file, 1, void 0, "is empty; expected a plan mapping");
  if (!isMap(doc.contents)) throw new PlanError(file, 1, void 0, "must be a mapping at the top level");
  checkDepth(doc.contents, 0, file, text);
  visit(doc, {
    Pair(_, pair, path) {
      if (pair.key !== null && !isScalar(pair.key)) {
        throw new PlanError(file, lineAt(pair.key, text), void 0, "a key is a mapping or a list; keys must be plain names");
      }
      const key = isScalar(pair.key) ? String(pair.key.value) : void 0;
      if (key !== void 0 && FORBIDDEN_KEYS.has(key)) {
        throw new PlanError(file, lineAt(pair.key, text), key, "is a forbidden key (prototype pollution guard)");
      }
      const depth = path.filter((p) => isMap(p)).length;
      const isFormatVersion = key === "version" && depth <= 1;
      if (key !== void 0 && VERSION_KEY.test(key) && !isFormatVersion) {
        const value = pair.value;
        const quoted = isScalar(value) && typeof value.value === "string" && (value.type === Scalar.QUOTE_DOUBLE || value.type === Scalar.QUOTE_SINGLE);
        if (!quoted) {
          const shown = isScalar(value) ? String(value.source ?? value.value) : "this value";
          throw new PlanError(
            file,
            lineAt(value ?? pair.key, text),
            fieldPath(path, key),
            `must be a quoted string: write "${shown}", not ${shown} (unquoted, YAML reads 6.20 as the number 6.2)`
          );
        }
      }
    }
  });
  try {
    doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof ReferenceError || err instanceof RangeError) {
      throw new PlanError(file, void 0, void 0, `rejected: ${firstLine(err.message)} (YAML alias expansion is limited)`, { cause: err });
    }
    throw err;
  }
  return doc;
}
function checkDepth(node, depth, file, text) {
  if (depth > MAX_DEPTH) throw new PlanError(file, lineAt(node, text), void 0, `nesting is deeper than ${MAX_DEPTH} levels`);
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      if (isPair(item)) {
        if (item.value) checkDepth(item.value, depth + 1, file, text);
      } else if (item) checkDepth(item, depth + 1, file, text);
    }
  }
}
function fieldPath(path, key) {
  const parts = [];
  for (let i = 0; i < path.length; i++) {
    const node = path[i];
    if (isPair(node) && isScalar(node.key)) parts.push(String(node.key.value));
    else if (isSeq(node)) {
      const next = path[i + 1];
      const index = node.items.indexOf(next);
      if (index >= 0) parts.push(`[${index}]`);
    }
  }
  parts.push(key);
  return parts.join(".").replace(/\.\[/g, "[");
}
function formatIssuePath(path) {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
function planErrorFromIssue(issues, doc, raw, text, file) {
  const issue = issues[0];
  let path = [...issue.path];
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const parent = doc.getIn(path, true);
    const known = knownKeys(path);
    const hint = closest(key, known);
    message = `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
    path = [...path, key];
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key) : void 0;
    return new PlanError(file, pair ? lineAt(pair.key, text) : lineNear(doc, path, text), formatIssuePath(path), message, {
      more: issues.length - 1
    });
  }
  if (issue.code === "invalid_type" && valueAt(raw, path) === void 0) message = "is required";
  return new PlanError(file, lineNear(doc, path, text), formatIssuePath(path) || void 0, message, { more: issues.length - 1 });
}
function valueAt(raw, path) {
  let cursor = raw;
  for (const key of path) {
    if (cursor === null || typeof cursor !== "object" || !Object.hasOwn(cursor, key)) return void 0;
    cursor = cursor[key];
  }
  return cursor;
}
function lineNear(doc, path, text) {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (node && typeof node === "object" && "range" in node && node.range) return lineOf(text, node.range[0]);
  }
  return void 0;
}
function lineAt(node, text) {
  return node.range ? lineOf(text, node.range[0]) : void 0;
}
function lineOf(text, offset2) {
  let line = 1;
  for (let i = 0; i < offset2 && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
function firstLine(message) {
  return message.split("\n")[0].trim();
}
function knownKeys(path) {
  const named = path.filter((p) => typeof p === "string");
  const last = named.at(-1);
  const byParent = {
    "": ["version", "name", "description", "region", "schedule", "fleet", "capacity", "drain", "maintenance", "verify", "reactivate"],
    fleet: ["listenerArn", "ruleArn", "clusters"],
    clusters: ["name", "targetGroupArn", "cache"],
    cache: ["replicationGroupId"],
    capacity: ["maxOutOfService", "minActiveClusters", "minHealthyTargets"],
    drain: ["mode", "minimum", "timeout", "quietMinutes"],
    verify: ["stableFor", "timeout", "maxMemoryPercent", "maxReplicationLagSeconds", "redis", "canary"],
    reactivate: ["ramp", "hold", "max5xx", "maxUnhealthyHosts"],
    schedule: ["cron", "timezone", "flexibleWindow"],
    maintenance: [
      "elasticache",
      "name",
      "method",
      "nodeGroupId",
      "targetPrimary",
      "timeout",
      "engineVersion",
      "cacheNodeType",
      "cacheParameterGroupName",
      "applyImmediately",
      "nodes",
      "serviceUpdateName",
      "command",
      "cwd",
      "env",
      "http",
      "approval"
    ],
    redis: ["host", "port", "tls", "username", "authTokenEnv", "authTokenSecretId", "authTokenSecretKey", "timeout", "replicaCatchUp"],
    canary: ["path", "protocol", "headerName", "requests", "expectStatus", "bodyMatch", "timeout"],
    http: ["method", "url", "headers", "body", "expectStatus", "timeout", "poll"],
    poll: ["url", "field", "equals", "interval", "timeout"]
  };
  return byParent[last ?? ""] ?? [];
}
function closest(word, candidates) {
  let best;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : void 0;
}
function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

// scripts/bench/plans.ts
var EXAMPLE_PLAN_FILE = fileURLToPath(new URL("../../examples/payments.plan.yaml", import.meta.url));
var hex = (n, width) => n.toString(16).padStart(width, "0");
function fleetPlan(clusters2, maxOutOfService) {
  const account = "123456789012";
  const lb = "app/fleet/50dc6c495c0c9188";
  const names2 = Array.from({ length: clusters2 }, (_, i) => `c${String(i + 1).padStart(3, "0")}`);
  const text = [
    "version: 1",
    `name: fleet-${clusters2}`,
    "region: us-east-1",
    "fleet:",
    `  listenerArn: arn:aws:elasticloadbalancing:us-east-1:${account}:listener/${lb}/f2f7dc8efc522ab2`,
    "  clusters:",
    ...names2.flatMap((name2, i) => [
      `    - name: ${name2}`,
      `      targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:${account}:targetgroup/fleet-${name2}/${hex(i + 1, 16)}`,
      `      cache: { replicationGroupId: fleet-${name2} }`
    ]),
    "capacity:",
    `  maxOutOfService: ${maxOutOfService}`,
    `  minActiveClusters: ${Math.max(1, clusters2 - maxOutOfService)}`,
    "drain: { mode: weight, minimum: 60s, timeout: 15m }",
    "maintenance:",
    "  - elasticache: failover",
    "    method: primary-cluster-id",
    "  - elasticache: modify",
    '    engineVersion: "7.1"',
    "verify: { stableFor: 2m, timeout: 20m, maxMemoryPercent: 80 }",
    "reactivate: { ramp: [10, 50, 100], hold: 1m }",
    ""
  ].join("\n");
  return parsePlan(text, `fleet-${clusters2}.plan.yaml`);
}

// scripts/bench/sandbox-run.ts
import { mkdirSync as mkdirSync2, writeFileSync } from "node:fs";
import { join as join5 } from "node:path";
import pino2 from "pino";

// src/run/aws-connect.ts
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

// src/aws/classify.ts
var THROTTLING_CODES = /* @__PURE__ */ new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  // ElastiCache, HTTP 400: the SDK does not retry it, so quiesce must.
  "APICallRateForCustomerExceeded"
]);
var TRANSIENT_CODES = /* @__PURE__ */ new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "HealthUnavailable",
  "InternalFailure",
  "ServiceUnavailable"
]);
var TRANSIENT_HTTP = /* @__PURE__ */ new Set([500, 502, 503, 504]);
function classifyAwsError(err) {
  if (!(err instanceof Error)) return void 0;
  const e = err;
  const codes = candidateCodes(e);
  const httpStatusCode = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const isServiceError = e.$fault !== void 0 || e.$metadata?.httpStatusCode !== void 0;
  const isTransport = codes.some((c) => TRANSIENT_CODES.has(c)) || isTimeoutAbort(e);
  if (!isServiceError && !isTransport) return void 0;
  let classification;
  if (codes.some((c) => THROTTLING_CODES.has(c)) || httpStatusCode === 429 || e.$retryable?.throttling === true) {
    classification = "throttled";
  } else if (isTransport || httpStatusCode !== void 0 && TRANSIENT_HTTP.has(httpStatusCode) || e.$retryable !== void 0) {
    classification = "transient";
  } else {
    classification = "fatal";
  }
  return {
    classification,
    code: primaryCode(e, httpStatusCode),
    message: typeof e.message === "string" ? e.message : "",
    httpStatusCode,
    attempts: Math.max(1, e.$metadata?.attempts ?? 1)
  };
}
function hasAwsErrorCode(err, ...codes) {
  if (!(err instanceof Error)) return false;
  const own = candidateCodes(err);
  return codes.some((c) => own.includes(c));
}
function candidateCodes(e) {
  const raw = [e.Code, e.name, e.code].filter((v) => typeof v === "string" && v.length > 0);
  const stripped = raw.map((c) => c.replace(/(Exception|Fault)$/, "")).filter((c) => c.length > 0);
  return [.../* @__PURE__ */ new Set([...raw, ...stripped])];
}
function primaryCode(e, httpStatusCode) {
  if (typeof e.Code === "string" && e.Code) return e.Code;
  if (typeof e.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
  const name2 = typeof e.name === "string" ? e.name : "";
  if ((name2 === "" || name2 === "Unknown" || name2 === "Error") && httpStatusCode !== void 0) return `HTTP ${httpStatusCode}`;
  return name2 || "UnknownError";
}
function isTimeoutAbort(e) {
  if (e.name !== "AbortError") return false;
  const cause = e.cause;
  if (cause && cause.name === "TimeoutError") return true;
  return typeof e.message === "string" && /timed? ?out/i.test(e.message);
}

// src/aws/call-log.ts
var RESOURCE_FIELDS = [
  "ListenerArn",
  "RuleArn",
  "TargetGroupArn",
  "LoadBalancerArn",
  "ReplicationGroupId",
  "CacheClusterId",
  "ServiceUpdateName",
  "SourceIdentifier",
  "ListenerArns",
  "RuleArns",
  "TargetGroupArns",
  "LoadBalancerArns",
  "ReplicationGroupIds",
  "CacheClusterIds"
];
var SERVICE_LABELS = {
  ElasticLoadBalancingV2Client: "ELBv2",
  ElastiCacheClient: "ElastiCache",
  CloudWatchClient: "CloudWatch"
};
var CALL_LOG_MIDDLEWARE_NAME = "quiesceCallLog";
function isMutatingCommand(command2) {
  return !/^(Describe|List|Get)/.test(command2);
}
function resourceOf(input) {
  if (typeof input !== "object" || input === null) return void 0;
  const record3 = input;
  const parts = [];
  for (const field of RESOURCE_FIELDS) {
    const value = record3[field];
    if (typeof value === "string" && value) parts.push(value);
    else if (Array.isArray(value)) parts.push(...value.filter((v) => typeof v === "string"));
  }
  return parts.length > 0 ? parts.join(" ") : void 0;
}
function callLogMiddleware(logger2) {
  return (next, context) => async (args) => {
    const clientName = context.clientName ?? "UnknownClient";
    const service = SERVICE_LABELS[clientName] ?? clientName.replace(/Client$/, "");
    const command2 = (context.commandName ?? "Unknown").replace(/Command$/, "");
    const resource = resourceOf(args.input);
    const level = isMutatingCommand(command2) ? "info" : "debug";
    const started2 = performance.now();
    try {
      const result = await next(args);
      logger2[level](
        {
          aws: {
            service,
            command: command2,
            resource,
            durationMs: Math.round(performance.now() - started2),
            attempts: result.output.$metadata?.attempts,
            outcome: "ok"
          }
        },
        `${service} ${command2}`
      );
      return result;
    } catch (err) {
      const classified = classifyAwsError(err);
      const metadata = err?.$metadata;
      logger2[level](
        {
          aws: {
            service,
            command: command2,
            resource,
            durationMs: Math.round(performance.now() - started2),
            attempts: metadata?.attempts,
            outcome: "error",
            // The code only: AWS messages can echo request values back.
            errorCode: classified?.code ?? (err instanceof Error ? err.name : "non-error thrown"),
            classification: classified?.classification
          }
        },
        `${service} ${command2} failed`
      );
      throw err;
    }
  };
}
var callLogOptions = {
  step: "initialize",
  name: CALL_LOG_MIDDLEWARE_NAME,
  override: true
};
function attachCallLog(client, logger2) {
  client.middlewareStack.add(callLogMiddleware(logger2), callLogOptions);
}

// src/aws/clients.ts
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";

// src/ports/clock.ts
var systemClock = {
  now: () => Date.now(),
  sleep: (ms2) => new Promise((resolve2) => setTimeout(resolve2, Math.max(0, ms2)))
};
function waitIdle(clock, work) {
  return clock.idle ? clock.idle(work) : work;
}

// src/adapters/cloudwatch-metrics.ts
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";

// src/aws/retry-budget.ts
var DEFAULT_RETRY_BUDGET = { budgetMs: 12e4, baseDelayMs: 250, maxDelayMs: 15e3 };
async function withRetryBudget(clock, options, fn) {
  const service = options.service ?? "AWS";
  const started2 = clock.now();
  let attempts = 0;
  let retries = 0;
  for (; ; ) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof QuiesceError) throw err;
      if (err instanceof Error && err.name === "CredentialsProviderError") {
        throw new ConfigError(
          `AWS credentials could not be loaded for ${service} ${options.operation} on ${options.resource}: ${oneLine(err.message)}`,
          { cause: err }
        );
      }
      const classified = classifyAwsError(err);
      if (!classified) throw err;
      attempts += classified.attempts;
      const details = {
        service,
        operation: options.operation,
        resource: options.resource,
        code: classified.code,
        classification: classified.classification,
        attempts,
        awsMessage: oneLine(classified.message),
        httpStatusCode: classified.httpStatusCode
      };
      if (classified.classification === "fatal") throw new AwsCallError(details, { cause: err });
      const elapsedMs = clock.now() - started2;
      const remainingMs = options.budgetMs - elapsedMs;
      if (remainingMs <= 0) {
        throw new BudgetExhaustedError({ ...details, budgetMs: options.budgetMs, elapsedMs }, { cause: err });
      }
      const delayMs = Math.min(remainingMs, backoffMs(retries, classified.classification, options));
      retries += 1;
      options.logger?.warn(
        {
          service,
          operation: options.operation,
          resource: options.resource,
          code: classified.code,
          classification: classified.classification,
          attempts,
          delayMs,
          remainingMs
        },
        `retrying ${service} ${options.operation} after ${classified.code}`
      );
      await clock.sleep(delayMs);
    }
  }
}
function backoffMs(retry, classification, budget) {
  const base = classification === "throttled" ? budget.throttledBaseDelayMs ?? budget.baseDelayMs * 5 : budget.baseDelayMs;
  const step2 = Math.min(budget.maxDelayMs, base * 2 ** Math.min(retry, 30));
  const random = budget.random ?? Math.random;
  return Math.max(1, Math.round(step2 / 2 + random() * (step2 / 2)));
}
function createAwsCaller(clock, budget, service, logger2) {
  return (operation, resource, fn) => withRetryBudget(clock, { ...budget, service, operation, resource, ...logger2 ? { logger: logger2 } : {} }, fn);
}

// src/logger.ts
import { pino } from "pino";
var SECRET_KEYS = [
  "AuthToken",
  "authToken",
  "Authorization",
  "authorization",
  "SecretString",
  "secretString",
  "SecretAccessKey",
  "secretAccessKey",
  "SessionToken",
  "sessionToken",
  "ClientSecret",
  "clientSecret",
  "credentials",
  "Credentials",
  "password",
  "Password",
  '"x-amz-security-token"'
];
var REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const seg = key.startsWith('"') ? `[${key}]` : `.${key}`;
  const top = key.startsWith('"') ? `[${key}]` : key;
  return [top, `*${seg}`, `*.*${seg}`, `*.*.*${seg}`];
});
var silent;
var realSilent = () => silent ??= pino({ level: "silent" });
var silentLogger = new Proxy({}, {
  get(_target, key) {
    const logger2 = realSilent();
    const value = Reflect.get(logger2, key, logger2);
    return typeof value === "function" ? value.bind(logger2) : value;
  },
  set: (_target, key, value) => Reflect.set(realSilent(), key, value),
  has: (_target, key) => Reflect.has(realSilent(), key)
});

// src/adapters/cloudwatch-metrics.ts
var MINUTE_MS = 6e4;
var PERIOD_S = 60;
var MAX_QUERIES = 500;
var TARGET_GROUP_STAT = {
  RequestCount: "Sum",
  HTTPCode_Target_5XX_Count: "Sum",
  UnHealthyHostCount: "Maximum",
  HealthyHostCount: "Minimum"
};
var ZERO_WHEN_MISSING = /* @__PURE__ */ new Set(["RequestCount", "HTTPCode_Target_5XX_Count"]);
var CACHE_STAT = {
  DatabaseMemoryUsagePercentage: "Maximum",
  ReplicationLag: "Maximum",
  EngineCPUUtilization: "Maximum"
};
function createCloudWatchMetrics(options) {
  const call = createAwsCaller(options.clock, options.budget, "CloudWatch", options.logger ?? silentLogger);
  const { client } = options;
  async function targetGroupMinutesOf(dims, metrics, startMs, endMs) {
    const result = Object.fromEntries(metrics.map((m) => [m, []]));
    const { first, end: end2 } = completeMinutes(startMs, endMs);
    if (end2 <= first || metrics.length === 0) return result;
    const queries = metrics.map((metric, i) => ({
      Id: `m${i}`,
      MetricStat: {
        Metric: {
          Namespace: "AWS/ApplicationELB",
          MetricName: metric,
          Dimensions: [
            { Name: "TargetGroup", Value: dims.targetGroup },
            { Name: "LoadBalancer", Value: dims.loadBalancer }
          ]
        },
        Period: PERIOD_S,
        Stat: TARGET_GROUP_STAT[metric]
      },
      ReturnData: true
    }));
    const series = await fetchSeries(client, call, `${metrics.join(",")} ${dims.targetGroup}`, first, end2, queries);
    metrics.forEach((metric, i) => {
      const points = series.get(`m${i}`) ?? /* @__PURE__ */ new Map();
      const out = result[metric];
      for (let minute = first; minute < end2; minute += MINUTE_MS) {
        const value = points.get(minute);
        if (value !== void 0) out.push({ minute, value });
        else if (ZERO_WHEN_MISSING.has(metric)) out.push({ minute, value: 0 });
      }
    });
    return result;
  }
  async function cacheNodeLatestOf(cacheClusterIds, metrics, startMs, endMs) {
    const result = Object.fromEntries(metrics.map((m) => [m, Object.fromEntries(cacheClusterIds.map((id) => [id, void 0]))]));
    if (cacheClusterIds.length === 0 || metrics.length === 0 || endMs <= startMs) return result;
    const pairs = metrics.flatMap((metric) => cacheClusterIds.map((id) => ({ metric, id })));
    for (let offset2 = 0; offset2 < pairs.length; offset2 += MAX_QUERIES) {
      const chunk = pairs.slice(offset2, offset2 + MAX_QUERIES);
      const queries = chunk.map(({ metric, id }, i) => ({
        Id: `c${i}`,
        MetricStat: {
          Metric: {
            Namespace: "AWS/ElastiCache",
            MetricName: metric,
            Dimensions: [
              { Name: "CacheClusterId", Value: id },
              // Cluster-mode-disabled members hold one node each, always 0001.
              { Name: "CacheNodeId", Value: "0001" }
            ]
          },
          Period: PERIOD_S,
          Stat: CACHE_STAT[metric]
        },
        ReturnData: true
      }));
      const series = await fetchSeries(client, call, `${[...new Set(chunk.map((c) => c.metric))].join(",")} ${[...new Set(chunk.map((c) => c.id))].join(",")}`, startMs, endMs, queries);
      chunk.forEach(({ metric, id }, i) => {
        const points = series.get(`c${i}`);
        if (!points || points.size === 0) return;
        const latest = Math.max(...points.keys());
        const perNode = result[metric];
        perNode[id] = points.get(latest);
      });
    }
    return result;
  }
  return {
    targetGroupMinutesOf,
    cacheNodeLatestOf,
    async targetGroupMinutes(dims, metric, startMs, endMs) {
      return (await targetGroupMinutesOf(dims, [metric], startMs, endMs))[metric];
    },
    async cacheNodeLatest(cacheClusterIds, metric, startMs, endMs) {
      return (await cacheNodeLatestOf(cacheClusterIds, [metric], startMs, endMs))[metric];
    }
  };
}
async function fetchSeries(client, call, resource, startMs, endMs, queries) {
  const series = /* @__PURE__ */ new Map();
  let nextToken;
  do {
    const out = await call(
      "GetMetricData",
      resource,
      () => client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(startMs),
          EndTime: new Date(endMs),
          ScanBy: "TimestampAscending",
          ...nextToken ? { NextToken: nextToken } : {}
        })
      )
    );
    for (const r of out.MetricDataResults ?? []) {
      if (!r.Id) continue;
      const points = series.get(r.Id) ?? /* @__PURE__ */ new Map();
      const timestamps = r.Timestamps ?? [];
      const values = r.Values ?? [];
      timestamps.forEach((t, i) => {
        const v = values[i];
        if (v !== void 0) points.set(t.getTime(), v);
      });
      series.set(r.Id, points);
    }
    nextToken = out.NextToken;
  } while (nextToken);
  return series;
}
function completeMinutes(startMs, endMs) {
  return { first: Math.ceil(startMs / MINUTE_MS) * MINUTE_MS, end: Math.floor(endMs / MINUTE_MS) * MINUTE_MS };
}
function targetGroupDimension(targetGroupArn) {
  const resource = parseArn(targetGroupArn)?.resource ?? "";
  if (!/^targetgroup\/[^/]+\/[^/]+$/.test(resource)) throw new ConfigError(`not a target group ARN: ${targetGroupArn}`);
  return resource;
}
function loadBalancerDimension(arn) {
  const parts = (parseArn(arn)?.resource ?? "").split("/");
  const [kind, type, name2, id] = parts;
  const known = kind === "loadbalancer" || kind === "listener" || kind === "listener-rule";
  if (!known || type !== "app" || !name2 || !id) {
    throw new ConfigError(`not an Application Load Balancer, listener or rule ARN: ${arn}`);
  }
  return `app/${name2}/${id}`;
}
function targetGroupDimensions(targetGroupArn, loadBalancerOrListenerArn) {
  return { targetGroup: targetGroupDimension(targetGroupArn), loadBalancer: loadBalancerDimension(loadBalancerOrListenerArn) };
}

// src/adapters/elasticache-cache.ts
import {
  BatchApplyUpdateActionCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUpdateActionsCommand,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  TestFailoverCommand
} from "@aws-sdk/client-elasticache";

// src/adapters/elasticache-view.ts
function toReplicationGroupView(rg, clusters2) {
  const nodeGroups = rg.NodeGroups ?? [];
  const clusterMode = isClusterModeEnabled(rg) ? "enabled" : "disabled";
  const memberIds = memberClusterIds(rg);
  const members = memberIds.map((id) => {
    const group = nodeGroups.find((g) => (g.NodeGroupMembers ?? []).some((m) => m.CacheClusterId === id));
    const nodeMember = group?.NodeGroupMembers?.find((m) => m.CacheClusterId === id);
    const cluster3 = clusters2.find((c) => c.CacheClusterId === id);
    const role = nodeMember?.CurrentRole === "primary" || nodeMember?.CurrentRole === "replica" ? nodeMember.CurrentRole : "unknown";
    const az = cluster3?.PreferredAvailabilityZone ?? nodeMember?.PreferredAvailabilityZone;
    return {
      cacheClusterId: id,
      nodeGroupId: group?.NodeGroupId ?? "",
      role,
      status: cluster3?.CacheClusterStatus ?? "unknown",
      ...cluster3?.EngineVersion !== void 0 ? { engineVersion: cluster3.EngineVersion } : {},
      ...cluster3?.CacheNodeType !== void 0 ? { cacheNodeType: cluster3.CacheNodeType } : {},
      ...cluster3?.CacheParameterGroup?.CacheParameterGroupName !== void 0 ? { cacheParameterGroupName: cluster3.CacheParameterGroup.CacheParameterGroupName } : {},
      ...az ? { availabilityZone: az } : {},
      pendingModifiedValues: prunePending(cluster3?.PendingModifiedValues)
    };
  });
  const primaries = {};
  for (const group of nodeGroups) {
    const id = group.NodeGroupId ?? "";
    primaries[id] = group.NodeGroupMembers?.find((m) => m.CurrentRole === "primary")?.CacheClusterId;
  }
  const endpoint2 = clusterMode === "enabled" ? rg.ConfigurationEndpoint : nodeGroups[0]?.PrimaryEndpoint;
  const engine = rg.Engine ?? clusters2.find((c) => c.Engine)?.Engine;
  return {
    replicationGroupId: rg.ReplicationGroupId ?? "",
    status: rg.Status ?? "unknown",
    clusterMode,
    members,
    primaries,
    pendingModifiedValues: prunePending(rg.PendingModifiedValues),
    ...engine ? { engine } : {},
    engineVersions: unique(members.map((m) => m.engineVersion)),
    cacheNodeTypes: unique(members.map((m) => m.cacheNodeType).concat(members.length === 0 ? [rg.CacheNodeType] : [])),
    cacheParameterGroupNames: unique(members.map((m) => m.cacheParameterGroupName)),
    automaticFailover: rg.AutomaticFailover ?? "unknown",
    ...rg.MultiAZ ? { multiAZ: rg.MultiAZ } : {},
    ...endpoint2?.Address && endpoint2.Port !== void 0 ? { primaryEndpoint: { address: endpoint2.Address, port: endpoint2.Port } } : {},
    transitEncryption: rg.TransitEncryptionEnabled === true,
    authTokenEnabled: rg.AuthTokenEnabled === true
  };
}
function memberClusterIds(rg) {
  const fromList = rg.MemberClusters ?? [];
  if (fromList.length > 0) return [...fromList];
  const fromGroups = (rg.NodeGroups ?? []).flatMap((g) => (g.NodeGroupMembers ?? []).map((m) => m.CacheClusterId));
  return unique(fromGroups);
}
function isClusterModeEnabled(rg) {
  return rg.ClusterEnabled === true || rg.ClusterMode === "enabled" || rg.ClusterMode === "compatible" || (rg.NodeGroups?.length ?? 0) > 1;
}
function prunePending(value) {
  const out = {};
  for (const [key, v] of Object.entries(value ?? {})) {
    const pruned = pruneValue(v);
    if (pruned !== void 0) out[key] = pruned;
  }
  return out;
}
function pruneValue(v) {
  if (v === void 0 || v === null) return void 0;
  if (Array.isArray(v)) {
    const items = v.map(pruneValue).filter((x) => x !== void 0);
    return items.length > 0 ? items : void 0;
  }
  if (v instanceof Date) return v;
  if (typeof v === "object") {
    const inner = prunePending(v);
    return Object.keys(inner).length > 0 ? inner : void 0;
  }
  return v;
}
function unique(values) {
  return [...new Set(values.filter((v) => v !== void 0 && v !== ""))];
}

// src/adapters/elasticache-evidence.ts
var FAILOVER_COMPLETED = /failover.*\bcomplete(d)?\b/i;
var REBOOT_COMPLETED = /\brestarted\b|reboot\w*\b.*\b(complete|completed|finished)\b/i;
var GROUP_TERMINAL = /* @__PURE__ */ new Set(["deleting", "create-failed"]);
var MEMBER_TERMINAL = /* @__PURE__ */ new Set(["deleted", "deleting", "incompatible-network", "restore-failed"]);
function judgeFailover(view2, events, since) {
  const current = view2.primaries[since.nodeGroupId];
  const now = current ?? "not reported";
  const changed = current !== void 0 && current !== since.previousPrimary;
  const primary = {
    ok: changed && (since.expectedPrimary === void 0 || current === since.expectedPrimary),
    evidence: `primary of node group ${since.nodeGroupId}: ${now} (was ${since.previousPrimary}${since.expectedPrimary ? `, expected ${since.expectedPrimary}` : ""})`,
    waitingFor: since.expectedPrimary ? `primary of node group ${since.nodeGroupId} to become ${since.expectedPrimary} (now ${now})` : `primary of node group ${since.nodeGroupId} to change from ${since.previousPrimary} (now ${now})`
  };
  const completed = events.filter((e) => e.date >= since.requestedAt && FAILOVER_COMPLETED.test(e.message));
  const event = {
    ok: completed.length > 0,
    evidence: completed.length > 0 ? `event: ${describeEvent(completed[completed.length - 1])}` : "no failover-completed event yet",
    waitingFor: `a "failover ... completed" event since ${iso(since.requestedAt)}`
  };
  const conditions = [primary, event, ...settledConditions(view2)];
  const problem = terminalProblem(view2);
  if (problem) return failed(problem, conditions);
  if (changed && since.expectedPrimary !== void 0 && current !== since.expectedPrimary && settled(view2)) {
    return failed(`primary of node group ${since.nodeGroupId} is ${current}, expected ${since.expectedPrimary}`, conditions);
  }
  return verdict(conditions);
}
function judgeModify(view2, request2) {
  const mismatches = modifyMismatches(view2, request2);
  const values = {
    ok: mismatches.length === 0,
    evidence: mismatches.length === 0 ? `live values equal the requested ones: ${describeRequest(request2)}` : `mismatch: ${mismatches.join("; ")}`,
    waitingFor: `live values to equal the requested ones (${mismatches.join("; ")})`
  };
  const conditions = [...settledConditions(view2), values];
  const problem = terminalProblem(view2);
  if (problem) return failed(problem, conditions);
  if (mismatches.length > 0 && settled(view2)) return failed(`modification settled with ${mismatches.join("; ")}`, conditions);
  return verdict(conditions);
}
function modifyMismatches(view2, request2) {
  const out = [];
  const fields = [
    ["engine version", request2.engineVersion, (m) => m.engineVersion],
    ["node type", request2.cacheNodeType, (m) => m.cacheNodeType],
    ["parameter group", request2.cacheParameterGroupName, (m) => m.cacheParameterGroupName]
  ];
  for (const [label, wanted, read2] of fields) {
    if (wanted === void 0) continue;
    const off = view2.members.filter((m) => read2(m) !== wanted);
    if (off.length > 0 || view2.members.length === 0) {
      const lives = off.map((m) => `${m.cacheClusterId}=${JSON.stringify(read2(m) ?? null)}`).join(", ") || "no members";
      out.push(`${label} requested ${JSON.stringify(wanted)}, live ${lives}`);
    }
  }
  return out;
}
function judgeReboot(view2, cacheClusterIds, events, requestedAt) {
  const conditions = [];
  for (const id of cacheClusterIds) {
    const member = view2.members.find((m) => m.cacheClusterId === id);
    if (!member) return failed(`cache cluster ${id} is no longer a member of ${view2.replicationGroupId}`, conditions);
    if (MEMBER_TERMINAL.has(member.status)) return failed(`cache cluster ${id} is ${member.status}`, conditions);
    const restarted = events.filter((e) => e.sourceIdentifier === id && e.date >= requestedAt && REBOOT_COMPLETED.test(e.message));
    conditions.push({
      ok: restarted.length > 0,
      evidence: restarted.length > 0 ? `event: ${describeEvent(restarted[restarted.length - 1])}` : `no restart event for ${id} yet`,
      waitingFor: `a restart event for ${id} since ${iso(requestedAt)}`
    });
    conditions.push({
      ok: member.status === "available",
      evidence: `${id} status ${member.status}`,
      waitingFor: `${id} to be available (now ${member.status})`
    });
  }
  conditions.push(...settledConditions(view2));
  const problem = terminalProblem(view2);
  if (problem) return failed(problem, conditions);
  return verdict(conditions);
}
var UPDATE_TERMINAL_BAD = /* @__PURE__ */ new Set(["stopped", "not-applicable"]);
function judgeServiceUpdate(view2, serviceUpdateName, updateStatus) {
  const status = updateStatus ?? "absent";
  const conditions = [
    {
      ok: status === "complete",
      evidence: `update action ${serviceUpdateName} on ${view2.replicationGroupId}: ${status}`,
      waitingFor: `update action ${serviceUpdateName} to be complete (now ${status})`
    },
    ...settledConditions(view2)
  ];
  if (updateStatus === void 0) {
    return failed(`no update action ${serviceUpdateName} exists for ${view2.replicationGroupId}`, conditions);
  }
  if (UPDATE_TERMINAL_BAD.has(status)) return failed(`update action ${serviceUpdateName} is ${status}`, conditions);
  const problem = terminalProblem(view2);
  if (problem) return failed(problem, conditions);
  return verdict(conditions);
}
function settled(view2) {
  return settledConditions(view2).every((c) => c.ok);
}
function settledConditions(view2) {
  const notAvailable = view2.members.filter((m) => m.status !== "available");
  const pendingMembers = view2.members.filter((m) => Object.keys(m.pendingModifiedValues ?? {}).length > 0);
  const groupPending = Object.keys(view2.pendingModifiedValues);
  const pendingText = [
    ...groupPending.length > 0 ? [`group: ${groupPending.join(", ")}`] : [],
    ...pendingMembers.map((m) => `${m.cacheClusterId}: ${Object.keys(m.pendingModifiedValues ?? {}).join(", ")}`)
  ].join("; ");
  return [
    {
      ok: view2.status === "available",
      evidence: `group ${view2.replicationGroupId} status ${view2.status}`,
      waitingFor: `group ${view2.replicationGroupId} to be available (now ${view2.status})`
    },
    {
      ok: notAvailable.length === 0,
      evidence: notAvailable.length === 0 ? `all ${view2.members.length} members available` : `members not available: ${notAvailable.map((m) => `${m.cacheClusterId} ${m.status}`).join(", ")}`,
      waitingFor: `every member to be available (${notAvailable.map((m) => `${m.cacheClusterId} ${m.status}`).join(", ")})`
    },
    {
      ok: pendingText === "",
      evidence: pendingText === "" ? "nothing pending" : `pending: ${pendingText}`,
      waitingFor: `pending modifications to clear (${pendingText})`
    }
  ];
}
function terminalProblem(view2) {
  if (GROUP_TERMINAL.has(view2.status)) return `group ${view2.replicationGroupId} is ${view2.status}`;
  const broken = view2.members.filter((m) => MEMBER_TERMINAL.has(m.status));
  if (broken.length > 0) return `members ${broken.map((m) => `${m.cacheClusterId} ${m.status}`).join(", ")}`;
  return void 0;
}
function verdict(conditions) {
  const evidence = conditions.map((c) => c.evidence);
  const unmet = conditions.filter((c) => !c.ok);
  if (unmet.length === 0) return { status: "complete", evidence };
  return { status: "not-yet", waitingFor: unmet.map((c) => c.waitingFor).join("; "), evidence };
}
function failed(reason, conditions) {
  return { status: "failed", reason, evidence: conditions.map((c) => c.evidence) };
}
function describeRequest(request2) {
  return Object.entries(request2).filter(([, v]) => v !== void 0).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
}
function describeEvent(e) {
  return `${iso(e.date)} ${e.sourceIdentifier}: ${e.message}`;
}
function iso(ms2) {
  return new Date(ms2).toISOString();
}

// src/adapters/shared-reads.ts
var SHARED_READ_MS = 500;
var SharedReads = class {
  constructor(clock, windowMs = SHARED_READ_MS) {
    this.clock = clock;
    this.windowMs = windowMs;
  }
  clock;
  windowMs;
  generation = 0;
  writing = 0;
  entries = /* @__PURE__ */ new Map();
  read(key, load) {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (this.writing === 0 && hit && hit.generation === this.generation && now - hit.at < this.windowMs && now >= hit.at) return waitIdle(this.clock, hit.value);
    const generation = this.generation;
    const value = load();
    this.entries.set(key, { at: now, generation, value });
    value.then(void 0, () => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
  /** Records what a caller read by other means (the read of a weight change that sent nothing). */
  seed(key, at, value) {
    if (this.clock.now() - at < this.windowMs) this.entries.set(key, { at, generation: this.generation, value: Promise.resolve(value) });
  }
  /** Before and after each write: nothing read before it is shared after it. */
  written() {
    this.generation++;
    this.entries.clear();
  }
  async write(send) {
    this.written();
    this.writing++;
    try {
      return await send();
    } finally {
      this.writing--;
      this.written();
    }
  }
};
var forwardKey = (location) => `forward|${location.listenerArn}|${location.ruleArn ?? ""}`;
function sharedTrafficReads(port, clock, windowMs = SHARED_READ_MS) {
  const memo = new SharedReads(clock, windowMs);
  const forward = (location) => memo.read(forwardKey(location), () => port.readForwardConfig(location));
  return {
    ...port,
    readForwardConfig: forward,
    async verifyWeight(location, targetGroupArn, weight) {
      const live = (await forward(location)).targetGroups.find((g) => g.targetGroupArn === targetGroupArn)?.weight ?? null;
      return live === weight ? { status: "ok", live } : { status: "not-yet", live, expected: weight };
    },
    async setWeight(location, targetGroupArn, weight) {
      const sentAt = clock.now();
      const result = await memo.write(() => port.setWeight(location, targetGroupArn, weight));
      if (!result.changed) memo.seed(forwardKey(location), sentAt, result.before);
      return result;
    },
    describeTargetHealth: (targetGroupArn, targets2) => memo.read(`health|${targetGroupArn}|${(targets2 ?? []).map((t) => `${t.id}:${t.port ?? ""}`).join(",")}`, () => port.describeTargetHealth(targetGroupArn, targets2)),
    findCanaryRules: (listenerArn, headerName) => memo.read(`canary|${listenerArn}|${headerName.toLowerCase()}`, () => port.findCanaryRules(listenerArn, headerName)),
    deregisterTargets: (targetGroupArn, targets2) => memo.write(() => port.deregisterTargets(targetGroupArn, targets2)),
    registerTargets: (targetGroupArn, targets2) => memo.write(() => port.registerTargets(targetGroupArn, targets2)),
    createCanaryRule: (listenerArn, spec) => memo.write(() => port.createCanaryRule(listenerArn, spec)),
    deleteCanaryRule: (ruleArn) => memo.write(() => port.deleteCanaryRule(ruleArn))
  };
}

// src/adapters/elasticache-cache.ts
var IN_PROGRESS_STATUSES = ["in-progress", "scheduling", "stopping", "waiting-to-start"];
var ALREADY_APPLIED = /* @__PURE__ */ new Set(["complete", "in-progress", "waiting-to-start", "scheduling"]);
function createElastiCacheCache(options) {
  const { client } = options;
  const logger2 = options.logger ?? silentLogger;
  const call = createAwsCaller(options.clock, options.budget, "ElastiCache", logger2);
  const shared = new SharedReads(options.clock, options.sharedReadMs ?? SHARED_READ_MS);
  async function describeGroup(replicationGroupId) {
    const out = await call(
      "DescribeReplicationGroups",
      replicationGroupId,
      () => client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }))
    );
    const rg = out.ReplicationGroups?.find((g) => g.ReplicationGroupId === replicationGroupId);
    if (!rg) throw new UnexpectedResponseError(`DescribeReplicationGroups returned no group ${replicationGroupId}`);
    return rg;
  }
  async function describeCluster(cacheClusterId) {
    const out = await call(
      "DescribeCacheClusters",
      cacheClusterId,
      () => client.send(new DescribeCacheClustersCommand({ CacheClusterId: cacheClusterId, ShowCacheNodeInfo: true }))
    );
    const cluster3 = out.CacheClusters?.find((c) => c.CacheClusterId === cacheClusterId);
    if (!cluster3) throw new UnexpectedResponseError(`DescribeCacheClusters returned no cluster ${cacheClusterId}`);
    return cluster3;
  }
  const groupListing = { pays: true };
  const fleetListing = { pays: true };
  async function membersOf(replicationGroupId, ids, listing = groupListing) {
    const found = /* @__PURE__ */ new Map();
    if (ids.length > 1 && listing.pays) {
      const wanted = new Set(ids);
      let marker;
      let pages = 0;
      do {
        const out = await call(
          "DescribeCacheClusters",
          replicationGroupId,
          () => client.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true, MaxRecords: 100, ...marker ? { Marker: marker } : {} }))
        );
        pages++;
        for (const c of out?.CacheClusters ?? []) if (c.CacheClusterId && wanted.has(c.CacheClusterId)) found.set(c.CacheClusterId, c);
        marker = out?.Marker;
      } while (marker && found.size < wanted.size);
      if (pages > ids.length) listing.pays = false;
    }
    const clusters2 = [];
    for (const id of ids) clusters2.push(found.get(id) ?? await describeCluster(id));
    return clusters2;
  }
  const loadedKey = (replicationGroupId) => `group|${replicationGroupId}`;
  function load(replicationGroupId) {
    return shared.read(loadedKey(replicationGroupId), async () => {
      const rg = await describeGroup(replicationGroupId);
      const clusters2 = await membersOf(replicationGroupId, memberClusterIds(rg));
      return { rg, clusters: clusters2, view: toReplicationGroupView(rg, clusters2) };
    });
  }
  let groupListingPays = true;
  async function loadMany(ids) {
    const unique2 = [...new Set(ids)];
    if (unique2.length < 2 || !groupListingPays) return Promise.all(unique2.map(load));
    const wanted = new Set(unique2);
    const groups = /* @__PURE__ */ new Map();
    let marker;
    let pages = 0;
    do {
      const out2 = await call(
        "DescribeReplicationGroups",
        unique2.join(","),
        () => client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 100, ...marker ? { Marker: marker } : {} }))
      );
      pages++;
      for (const g of out2.ReplicationGroups ?? []) if (g.ReplicationGroupId && wanted.has(g.ReplicationGroupId)) groups.set(g.ReplicationGroupId, g);
      marker = out2.Marker;
    } while (marker && groups.size < wanted.size);
    if (pages > unique2.length) groupListingPays = false;
    const listed = unique2.filter((id) => groups.has(id));
    const members = await membersOf(listed.join(","), listed.flatMap((id) => memberClusterIds(groups.get(id))), fleetListing);
    const byId = new Map(members.map((c) => [c.CacheClusterId, c]));
    const now = options.clock.now();
    const out = [];
    for (const id of unique2) {
      const rg = groups.get(id);
      if (!rg) {
        out.push(await load(id));
        continue;
      }
      const clusters2 = memberClusterIds(rg).map((m) => byId.get(m)).filter((c) => c !== void 0);
      const loaded = { rg, clusters: clusters2, view: toReplicationGroupView(rg, clusters2) };
      shared.seed(loadedKey(id), now, loaded);
      out.push(loaded);
    }
    return out;
  }
  async function eventsOf(sourceType, sourceIdentifier, sinceMs) {
    const events = [];
    let marker;
    do {
      const out = await call(
        "DescribeEvents",
        sourceIdentifier,
        () => client.send(
          new DescribeEventsCommand({
            SourceType: sourceType,
            SourceIdentifier: sourceIdentifier,
            StartTime: new Date(sinceMs),
            MaxRecords: 100,
            ...marker ? { Marker: marker } : {}
          })
        )
      );
      for (const e of out.Events ?? []) {
        events.push({ date: e.Date?.getTime() ?? 0, message: e.Message ?? "", sourceIdentifier: e.SourceIdentifier ?? sourceIdentifier });
      }
      marker = out.Marker;
    } while (marker);
    return events;
  }
  async function eventsFrom(ids, sinceMs) {
    const wanted = new Set(ids);
    const events = [];
    let marker;
    do {
      const out = await call(
        "DescribeEvents",
        ids.join(","),
        () => client.send(new DescribeEventsCommand({ StartTime: new Date(sinceMs), MaxRecords: 100, ...marker ? { Marker: marker } : {} }))
      );
      for (const e of out.Events ?? []) {
        if (!wanted.has(e.SourceIdentifier ?? "")) continue;
        events.push({ date: e.Date?.getTime() ?? 0, message: e.Message ?? "", sourceIdentifier: e.SourceIdentifier ?? "" });
      }
      marker = out.Marker;
    } while (marker);
    return events.sort((a, b) => a.date - b.date);
  }
  async function eventsFor(rg, sinceMs) {
    const id = rg.ReplicationGroupId ?? "";
    const all = await eventsOf("replication-group", id, sinceMs);
    for (const member of memberClusterIds(rg)) all.push(...await eventsOf("cache-cluster", member, sinceMs));
    const seen = /* @__PURE__ */ new Set();
    return all.filter((e) => {
      const key = `${e.date}|${e.sourceIdentifier}|${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }).sort((a, b) => a.date - b.date);
  }
  async function updateActions(input, resource) {
    const actions = [];
    let marker;
    do {
      const out = await call(
        "DescribeUpdateActions",
        resource,
        () => client.send(new DescribeUpdateActionsCommand({ ...input, ...marker ? { Marker: marker } : {} }))
      );
      actions.push(...out.UpdateActions ?? []);
      marker = out.Marker;
    } while (marker);
    return actions;
  }
  async function updateActionStatus(replicationGroupId, serviceUpdateName) {
    const actions = await updateActions(
      { ServiceUpdateName: serviceUpdateName, ReplicationGroupIds: [replicationGroupId] },
      replicationGroupId
    );
    return actions.find((a) => a.ReplicationGroupId === replicationGroupId && a.ServiceUpdateName === serviceUpdateName)?.UpdateActionStatus;
  }
  const port = {
    async describe(replicationGroupId) {
      return (await load(replicationGroupId)).view;
    },
    async describeMany(replicationGroupIds) {
      return (await loadMany(replicationGroupIds)).map((l) => l.view);
    },
    async events(replicationGroupId, sinceMs) {
      return eventsFor(await describeGroup(replicationGroupId), sinceMs);
    },
    recentEvents: eventsFrom,
    async startFailover(replicationGroupId, request2) {
      if (request2.method === "test-failover") {
        await shared.write(() => call(
          "TestFailover",
          replicationGroupId,
          () => client.send(new TestFailoverCommand({ ReplicationGroupId: replicationGroupId, NodeGroupId: request2.nodeGroupId }))
        ));
        return;
      }
      const { view: view2 } = await load(replicationGroupId);
      if (!view2.members.some((m) => m.cacheClusterId === request2.primaryClusterId)) {
        throw new RefusedError(`${request2.primaryClusterId} is not a member of ${replicationGroupId}`);
      }
      if (Object.values(view2.primaries).includes(request2.primaryClusterId)) {
        logger2.info({ replicationGroupId, primaryClusterId: request2.primaryClusterId }, "already primary; nothing sent");
        return;
      }
      await shared.write(() => call(
        "ModifyReplicationGroup",
        replicationGroupId,
        () => client.send(
          new ModifyReplicationGroupCommand({
            ReplicationGroupId: replicationGroupId,
            PrimaryClusterId: request2.primaryClusterId,
            ApplyImmediately: true
          })
        )
      ));
    },
    async observeFailover(replicationGroupId, since, knownEvents) {
      const { rg, view: view2 } = await load(replicationGroupId);
      const events = knownEvents ?? await eventsFor(rg, since.requestedAt);
      return judgeFailover(view2, events, since);
    },
    async modify(replicationGroupId, request2) {
      const changes = definedChanges(request2);
      if (Object.keys(changes).length === 0) throw new RefusedError(`modify ${replicationGroupId}: nothing requested`);
      const { view: view2 } = await load(replicationGroupId);
      if (modifyMismatches(view2, request2).length === 0 || requestedAlreadyPending(view2, changes)) {
        logger2.info({ replicationGroupId, request: changes }, "requested values already live or pending; nothing sent");
        return;
      }
      await shared.write(() => call(
        "ModifyReplicationGroup",
        replicationGroupId,
        () => client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: replicationGroupId, ...changes, ApplyImmediately: true }))
      ));
    },
    async observeModify(replicationGroupId, request2) {
      const { view: view2 } = await load(replicationGroupId);
      return judgeModify(view2, request2);
    },
    async reboot(replicationGroupId, cacheClusterIds) {
      if (cacheClusterIds.length === 0) throw new RefusedError(`reboot ${replicationGroupId}: no cache clusters named`);
      const { clusters: clusters2, view: view2 } = await load(replicationGroupId);
      if (view2.clusterMode === "enabled") {
        throw new RefusedError(
          `reboot refused: ${replicationGroupId} has cluster mode enabled, and RebootCacheCluster supports cluster mode disabled only`
        );
      }
      for (const id of cacheClusterIds) {
        const cluster3 = clusters2.find((c) => c.CacheClusterId === id);
        if (!cluster3) throw new RefusedError(`reboot refused: ${id} is not a member of ${replicationGroupId}`);
        if (cluster3.CacheClusterStatus === "rebooting cluster nodes") {
          logger2.info({ replicationGroupId, cacheClusterId: id }, "already rebooting; nothing sent");
          continue;
        }
        const nodeIds = (cluster3.CacheNodes ?? []).map((n) => n.CacheNodeId).filter((n) => !!n);
        if (nodeIds.length === 0) throw new UnexpectedResponseError(`DescribeCacheClusters reported no cache nodes for ${id}`);
        await shared.write(() => call(
          "RebootCacheCluster",
          id,
          () => client.send(new RebootCacheClusterCommand({ CacheClusterId: id, CacheNodeIdsToReboot: nodeIds }))
        ));
      }
    },
    async observeReboot(replicationGroupId, cacheClusterIds, requestedAt) {
      const { rg, view: view2 } = await load(replicationGroupId);
      const events = await eventsFor(rg, requestedAt);
      return judgeReboot(view2, cacheClusterIds, events, requestedAt);
    },
    async applyServiceUpdate(replicationGroupId, serviceUpdateName) {
      const status = await updateActionStatus(replicationGroupId, serviceUpdateName);
      if (status === void 0 || status === "not-applicable") {
        throw new RefusedError(`service update ${serviceUpdateName} does not apply to ${replicationGroupId} (${status ?? "no update action"})`);
      }
      if (status === "stopping") {
        throw new RefusedError(`service update ${serviceUpdateName} on ${replicationGroupId} is being stopped; apply it again once stopped`);
      }
      if (ALREADY_APPLIED.has(status)) {
        logger2.info({ replicationGroupId, serviceUpdateName, status }, "service update already applied or underway; nothing sent");
        return;
      }
      const out = await shared.write(() => call(
        "BatchApplyUpdateAction",
        replicationGroupId,
        () => client.send(new BatchApplyUpdateActionCommand({ ReplicationGroupIds: [replicationGroupId], ServiceUpdateName: serviceUpdateName }))
      ));
      const unprocessed = out.UnprocessedUpdateActions ?? [];
      const first = unprocessed[0];
      if (first) {
        throw new AwsCallError({
          service: "ElastiCache",
          operation: "BatchApplyUpdateAction",
          resource: `${replicationGroupId} (${serviceUpdateName})`,
          code: first.ErrorType ?? "UnprocessedUpdateAction",
          classification: "fatal",
          attempts: out.$metadata?.attempts ?? 1,
          awsMessage: oneLine(
            unprocessed.map((u) => `${u.ReplicationGroupId ?? u.CacheClusterId ?? "?"} unprocessed: ${u.ErrorMessage ?? u.ErrorType ?? "no reason given"}`).join("; ")
          )
        });
      }
    },
    async observeServiceUpdate(replicationGroupId, serviceUpdateName) {
      const status = await updateActionStatus(replicationGroupId, serviceUpdateName);
      const { view: view2 } = await load(replicationGroupId);
      return judgeServiceUpdate(view2, serviceUpdateName, status);
    },
    async updateActionsInProgress(replicationGroupId) {
      const actions = await updateActions(
        { ReplicationGroupIds: [replicationGroupId], UpdateActionStatus: IN_PROGRESS_STATUSES },
        replicationGroupId
      );
      return actions.filter((a) => (a.ReplicationGroupId ?? replicationGroupId) === replicationGroupId).filter((a) => a.UpdateActionStatus !== void 0 && IN_PROGRESS_STATUSES.includes(a.UpdateActionStatus)).map((a) => ({
        serviceUpdateName: a.ServiceUpdateName ?? "",
        replicationGroupId,
        status: a.UpdateActionStatus ?? "unknown"
      }));
    }
  };
  return port;
}
function definedChanges(request2) {
  return {
    ...request2.engineVersion !== void 0 ? { EngineVersion: request2.engineVersion } : {},
    ...request2.cacheNodeType !== void 0 ? { CacheNodeType: request2.cacheNodeType } : {},
    ...request2.cacheParameterGroupName !== void 0 ? { CacheParameterGroupName: request2.cacheParameterGroupName } : {}
  };
}
function requestedAlreadyPending(view2, changes) {
  if (changes.CacheParameterGroupName !== void 0 || view2.members.length === 0) return false;
  return view2.members.every((m) => {
    const pending = m.pendingModifiedValues ?? {};
    const engineOk = changes.EngineVersion === void 0 || m.engineVersion === changes.EngineVersion || pending["EngineVersion"] === changes.EngineVersion;
    const typeOk = changes.CacheNodeType === void 0 || m.cacheNodeType === changes.CacheNodeType || pending["CacheNodeType"] === changes.CacheNodeType;
    return engineOk && typeOk;
  });
}

// src/adapters/elbv2-traffic.ts
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RegisterTargetsCommand
} from "@aws-sdk/client-elastic-load-balancing-v2";

// src/adapters/elbv2-actions.ts
function forwardActionIndex(actions) {
  return actions.findIndex((a) => a.Type === "forward");
}
function toForwardConfig(action) {
  const tuples = action.ForwardConfig?.TargetGroups ?? [];
  const targetGroups = tuples.length > 0 ? tuples.map((t) => ({ targetGroupArn: t.TargetGroupArn ?? "", weight: t.Weight ?? 1 })) : action.TargetGroupArn ? [{ targetGroupArn: action.TargetGroupArn, weight: 1 }] : [];
  const sticky = action.ForwardConfig?.TargetGroupStickinessConfig;
  return {
    targetGroups,
    stickiness: {
      enabled: sticky?.Enabled === true,
      ...sticky?.DurationSeconds !== void 0 ? { durationSeconds: sticky.DurationSeconds } : {}
    }
  };
}
function withGroupWeight(actions, targetGroupArn, weight) {
  const index = forwardActionIndex(actions);
  return actions.map((action, i) => {
    if (i !== index) return forWriting(action);
    const current = toForwardConfig(action);
    const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false };
    const { TargetGroupArn: _single, ...rest } = action;
    return {
      ...rest,
      ForwardConfig: {
        TargetGroups: current.targetGroups.map((g) => ({
          TargetGroupArn: g.targetGroupArn,
          Weight: g.targetGroupArn === targetGroupArn ? weight : g.weight
        })),
        TargetGroupStickinessConfig: { ...stickiness }
      }
    };
  });
}
function forWriting(action) {
  const oidc = action.AuthenticateOidcConfig;
  if (oidc && oidc.ClientSecret === void 0) {
    return { ...action, AuthenticateOidcConfig: { ...oidc, UseExistingClientSecret: true } };
  }
  return { ...action };
}

// src/adapters/elbv2-traffic.ts
var CANARY_RULE_TAG = "quiesce:canary";
var MIN_PRIORITY = 1;
var MAX_PRIORITY = 5e4;
var DEFAULT_DEREGISTRATION_DELAY_S = 300;
var DEFAULT_READ_BACK_WAIT_MS = 12e4;
var READ_BACK_POLL_MS = [1e3, 2e3, 4e3, 5e3];
function createElbv2Traffic(options) {
  const { client } = options;
  const logger2 = options.logger ?? silentLogger;
  const call = createAwsCaller(options.clock, options.budget, "ELBv2", logger2);
  const maxConflicts = options.maxPriorityConflicts ?? 10;
  const readBackWaitMs = options.readBackWaitMs ?? DEFAULT_READ_BACK_WAIT_MS;
  const queues = /* @__PURE__ */ new Map();
  const written = /* @__PURE__ */ new Map();
  async function serialized(location, change) {
    const key = locationKey(location);
    const previous = queues.get(key) ?? Promise.resolve();
    let release2;
    const mine = new Promise((resolve2) => release2 = resolve2);
    const tail = previous.then(() => mine);
    queues.set(key, tail);
    await waitIdle(options.clock, previous);
    try {
      return await change();
    } finally {
      release2();
      if (queues.get(key) === tail) queues.delete(key);
    }
  }
  async function readAfterOwnWrite(location) {
    const key = locationKey(location);
    const expected = written.get(key);
    const started2 = options.clock.now();
    for (let attempt = 0; ; attempt++) {
      const read2 = await readForward(location);
      if (!expected || sameWeights(read2.forward, expected)) {
        written.delete(key);
        return read2;
      }
      const waited = options.clock.now() - started2;
      if (waited >= readBackWaitMs) {
        logger2.warn({ location, expected: expected.targetGroups, live: read2.forward.targetGroups, waitedMs: waited }, "the previous weight change never read back; building on the live forward");
        written.delete(key);
        return read2;
      }
      const pause = READ_BACK_POLL_MS[Math.min(attempt, READ_BACK_POLL_MS.length - 1)];
      await options.clock.sleep(Math.min(pause, readBackWaitMs - waited));
    }
  }
  async function readActions(location) {
    if (location.ruleArn) {
      const ruleArn = location.ruleArn;
      const out = await call("DescribeRules", ruleArn, () => client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })));
      const rule = out.Rules?.find((r) => r.RuleArn === ruleArn);
      if (!rule) throw new UnexpectedResponseError(`DescribeRules returned no rule ${ruleArn}`);
      return rule.Actions ?? [];
    }
    const listener = await describeListener(location.listenerArn);
    return listener.DefaultActions ?? [];
  }
  async function describeListener(listenerArn) {
    const out = await call(
      "DescribeListeners",
      listenerArn,
      () => client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))
    );
    const listener = out.Listeners?.find((l) => l.ListenerArn === listenerArn);
    if (!listener) throw new UnexpectedResponseError(`DescribeListeners returned no listener ${listenerArn}`);
    return listener;
  }
  async function readForward(location) {
    const actions = await readActions(location);
    const index = forwardActionIndex(actions);
    const action = actions[index];
    if (!action) {
      throw new RefusedError(`${describeLocation(location)} has no forward action: quiesce weights only forward actions`);
    }
    return { actions, index, forward: toForwardConfig(action) };
  }
  async function writeActions(location, actions) {
    if (location.ruleArn) {
      const ruleArn = location.ruleArn;
      await call("ModifyRule", ruleArn, () => client.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: actions })));
    } else {
      await call(
        "ModifyListener",
        location.listenerArn,
        () => client.send(new ModifyListenerCommand({ ListenerArn: location.listenerArn, DefaultActions: actions }))
      );
    }
  }
  async function listRules(listenerArn) {
    const rules = [];
    let marker;
    do {
      const out = await call(
        "DescribeRules",
        listenerArn,
        () => client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, ...marker ? { Marker: marker } : {} }))
      );
      rules.push(...out.Rules ?? []);
      marker = out.NextMarker;
    } while (marker);
    return rules;
  }
  const port = {
    async readForwardConfig(location) {
      return (await readForward(location)).forward;
    },
    async setWeight(location, targetGroupArn, weight) {
      assertWeight(weight);
      return serialized(location, async () => {
        const { actions, index, forward: before } = await readAfterOwnWrite(location);
        const group = before.targetGroups.find((g) => g.targetGroupArn === targetGroupArn);
        if (!group) {
          throw new RefusedError(`${targetGroupArn} is not in the forward action of ${describeLocation(location)}`);
        }
        if (group.weight === weight) {
          logger2.debug({ location, targetGroupArn, weight }, "weight already set; nothing sent");
          return { changed: false, before, after: before };
        }
        const next = withGroupWeight(actions, targetGroupArn, weight);
        const sent = next[index];
        const after = sent ? toForwardConfig(sent) : before;
        written.set(locationKey(location), after);
        await writeActions(location, next);
        logger2.info({ location, targetGroupArn, from: group.weight, to: weight }, "forward weight changed");
        return { changed: true, before, after };
      });
    },
    async verifyWeight(location, targetGroupArn, weight) {
      const { forward } = await readForward(location);
      const live = forward.targetGroups.find((g) => g.targetGroupArn === targetGroupArn)?.weight ?? null;
      return live === weight ? { status: "ok", live } : { status: "not-yet", live, expected: weight };
    },
    async listTargets(targetGroupArn) {
      const health = await port.describeTargetHealth(targetGroupArn);
      return health.filter((h) => h.reason !== "Target.NotRegistered").map((h) => h.target);
    },
    async describeTargetHealth(targetGroupArn, targets2) {
      const out = await call(
        "DescribeTargetHealth",
        targetGroupArn,
        () => client.send(
          new DescribeTargetHealthCommand({
            TargetGroupArn: targetGroupArn,
            ...targets2 && targets2.length > 0 ? { Targets: targets2.map(toTargetDescription) } : {}
          })
        )
      );
      return (out.TargetHealthDescriptions ?? []).map((d) => {
        const reason = d.TargetHealth?.Reason;
        const description = d.TargetHealth?.Description;
        return {
          target: toTargetRef(d.Target),
          // AWS always reports a state; should it not, "unavailable" claims nothing about health.
          state: d.TargetHealth?.State ?? "unavailable",
          ...reason ? { reason } : {},
          ...description ? { description } : {}
        };
      });
    },
    async deregisterTargets(targetGroupArn, targets2) {
      if (targets2.length === 0) return;
      await call(
        "DeregisterTargets",
        targetGroupArn,
        () => client.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets2.map(toTargetDescription) }))
      );
    },
    async registerTargets(targetGroupArn, targets2) {
      if (targets2.length === 0) return;
      await call(
        "RegisterTargets",
        targetGroupArn,
        () => client.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: targets2.map(toTargetDescription) }))
      );
    },
    async describeTargetGroup(targetGroupArn) {
      const groups = await call(
        "DescribeTargetGroups",
        targetGroupArn,
        () => client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] }))
      );
      const tg = groups.TargetGroups?.find((g) => g.TargetGroupArn === targetGroupArn);
      if (!tg) throw new UnexpectedResponseError(`DescribeTargetGroups returned no target group ${targetGroupArn}`);
      const attrsOut = await call(
        "DescribeTargetGroupAttributes",
        targetGroupArn,
        () => client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn }))
      );
      const attrs = new Map((attrsOut.Attributes ?? []).map((a) => [a.Key ?? "", a.Value ?? ""]));
      const stickinessType = attrs.get("stickiness.type");
      const durationKey = stickinessType === "app_cookie" ? "stickiness.app_cookie.duration_seconds" : "stickiness.lb_cookie.duration_seconds";
      const delay = attrs.get("deregistration_delay.timeout_seconds");
      const duration3 = attrs.get(durationKey);
      const matcher = tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode;
      return {
        targetGroupArn,
        loadBalancerArns: tg.LoadBalancerArns ?? [],
        targetType: tg.TargetType ?? "instance",
        // Absent only for target types without draining (lambda); AWS's documented default otherwise.
        deregistrationDelaySeconds: delay !== void 0 && delay !== "" ? Number(delay) : DEFAULT_DEREGISTRATION_DELAY_S,
        healthCheck: {
          intervalSeconds: tg.HealthCheckIntervalSeconds ?? 30,
          timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? 5,
          healthyThreshold: tg.HealthyThresholdCount ?? 5,
          unhealthyThreshold: tg.UnhealthyThresholdCount ?? 2,
          ...matcher ? { matcher } : {},
          ...tg.HealthCheckPath ? { path: tg.HealthCheckPath } : {}
        },
        stickiness: {
          enabled: attrs.get("stickiness.enabled") === "true",
          ...stickinessType ? { type: stickinessType } : {},
          ...duration3 !== void 0 && duration3 !== "" ? { durationSeconds: Number(duration3) } : {}
        }
      };
    },
    async loadBalancerDnsName(listenerArn) {
      const listener = await describeListener(listenerArn);
      const lbArn = listener.LoadBalancerArn;
      if (!lbArn) throw new UnexpectedResponseError(`listener ${listenerArn} reports no load balancer`);
      const out = await call(
        "DescribeLoadBalancers",
        lbArn,
        () => client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))
      );
      const dns = out.LoadBalancers?.find((lb) => lb.LoadBalancerArn === lbArn)?.DNSName;
      if (!dns) throw new UnexpectedResponseError(`DescribeLoadBalancers returned no DNS name for ${lbArn}`);
      return dns;
    },
    async createCanaryRule(listenerArn, spec) {
      const rules = await listRules(listenerArn);
      const existing = rules.map(toCanaryRule).find(
        (c) => c !== void 0 && sameHeader(c.headerName, spec.headerName) && c.headerValue.toLowerCase() === spec.headerValue.toLowerCase() && c.targetGroupArn === spec.targetGroupArn
      );
      if (existing) {
        logger2.info({ listenerArn, ruleArn: existing.ruleArn }, "canary rule already present; reusing it");
        return existing;
      }
      const used = new Set(rules.map((r) => Number(r.Priority)).filter((p) => Number.isInteger(p)));
      let priority = lowestFreePriority(used, MIN_PRIORITY);
      for (let conflicts = 0; priority !== void 0 && conflicts <= maxConflicts; conflicts++) {
        const chosen = priority;
        try {
          const out = await call(
            "CreateRule",
            listenerArn,
            () => client.send(
              new CreateRuleCommand({
                ListenerArn: listenerArn,
                Priority: chosen,
                Conditions: [{ Field: "http-header", HttpHeaderConfig: { HttpHeaderName: spec.headerName, Values: [spec.headerValue] } }],
                Actions: [
                  { Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: spec.targetGroupArn, Weight: 1 }] } }
                ],
                // The deployed policy lets quiesce delete only rules carrying this tag (infra/permissions.ts).
                Tags: [{ Key: CANARY_RULE_TAG, Value: spec.headerValue }]
              })
            )
          );
          const ruleArn = out.Rules?.[0]?.RuleArn;
          if (!ruleArn) throw new UnexpectedResponseError(`CreateRule on ${listenerArn} returned no rule ARN`);
          return { ruleArn, priority: chosen, ...spec };
        } catch (err) {
          if (!(err instanceof AwsCallError && hasAwsErrorCode(err.cause, "PriorityInUse"))) throw err;
          logger2.info({ listenerArn, priority: chosen }, "rule priority taken meanwhile; trying the next free one");
          used.add(chosen);
          priority = lowestFreePriority(used, chosen + 1);
        }
      }
      throw new RefusedError(
        priority === void 0 ? `listener ${listenerArn} has no free rule priority in ${MIN_PRIORITY}..${MAX_PRIORITY}` : `listener ${listenerArn}: rule priorities kept being taken (${maxConflicts + 1} conflicts); is another tool editing it?`
      );
    },
    async deleteCanaryRule(ruleArn) {
      try {
        await call("DeleteRule", ruleArn, () => client.send(new DeleteRuleCommand({ RuleArn: ruleArn })));
      } catch (err) {
        if (err instanceof AwsCallError && hasAwsErrorCode(err.cause, "RuleNotFound")) {
          logger2.info({ ruleArn }, "canary rule already deleted");
          return;
        }
        throw err;
      }
    },
    async findCanaryRules(listenerArn, headerName) {
      const rules = await listRules(listenerArn);
      return rules.map(toCanaryRule).filter((c) => c !== void 0 && sameHeader(c.headerName, headerName));
    }
  };
  return port;
}
function assertWeight(weight) {
  if (!Number.isInteger(weight) || weight < 0 || weight > 999) {
    throw new RefusedError(`weight ${weight} is outside 0..999 (ELBv2 forward weights are integers)`);
  }
}
function locationKey(location) {
  return `${location.listenerArn}|${location.ruleArn ?? ""}`;
}
function sameWeights(a, b) {
  if (a.targetGroups.length !== b.targetGroups.length) return false;
  const weights = new Map(a.targetGroups.map((g) => [g.targetGroupArn, g.weight]));
  return b.targetGroups.every((g) => weights.get(g.targetGroupArn) === g.weight);
}
function describeLocation(location) {
  return location.ruleArn ? `rule ${location.ruleArn}` : `default action of listener ${location.listenerArn}`;
}
function lowestFreePriority(used, from) {
  for (let p = Math.max(from, MIN_PRIORITY); p <= MAX_PRIORITY; p++) if (!used.has(p)) return p;
  return void 0;
}
function sameHeader(a, b) {
  return a.toLowerCase() === b.toLowerCase();
}
function toCanaryRule(rule) {
  if (rule.IsDefault || !rule.RuleArn) return void 0;
  const conditions = rule.Conditions ?? [];
  const header = conditions[0]?.HttpHeaderConfig;
  if (conditions.length !== 1 || conditions[0]?.Field !== "http-header" || !header?.HttpHeaderName) return void 0;
  const actions = rule.Actions ?? [];
  const forward = actions[forwardActionIndex(actions)];
  if (actions.length !== 1 || !forward) return void 0;
  const groups = toForwardConfig(forward).targetGroups;
  if (groups.length !== 1 || !groups[0]) return void 0;
  return {
    ruleArn: rule.RuleArn,
    priority: Number(rule.Priority),
    headerName: header.HttpHeaderName,
    headerValue: header.Values?.[0] ?? "",
    targetGroupArn: groups[0].targetGroupArn
  };
}
function toTargetDescription(target) {
  return {
    Id: target.id,
    ...target.port !== void 0 ? { Port: target.port } : {},
    ...target.availabilityZone ? { AvailabilityZone: target.availabilityZone } : {}
  };
}
function toTargetRef(target) {
  return {
    id: target?.Id ?? "",
    ...target?.Port !== void 0 ? { port: target.Port } : {},
    ...target?.AvailabilityZone ? { availabilityZone: target.AvailabilityZone } : {}
  };
}

// src/run/connection-ports.ts
function connectionPorts(clients, clock, logger2, random) {
  const common = { clock, budget: random ? { ...DEFAULT_RETRY_BUDGET, random } : DEFAULT_RETRY_BUDGET, logger: logger2 };
  return {
    traffic: sharedTrafficReads(createElbv2Traffic({ client: clients.elbv2, ...common }), clock),
    cache: createElastiCacheCache({ client: clients.elasticache, ...common }),
    metrics: createCloudWatchMetrics({ client: clients.cloudwatch, ...common })
  };
}

// src/probes/errors.ts
var ProbeError = class extends QuiesceError {
};

// src/probes/http-canary.ts
import { randomUUID } from "node:crypto";

// src/probes/fetch-outcome.ts
function describeFetchFailure(err, timeoutMs) {
  if (!(err instanceof Error)) return void 0;
  if (err.name === "TimeoutError" || err.name === "AbortError") {
    return { kind: "timeout", message: `no response within ${timeoutMs}ms` };
  }
  if (err instanceof TypeError && (err.message === "fetch failed" || err.message === "terminated")) {
    const cause = err.cause;
    if (cause?.name === "TimeoutError" || cause?.name === "AbortError") {
      return { kind: "timeout", message: `no response within ${timeoutMs}ms` };
    }
    const code = cause?.code;
    if (code === "ECONNREFUSED") return { kind: "network", message: "connection refused (ECONNREFUSED)" };
    if (code === "ENOTFOUND") return { kind: "network", message: "host not found (ENOTFOUND)" };
    const detail = cause?.message ? `: ${cause.message}` : "";
    return { kind: "network", message: `${err.message}${detail}${code && !detail.includes(code) ? ` (${code})` : ""}` };
  }
  return void 0;
}
async function readBodyBounded(response, maxBytes) {
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  let truncated = false;
  try {
    for (; ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - size;
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel();
    reader.releaseLock();
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated };
}

// src/probes/probe-result.ts
function probeResult(checks, options = {}) {
  const failed2 = checks.find((c) => !c.ok);
  if (!failed2) return { ok: true, checks };
  return { ok: false, checks, reason: failed2.message ?? `${failed2.name} failed`, ...options.permanent ? { permanent: true } : {} };
}

// src/probes/http-canary.ts
var BODY_LIMIT = 64 * 1024;
async function runHttpCanary(input, deps) {
  const url2 = parseHttpUrl(input.url);
  const total = input.requests ?? 20;
  const expectStatus = input.expectStatus ?? 200;
  const headerName = input.headerName ?? "X-Canary";
  const headerValue = input.headerValue ?? `quiesce-${randomUUID()}`;
  const doFetch = deps.fetch ?? fetch;
  const log = deps.logger.child({ probe: "http-canary", url: url2.href, [headerName]: headerValue });
  const bodyMatch = input.bodyMatch;
  const attemptOne = async (index) => {
    const started2 = performance.now();
    const done = (problem) => {
      const ms2 = Math.round(performance.now() - started2);
      return problem === void 0 ? { index, ok: true, ms: ms2 } : { index, ok: false, problem, ms: ms2 };
    };
    try {
      const response = await doFetch(url2.href, {
        method: "GET",
        headers: { [headerName]: headerValue },
        // The status the load balancer answered is the evidence; a redirect is not a 200.
        redirect: "manual",
        signal: AbortSignal.timeout(input.timeoutMs)
      });
      if (response.status !== expectStatus) {
        await response.body?.cancel();
        return done(`status ${response.status}`);
      }
      if (bodyMatch === void 0) {
        await response.body?.cancel();
        return done();
      }
      const { text } = await readBodyBounded(response, BODY_LIMIT);
      const matched = typeof bodyMatch === "string" ? text.includes(bodyMatch) : text.search(bodyMatch) !== -1;
      return matched ? done() : done(`body did not match ${describeMatch(bodyMatch)}`);
    } catch (err) {
      const failure = describeFetchFailure(err, input.timeoutMs);
      if (!failure) throw new ProbeError(`canary request to ${url2.href} failed unexpectedly`, { cause: err });
      return done(failure.message);
    }
  };
  const attempts = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const attempt = await attemptOne(index + 1);
      attempts.push(attempt);
      if (attempt.ok) log.debug({ request: attempt.index, ms: attempt.ms }, "canary request ok");
      else log.warn({ request: attempt.index, ms: attempt.ms, problem: attempt.problem }, "canary request failed");
      if (input.intervalMs && next < total) await deps.clock.sleep(input.intervalMs);
    }
  };
  const workers = Math.max(1, Math.min(input.concurrency ?? 1, total));
  await Promise.all(Array.from({ length: workers }, worker));
  attempts.sort((a, b) => a.index - b.index);
  const passed = attempts.filter((a) => a.ok).length;
  const expectation = `${total}/${total} return ${expectStatus}${bodyMatch === void 0 ? "" : ` with a body matching ${describeMatch(bodyMatch)}`}`;
  const check2 = {
    name: "canary.requests",
    ok: passed === total,
    observed: `${passed}/${total} returned ${expectStatus}${bodyMatch === void 0 ? "" : " with a matching body"}`,
    threshold: expectation,
    at: deps.clock.now()
  };
  if (!check2.ok) {
    const first = attempts.find((a) => !a.ok);
    check2.message = `${total - passed}/${total} canary requests to ${url2.href} failed (${tally(attempts)}); first: request ${first.index}: ${first.problem}`;
  }
  const slowest = Math.max(0, ...attempts.map((a) => a.ms));
  log.info({ passed, total, slowestMs: slowest }, check2.ok ? "canary passed" : "canary failed");
  return probeResult([check2]);
}
function parseHttpUrl(text) {
  let url2;
  try {
    url2 = new URL(text);
  } catch (err) {
    throw new ProbeError(`canary url "${text}" is not a valid URL`, { cause: err });
  }
  if (url2.protocol !== "http:" && url2.protocol !== "https:") {
    throw new ProbeError(`canary url "${text}" must be http or https`);
  }
  return url2;
}
function describeMatch(match) {
  return typeof match === "string" ? JSON.stringify(match) : String(match);
}
function tally(attempts) {
  const counts = /* @__PURE__ */ new Map();
  for (const a of attempts) if (!a.ok) counts.set(a.problem, (counts.get(a.problem) ?? 0) + 1);
  return [...counts].map(([problem, n]) => `${n}\xD7 ${problem}`).join(", ");
}

// src/probes/pinned-fetch.ts
import { lookup as dnsLookup } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
var NULL_BODY = /* @__PURE__ */ new Set([101, 103, 204, 205, 304]);
function pinnedFetch(connectTo, options = {}) {
  const lookup = ((_hostname, opts, callback) => dnsLookup(connectTo, opts, callback));
  return (url2, init) => new Promise((resolve2, reject) => {
    const target = new URL(url2);
    const send = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : void 0;
    if (!send) {
      reject(new TypeError(`pinnedFetch supports http and https, not ${target.protocol}`));
      return;
    }
    const headers = {};
    new Headers(init.headers).forEach((value, key) => headers[key] = value);
    const req = send(
      target,
      {
        method: init.method ?? "GET",
        headers,
        lookup,
        ...init.signal ? { signal: init.signal } : {},
        ...options.ca ? { ca: options.ca } : {}
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (value === void 0) continue;
          for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
        }
        if (NULL_BODY.has(status)) {
          res.resume();
          resolve2(new Response(null, { status, headers: responseHeaders }));
          return;
        }
        resolve2(new Response(Readable.toWeb(res), { status, headers: responseHeaders }));
      }
    );
    req.on("error", (err) => {
      reject(err.name === "AbortError" || err.name === "TimeoutError" ? err : new TypeError("fetch failed", { cause: err }));
    });
    req.end();
  });
}

// src/probes/redact.ts
var REDACTED = "[REDACTED]";
function redactSecrets(text, secrets) {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  return out;
}

// src/probes/secrets.ts
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";

// src/run/run-context.ts
function clusterSpec(ctx, name2) {
  const spec = ctx.plan.fleet.clusters.find((c) => c.name === name2);
  if (!spec) throw new Error(`cluster ${name2} is not in plan ${ctx.plan.name}`);
  return spec;
}
async function journal(ctx, kind, message, extra = {}) {
  await ctx.store.appendJournal(ctx.runId, [{ at: ctx.clock.now(), kind, message, ...extra }]);
}
var baselines = /* @__PURE__ */ new WeakMap();
function baseline(ctx) {
  const known = baselines.get(ctx);
  if (known) return known;
  const reading = ctx.store.remember(ctx.runId, "baseline", async () => {
    const forward = await ctx.traffic.readForwardConfig(ctx.location);
    const targets2 = {};
    for (const c of ctx.plan.fleet.clusters) targets2[c.name] = await ctx.traffic.listTargets(c.targetGroupArn);
    return { forward, targets: targets2, capturedAt: ctx.clock.now() };
  }).then(deepFreeze, (err) => {
    baselines.delete(ctx);
    throw err;
  });
  baselines.set(ctx, reading);
  return reading;
}
function deepFreeze(value) {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
var weightOf = (forward, targetGroupArn) => forward.targetGroups.find((g) => g.targetGroupArn === targetGroupArn)?.weight;
function check(name2, ok, observed, threshold, message) {
  return { name: name2, ok, observed, ...threshold !== void 0 ? { threshold } : {}, ...ok || !message ? {} : { message } };
}
var percent = (v) => v === void 0 ? "no datapoint" : `${Math.round(v * 10) / 10}%`;

// src/run/probe-wiring.ts
function httpCanary(plan2, traffic, deps) {
  return async (_cluster, rule) => {
    const canary = plan2.verify.canary;
    const dns = await traffic.loadBalancerDnsName(plan2.fleet.listenerArn);
    const fetch2 = deps.fetch ?? (canary.host ? pinnedFetch(dns) : void 0);
    return runHttpCanary(
      {
        url: `${canary.protocol}://${canary.host ?? dns}${canary.path}`,
        requests: canary.requests,
        headerName: rule.headerName,
        headerValue: rule.headerValue,
        expectStatus: canary.expectStatus,
        ...canary.bodyMatch ? { bodyMatch: canary.bodyMatch } : {},
        timeoutMs: canary.timeout
      },
      { logger: deps.logger, clock: deps.clock, ...fetch2 ? { fetch: fetch2 } : {} }
    );
  };
}
function sandboxProbes(world, plan2, deps) {
  const fetchThroughWorld = async (url2, init) => {
    const headers = {};
    new Headers(init.headers).forEach((value, key) => headers[key] = value);
    const response = world.simulateRequest({ headers, path: new URL(url2).pathname });
    return new Response(response.reason, { status: response.status });
  };
  return {
    redis: async (cluster3) => {
      const probe = world.probeCache(cluster3.cache.replicationGroupId);
      return probeResult([
        check("redis.role", probe.ok, `primary ${probe.primaryClusterId}${probe.ok ? " answers ROLE master" : ""}`, "master", probe.reason ?? void 0),
        check("redis.canary", probe.ok, probe.ok ? "canary key written and read back" : probe.reason ?? "failed", "round trip", probe.reason ?? void 0)
      ]);
    },
    canary: httpCanary(plan2, deps.traffic, { logger: deps.logger, clock: deps.clock, fetch: fetchThroughWorld })
  };
}

// src/run/sandbox-connect.ts
import { existsSync, mkdirSync } from "node:fs";
import { dirname as dirname2 } from "node:path";

// src/sandbox/attach.ts
import { CloudWatchClient as CloudWatchClient2 } from "@aws-sdk/client-cloudwatch";
import { ElastiCacheClient as ElastiCacheClient2 } from "@aws-sdk/client-elasticache";
import { ElasticLoadBalancingV2Client as ElasticLoadBalancingV2Client2 } from "@aws-sdk/client-elastic-load-balancing-v2";

// src/sandbox/virtual-retry.ts
import { StandardRetryStrategy } from "@smithy/util-retry";
var MAX_DELAY_MS = 2e4;
function createVirtualRetryStrategy(world, options = {}) {
  let base = 100;
  const backoff = {
    // Full jitter as in the SDK, drawn from the world's seeded generator for determinism.
    computeNextBackoffDelay(retryAttempt) {
      const delay = Math.floor(world.random() * Math.min(base * 2 ** retryAttempt, MAX_DELAY_MS));
      world.advanceBy(delay);
      return 0;
    },
    setDelayBase(delay) {
      base = delay;
    }
  };
  return new StandardRetryStrategy({ maxAttempts: options.maxAttempts ?? 3, backoff });
}

// src/sandbox/attach.ts
var SANDBOX_MIDDLEWARE_NAME = "quiesceSandbox";
function hasMetadata(error) {
  return typeof error === "object" && error !== null && "$metadata" in error && typeof error.$metadata === "object";
}
function attachSandbox(client, world, service, caller2 = "quiesce") {
  const middleware = (_next, context) => async (args) => {
    const command2 = (context.commandName ?? "").replace(/Command$/, "");
    const requestId = world.newRequestId();
    try {
      const output = world.handle(service, command2, args.input, caller2);
      return {
        output: { ...output, $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } },
        response: {}
      };
    } catch (error) {
      if (hasMetadata(error) && error.$metadata !== null) error.$metadata.requestId = requestId;
      throw error;
    }
  };
  const stack = client.middlewareStack;
  stack.addRelativeTo(middleware, {
    relation: "after",
    toMiddleware: "retryMiddleware",
    name: SANDBOX_MIDDLEWARE_NAME,
    override: true
  });
}
function createSandboxClients(world, options) {
  const config = () => ({
    region: options.region,
    credentials: { accessKeyId: "SANDBOX", secretAccessKey: "SANDBOX" },
    maxAttempts: options.maxAttempts ?? 3,
    retryStrategy: options.retryStrategy ?? createVirtualRetryStrategy(world, { maxAttempts: options.maxAttempts ?? 3 }),
    ...options.logger ? { logger: options.logger } : {}
  });
  const clients = {
    elbv2: new ElasticLoadBalancingV2Client2(config()),
    elasticache: new ElastiCacheClient2(config()),
    cloudwatch: new CloudWatchClient2(config())
  };
  const services2 = [
    [clients.elbv2, "elbv2"],
    [clients.elasticache, "elasticache"],
    [clients.cloudwatch, "cloudwatch"]
  ];
  for (const [client, service] of services2) {
    attachSandbox(client, world, service, options.caller ?? "quiesce");
    options.configure?.(client, service);
  }
  return clients;
}

// src/sandbox/create-world.ts
import { readFileSync } from "node:fs";

// src/sandbox/duration.ts
var UNIT_MS2 = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
var PART2 = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
var WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
function isDuration(text) {
  return WHOLE.test(text);
}
function parseDuration2(text) {
  if (!WHOLE.test(text)) {
    throw new RangeError(`not a duration: "${text}" (use a number with a unit: ms, s, m, h, d, e.g. "90s")`);
  }
  let total = 0;
  for (const match of text.matchAll(PART2)) {
    total += Number(match[1]) * (UNIT_MS2[match[2] ?? "s"] ?? 0);
  }
  return Math.round(total);
}
function formatDuration2(ms2) {
  if (ms2 % 36e5 === 0 && ms2 > 0) return `${ms2 / 36e5}h`;
  if (ms2 % 6e4 === 0 && ms2 > 0) return `${ms2 / 6e4}m`;
  if (ms2 % 1e3 === 0) return `${ms2 / 1e3}s`;
  return `${ms2}ms`;
}
function parseOffset(text) {
  return text.startsWith("-") ? -parseDuration2(text.slice(1)) : parseDuration2(text);
}
function isOffset(text) {
  return isDuration(text.startsWith("-") ? text.slice(1) : text);
}

// src/sandbox/history.ts
var HISTORY_MS = 15 * 6e4;

// src/sandbox/arns.ts
var PREFIX = "^arn:(aws[a-z-]*):elasticloadbalancing:([a-z0-9-]+):(\\d{12}):";
var TARGET_GROUP = new RegExp(`${PREFIX}targetgroup/([A-Za-z0-9-]{1,32})/([0-9a-zA-Z]+)$`);
var LISTENER = new RegExp(`${PREFIX}listener/app/([A-Za-z0-9-]{1,32})/([0-9a-zA-Z]+)/([0-9a-zA-Z]+)$`);
var RULE = new RegExp(`${PREFIX}listener-rule/app/([A-Za-z0-9-]{1,32})/([0-9a-zA-Z]+)/([0-9a-zA-Z]+)/([0-9a-zA-Z]+)$`);
function parseTargetGroupArn(arn) {
  const m = TARGET_GROUP.exec(arn);
  if (!m) return null;
  return { partition: m[1], region: m[2], accountId: m[3], name: m[4], id: m[5] };
}
function parseListenerArn(arn) {
  const m = LISTENER.exec(arn);
  if (!m) return null;
  return {
    partition: m[1],
    region: m[2],
    accountId: m[3],
    loadBalancerName: m[4],
    loadBalancerId: m[5],
    listenerId: m[6]
  };
}
function parseRuleArn(arn) {
  const m = RULE.exec(arn);
  if (!m) return null;
  return {
    partition: m[1],
    region: m[2],
    accountId: m[3],
    loadBalancerName: m[4],
    loadBalancerId: m[5],
    listenerId: m[6],
    ruleId: m[7]
  };
}
function loadBalancerArn(p) {
  return `arn:${p.partition}:elasticloadbalancing:${p.region}:${p.accountId}:loadbalancer/app/${p.loadBalancerName}/${p.loadBalancerId}`;
}
function listenerRuleArn(p, ruleId) {
  return `arn:${p.partition}:elasticloadbalancing:${p.region}:${p.accountId}:listener-rule/app/${p.loadBalancerName}/${p.loadBalancerId}/${p.listenerId}/${ruleId}`;
}
function cloudWatchDimension(arn) {
  const resource = arn.split(":").slice(5).join(":");
  return resource.startsWith("loadbalancer/") ? resource.slice("loadbalancer/".length) : resource;
}
function regionShortCode(region) {
  const [area = "", direction = "", number3 = ""] = region.split("-");
  return `${area}${direction.charAt(0)}${number3}`;
}

// src/sandbox/elbv2-routing.ts
function forwardAction(actions) {
  return actions.find((a) => a.Type === "forward");
}
function forwardGroups(action) {
  if (!action || action.Type !== "forward") return [];
  const tuples = action.ForwardConfig?.TargetGroups;
  if (tuples && tuples.length > 0) {
    return tuples.map((t) => ({ arn: t.TargetGroupArn ?? "", weight: t.Weight ?? 1 }));
  }
  return action.TargetGroupArn ? [{ arn: action.TargetGroupArn, weight: 1 }] : [];
}
function normalizeActions(actions) {
  return actions.map((action, index) => {
    const copy2 = structuredClone(action);
    if (copy2.Order === void 0 && actions.length > 1) copy2.Order = index + 1;
    if (copy2.Type !== "forward") return copy2;
    const groups = forwardGroups(copy2);
    const stickiness = copy2.ForwardConfig?.TargetGroupStickinessConfig;
    copy2.ForwardConfig = {
      TargetGroups: groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
      TargetGroupStickinessConfig: stickiness?.Enabled ? { Enabled: true, DurationSeconds: stickiness.DurationSeconds ?? 3600 } : { Enabled: false }
    };
    if (groups.length === 1) copy2.TargetGroupArn = groups[0].arn;
    else delete copy2.TargetGroupArn;
    return copy2;
  });
}
function referencedTargetGroups(elbv2) {
  const used = /* @__PURE__ */ new Set();
  const collect = (actions) => {
    for (const action of actions) for (const g of forwardGroups(action)) used.add(g.arn);
  };
  for (const listener of elbv2.listeners) collect(listener.defaultActions);
  for (const rule of elbv2.rules) collect(rule.actions);
  return used;
}
function sharesOf(groups) {
  const total = groups.reduce((sum, g) => sum + g.weight, 0);
  const shares = {};
  for (const g of groups) shares[g.arn] = total > 0 ? g.weight / total : 0;
  return shares;
}
function wildcard(pattern, caseInsensitive) {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, caseInsensitive ? "i" : "");
}
function headerValues(condition) {
  const name2 = condition.HttpHeaderConfig?.HttpHeaderName;
  if (!name2) return null;
  return { name: name2, values: condition.HttpHeaderConfig?.Values ?? [] };
}
function conditionMatches(condition, request2) {
  switch (condition.Field) {
    case "http-header": {
      const header = headerValues(condition);
      if (!header || !request2?.headers) return false;
      const entry = Object.entries(request2.headers).find(([k]) => k.toLowerCase() === header.name.toLowerCase());
      if (!entry) return false;
      return header.values.some((v) => wildcard(v, true).test(entry[1]));
    }
    case "path-pattern": {
      if (!request2?.path) return true;
      const values = condition.PathPatternConfig?.Values ?? condition.Values ?? [];
      return values.some((v) => wildcard(v, false).test(request2.path ?? "/"));
    }
    case "host-header": {
      if (!request2?.host) return true;
      const values = condition.HostHeaderConfig?.Values ?? condition.Values ?? [];
      return values.some((v) => wildcard(v, true).test(request2.host ?? ""));
    }
    default:
      return false;
  }
}
function ruleMatches(rule, request2) {
  return rule.conditions.every((c) => conditionMatches(c, request2));
}
function routeFor(elbv2, listener, request2) {
  const rules = elbv2.rules.filter((r) => r.listenerArn === listener.arn).sort((a, b) => a.priority - b.priority);
  for (const rule of rules) {
    if (ruleMatches(rule, request2)) return { ownerArn: rule.arn, ruleArn: rule.arn, actions: rule.actions };
  }
  return { ownerArn: listener.arn, ruleArn: listener.defaultRuleArn, actions: listener.defaultActions };
}
function recordShares(history, action, now) {
  const stickiness = action?.ForwardConfig?.TargetGroupStickinessConfig;
  const enabled = stickiness?.Enabled === true;
  const durationMs = (stickiness?.DurationSeconds ?? 3600) * 1e3;
  const shares = sharesOf(forwardGroups(action));
  if (!history || enabled && !history.enabled) {
    return { enabled, durationMs, changes: [{ at: now, shares }] };
  }
  history.enabled = enabled;
  history.durationMs = durationMs;
  const last = history.changes[history.changes.length - 1];
  if (!last || !sameShares(last.shares, shares)) {
    if (last && last.at === now && history.changes.length > 1) last.shares = shares;
    else history.changes.push({ at: now, shares });
  }
  pruneHistory(history, now);
  return history;
}
function sameShares(a, b) {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Math.abs((a[k] ?? 0) - (b[k] ?? -1)) < 1e-12);
}
function pruneHistory(history, now) {
  const windowStart = now - history.durationMs;
  while (history.changes.length > 1 && history.changes[1].at <= windowStart) history.changes.shift();
}
function stickyShares(history, t) {
  const changes = history.changes;
  if (changes.length === 1) return { ...changes[0].shares };
  const windowStart = t - history.durationMs;
  const out = {};
  for (let i = changes.length - 1; i >= 0; i--) {
    const entry = changes[i];
    const segEnd = i === changes.length - 1 ? t : changes[i + 1].at;
    if (segEnd <= windowStart) break;
    const segStart = i === 0 ? windowStart : Math.max(entry.at, windowStart);
    const weight = (Math.min(segEnd, t) - segStart) / history.durationMs;
    if (weight <= 0) continue;
    for (const [arn, share] of Object.entries(entry.shares)) out[arn] = (out[arn] ?? 0) + share * weight;
  }
  return out;
}
function nextStickyBreakpoint(history, now) {
  if (!history.enabled) return Number.POSITIVE_INFINITY;
  for (const entry of history.changes.slice(1)) {
    const leaves = entry.at + history.durationMs;
    if (leaves > now) return leaves;
  }
  return Number.POSITIVE_INFINITY;
}

// src/sandbox/elasticache-ops.ts
var EMPTY_MEMORY_PERCENT = 1;
function opsOn(cache2, replicationGroupId) {
  return cache2.ops.filter((op) => op.replicationGroupId === replicationGroupId);
}
function primaryServing(cache2, replicationGroupId, now) {
  const rg = cache2.replicationGroups[replicationGroupId];
  if (!rg) return true;
  if (rg.memoryPercent >= 100) return false;
  for (const op of opsOn(cache2, replicationGroupId)) {
    switch (op.kind) {
      case "failover":
        if (op.phase === "switching") return false;
        break;
      case "promote":
        if (op.to !== null) return false;
        break;
      case "modify":
        if (now < op.outageUntil) return false;
        break;
      case "reboot":
        if (op.wasPrimary) return false;
        break;
      case "serviceUpdate":
        if (op.phase === "in-progress") return false;
        break;
    }
  }
  return true;
}
function cacheNotReadyReasons(cache2, replicationGroupId) {
  const rg = cache2.replicationGroups[replicationGroupId];
  if (!rg) return [];
  const reasons = [];
  if (rg.status !== "available") reasons.push(`replication group status is ${rg.status}`);
  for (const op of opsOn(cache2, replicationGroupId)) reasons.push(`${op.kind} in progress`);
  if (rg.pendingPrimaryClusterId !== null) reasons.push("pending PrimaryClusterId change");
  for (const id of rg.members) {
    const cluster3 = cache2.cacheClusters[id];
    if (!cluster3) continue;
    if (cluster3.status !== "available") reasons.push(`member ${id} is ${cluster3.status}`);
    if (Object.keys(cluster3.pending).length > 0) reasons.push(`member ${id} has pending modifications`);
    if (cluster3.parameterGroup.applyStatus !== "in-sync") {
      reasons.push(`member ${id} parameter group is ${cluster3.parameterGroup.applyStatus}`);
    }
  }
  return reasons;
}
function nextOpAt(cache2, now) {
  let next = Number.POSITIVE_INFINITY;
  for (const op of cache2.ops) {
    next = Math.min(next, op.nextAt);
    if (op.kind === "modify" && op.outageUntil > now) next = Math.min(next, op.outageUntil);
  }
  return next;
}
function stepCacheOps(core, now) {
  const cache2 = core.state.elasticache;
  let progressed = false;
  for (; ; ) {
    let due;
    for (const op of cache2.ops) if (op.nextAt <= now && (!due || op.nextAt < due.nextAt)) due = op;
    if (!due) return progressed;
    progressed = true;
    advance(core, due);
  }
}
function remove(cache2, op) {
  cache2.ops = cache2.ops.filter((o) => o !== op);
}
function setMembers(cache2, rg, status) {
  for (const id of rg.members) {
    const cluster3 = cache2.cacheClusters[id];
    if (cluster3) cluster3.status = status;
  }
}
function switchPrimary(core, rg, to) {
  const from = rg.primaryClusterId;
  rg.primaryClusterId = to;
  core.cacheEvent("replication-group", rg.id, `Failover from primary node ${from} to replica node ${to} completed`);
}
function advance(core, op) {
  const cache2 = core.state.elasticache;
  const settings = core.state.settings.elasticache;
  const rg = cache2.replicationGroups[op.replicationGroupId];
  if (!rg) {
    remove(cache2, op);
    return;
  }
  switch (op.kind) {
    case "failover": {
      const old = cache2.cacheClusters[op.from];
      if (op.phase === "switching") {
        switchPrimary(core, rg, op.to);
        core.cacheEvent("cache-cluster", op.from, "Recovering cache nodes 0001");
        if (old) {
          old.status = "rebooting cluster nodes";
          old.nodeStatus = "rebooting";
        }
        op.phase = "recovering";
        op.nextAt += settings.recoveryMs;
      } else {
        if (old) {
          old.status = "available";
          old.nodeStatus = "available";
        }
        core.cacheEvent("cache-cluster", op.from, "Finished recovery for cache nodes 0001");
        remove(cache2, op);
      }
      return;
    }
    case "promote": {
      if (op.to !== null && op.to !== rg.primaryClusterId) switchPrimary(core, rg, op.to);
      rg.status = "available";
      remove(cache2, op);
      return;
    }
    case "modify": {
      const { changes } = op;
      const reported = rg.versionReported ?? changes.engineVersion;
      if (changes.engine) rg.engine = changes.engine;
      if (changes.cacheNodeType) rg.cacheNodeType = changes.cacheNodeType;
      for (const id of rg.members) {
        const cluster3 = cache2.cacheClusters[id];
        if (!cluster3) continue;
        if (changes.engine) cluster3.engine = changes.engine;
        if (reported !== void 0) cluster3.engineVersion = reported;
        if (changes.cacheNodeType) cluster3.cacheNodeType = changes.cacheNodeType;
        if (changes.parameterGroup) cluster3.parameterGroup = { name: changes.parameterGroup, applyStatus: "in-sync" };
        cluster3.status = "available";
      }
      rg.status = "available";
      if (op.promoteTo !== null && op.promoteTo !== rg.primaryClusterId) switchPrimary(core, rg, op.promoteTo);
      const summary = Object.entries(changes).map(([k, v]) => `${k} ${String(v)}`).join(", ");
      core.cacheEvent("replication-group", rg.id, `Modification of replication group ${rg.id} completed (${summary})`);
      remove(cache2, op);
      return;
    }
    case "reboot": {
      const cluster3 = cache2.cacheClusters[op.cacheClusterId];
      if (cluster3) {
        cluster3.status = "available";
        cluster3.nodeStatus = "available";
      }
      if (op.wasPrimary) {
        rg.dataGeneration++;
        rg.memoryPercent = EMPTY_MEMORY_PERCENT;
      }
      core.cacheEvent("cache-cluster", op.cacheClusterId, "Cache node 0001 restarted");
      remove(cache2, op);
      return;
    }
    case "serviceUpdate": {
      const key = `${op.serviceUpdateName}|${rg.id}`;
      const action = cache2.updateActions[key] ?? { status: "not-applied", modifiedAt: op.nextAt, nodesUpdated: 0 };
      cache2.updateActions[key] = action;
      if (op.phase === "waiting") {
        rg.status = "modifying";
        setMembers(cache2, rg, "modifying");
        action.status = "in-progress";
        action.modifiedAt = op.nextAt;
        op.phase = "in-progress";
        op.nextAt += settings.serviceUpdateMs;
      } else {
        rg.status = "available";
        setMembers(cache2, rg, "available");
        action.status = "complete";
        action.modifiedAt = op.nextAt;
        action.nodesUpdated = rg.members.length;
        core.cacheEvent("replication-group", rg.id, `Service update ${op.serviceUpdateName} completed`);
        remove(cache2, op);
      }
      return;
    }
  }
}

// src/sandbox/target-health.ts
function checksUpTo(t, checksFrom, intervalMs) {
  return t < checksFrom ? 0 : Math.floor((t - checksFrom) / intervalMs) + 1;
}
function healthAt(target, hc, t) {
  const { base, condition, checksFrom } = target;
  if (checksFrom === null) return { state: base.state, nextChangeAt: null };
  const wantsHealthy = condition === "ok";
  if (wantsHealthy && base.state === "healthy" || !wantsHealthy && base.state === "unhealthy") {
    return { state: base.state, nextChangeAt: null };
  }
  const needed = wantsHealthy ? base.state === "initial" ? hc.newTargetChecks : hc.healthyThreshold : hc.unhealthyThreshold;
  const decidingCheck = checksUpTo(base.at, checksFrom, hc.intervalMs) + needed - 1;
  const decidedAt = checksFrom + decidingCheck * hc.intervalMs;
  if (t >= decidedAt) return { state: wantsHealthy ? "healthy" : "unhealthy", nextChangeAt: null };
  return { state: base.state, nextChangeAt: decidedAt };
}
function changeCondition(target, hc, condition, t) {
  if (target.condition === condition) return;
  const reached = healthAt(target, hc, t).state;
  target.base = { at: t, state: reached };
  target.condition = condition;
  if (condition !== "ok") target.lastFailure = condition;
}
function restartChecks(target, t, registrationDelayMs) {
  target.checksFrom = t + registrationDelayMs;
  target.base = { at: t, state: "initial" };
}
function conditionOf(group, target) {
  if (group.crashLoops.length > 0) return "crash";
  if (target.marks.length > 0) return "error5xx";
  return "ok";
}
var DESCRIPTIONS = {
  "Elb.RegistrationInProgress": "Target registration is in progress",
  "Elb.InitialHealthChecking": "Initial health checks in progress",
  "Target.FailedHealthChecks": "Health checks failed",
  "Target.NotRegistered": "Target is not registered to the target group",
  "Target.NotInUse": "Target group is not configured to receive traffic from the load balancer",
  "Target.DeregistrationInProgress": "Target deregistration is in progress"
};
function withReason(state, reason, description) {
  return { State: state, Reason: reason, Description: description ?? DESCRIPTIONS[reason ?? ""] ?? "" };
}
function describeHealth(group, target, t) {
  if (target.drainUntil !== null) return withReason("draining", "Target.DeregistrationInProgress");
  if (!group.used || target.checksFrom === null) return withReason("unused", "Target.NotInUse");
  const { state } = healthAt(target, group.healthCheck, t);
  switch (state) {
    case "healthy":
      return { State: "healthy" };
    case "initial":
      return t < target.checksFrom ? withReason("initial", "Elb.RegistrationInProgress") : withReason("initial", "Elb.InitialHealthChecking");
    case "unhealthy":
      return unhealthyReason(group, target);
  }
}
function unhealthyReason(group, target) {
  const failure = target.condition !== "ok" ? target.condition : target.lastFailure ?? "crash";
  if (failure === "error5xx") {
    return withReason(
      "unhealthy",
      "Target.ResponseCodeMismatch",
      `Health checks failed with these codes: [500] (expected ${group.healthCheck.matcher})`
    );
  }
  return withReason("unhealthy", "Target.FailedHealthChecks");
}
function notRegistered(id, port) {
  return {
    Target: { Id: id, Port: port },
    HealthCheckPort: String(port),
    TargetHealth: withReason("unused", "Target.NotRegistered")
  };
}
function summarizeGroup(group, t) {
  let registered = 0;
  let healthy = 0;
  let unhealthy = 0;
  let initial = 0;
  let healthyCrash = 0;
  let healthyError = 0;
  let allCrash = 0;
  let allError = 0;
  let validUntil = Number.POSITIVE_INFINITY;
  for (const target of group.targets) {
    if (target.drainUntil !== null) {
      validUntil = Math.min(validUntil, target.drainUntil);
      continue;
    }
    registered++;
    if (target.condition === "crash") allCrash++;
    if (target.condition === "error5xx") allError++;
    if (!group.used || target.checksFrom === null) continue;
    if (t < target.checksFrom) validUntil = Math.min(validUntil, target.checksFrom);
    const h = healthAt(target, group.healthCheck, t);
    if (h.nextChangeAt !== null) validUntil = Math.min(validUntil, h.nextChangeAt);
    if (h.state === "healthy") {
      healthy++;
      if (target.condition === "crash") healthyCrash++;
      if (target.condition === "error5xx") healthyError++;
    } else if (h.state === "unhealthy") {
      unhealthy++;
    } else {
      initial++;
    }
  }
  const failOpen = healthy === 0;
  return {
    registered,
    healthy,
    unhealthy,
    initial,
    routable: failOpen ? registered : healthy,
    routableCrash: failOpen ? allCrash : healthyCrash,
    routableError: failOpen ? allError : healthyError,
    validUntil
  };
}

// src/sandbox/audit.ts
function fleetActions(state) {
  if (state.fleet.ruleArn) {
    const rule = state.elbv2.rules.find((r) => r.arn === state.fleet.ruleArn);
    if (rule) return rule.actions;
    const listener = state.elbv2.listeners.find((l) => l.defaultRuleArn === state.fleet.ruleArn);
    return listener?.defaultActions ?? [];
  }
  return state.elbv2.listeners.find((l) => l.arn === state.fleet.listenerArn)?.defaultActions ?? [];
}
function fleetWeights(state) {
  const weights = /* @__PURE__ */ new Map();
  for (const g of forwardGroups(forwardAction(fleetActions(state)))) weights.set(g.arn, g.weight);
  return weights;
}
function registeredCount(state, cluster3) {
  const group = state.elbv2.targetGroups[cluster3.targetGroupArn];
  return group ? group.targets.filter((t) => t.drainUntil === null).length : 0;
}
function rotation(state) {
  const weights = fleetWeights(state);
  const out = /* @__PURE__ */ new Map();
  for (const cluster3 of state.clusters) {
    out.set(cluster3.name, (weights.get(cluster3.targetGroupArn) ?? 0) > 0 && registeredCount(state, cluster3) > 0);
  }
  return out;
}
function violation(core, kind, cluster3, ctx, message) {
  const v = { at: core.now(), kind, cluster: cluster3, caller: ctx.caller, command: ctx.command, message };
  core.state.audit.violations.push(v);
}
function notReadyReasons(core, cluster3) {
  const state = core.state;
  const reasons = cluster3.replicationGroupId ? cacheNotReadyReasons(state.elasticache, cluster3.replicationGroupId) : [];
  const group = state.elbv2.targetGroups[cluster3.targetGroupArn];
  if (group) {
    const now = core.now();
    const live = group.targets.filter((t) => t.drainUntil === null);
    const healthy = live.filter((t) => group.used && t.checksFrom !== null && healthAt(t, group.healthCheck, now).state === "healthy");
    if (healthy.length < live.length) reasons.push(`${healthy.length}/${live.length} targets healthy`);
  }
  return reasons;
}
function auditRotationChange(core, before, ctx) {
  const state = core.state;
  const after = rotation(state);
  for (const cluster3 of state.clusters) {
    if (before.get(cluster3.name) || !after.get(cluster3.name)) continue;
    const reasons = notReadyReasons(core, cluster3);
    if (reasons.length > 0) {
      violation(core, "unsafe-reactivation", cluster3.name, ctx, `${cluster3.name} put into rotation while ${reasons.join("; ")}`);
    }
  }
  const outBefore = state.clusters.filter((c) => !before.get(c.name));
  const outAfter = state.clusters.filter((c) => !after.get(c.name));
  const { maxOutOfService, minActiveClusters } = state.settings.audit;
  if (outAfter.length > maxOutOfService && outAfter.length > outBefore.length) {
    const newlyOut = outAfter.filter((c) => before.get(c.name)).map((c) => c.name);
    violation(
      core,
      "too-many-out-of-service",
      newlyOut.join(",") || (outAfter[0]?.name ?? ""),
      ctx,
      `${outAfter.length} clusters out of rotation (${outAfter.map((c) => c.name).join(", ")}); maxOutOfService is ${maxOutOfService}`
    );
  }
  const activeBefore = state.clusters.length - outBefore.length;
  const activeAfter = state.clusters.length - outAfter.length;
  if (activeAfter < minActiveClusters && activeAfter < activeBefore) {
    const newlyOut = outAfter.filter((c) => before.get(c.name)).map((c) => c.name);
    violation(
      core,
      "too-few-active",
      newlyOut.join(","),
      ctx,
      `only ${activeAfter} clusters in rotation; minActiveClusters is ${minActiveClusters}`
    );
  }
}
function auditNewCacheOps(core, opIdsBefore, ctx) {
  const inRotation = rotation(core.state);
  for (const op of core.state.elasticache.ops) {
    if (opIdsBefore.has(op.id)) continue;
    const cluster3 = core.clusterOfReplicationGroup(op.replicationGroupId);
    if (!cluster3 || !inRotation.get(cluster3.name)) continue;
    violation(
      core,
      "maintenance-in-rotation",
      cluster3.name,
      ctx,
      `${op.kind} started on ${op.replicationGroupId} while ${cluster3.name} is in rotation`
    );
  }
}
function targetKeys(state, cluster3) {
  const group = state.elbv2.targetGroups[cluster3.targetGroupArn];
  if (!group) return [];
  return group.targets.filter((t) => t.drainUntil === null).map((t) => `${t.id}:${t.port}`).sort();
}
function finalAudit(core) {
  const found = [];
  const ctx = { caller: "audit", command: "finalAudit" };
  for (const cluster3 of core.state.clusters) {
    const initial = core.state.audit.initialTargets[cluster3.name] ?? [];
    const now = new Set(targetKeys(core.state, cluster3));
    const missing = initial.filter((k) => !now.has(k));
    const extra = [...now].filter((k) => !initial.includes(k));
    if (missing.length === 0 && extra.length === 0) continue;
    const parts = [];
    if (missing.length > 0) parts.push(`missing ${missing.join(", ")}`);
    if (extra.length > 0) parts.push(`unexpected ${extra.join(", ")}`);
    const v = {
      at: core.now(),
      kind: "target-list-changed",
      cluster: cluster3.name,
      caller: ctx.caller,
      command: ctx.command,
      message: `${cluster3.name} target list differs from the start: ${parts.join("; ")}`
    };
    found.push(v);
    core.state.audit.violations.push(v);
  }
  return found;
}

// src/sandbox/events.ts
function caller(body) {
  return `script:${body.type}`;
}
function serviceOf(body) {
  switch (body.type) {
    case "throttle":
    case "apiFault":
    case "staleReads":
    case "slowReads":
      return body.service;
    case "failoverNoop":
    case "memory":
    case "versionReported":
    case "replicationLag":
      return "elasticache";
    default:
      return "elbv2";
  }
}
function resourceOf2(body) {
  if ("cluster" in body) return body.cluster;
  if ("replicationGroupId" in body) return body.replicationGroupId;
  if (body.type === "apiFault" || body.type === "slowReads") return body.operation ?? "*";
  return body.service;
}
function scheduleEvent(state, event) {
  state.events.scheduled.push(event);
  enqueue(state, event.from, event.id, "start");
  if (event.to !== null) enqueue(state, event.to, event.id, "end");
}
function enqueue(state, at, eventId, edge) {
  const item = { at, seq: state.events.seq++, eventId, edge };
  const queue = state.events.queue;
  let i = queue.length;
  while (i > 0 && (queue[i - 1].at > at || queue[i - 1].at === at && queue[i - 1].seq > item.seq)) i--;
  queue.splice(i, 0, item);
}
function nextEventAt(state) {
  return state.events.queue[0]?.at ?? Number.POSITIVE_INFINITY;
}
function processEvents(host) {
  const state = host.state;
  let progressed = false;
  while (state.events.queue.length > 0 && state.events.queue[0].at <= host.now()) {
    const item = state.events.queue.shift();
    const event = state.events.scheduled.find((e) => e.id === item.eventId);
    if (!event) continue;
    progressed = true;
    if (item.edge === "start") start(host, event);
    else if (item.edge === "end") end(host, event);
    else tick(host, event);
  }
  return progressed;
}
function groupOf(host, cluster3) {
  const info = host.state.clusters.find((c) => c.name === cluster3);
  return info ? host.targetGroup(info.targetGroupArn) : void 0;
}
function resettleGroup(host, arn) {
  const group = host.targetGroup(arn);
  if (!group) return;
  for (const target of group.targets) changeCondition(target, group.healthCheck, conditionOf(group, target), host.now());
  host.invalidateGroup(arn);
}
function pickTargets(host, cluster3, count) {
  const group = groupOf(host, cluster3);
  if (!group) return [];
  return group.targets.filter((t) => t.drainUntil === null).slice(0, count).map((t) => `${t.id}:${t.port}`);
}
function setMarks(host, cluster3, keys, mark, on) {
  const group = groupOf(host, cluster3);
  if (!group) return;
  for (const target of group.targets) {
    if (!keys.includes(`${target.id}:${target.port}`)) continue;
    target.marks = target.marks.filter((m) => m !== mark);
    if (on) target.marks.push(mark);
  }
  resettleGroup(host, group.arn);
}
function start(host, event) {
  const body = event.body;
  const state = host.state;
  const effect = { eventId: event.id, body, targets: [], restore: null, flapping: false };
  if (body.type !== "manualWeight") {
    host.recordMutation(serviceOf(body), `${body.type}${event.to === null ? "" : ":start"}`, resourceOf2(body), caller(body));
  }
  switch (body.type) {
    case "manualWeight": {
      const info = state.clusters.find((c) => c.name === body.cluster);
      effect.restore = info ? fleetWeightOf(host, info.targetGroupArn) ?? 0 : null;
      host.setClusterWeight(body.cluster, body.weight, caller(body));
      break;
    }
    case "memory": {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg) {
        effect.restore = rg.memoryPercent;
        rg.memoryPercent = body.percent;
      }
      break;
    }
    case "versionReported": {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg) {
        effect.restore = rg.versionReported;
        rg.versionReported = body.engineVersion;
      }
      break;
    }
    case "throttle":
      host.settleBuckets(body.service);
      break;
    case "crashLoop": {
      const group = groupOf(host, body.cluster);
      if (group) {
        group.crashLoops.push(event.id);
        resettleGroup(host, group.arn);
      }
      break;
    }
    case "targetUnhealthy":
      effect.targets = pickTargets(host, body.cluster, body.count);
      setMarks(host, body.cluster, effect.targets, event.id, true);
      break;
    case "targetFlap":
      effect.targets = pickTargets(host, body.cluster, body.count);
      effect.flapping = true;
      setMarks(host, body.cluster, effect.targets, event.id, true);
      scheduleTick(host, event, host.now() + body.periodMs);
      break;
    case "failoverNoop":
    case "apiFault":
    case "staleReads":
    case "replicationLag":
    case "slowReads":
      break;
  }
  if (isInstant(body) && event.to === null) return;
  state.events.active.push(effect);
}
function isInstant(body) {
  return body.type === "manualWeight" || body.type === "memory" || body.type === "versionReported";
}
function scheduleTick(host, event, at) {
  if (event.to !== null && at >= event.to) return;
  enqueue(host.state, at, event.id, "tick");
}
function tick(host, event) {
  const effect = host.state.events.active.find((e) => e.eventId === event.id);
  if (!effect || event.body.type !== "targetFlap") return;
  effect.flapping = !effect.flapping;
  setMarks(host, event.body.cluster, effect.targets, event.id, effect.flapping);
  scheduleTick(host, event, host.now() + event.body.periodMs);
}
function end(host, event) {
  const state = host.state;
  const effect = state.events.active.find((e) => e.eventId === event.id);
  const body = event.body;
  if (!effect) return;
  if (body.type === "throttle") host.settleBuckets(body.service);
  state.events.active = state.events.active.filter((e) => e !== effect);
  if (body.type !== "manualWeight") host.recordMutation(serviceOf(body), `${body.type}:end`, resourceOf2(body), caller(body));
  switch (body.type) {
    case "manualWeight":
      if (typeof effect.restore === "number") host.setClusterWeight(body.cluster, effect.restore, caller(body));
      break;
    case "memory": {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg && typeof effect.restore === "number") rg.memoryPercent = effect.restore;
      break;
    }
    case "versionReported": {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg) rg.versionReported = typeof effect.restore === "string" ? effect.restore : null;
      break;
    }
    case "crashLoop": {
      const group = groupOf(host, body.cluster);
      if (group) {
        group.crashLoops = group.crashLoops.filter((id) => id !== event.id);
        resettleGroup(host, group.arn);
      }
      break;
    }
    case "targetUnhealthy":
    case "targetFlap":
      setMarks(host, body.cluster, effect.targets, event.id, false);
      state.events.queue = state.events.queue.filter((q) => q.eventId !== event.id);
      break;
    default:
      break;
  }
}
function fleetWeightOf(host, arn) {
  return fleetWeights(host.state).get(arn);
}

// src/sandbox/metrics-recorder.ts
var MINUTE_MS2 = 6e4;
function floors(c) {
  return c ? [Math.floor(c.requests), Math.floor(c.target5xx), Math.floor(c.elb5xx)] : [0, 0, 0];
}
function freshAccumulator(state) {
  const startCounts = {};
  for (const arn of Object.keys(state.traffic.perGroup)) startCounts[arn] = floors(state.traffic.perGroup[arn]);
  const lbStart = {};
  for (const [arn, c] of Object.entries(state.traffic.perLoadBalancer)) {
    lbStart[arn] = [Math.floor(c.requests), Math.floor(c.elb5xx)];
  }
  return { startCounts, lbStart, gauges: {} };
}
function prune(rows, oldest) {
  if (rows.length === 0 || rows[0][0] >= oldest - 30 * MINUTE_MS2) return;
  let drop = 0;
  while (drop < rows.length && rows[drop][0] < oldest) drop++;
  if (drop > 0) rows.splice(0, drop);
}
function closeMinute(core) {
  const state = core.state;
  const m = state.metrics;
  const start2 = m.minuteStart;
  const oldest = start2 - state.settings.cloudwatch.retentionMs;
  const requestsByGroup = {};
  for (const group of Object.values(state.elbv2.targetGroups)) {
    const [r0, t0, e0] = m.acc.startCounts[group.arn] ?? [0, 0, 0];
    const [r1, t1, e1] = floors(state.traffic.perGroup[group.arn]);
    const g = m.acc.gauges[group.arn];
    const seconds2 = MINUTE_MS2 / 1e3;
    requestsByGroup[group.arn] = r1 - r0;
    const row = [
      start2,
      r1 - r0,
      t1 - t0,
      e1 - e0,
      g ? g[0] / seconds2 : 0,
      g ? g[2] : 0,
      g ? g[3] : 0,
      g ? g[1] / seconds2 : 0,
      g ? g[4] : 0,
      g ? g[5] : 0,
      g ? 1 : 0
    ];
    const rows = m.alb[group.arn] ??= [];
    rows.push(row);
    prune(rows, oldest);
  }
  for (const [arn, c] of Object.entries(state.traffic.perLoadBalancer)) {
    const [r0, e0] = m.acc.lbStart[arn] ?? [0, 0];
    const rows = m.lb[arn] ??= [];
    rows.push([start2, Math.floor(c.requests) - r0, Math.floor(c.elb5xx) - e0]);
    prune(rows, oldest);
  }
  for (const cluster3 of state.clusters) {
    if (!cluster3.replicationGroupId) continue;
    const rg = state.elasticache.replicationGroups[cluster3.replicationGroupId];
    if (!rg) continue;
    const rps = (requestsByGroup[cluster3.targetGroupArn] ?? 0) / 60;
    const lagEffect = state.events.active.find((e) => e.body.type === "replicationLag" && e.body.replicationGroupId === rg.id);
    const scriptedLag = lagEffect?.body.type === "replicationLag" ? lagEffect.body.seconds : void 0;
    const targets2 = core.groupSummary(cluster3.targetGroupArn).registered;
    for (const id of rg.members) {
      const node = state.elasticache.cacheClusters[id];
      if (!node) continue;
      const primary = id === rg.primaryClusterId;
      const row = [
        start2,
        rg.memoryPercent,
        primary ? Math.min(95, 2 + rps * 0.02) : 1.5,
        // ReplicationLag exists only for replicas (-1 = no datapoint).
        primary ? -1 : node.nodeStatus !== "available" ? 30 : scriptedLag ?? 1e-3,
        primary ? 5 + targets2 * 10 : 5,
        rg.memoryPercent >= 99 ? Math.round((rg.memoryPercent - 98) * 150) : 0
      ];
      const rows = m.cache[id] ??= [];
      rows.push(row);
      prune(rows, oldest);
    }
  }
  m.minuteStart = start2 + MINUTE_MS2;
  m.acc = freshAccumulator(state);
}

// src/sandbox/random.ts
function nextRandom(state) {
  const next = state + 1831565813 >>> 0;
  let t = next;
  t = Math.imul(t ^ t >>> 15, t | 1);
  t ^= t + Math.imul(t ^ t >>> 7, t | 61);
  const value = ((t ^ t >>> 14) >>> 0) / 4294967296;
  return { value, state: next };
}
function fnv1a(text, salt) {
  let hash = (2166136261 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 2246822507);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 3266489909);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
function stableHex(text, length) {
  let out = "";
  for (let salt = 0; out.length < length; salt++) {
    out += fnv1a(text, salt).toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}

// src/sandbox/versions.ts
function compareEngineVersions(a, b) {
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === "x" || y === "x") return 0;
    if (x === void 0) return -1;
    if (y === void 0) return 1;
    const diff = Number.parseInt(x, 10) - Number.parseInt(y, 10);
    if (Number.isNaN(diff)) return x.localeCompare(y);
    if (diff !== 0) return diff;
  }
  return 0;
}
var DEFAULT_ENGINE_VERSIONS = {
  redis: ["5.0.6", "6.0", "6.2", "6.x", "7.0", "7.1"],
  valkey: ["7.2", "8.0", "8.1"]
};

// src/sandbox/world-file.ts
import { isMap as isMap3, isPair as isPair3, isScalar as isScalar3, isSeq as isSeq3 } from "yaml";
import * as z2 from "zod";

// src/sandbox/safe-yaml.ts
import { isMap as isMap2, isPair as isPair2, isScalar as isScalar2, isSeq as isSeq2, parseDocument as parseDocument3 } from "yaml";
var MAX_WORLD_BYTES = 1024 * 1024;
var MAX_DEPTH2 = 64;
var MAX_ALIASES = 100;
var FORBIDDEN_KEYS2 = /* @__PURE__ */ new Set(["__proto__", "constructor", "prototype"]);
function parseGuardedYaml(text, fail2) {
  if (text.length > MAX_WORLD_BYTES) fail2(`input is larger than ${MAX_WORLD_BYTES} bytes`);
  if (text.includes("\0")) fail2("contains a NUL byte; world files are text");
  let doc;
  try {
    doc = parseDocument3(text, { prettyErrors: false, uniqueKeys: true, logLevel: "error" });
  } catch (err) {
    if (err instanceof RangeError) fail2(`nesting is deeper than ${MAX_DEPTH2} levels`);
    throw err;
  }
  const yamlError = doc.errors[0];
  if (yamlError) fail2(yamlError.message.split("\n")[0] ?? "invalid YAML");
  checkNode(doc.contents, 0, fail2);
  try {
    doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError || err instanceof RangeError) fail2(`rejected: ${err.message.split("\n")[0]} (YAML alias expansion is limited)`);
    throw err;
  }
  return doc;
}
function checkNode(node, depth, fail2) {
  if (depth > MAX_DEPTH2) fail2(`nesting is deeper than ${MAX_DEPTH2} levels`);
  if (!isMap2(node) && !isSeq2(node)) return;
  for (const item of node.items) {
    if (isPair2(item)) {
      if (item.key !== null && !isScalar2(item.key)) fail2("a key is a mapping or a list; keys must be plain names");
      const key = isScalar2(item.key) ? String(item.key.value) : void 0;
      if (key !== void 0 && FORBIDDEN_KEYS2.has(key)) fail2(`"${key}" is a forbidden key (prototype pollution guard)`);
      checkNode(item.value, depth + 1, fail2);
    } else checkNode(item, depth + 1, fail2);
  }
}

// src/sandbox/world-file-error.ts
var WorldFileError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "WorldFileError";
  }
};

// src/sandbox/world-file.ts
function offset() {
  return z2.string({ error: 'expected a time such as "90s" after the run start, or "-10m" before it' }).refine(isOffset, { message: 'expected a time such as "90s" after the run start, or "-10m" before it' }).refine((text) => !isOffset(text) || parseOffset(text) >= -HISTORY_MS, { message: `a time before the run start can go back at most ${HISTORY_MS / 6e4}m (the world's history)` });
}
function duration2(minMs = 0, maxMs = Number.POSITIVE_INFINITY) {
  return z2.string({ error: (issue) => issue.input === void 0 ? "required" : 'expected a duration with a unit, e.g. "90s", "5m", "1h"' }).refine(isDuration, { message: 'expected a duration with a unit, e.g. "90s", "5m", "1h"' }).refine(
    (text) => {
      if (!isDuration(text)) return true;
      const ms2 = parseDuration2(text);
      return ms2 >= minMs && ms2 <= maxMs;
    },
    { message: `out of range (${minMs / 1e3}s to ${maxMs === Number.POSITIVE_INFINITY ? "unbounded" : `${maxMs / 1e3}s`})` }
  );
}
var version = z2.string({
  error: (issue) => typeof issue.input === "number" ? `engine versions must be quoted strings (got the number ${String(issue.input)})` : 'expected an engine version string such as "7.1"'
});
var int3 = (min, max) => z2.number().int().min(min).max(max);
var services = z2.enum(["elbv2", "elasticache", "cloudwatch"]);
var bucket = z2.strictObject({ bucket: int3(1, 1e5), refillPerSecond: z2.number().positive() });
var healthCheck = z2.strictObject({
  interval: duration2(5e3, 3e5),
  timeout: duration2(2e3, 12e4),
  healthyThreshold: int3(2, 10),
  unhealthyThreshold: int3(2, 10),
  matcher: z2.string(),
  path: z2.string(),
  /** Passing checks a new target needs; AWS's archived guide says 1, default is the healthy threshold. */
  newTargetChecks: int3(1, 10)
}).partial();
var cache = z2.strictObject({
  engine: z2.enum(["redis", "valkey"]),
  engineVersion: version,
  nodeType: z2.string().regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, 'expected a node type such as "cache.r7g.large"'),
  replicas: int3(1, 5),
  memoryPercent: z2.number().min(0).max(100),
  automaticFailover: z2.boolean(),
  multiAZ: z2.boolean(),
  parameterGroup: z2.string()
}).partial();
var cluster2 = z2.strictObject({
  targets: int3(0, 1e3),
  weight: int3(0, 999),
  deregistrationDelay: duration2(0, 36e5),
  healthCheck,
  cache,
  tags: z2.record(z2.string(), z2.string())
}).partial();
var eventKinds = {
  manualWeight: z2.strictObject({ cluster: z2.string(), weight: int3(0, 999) }),
  failoverNoop: z2.strictObject({ replicationGroupId: z2.string() }),
  throttle: z2.strictObject({ service: services, rate: z2.number().min(0) }),
  targetUnhealthy: z2.strictObject({ cluster: z2.string(), count: int3(1, 1e3) }),
  memory: z2.strictObject({ replicationGroupId: z2.string(), percent: z2.number().min(0).max(100) }),
  crashLoop: z2.strictObject({ cluster: z2.string() }),
  versionReported: z2.strictObject({ replicationGroupId: z2.string(), engineVersion: version }),
  replicationLag: z2.strictObject({ replicationGroupId: z2.string(), seconds: z2.number().min(0) }),
  slowReads: z2.strictObject({ service: services, operation: z2.string().optional(), seconds: z2.number().min(0).max(3600) }),
  apiFault: z2.strictObject({
    service: services,
    operation: z2.string().optional(),
    kind: z2.enum(["http500", "http503", "econnreset", "timeout"]),
    rate: z2.number().min(0).max(1).optional(),
    when: z2.enum(["before", "after"]).optional()
  }),
  staleReads: z2.strictObject({ service: z2.enum(["elbv2", "elasticache"]), seconds: z2.number().min(0) }),
  targetFlap: z2.strictObject({ cluster: z2.string(), count: int3(1, 1e3), period: duration2(1e3).optional() })
};
var EVENT_KINDS = Object.keys(eventKinds);
var worldEventSchema = z2.strictObject({
  at: offset().optional(),
  from: offset().optional(),
  to: offset().optional(),
  ...Object.fromEntries(EVENT_KINDS.map((k) => [k, eventKinds[k].optional()]))
}).superRefine((event, ctx) => {
  const kinds = EVENT_KINDS.filter((k) => event[k] !== void 0);
  if (kinds.length !== 1) {
    ctx.addIssue({ code: "custom", message: `an event needs exactly one of ${EVENT_KINDS.join(", ")}` });
  }
  if (event.at === void 0 === (event.from === void 0)) {
    ctx.addIssue({ code: "custom", message: 'an event needs either "at" or "from" (with an optional "to")' });
  }
  if (event.to !== void 0 && event.from === void 0) {
    ctx.addIssue({ code: "custom", message: '"to" needs "from"' });
  }
  if (event.from !== void 0 && event.to !== void 0 && isOffset(event.from) && isOffset(event.to)) {
    if (parseOffset(event.to) <= parseOffset(event.from)) ctx.addIssue({ code: "custom", message: '"to" must be after "from"' });
  }
});
var serviceUpdate = z2.strictObject({
  name: z2.string().min(1),
  severity: z2.enum(["critical", "important", "medium", "low"]).optional(),
  engine: z2.enum(["redis", "valkey"]).optional(),
  releasedAt: z2.iso.datetime({ offset: true }).optional(),
  replicationGroups: z2.array(z2.string()).optional()
});
var worldFileSchema = z2.strictObject({
  seed: z2.number().int().min(0).max(4294967295),
  startAt: z2.iso.datetime({ offset: true }),
  defaults: cluster2,
  clusters: z2.record(z2.string(), cluster2),
  elbv2: z2.strictObject({
    registrationDelay: duration2(0, 6e5),
    stickiness: z2.strictObject({ enabled: z2.boolean(), duration: duration2(1e3, 6048e5).optional() }),
    staleReads: duration2(),
    throttle: z2.strictObject({ describe: bucket, mutate: bucket }).partial(),
    maxTargetGroupsPerForward: int3(1, 1e3),
    fleetRulePriority: int3(1, 5e4)
  }).partial(),
  elasticache: z2.strictObject({
    timings: z2.strictObject({
      failover: duration2(),
      recovery: duration2(),
      modify: duration2(),
      modifyOutage: duration2(),
      reboot: duration2(),
      promote: duration2(),
      serviceUpdateStart: duration2(),
      serviceUpdate: duration2()
    }).partial(),
    testFailoverLimit: z2.strictObject({ count: int3(1, 1e3), window: duration2(1e3), scope: z2.enum(["account", "replicationGroup"]) }).partial(),
    engineVersions: z2.record(z2.string(), z2.array(version)),
    serviceUpdates: z2.array(serviceUpdate),
    staleReads: duration2(),
    throttle: z2.strictObject({ describe: bucket, mutate: bucket }).partial()
  }).partial(),
  cloudwatch: z2.strictObject({ publishDelay: duration2(), retention: duration2(6e4), throttle: bucket }).partial(),
  traffic: z2.strictObject({
    ratePerSecond: z2.number().min(0),
    requestDuration: duration2(1),
    stickyFraction: z2.number().min(0).max(1)
  }).partial(),
  audit: z2.strictObject({ maxOutOfService: int3(0, 1e5), minActiveClusters: int3(0, 1e5) }).partial(),
  events: z2.array(worldEventSchema)
}).partial();
function pathText(path) {
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`).join("");
}
function describeIssues(source, error) {
  const [first, ...rest] = error.issues;
  if (!first) return `${source}: invalid world file`;
  const where = pathText(first.path);
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? "" : "s"})` : "";
  if (first.code === "unrecognized_keys") {
    const keys = first.keys.map((k) => `"${k}"`).join(", ");
    return `${source}: unknown key ${keys} ${where ? `in ${where}` : "at the top level"}${more}`;
  }
  return `${source}: ${where || "world file"}: ${first.message}${more}`;
}
function validateWorldFile(file, source = "world file") {
  const result = worldFileSchema.safeParse(file ?? {});
  if (!result.success) throw new WorldFileError(describeIssues(source, result.error));
  return result.data;
}
function validateWorldEvent(event, source = "event") {
  const result = worldEventSchema.safeParse(event);
  if (!result.success) throw new WorldFileError(describeIssues(source, result.error));
  return result.data;
}
function numericScalarText(node) {
  if (!isScalar3(node) || typeof node.value !== "number") return null;
  return node.source ?? String(node.value);
}
function numericVersionMessage(path, text) {
  return `${path}: engine version ${text} is a YAML number; quote it: "${text}"`;
}
function findNumericVersion(node, path) {
  if (isMap3(node)) {
    for (const item of node.items) {
      if (!isPair3(item)) continue;
      const key = isScalar3(item.key) ? String(item.key.value) : "?";
      const here = [...path, key];
      const text = key === "engineVersion" ? numericScalarText(item.value) : null;
      if (text) return numericVersionMessage(here.join("."), text);
      if (path[path.length - 1] === "engineVersions" && isSeq3(item.value)) {
        for (const [i, v] of item.value.items.entries()) {
          const t = numericScalarText(v);
          if (t) return numericVersionMessage(`${here.join(".")}[${i}]`, t);
        }
      }
      const found = findNumericVersion(item.value, here);
      if (found) return found;
    }
  } else if (isSeq3(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = findNumericVersion(item, [...path.slice(0, -1), `${path[path.length - 1] ?? ""}[${i}]`]);
      if (found) return found;
    }
  }
  return null;
}
function parseWorldFile(text, source = "world file") {
  const doc = parseGuardedYaml(text, (reason) => {
    throw new WorldFileError(`${source}: ${reason}`);
  });
  const numeric = findNumericVersion(doc.contents, []);
  if (numeric) throw new WorldFileError(`${source}: ${numeric}`);
  return validateWorldFile(doc.toJS({ maxAliasCount: 100 }), source);
}
function bodyOf(event) {
  if (event.manualWeight) return { type: "manualWeight", ...event.manualWeight };
  if (event.failoverNoop) return { type: "failoverNoop", ...event.failoverNoop };
  if (event.throttle) return { type: "throttle", ...event.throttle };
  if (event.targetUnhealthy) return { type: "targetUnhealthy", ...event.targetUnhealthy };
  if (event.memory) return { type: "memory", ...event.memory };
  if (event.crashLoop) return { type: "crashLoop", ...event.crashLoop };
  if (event.versionReported) return { type: "versionReported", ...event.versionReported };
  if (event.replicationLag) return { type: "replicationLag", ...event.replicationLag };
  if (event.slowReads) return { type: "slowReads", service: event.slowReads.service, operation: event.slowReads.operation ?? null, seconds: event.slowReads.seconds };
  if (event.apiFault) {
    const f = event.apiFault;
    return { type: "apiFault", service: f.service, operation: f.operation ?? null, kind: f.kind, rate: f.rate ?? 1, when: f.when ?? "before" };
  }
  if (event.staleReads) return { type: "staleReads", ...event.staleReads };
  if (event.targetFlap) {
    const f = event.targetFlap;
    return { type: "targetFlap", cluster: f.cluster, count: f.count, periodMs: f.period ? parseDuration2(f.period) : 6e4 };
  }
  throw new WorldFileError("an event needs exactly one kind");
}
function toScheduledEvent(event, id, startedAt) {
  const from = startedAt + parseOffset(event.at ?? event.from ?? "0s");
  const to = event.to === void 0 ? null : startedAt + parseOffset(event.to);
  return { id, from, to, body: bodyOf(event) };
}

// src/sandbox/world-build.ts
var DEFAULT_START = "2026-01-05T09:00:00Z";
var DAY_MS = 864e5;
var ms = (text, fallback) => text === void 0 ? fallback : parseDuration2(text);
function resolveSettings(plan2, file) {
  const e = file.elbv2 ?? {};
  const c = file.elasticache ?? {};
  const t = c.timings ?? {};
  const cw = file.cloudwatch ?? {};
  const tr = file.traffic ?? {};
  return {
    elbv2: {
      registrationDelayMs: ms(e.registrationDelay, 1e4),
      staleReadsMs: ms(e.staleReads, 0),
      throttle: {
        describe: e.throttle?.describe ?? { bucket: 40, refillPerSecond: 10 },
        mutate: e.throttle?.mutate ?? { bucket: 20, refillPerSecond: 5 }
      },
      maxTargetGroupsPerForward: e.maxTargetGroupsPerForward ?? null
    },
    elasticache: {
      failoverMs: ms(t.failover, 9e4),
      recoveryMs: ms(t.recovery, 6e5),
      modifyMs: ms(t.modify, 9e5),
      modifyOutageMs: t.modifyOutage === void 0 ? null : parseDuration2(t.modifyOutage),
      rebootMs: ms(t.reboot, 12e4),
      promoteMs: ms(t.promote, 6e4),
      serviceUpdateStartMs: ms(t.serviceUpdateStart, 3e4),
      serviceUpdateMs: ms(t.serviceUpdate, 12e5),
      testFailoverLimit: {
        count: c.testFailoverLimit?.count ?? 15,
        windowMs: ms(c.testFailoverLimit?.window, DAY_MS),
        scope: c.testFailoverLimit?.scope ?? "account"
      },
      engineVersions: { ...DEFAULT_ENGINE_VERSIONS, ...c.engineVersions ?? {} },
      staleReadsMs: ms(c.staleReads, 0),
      throttle: {
        describe: c.throttle?.describe ?? { bucket: 40, refillPerSecond: 10 },
        mutate: c.throttle?.mutate ?? { bucket: 20, refillPerSecond: 5 }
      }
    },
    cloudwatch: {
      publishDelayMs: ms(cw.publishDelay, 6e4),
      retentionMs: ms(cw.retention, 36e5),
      throttle: cw.throttle ?? { bucket: 50, refillPerSecond: 50 }
    },
    traffic: {
      ratePerSecond: tr.ratePerSecond ?? 200,
      requestDurationMs: ms(tr.requestDuration, 200),
      stickyFraction: tr.stickyFraction ?? 0.5
    },
    audit: {
      maxOutOfService: file.audit?.maxOutOfService ?? plan2.capacity?.maxOutOfService ?? 1,
      minActiveClusters: file.audit?.minActiveClusters ?? plan2.capacity?.minActiveClusters ?? 1
    }
  };
}
function mergeCluster(defaults, own) {
  return {
    ...defaults,
    ...own,
    healthCheck: { ...defaults.healthCheck, ...own?.healthCheck },
    cache: { ...defaults.cache, ...own?.cache },
    tags: { ...defaults.tags, ...own?.tags }
  };
}
function healthCheckOf(o) {
  const hc = o.healthCheck ?? {};
  const healthyThreshold = hc.healthyThreshold ?? 5;
  return {
    intervalMs: ms(hc.interval, 3e4),
    timeoutMs: ms(hc.timeout, 5e3),
    healthyThreshold,
    unhealthyThreshold: hc.unhealthyThreshold ?? 2,
    matcher: hc.matcher ?? "200",
    path: hc.path ?? "/",
    newTargetChecks: hc.newTargetChecks ?? healthyThreshold
  };
}
function fail(message) {
  throw new WorldFileError(message);
}
function buildWorldState(plan2, rawFile = {}, source = "world file") {
  const file = validateWorldFile(rawFile, source);
  const listenerParts = parseListenerArn(plan2.fleet.listenerArn) ?? fail(`plan: fleet.listenerArn is not an ALB listener ARN: ${plan2.fleet.listenerArn}`);
  const region = plan2.region;
  if (listenerParts.region !== region) fail(`plan: listener ARN is in ${listenerParts.region}, the plan's region is ${region}`);
  const { accountId, partition } = listenerParts;
  const seed = file.seed ?? 1;
  const startedAt = Date.parse(file.startAt ?? DEFAULT_START);
  const settings = resolveSettings(plan2, file);
  const defaults = file.defaults ?? {};
  const names2 = new Set(plan2.fleet.clusters.map((c) => c.name));
  if (names2.size !== plan2.fleet.clusters.length) fail("plan: cluster names must be unique");
  for (const name2 of Object.keys(file.clusters ?? {})) {
    if (!names2.has(name2)) fail(`${source}: clusters.${name2}: no such cluster in the plan`);
  }
  const lbArn = loadBalancerArn(listenerParts);
  const lbName = listenerParts.loadBalancerName;
  const zones = ["a", "b", "c"].map((z3) => `${region}${z3}`);
  const vpcId = `vpc-${stableHex(`${lbArn}:vpc`, 17)}`;
  const state = {
    format: "quiesce-sandbox-world",
    version: 1,
    seed,
    rngState: seed >>> 0,
    startedAt,
    now: startedAt,
    region,
    accountId,
    settings,
    fleet: { listenerArn: plan2.fleet.listenerArn, ruleArn: plan2.fleet.ruleArn ?? null },
    clusters: [],
    elbv2: {
      loadBalancers: [
        {
          arn: lbArn,
          name: lbName,
          id: listenerParts.loadBalancerId,
          dnsName: `${lbName}-${parseInt(stableHex(lbArn, 8), 16) % 1e9}.${region}.elb.amazonaws.com`,
          vpcId,
          createdAt: startedAt - 30 * DAY_MS,
          availabilityZones: zones,
          tags: []
        }
      ],
      listeners: [],
      rules: [],
      targetGroups: {},
      sticky: {}
    },
    elasticache: {
      replicationGroups: {},
      cacheClusters: {},
      ops: [],
      events: [],
      eventSeq: 0,
      testFailovers: [],
      serviceUpdates: [],
      updateActions: {}
    },
    metrics: {
      minuteStart: Math.floor(startedAt / 6e4) * 6e4,
      acc: { startCounts: {}, lbStart: {}, gauges: {} },
      alb: {},
      lb: {},
      cache: {}
    },
    traffic: { perGroup: {}, perLoadBalancer: {}, unrouted: { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 } },
    audit: { violations: [], mutations: [], initialTargets: {} },
    events: { scheduled: [], queue: [], active: [], seq: 0 },
    buckets: {},
    stale: {},
    requestSeq: 0,
    idSeq: 0
  };
  const tuples = [];
  for (const planCluster of plan2.fleet.clusters) {
    const o = mergeCluster(defaults, file.clusters?.[planCluster.name]);
    const tgParts = parseTargetGroupArn(planCluster.targetGroupArn) ?? fail(`plan: cluster ${planCluster.name}: not a target group ARN: ${planCluster.targetGroupArn}`);
    if (Object.hasOwn(state.elbv2.targetGroups, planCluster.targetGroupArn)) fail(`plan: target group used twice: ${planCluster.targetGroupArn}`);
    const healthCheck2 = healthCheckOf(o);
    const registeredAt = startedAt - DAY_MS;
    const targets2 = [];
    for (let i = 0; i < (o.targets ?? 3); i++) {
      targets2.push({
        id: `i-${stableHex(`${seed}:${planCluster.name}:${i}`, 17)}`,
        port: 80,
        az: zones[i % zones.length] ?? "",
        registeredAt,
        drainUntil: null,
        checksFrom: registeredAt + settings.elbv2.registrationDelayMs,
        base: { at: startedAt, state: "healthy" },
        condition: "ok",
        lastFailure: null,
        marks: []
      });
    }
    const group = {
      arn: planCluster.targetGroupArn,
      name: tgParts.name,
      id: tgParts.id,
      port: 80,
      vpcId,
      loadBalancerArn: lbArn,
      healthCheck: healthCheck2,
      attributes: {
        "deregistration_delay.timeout_seconds": String(ms(o.deregistrationDelay, 3e5) / 1e3),
        "stickiness.enabled": "false",
        "stickiness.type": "lb_cookie",
        "stickiness.lb_cookie.duration_seconds": "86400",
        "slow_start.duration_seconds": "0",
        "load_balancing.algorithm.type": "round_robin",
        "load_balancing.cross_zone.enabled": "use_load_balancer_configuration"
      },
      targets: targets2,
      used: true,
      crashLoops: [],
      tags: Object.entries(o.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
    };
    state.elbv2.targetGroups[group.arn] = group;
    tuples.push({ TargetGroupArn: group.arn, Weight: o.weight ?? 1 });
    let replicationGroupId = null;
    if (planCluster.cache) {
      replicationGroupId = planCluster.cache.replicationGroupId;
      if (Object.hasOwn(state.elasticache.replicationGroups, replicationGroupId)) fail(`plan: replication group used twice: ${replicationGroupId}`);
      buildCache(state, replicationGroupId, o, partition, zones);
    }
    const info = { name: planCluster.name, targetGroupArn: group.arn, replicationGroupId };
    state.clusters.push(info);
    state.audit.initialTargets[info.name] = targets2.map((t) => `${t.id}:${t.port}`).sort();
  }
  buildListener(state, plan2, file, tuples, listenerParts);
  buildServiceUpdates(state, file, startedAt);
  for (const [i, event] of (file.events ?? []).entries()) {
    const scheduled = toScheduledEvent(event, `event-${i + 1}`, startedAt);
    checkEventTargets(state, scheduled.body, `${source}: events[${i}]`);
    scheduleEvent(state, scheduled);
  }
  state.metrics.acc = freshAccumulator(state);
  return state;
}
function buildCache(state, id, o, partition, zones) {
  const c = o.cache ?? {};
  const engine = c.engine ?? "redis";
  const engineVersion = c.engineVersion ?? (engine === "valkey" ? "8.0" : "7.0");
  const nodeType = c.nodeType ?? "cache.r7g.large";
  const parameterGroup = c.parameterGroup ?? `default.${engine}${engineVersion.split(".")[0] ?? ""}`;
  const members = [];
  const createdAt = state.startedAt - 30 * DAY_MS;
  for (let i = 0; i <= (c.replicas ?? 2); i++) {
    const clusterId = `${id}-${String(i + 1).padStart(3, "0")}`;
    members.push(clusterId);
    const cluster3 = {
      id: clusterId,
      replicationGroupId: id,
      arn: `arn:${partition}:elasticache:${state.region}:${state.accountId}:cluster:${clusterId}`,
      status: "available",
      nodeStatus: "available",
      engine,
      engineVersion,
      cacheNodeType: nodeType,
      az: zones[i % zones.length] ?? "",
      createdAt,
      parameterGroup: { name: parameterGroup, applyStatus: "in-sync" },
      pending: {}
    };
    state.elasticache.cacheClusters[clusterId] = cluster3;
  }
  const rg = {
    id,
    arn: `arn:${partition}:elasticache:${state.region}:${state.accountId}:replicationgroup:${id}`,
    description: `${id} (sandbox)`,
    status: "available",
    engine,
    cacheNodeType: nodeType,
    automaticFailover: c.automaticFailover === false ? "disabled" : "enabled",
    multiAZ: c.multiAZ === false ? "disabled" : "enabled",
    members,
    primaryClusterId: members[0] ?? "",
    pendingPrimaryClusterId: null,
    endpointHash: stableHex(`${state.seed}:${id}`, 6),
    port: 6379,
    createdAt,
    memoryPercent: c.memoryPercent ?? 40,
    dataGeneration: 0,
    versionReported: null
  };
  state.elasticache.replicationGroups[id] = rg;
}
function buildListener(state, plan2, file, tuples, parts) {
  const stickiness = file.elbv2?.stickiness;
  const forward = {
    Type: "forward",
    ForwardConfig: {
      TargetGroups: tuples,
      TargetGroupStickinessConfig: stickiness?.enabled ? { Enabled: true, DurationSeconds: ms(stickiness.duration, 36e5) / 1e3 } : { Enabled: false }
    }
  };
  const listenerArn = plan2.fleet.listenerArn;
  const ruleArn = plan2.fleet.ruleArn;
  const notFound = {
    Type: "fixed-response",
    FixedResponseConfig: { StatusCode: "404", ContentType: "text/plain", MessageBody: "Not Found" }
  };
  state.elbv2.listeners.push({
    arn: listenerArn,
    loadBalancerArn: loadBalancerArn(parts),
    port: 80,
    protocol: "HTTP",
    defaultActions: normalizeActions([ruleArn ? notFound : forward]),
    defaultRuleArn: listenerRuleArn(parts, stableHex(`${listenerArn}:default`, 16))
  });
  if (ruleArn) {
    const ruleParts = parseRuleArn(ruleArn) ?? fail(`plan: fleet.ruleArn is not a listener rule ARN: ${ruleArn}`);
    if (ruleParts.listenerId !== parts.listenerId || ruleParts.loadBalancerId !== parts.loadBalancerId) {
      fail("plan: fleet.ruleArn does not belong to fleet.listenerArn");
    }
    state.elbv2.rules.push({
      arn: ruleArn,
      listenerArn,
      priority: file.elbv2?.fleetRulePriority ?? 100,
      conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }],
      actions: normalizeActions([forward]),
      tags: []
    });
    state.elbv2.sticky[ruleArn] = recordShares(void 0, state.elbv2.rules[0]?.actions[0], state.startedAt);
  } else {
    state.elbv2.sticky[listenerArn] = recordShares(void 0, state.elbv2.listeners[0]?.defaultActions[0], state.startedAt);
  }
}
function buildServiceUpdates(state, file, startedAt) {
  for (const u of file.elasticache?.serviceUpdates ?? []) {
    for (const id of u.replicationGroups ?? []) {
      if (!state.elasticache.replicationGroups[id]) fail(`serviceUpdates: ${u.name}: no such replication group ${id}`);
    }
    state.elasticache.serviceUpdates.push({
      name: u.name,
      releaseDate: u.releasedAt ? Date.parse(u.releasedAt) : startedAt - 7 * DAY_MS,
      severity: u.severity ?? "important",
      type: "security-update",
      engine: u.engine ?? "redis",
      replicationGroups: u.replicationGroups ?? null
    });
  }
}
function checkEventTargets(state, body, where) {
  if ("cluster" in body && !state.clusters.some((c) => c.name === body.cluster)) {
    fail(`${where}: ${body.type}: no such cluster "${body.cluster}"`);
  }
  if ("replicationGroupId" in body && !Object.hasOwn(state.elasticache.replicationGroups, body.replicationGroupId)) {
    fail(`${where}: ${body.type}: no such replication group "${body.replicationGroupId}"`);
  }
}

// src/sandbox/atomic-write.ts
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
function writeFileAtomic(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, "w", 420);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  const dir2 = openSync(dirname(file), "r");
  try {
    fsyncSync(dir2);
  } finally {
    closeSync(dir2);
  }
}

// src/sandbox/cloudwatch-model.ts
import {
  InvalidParameterValueException
} from "@aws-sdk/client-cloudwatch";

// src/sandbox/command-spec.ts
function command(mutating, run, resource = () => "") {
  return {
    mutating,
    run: (core, input) => run(core, input),
    resource: (input) => resource(input)
  };
}
function paginate(items, marker, pageSize, invalid) {
  let offset2 = 0;
  if (marker !== void 0) {
    const m = /^sbx-(\d+)$/.exec(marker);
    if (!m) throw invalid();
    offset2 = Number(m[1]);
  }
  const page = items.slice(offset2, offset2 + pageSize);
  const nextOffset = offset2 + page.length;
  return { items: page, next: nextOffset < items.length ? `sbx-${nextOffset}` : void 0 };
}

// src/sandbox/sdk-errors.ts
import { ElasticLoadBalancingV2ServiceException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { APICallRateForCustomerExceededFault, ElastiCacheServiceException } from "@aws-sdk/client-elasticache";
import { CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
function sdkError(Class, message, httpStatusCode = 400) {
  return new Class({ message, $metadata: { httpStatusCode } });
}
function unmodeledError(service, name2, message, httpStatusCode, fault) {
  const options = { name: name2, $fault: fault, message, $metadata: { httpStatusCode } };
  switch (service) {
    case "elbv2":
      return new ElasticLoadBalancingV2ServiceException(options);
    case "elasticache":
      return new ElastiCacheServiceException(options);
    case "cloudwatch":
      return new CloudWatchServiceException(options);
  }
}
function validationError(service, message) {
  return unmodeledError(service, "ValidationError", message, 400, "client");
}
function throttlingError(service) {
  switch (service) {
    case "elbv2":
      return unmodeledError("elbv2", "Throttling", "Rate exceeded", 400, "client");
    case "cloudwatch":
      return unmodeledError("cloudwatch", "ThrottlingException", "Rate exceeded", 400, "client");
    case "elasticache":
      return sdkError(APICallRateForCustomerExceededFault, "Rate exceeded", 400);
  }
}
function injectedFault(service, kind) {
  switch (kind) {
    case "http500":
      return unmodeledError(service, "InternalFailure", "We encountered an internal error. Please try again.", 500, "server");
    case "http503":
      return unmodeledError(service, "ServiceUnavailable", "Service is unavailable. Please try again.", 503, "server");
    case "econnreset":
      return networkError("ECONNRESET", "socket hang up");
    case "timeout":
      return networkError("ETIMEDOUT", "connect ETIMEDOUT");
  }
}
function networkError(code, message) {
  const error = new Error(message);
  error.name = code;
  return Object.assign(error, { code });
}
var SandboxUnsupportedError = class extends Error {
  constructor(service, command2, options) {
    super(`the sandbox does not model ${service} ${command2}`, options);
    this.name = "SandboxUnsupportedError";
  }
};

// src/sandbox/cloudwatch-model.ts
var counter = (t, value) => value >= 1 ? { t, sum: value, count: value, min: 1, max: 1 } : null;
var gauge = (t, avg, min = avg, max = avg) => ({ t, sum: avg, count: 1, min, max });
function dimensionMap(dimensions) {
  return new Map((dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));
}
function albPoints(core, metric, dims) {
  const state = core.state;
  const lbDim = dims.get("LoadBalancer");
  const lb = state.elbv2.loadBalancers.find((l) => cloudWatchDimension(l.arn) === lbDim);
  if (!lb) return [];
  if (dims.size === 1) {
    const rows2 = state.metrics.lb[lb.arn] ?? [];
    if (metric === "RequestCount") return rows2.map(([t, r]) => counter(t, r)).filter((p) => p !== null);
    if (metric === "HTTPCode_ELB_5XX_Count") return rows2.map(([t, , e]) => counter(t, e)).filter((p) => p !== null);
    return [];
  }
  if (dims.size !== 2) return [];
  const group = Object.values(state.elbv2.targetGroups).find(
    (g) => cloudWatchDimension(g.arn) === dims.get("TargetGroup") && g.loadBalancerArn === lb.arn
  );
  if (!group) return [];
  const rows = state.metrics.alb[group.arn] ?? [];
  const points = rows.map((row) => {
    const [t, requests, target5xx, , hAvg, hMin, hMax, uAvg, uMin, uMax, used] = row;
    switch (metric) {
      case "RequestCount":
        return counter(t, requests);
      case "HTTPCode_Target_5XX_Count":
        return counter(t, target5xx);
      case "RequestCountPerTarget":
        return requests >= 1 ? gauge(t, requests / Math.max(1, hAvg)) : null;
      case "HealthyHostCount":
        return used ? gauge(t, hAvg, hMin, hMax) : null;
      case "UnHealthyHostCount":
        return used ? gauge(t, uAvg, uMin, uMax) : null;
      default:
        return null;
    }
  });
  return points.filter((p) => p !== null);
}
var CACHE_COLUMNS = {
  DatabaseMemoryUsagePercentage: 1,
  EngineCPUUtilization: 2,
  ReplicationLag: 3,
  CurrConnections: 4,
  Evictions: 5
};
function cachePoints(core, metric, dims) {
  const column = CACHE_COLUMNS[metric];
  const id = dims.get("CacheClusterId");
  if (column === void 0 || id === void 0) return [];
  const node = dims.get("CacheNodeId");
  if (dims.size > 2 || dims.size === 2 && node !== "0001") return [];
  const rows = core.state.metrics.cache[id] ?? [];
  return rows.filter((row) => (row[column] ?? -1) >= 0).map((row) => gauge(row[0], row[column] ?? 0));
}
function statOf(points, stat4) {
  let sum = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    sum += p.sum;
    count += p.count;
    min = Math.min(min, p.min);
    max = Math.max(max, p.max);
  }
  switch (stat4) {
    case "Sum":
      return sum;
    case "SampleCount":
      return count;
    case "Average":
      return count > 0 ? sum / count : 0;
    case "Minimum":
      return min;
    default:
      return max;
  }
}
var STATS = /* @__PURE__ */ new Set(["Sum", "SampleCount", "Average", "Minimum", "Maximum"]);
var QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
function runQuery(core, query, start2, end2, descending) {
  const stat4 = query.MetricStat;
  if (!stat4?.Metric) {
    throw sdkError(InvalidParameterValueException, `Query ${String(query.Id)}: the sandbox models MetricStat queries only`);
  }
  const period = stat4.Period ?? 60;
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw sdkError(InvalidParameterValueException, `Query ${String(query.Id)}: Period must be a multiple of 60`);
  }
  if (!stat4.Stat || !STATS.has(stat4.Stat)) {
    throw sdkError(
      InvalidParameterValueException,
      `Query ${String(query.Id)}: the sandbox models the statistics ${[...STATS].join(", ")}, not ${String(stat4.Stat)}`
    );
  }
  const dims = dimensionMap(stat4.Metric.Dimensions);
  const metric = stat4.Metric.MetricName ?? "";
  let points = [];
  if (stat4.Metric.Namespace === "AWS/ApplicationELB") points = albPoints(core, metric, dims);
  else if (stat4.Metric.Namespace === "AWS/ElastiCache") points = cachePoints(core, metric, dims);
  const visibleBefore = core.now() - MINUTE_MS2 - core.state.settings.cloudwatch.publishDelayMs;
  const periodMs = period * 1e3;
  const buckets = /* @__PURE__ */ new Map();
  for (const p of points) {
    if (p.t > visibleBefore || p.t < start2 || p.t >= end2) continue;
    const bucket2 = Math.floor(p.t / periodMs) * periodMs;
    const list = buckets.get(bucket2);
    if (list) list.push(p);
    else buckets.set(bucket2, [p]);
  }
  const times = [...buckets.keys()].sort((a, b) => descending ? b - a : a - b);
  return {
    Id: query.Id,
    Label: query.Label ?? metric,
    Timestamps: times.map((t) => new Date(t)),
    Values: times.map((t) => statOf(buckets.get(t) ?? [], stat4.Stat ?? "Average")),
    StatusCode: "Complete",
    Messages: []
  };
}
function getMetricData(core, input) {
  const queries = input.MetricDataQueries ?? [];
  if (queries.length === 0 || queries.length > 500) {
    throw sdkError(InvalidParameterValueException, "MetricDataQueries must hold between 1 and 500 queries");
  }
  if (!input.StartTime || !input.EndTime || input.StartTime.getTime() >= input.EndTime.getTime()) {
    throw sdkError(InvalidParameterValueException, "StartTime must be before EndTime");
  }
  const ids = /* @__PURE__ */ new Set();
  for (const q of queries) {
    if (!q.Id || !QUERY_ID.test(q.Id) || ids.has(q.Id)) {
      throw sdkError(InvalidParameterValueException, `Query id '${String(q.Id)}' is invalid or duplicated`);
    }
    ids.add(q.Id);
  }
  const descending = input.ScanBy !== "TimestampAscending";
  const start2 = input.StartTime.getTime();
  const end2 = input.EndTime.getTime();
  return {
    MetricDataResults: queries.filter((q) => q.ReturnData !== false).map((q) => runQuery(core, q, start2, end2, descending)),
    Messages: []
  };
}
var cloudwatchCommands = {
  GetMetricData: command(false, getMetricData)
};

// src/sandbox/elasticache-model.ts
import {
  CacheClusterNotFoundFault,
  InvalidCacheClusterStateFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException as InvalidParameterValueException2,
  InvalidReplicationGroupStateFault,
  NodeGroupNotFoundFault,
  ReplicationGroupNotFoundFault,
  TestFailoverNotAvailableFault
} from "@aws-sdk/client-elasticache";
var NODE_GROUP_ID = "0001";
var CACHE_NODE_ID = "0001";
var EVENT_RETENTION_MS = 14 * 864e5;
var NODE_TYPE = /^cache\.[a-z0-9-]+\.[a-z0-9]+$/;
function findGroup(core, id) {
  const groups = core.state.elasticache.replicationGroups;
  const rg = id !== void 0 && Object.hasOwn(groups, id) ? groups[id] : void 0;
  if (!rg) throw sdkError(ReplicationGroupNotFoundFault, `Replication group ${String(id)} not found.`);
  return rg;
}
function findCluster(core, id) {
  const clusters2 = core.state.elasticache.cacheClusters;
  const cluster3 = id !== void 0 && Object.hasOwn(clusters2, id) ? clusters2[id] : void 0;
  if (!cluster3) throw sdkError(CacheClusterNotFoundFault, `CacheCluster not found: ${String(id)}`);
  return cluster3;
}
function view(core, rg) {
  const stale = core.staleValue(`rg:${rg.id}`);
  if (stale) return stale;
  const clusters2 = {};
  for (const id of rg.members) {
    const cluster3 = core.state.elasticache.cacheClusters[id];
    if (cluster3) clusters2[id] = cluster3;
  }
  return { rg, clusters: clusters2 };
}
function rememberGroup(core, rg) {
  const { clusters: clusters2 } = view(core, rg);
  core.rememberStale("elasticache", `rg:${rg.id}`, structuredClone({ rg, clusters: clusters2 }));
}
function busy(core, rg) {
  return opsOn(core.state.elasticache, rg.id).length > 0;
}
function endpoint(core, rg, name2, suffix) {
  return {
    Address: `${name2}.${rg.endpointHash}.${suffix}.${regionShortCode(core.state.region)}.cache.amazonaws.com`,
    Port: rg.port
  };
}
function renderGroup(core, { rg, clusters: clusters2 }) {
  return {
    ReplicationGroupId: rg.id,
    Description: rg.description,
    Status: rg.status,
    PendingModifiedValues: rg.pendingPrimaryClusterId ? { PrimaryClusterId: rg.pendingPrimaryClusterId } : {},
    MemberClusters: [...rg.members],
    NodeGroups: [
      {
        NodeGroupId: NODE_GROUP_ID,
        Status: rg.status === "modifying" ? "modifying" : "available",
        PrimaryEndpoint: endpoint(core, rg, rg.id, `ng.${NODE_GROUP_ID}`),
        ReaderEndpoint: endpoint(core, rg, `${rg.id}-ro`, `ng.${NODE_GROUP_ID}`),
        NodeGroupMembers: rg.members.map((id) => ({
          CacheClusterId: id,
          CacheNodeId: CACHE_NODE_ID,
          ReadEndpoint: endpoint(core, rg, id, CACHE_NODE_ID),
          PreferredAvailabilityZone: clusters2[id]?.az,
          CurrentRole: id === rg.primaryClusterId ? "primary" : "replica"
        }))
      }
    ],
    AutomaticFailover: rg.automaticFailover,
    MultiAZ: rg.multiAZ,
    SnapshotRetentionLimit: 0,
    SnapshotWindow: "03:00-04:00",
    ClusterEnabled: false,
    ClusterMode: "disabled",
    CacheNodeType: rg.cacheNodeType,
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    ARN: rg.arn,
    ReplicationGroupCreateTime: new Date(rg.createdAt),
    DataTiering: "disabled",
    AutoMinorVersionUpgrade: true,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
    Engine: rg.engine
  };
}
function beingApplied(core, rg) {
  const op = core.state.elasticache.ops.find((o) => o.kind === "modify" && o.replicationGroupId === rg.id);
  if (op?.kind !== "modify") return {};
  return {
    ...op.changes.engineVersion !== void 0 ? { EngineVersion: op.changes.engineVersion } : {},
    ...op.changes.cacheNodeType !== void 0 ? { CacheNodeType: op.changes.cacheNodeType } : {}
  };
}
function renderCluster(core, cluster3, rg, showNodes) {
  const rendered = {
    CacheClusterId: cluster3.id,
    CacheNodeType: cluster3.cacheNodeType,
    Engine: cluster3.engine,
    EngineVersion: cluster3.engineVersion,
    CacheClusterStatus: cluster3.status,
    NumCacheNodes: 1,
    PreferredAvailabilityZone: cluster3.az,
    CacheClusterCreateTime: new Date(cluster3.createdAt),
    PreferredMaintenanceWindow: "sun:05:00-sun:06:00",
    PendingModifiedValues: { ...cluster3.pending, ...beingApplied(core, rg) },
    CacheSecurityGroups: [],
    CacheParameterGroup: {
      CacheParameterGroupName: cluster3.parameterGroup.name,
      ParameterApplyStatus: cluster3.parameterGroup.applyStatus,
      CacheNodeIdsToReboot: []
    },
    CacheSubnetGroupName: "default",
    AutoMinorVersionUpgrade: true,
    SecurityGroups: [{ SecurityGroupId: `sg-${rg.endpointHash}`, Status: "active" }],
    ReplicationGroupId: cluster3.replicationGroupId,
    SnapshotRetentionLimit: 0,
    SnapshotWindow: "03:00-04:00",
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    ARN: cluster3.arn,
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: [],
    NetworkType: "ipv4",
    IpDiscovery: "ipv4"
  };
  if (showNodes) {
    rendered.CacheNodes = [
      {
        CacheNodeId: CACHE_NODE_ID,
        CacheNodeStatus: cluster3.nodeStatus,
        CacheNodeCreateTime: new Date(cluster3.createdAt),
        Endpoint: endpoint(core, rg, cluster3.id, CACHE_NODE_ID),
        ParameterGroupStatus: cluster3.parameterGroup.applyStatus,
        CustomerAvailabilityZone: cluster3.az
      }
    ];
  }
  return rendered;
}
function maxRecords(value) {
  if (value === void 0) return 100;
  if (!Number.isInteger(value) || value < 20 || value > 100) {
    throw sdkError(InvalidParameterValueException2, "MaxRecords must be between 20 and 100");
  }
  return value;
}
var invalidMarker = () => sdkError(InvalidParameterValueException2, "Invalid marker");
function describeReplicationGroups(core, input) {
  const groups = input.ReplicationGroupId ? [findGroup(core, input.ReplicationGroupId)] : Object.values(core.state.elasticache.replicationGroups).sort((a, b) => a.id.localeCompare(b.id));
  const page = paginate(groups, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return { ReplicationGroups: page.items.map((rg) => renderGroup(core, view(core, rg))), Marker: page.next };
}
function describeCacheClusters(core, input) {
  const cache2 = core.state.elasticache;
  const clusters2 = input.CacheClusterId ? [findCluster(core, input.CacheClusterId)] : Object.values(cache2.cacheClusters).sort((a, b) => a.id.localeCompare(b.id));
  const page = paginate(clusters2, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    CacheClusters: page.items.map((cluster3) => {
      const rg = findGroup(core, cluster3.replicationGroupId);
      const seen = view(core, rg).clusters[cluster3.id] ?? cluster3;
      return renderCluster(core, seen, rg, input.ShowCacheNodeInfo === true);
    }),
    Marker: page.next
  };
}
function describeEvents(core, input) {
  const now = core.now();
  const end2 = input.EndTime ? input.EndTime.getTime() : now;
  let start2;
  if (input.StartTime) start2 = input.StartTime.getTime();
  else start2 = end2 - (input.Duration ?? 60) * 6e4;
  start2 = Math.max(start2, now - EVENT_RETENTION_MS);
  const events = core.state.elasticache.events.filter(
    (e) => e.at >= start2 && e.at <= end2 && (input.SourceType === void 0 || e.sourceType === input.SourceType) && (input.SourceIdentifier === void 0 || e.sourceId === input.SourceIdentifier)
  ).sort((a, b) => b.at - a.at || b.seq - a.seq);
  const page = paginate(events, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    Events: page.items.map((e) => ({
      SourceIdentifier: e.sourceId,
      SourceType: e.sourceType,
      Message: e.message,
      Date: new Date(e.at)
    })),
    Marker: page.next
  };
}
function testFailover(core, input) {
  const rg = findGroup(core, input.ReplicationGroupId);
  const cache2 = core.state.elasticache;
  const settings = core.state.settings.elasticache;
  const now = core.now();
  if (input.NodeGroupId !== NODE_GROUP_ID) {
    throw sdkError(NodeGroupNotFoundFault, `Node group ${String(input.NodeGroupId)} not found in replication group ${rg.id}`);
  }
  if (rg.status !== "available") {
    throw sdkError(InvalidReplicationGroupStateFault, `Replication group ${rg.id} is not in available state (${rg.status})`);
  }
  if (busy(core, rg)) {
    throw sdkError(InvalidReplicationGroupStateFault, `Another operation is in progress on replication group ${rg.id}`);
  }
  if (rg.automaticFailover !== "enabled") {
    throw sdkError(InvalidReplicationGroupStateFault, `Automatic failover is not enabled on replication group ${rg.id}`);
  }
  const limit = settings.testFailoverLimit;
  const recent = cache2.testFailovers.filter(
    (f) => f.at > now - limit.windowMs && (limit.scope === "account" || f.replicationGroupId === rg.id)
  );
  if (recent.length >= limit.count) {
    throw sdkError(
      TestFailoverNotAvailableFault,
      `TestFailover has been called on ${recent.length} node groups in the last 24 hours; the limit is ${limit.count}`
    );
  }
  const replica = rg.members.find((id) => id !== rg.primaryClusterId && cache2.cacheClusters[id]?.status === "available");
  if (!replica) throw sdkError(InvalidCacheClusterStateFault, `No available replica in replication group ${rg.id}`);
  rememberGroup(core, rg);
  cache2.testFailovers = [...recent, { at: now, replicationGroupId: rg.id }];
  core.cacheEvent("replication-group", rg.id, `Test Failover API called for node group ${NODE_GROUP_ID}`);
  if (!core.failoverIsNoop(rg.id)) {
    cache2.ops.push({
      kind: "failover",
      id: core.randomHex(8),
      replicationGroupId: rg.id,
      phase: "switching",
      nextAt: now + settings.failoverMs,
      from: rg.primaryClusterId,
      to: replica
    });
  }
  return { ReplicationGroup: renderGroup(core, view(core, rg)) };
}
function requestedChanges(core, rg, input) {
  const primary = core.state.elasticache.cacheClusters[rg.primaryClusterId];
  const currentVersion = primary?.engineVersion ?? "";
  const changes = {};
  if (input.Engine !== void 0) {
    if (input.Engine !== "redis" && input.Engine !== "valkey") {
      throw sdkError(InvalidParameterValueException2, `Invalid engine: ${input.Engine}`);
    }
    if (input.Engine !== rg.engine) {
      if (input.EngineVersion === void 0) {
        throw sdkError(InvalidParameterCombinationException, "EngineVersion is required when changing Engine");
      }
      changes.engine = input.Engine;
    }
  }
  if (input.EngineVersion !== void 0) {
    const engine = changes.engine ?? rg.engine;
    const versions = core.state.settings.elasticache.engineVersions[engine] ?? [];
    if (typeof input.EngineVersion !== "string" || !versions.includes(input.EngineVersion)) {
      throw sdkError(
        InvalidParameterValueException2,
        `Invalid engine version ${String(input.EngineVersion)} for engine ${engine}; valid versions: ${versions.join(", ")}`
      );
    }
    if (!changes.engine && compareEngineVersions(input.EngineVersion, currentVersion) < 0) {
      throw sdkError(
        InvalidParameterCombinationException,
        `Cannot downgrade engine version from ${currentVersion} to ${input.EngineVersion}`
      );
    }
    if (changes.engine || input.EngineVersion !== currentVersion) changes.engineVersion = input.EngineVersion;
  }
  if (input.CacheNodeType !== void 0) {
    if (!NODE_TYPE.test(input.CacheNodeType)) {
      throw sdkError(InvalidParameterValueException2, `Invalid cache node type: ${input.CacheNodeType}`);
    }
    if (input.CacheNodeType !== rg.cacheNodeType) changes.cacheNodeType = input.CacheNodeType;
  }
  if (input.CacheParameterGroupName !== void 0 && input.CacheParameterGroupName !== primary?.parameterGroup.name) {
    changes.parameterGroup = input.CacheParameterGroupName;
  }
  return changes;
}
function definedChanges2(changes) {
  const clean = {};
  if (changes.engine !== void 0) clean.engine = changes.engine;
  if (changes.engineVersion !== void 0) clean.engineVersion = changes.engineVersion;
  if (changes.cacheNodeType !== void 0) clean.cacheNodeType = changes.cacheNodeType;
  if (changes.parameterGroup !== void 0) clean.parameterGroup = changes.parameterGroup;
  return clean;
}
function modifyReplicationGroup(core, input) {
  const rg = findGroup(core, input.ReplicationGroupId);
  const cache2 = core.state.elasticache;
  const settings = core.state.settings.elasticache;
  const now = core.now();
  if (rg.status !== "available" || busy(core, rg)) {
    throw sdkError(InvalidReplicationGroupStateFault, `Replication group ${rg.id} is not in available state (${rg.status})`);
  }
  const changes = requestedChanges(core, rg, input);
  let promoteTo = null;
  if (input.PrimaryClusterId !== void 0) {
    if (!rg.members.includes(input.PrimaryClusterId)) {
      throw sdkError(InvalidParameterValueException2, `Cache cluster ${input.PrimaryClusterId} is not a member of ${rg.id}`);
    }
    if (input.PrimaryClusterId !== rg.primaryClusterId) promoteTo = input.PrimaryClusterId;
  }
  const flags = input.AutomaticFailoverEnabled !== void 0 && (input.AutomaticFailoverEnabled ? "enabled" : "disabled") !== rg.automaticFailover || input.MultiAZEnabled !== void 0 && (input.MultiAZEnabled ? "enabled" : "disabled") !== rg.multiAZ;
  const pendingExists = rg.pendingPrimaryClusterId !== null || rg.members.some((id) => {
    const cluster3 = cache2.cacheClusters[id];
    return cluster3 !== void 0 && (Object.keys(cluster3.pending).length > 0 || cluster3.parameterGroup.applyStatus === "pending-reboot");
  });
  const appliesPending = input.ApplyImmediately === true && pendingExists;
  if (Object.keys(changes).length === 0 && promoteTo === null && !flags && !appliesPending) {
    throw sdkError(InvalidParameterCombinationException, "No modifications were requested.");
  }
  rememberGroup(core, rg);
  if (input.AutomaticFailoverEnabled !== void 0) rg.automaticFailover = input.AutomaticFailoverEnabled ? "enabled" : "disabled";
  if (input.MultiAZEnabled !== void 0) rg.multiAZ = input.MultiAZEnabled ? "enabled" : "disabled";
  const members = rg.members.map((id) => cache2.cacheClusters[id]).filter((c) => c !== void 0);
  if (input.ApplyImmediately !== true) {
    for (const cluster3 of members) {
      if (changes.engineVersion) cluster3.pending.EngineVersion = changes.engineVersion;
      if (changes.cacheNodeType) cluster3.pending.CacheNodeType = changes.cacheNodeType;
      if (changes.parameterGroup) cluster3.parameterGroup = { name: changes.parameterGroup, applyStatus: "pending-reboot" };
    }
    if (promoteTo !== null) rg.pendingPrimaryClusterId = promoteTo;
    return { ReplicationGroup: renderGroup(core, view(core, rg)) };
  }
  for (const cluster3 of members) {
    changes.engineVersion ??= cluster3.pending.EngineVersion;
    changes.cacheNodeType ??= cluster3.pending.CacheNodeType;
    cluster3.pending = {};
    if (cluster3.parameterGroup.applyStatus === "pending-reboot") changes.parameterGroup ??= cluster3.parameterGroup.name;
  }
  if (promoteTo === null && rg.pendingPrimaryClusterId !== null && rg.pendingPrimaryClusterId !== rg.primaryClusterId) {
    promoteTo = rg.pendingPrimaryClusterId;
  }
  rg.pendingPrimaryClusterId = null;
  const noop = core.failoverIsNoop(rg.id);
  const hasModify = Object.values(changes).some((v) => v !== void 0);
  if (hasModify) {
    const disruptive = changes.engine !== void 0 || changes.engineVersion !== void 0 || changes.cacheNodeType !== void 0;
    rg.status = "modifying";
    for (const cluster3 of members) {
      cluster3.status = "modifying";
      if (changes.parameterGroup) cluster3.parameterGroup = { name: cluster3.parameterGroup.name, applyStatus: "applying" };
    }
    cache2.ops.push({
      kind: "modify",
      id: core.randomHex(8),
      replicationGroupId: rg.id,
      nextAt: now + settings.modifyMs,
      outageUntil: disruptive ? now + (settings.modifyOutageMs ?? settings.modifyMs) : now,
      changes: definedChanges2(changes),
      // One operation at a time per group: a requested promotion happens when the modify ends.
      promoteTo: promoteTo !== null && !noop ? promoteTo : null
    });
    core.cacheEvent("replication-group", rg.id, `Modification of replication group ${rg.id} started`);
  }
  if (promoteTo !== null && !hasModify) {
    rg.status = "modifying";
    cache2.ops.push({
      kind: "promote",
      id: core.randomHex(8),
      replicationGroupId: rg.id,
      nextAt: now + settings.promoteMs,
      to: noop ? null : promoteTo
    });
  }
  return { ReplicationGroup: renderGroup(core, view(core, rg)) };
}
function rebootCacheCluster(core, input) {
  const cluster3 = findCluster(core, input.CacheClusterId);
  const rg = findGroup(core, cluster3.replicationGroupId);
  const nodes = input.CacheNodeIdsToReboot ?? [];
  if (nodes.length === 0 || nodes.some((n) => n !== CACHE_NODE_ID)) {
    throw sdkError(InvalidParameterValueException2, `Invalid cache node ids: ${nodes.join(", ")}`);
  }
  if (cluster3.status !== "available") {
    throw sdkError(InvalidCacheClusterStateFault, `Cache cluster ${cluster3.id} is not in available state (${cluster3.status})`);
  }
  rememberGroup(core, rg);
  cluster3.status = "rebooting cluster nodes";
  cluster3.nodeStatus = "rebooting";
  core.state.elasticache.ops.push({
    kind: "reboot",
    id: core.randomHex(8),
    replicationGroupId: rg.id,
    cacheClusterId: cluster3.id,
    nextAt: core.now() + core.state.settings.elasticache.rebootMs,
    wasPrimary: rg.primaryClusterId === cluster3.id
  });
  return { CacheCluster: renderCluster(core, cluster3, rg, false) };
}
function applicableGroups(core, update) {
  return Object.values(core.state.elasticache.replicationGroups).filter((rg) => rg.engine === update.engine && (update.replicationGroups === null || update.replicationGroups.includes(rg.id))).sort((a, b) => a.id.localeCompare(b.id));
}
function actionStatus(core, update, rgId) {
  return core.state.elasticache.updateActions[`${update}|${rgId}`]?.status ?? "not-applied";
}
function batchApplyUpdateAction(core, input) {
  const cache2 = core.state.elasticache;
  const ids = input.ReplicationGroupIds ?? [];
  const clusterIds = input.CacheClusterIds ?? [];
  if (ids.length + clusterIds.length === 0) {
    throw sdkError(InvalidParameterValueException2, "Specify ReplicationGroupIds or CacheClusterIds");
  }
  if (ids.length > 20) throw sdkError(InvalidParameterValueException2, "At most 20 replication groups can be specified per call");
  const name2 = input.ServiceUpdateName ?? "";
  const update = cache2.serviceUpdates.find((u) => u.name === name2);
  const processed = [];
  const unprocessed = [];
  const refuse = (id, ErrorType, ErrorMessage) => {
    unprocessed.push({ ReplicationGroupId: id, ServiceUpdateName: name2, ErrorType, ErrorMessage });
  };
  for (const id of clusterIds) {
    unprocessed.push({
      CacheClusterId: id,
      ServiceUpdateName: name2,
      ErrorType: "InvalidParameterValue",
      ErrorMessage: "Cache cluster ids are for clusters outside replication groups; use ReplicationGroupIds"
    });
  }
  for (const id of ids) {
    const rg = Object.hasOwn(cache2.replicationGroups, id) ? cache2.replicationGroups[id] : void 0;
    if (!update) {
      refuse(id, "ServiceUpdateNotFoundFault", `Service update ${name2} not found`);
      continue;
    }
    if (!rg) {
      refuse(id, "ReplicationGroupNotFoundFault", `Replication group ${id} not found`);
      continue;
    }
    if (!applicableGroups(core, update).includes(rg)) {
      refuse(id, "InvalidParameterValue", `Service update ${name2} is not applicable to ${id}`);
      continue;
    }
    const status = actionStatus(core, name2, id);
    if (status === "waiting-to-start" || status === "in-progress") {
      processed.push({ ReplicationGroupId: id, ServiceUpdateName: name2, UpdateActionStatus: status });
      continue;
    }
    if (status === "complete") {
      refuse(id, "InvalidParameterValue", `Service update ${name2} is already complete on ${id}`);
      continue;
    }
    if (rg.status !== "available" || busy(core, rg)) {
      refuse(id, "InvalidReplicationGroupStateFault", `Replication group ${id} is not in available state (${rg.status})`);
      continue;
    }
    const now = core.now();
    rememberGroup(core, rg);
    cache2.updateActions[`${name2}|${id}`] = { status: "waiting-to-start", modifiedAt: now, nodesUpdated: 0 };
    cache2.ops.push({
      kind: "serviceUpdate",
      id: core.randomHex(8),
      replicationGroupId: id,
      serviceUpdateName: name2,
      phase: "waiting",
      nextAt: now + core.state.settings.elasticache.serviceUpdateStartMs
    });
    processed.push({ ReplicationGroupId: id, ServiceUpdateName: name2, UpdateActionStatus: "waiting-to-start" });
  }
  return { ProcessedUpdateActions: processed, UnprocessedUpdateActions: unprocessed };
}
function describeUpdateActions(core, input) {
  const cache2 = core.state.elasticache;
  const actions = [];
  for (const update of cache2.serviceUpdates) {
    if (input.ServiceUpdateName !== void 0 && update.name !== input.ServiceUpdateName) continue;
    if (input.Engine !== void 0 && update.engine !== input.Engine) continue;
    for (const rg of applicableGroups(core, update)) {
      if (input.ReplicationGroupIds?.length && !input.ReplicationGroupIds.includes(rg.id)) continue;
      const state = cache2.updateActions[`${update.name}|${rg.id}`];
      const status = actionStatus(core, update.name, rg.id);
      if (input.UpdateActionStatus?.length && !input.UpdateActionStatus.includes(status)) continue;
      const action = {
        ReplicationGroupId: rg.id,
        ServiceUpdateName: update.name,
        ServiceUpdateReleaseDate: new Date(update.releaseDate),
        ServiceUpdateSeverity: update.severity,
        ServiceUpdateStatus: "available",
        ServiceUpdateType: update.type,
        UpdateActionAvailableDate: new Date(update.releaseDate),
        UpdateActionStatus: status,
        NodesUpdated: `${state?.nodesUpdated ?? 0}/${rg.members.length}`,
        UpdateActionStatusModifiedDate: new Date(state?.modifiedAt ?? update.releaseDate),
        SlaMet: "n/a",
        EstimatedUpdateTime: `${Math.round(core.state.settings.elasticache.serviceUpdateMs / 6e4)} minutes`,
        Engine: update.engine
      };
      if (input.ShowNodeLevelUpdateStatus) {
        const nodeStatus = status === "complete" ? "complete" : status === "in-progress" ? "in-progress" : "not-applied";
        action.NodeGroupUpdateStatus = [
          {
            NodeGroupId: NODE_GROUP_ID,
            NodeGroupMemberUpdateStatus: rg.members.map((id) => ({
              CacheClusterId: id,
              CacheNodeId: CACHE_NODE_ID,
              NodeUpdateStatus: nodeStatus
            }))
          }
        ];
      }
      actions.push(action);
    }
  }
  const page = paginate(actions, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return { UpdateActions: page.items, Marker: page.next };
}
function describeServiceUpdates(core, input) {
  const updates = core.state.elasticache.serviceUpdates.filter(
    (u) => input.ServiceUpdateName === void 0 || u.name === input.ServiceUpdateName
  );
  const page = paginate(updates, input.Marker, maxRecords(input.MaxRecords), invalidMarker);
  return {
    ServiceUpdates: page.items.map((u) => ({
      ServiceUpdateName: u.name,
      ServiceUpdateReleaseDate: new Date(u.releaseDate),
      ServiceUpdateSeverity: u.severity,
      ServiceUpdateStatus: "available",
      ServiceUpdateType: u.type,
      Engine: u.engine,
      AutoUpdateAfterRecommendedApplyByDate: false
    })),
    Marker: page.next
  };
}
var elasticacheCommands = {
  DescribeReplicationGroups: command(false, describeReplicationGroups),
  DescribeCacheClusters: command(false, describeCacheClusters),
  DescribeEvents: command(false, describeEvents),
  DescribeUpdateActions: command(false, describeUpdateActions),
  DescribeServiceUpdates: command(false, describeServiceUpdates),
  TestFailover: command(true, testFailover, (i) => i.ReplicationGroupId ?? ""),
  ModifyReplicationGroup: command(true, modifyReplicationGroup, (i) => i.ReplicationGroupId ?? ""),
  RebootCacheCluster: command(true, rebootCacheCluster, (i) => i.CacheClusterId ?? ""),
  BatchApplyUpdateAction: command(
    true,
    batchApplyUpdateAction,
    (i) => (i.ReplicationGroupIds ?? []).join(",")
  )
};

// src/sandbox/elbv2-model.ts
import {
  InvalidConfigurationRequestException,
  InvalidLoadBalancerActionException,
  InvalidTargetException,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  OperationNotPermittedException,
  PriorityInUseException,
  RuleNotFoundException,
  TargetGroupNotFoundException,
  TooManyRulesException
} from "@aws-sdk/client-elastic-load-balancing-v2";
var INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
var MAX_RULES_PER_LISTENER = 100;
var MAX_HEADER_VALUES = 3;
function findListener(core, arn) {
  const listener = core.state.elbv2.listeners.find((l) => l.arn === arn);
  if (!listener) throw sdkError(ListenerNotFoundException, "One or more listeners not found");
  return listener;
}
function findLoadBalancer(core, arn) {
  const lb = core.state.elbv2.loadBalancers.find((l) => l.arn === arn);
  if (!lb) throw sdkError(LoadBalancerNotFoundException, "One or more load balancers not found");
  return lb;
}
function findGroup2(core, arn) {
  const group = arn === void 0 ? void 0 : core.targetGroup(arn);
  if (!group) throw sdkError(TargetGroupNotFoundException, "One or more target groups not found");
  return group;
}
function findRule(core, arn) {
  const rule = core.state.elbv2.rules.find((r) => r.arn === arn);
  if (rule) return { kind: "rule", rule };
  const listener = core.state.elbv2.listeners.find((l) => l.defaultRuleArn === arn);
  if (listener) return { kind: "default", listener };
  throw sdkError(RuleNotFoundException, "One or more rules not found");
}
function validateActions(core, actions) {
  if (!actions || actions.length === 0) throw validationError("elbv2", "At least one action must be specified");
  const limit = core.state.settings.elbv2.maxTargetGroupsPerForward;
  for (const action of actions) {
    switch (action.Type) {
      case "forward":
        validateForward(core, action, limit);
        break;
      case "fixed-response":
      case "redirect":
      case "authenticate-oidc":
      case "authenticate-cognito":
      case "jwt-validation":
        break;
      default:
        throw validationError("elbv2", `Action type '${String(action.Type)}' is not valid`);
    }
  }
  return normalizeActions(actions);
}
function validateForward(core, action, limit) {
  const tuples = action.ForwardConfig?.TargetGroups ?? [];
  if (action.TargetGroupArn && tuples.length > 0) {
    const single = tuples.length === 1 && tuples[0]?.TargetGroupArn === action.TargetGroupArn;
    if (!single) {
      throw sdkError(
        InvalidLoadBalancerActionException,
        "You cannot specify both a target group ARN and a forward config with different target groups"
      );
    }
  }
  const groups = forwardGroups(action);
  if (groups.length === 0) throw validationError("elbv2", "A forward action must specify at least one target group");
  if (limit !== null && groups.length > limit) {
    throw validationError("elbv2", `A forward action can have at most ${limit} target groups`);
  }
  const seen = /* @__PURE__ */ new Set();
  for (const g of groups) {
    findGroup2(core, g.arn);
    if (seen.has(g.arn)) throw validationError("elbv2", `Target group '${g.arn}' is specified more than once`);
    seen.add(g.arn);
    if (!Number.isInteger(g.weight) || g.weight < 0 || g.weight > 999) {
      throw validationError("elbv2", `Weight must be an integer between 0 and 999, got ${g.weight}`);
    }
  }
  const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
  if (stickiness?.Enabled) {
    const d = stickiness.DurationSeconds;
    if (d === void 0 || !Number.isInteger(d) || d < 1 || d > 604800) {
      throw validationError("elbv2", "Stickiness duration must be between 1 and 604800 seconds");
    }
  }
}
var CONDITION_FIELDS = /* @__PURE__ */ new Set(["http-header", "path-pattern", "host-header", "query-string", "http-request-method", "source-ip"]);
function validateConditions(conditions) {
  if (!conditions || conditions.length === 0) throw validationError("elbv2", "At least one condition must be specified");
  for (const c of conditions) {
    if (!c.Field || !CONDITION_FIELDS.has(c.Field)) {
      throw validationError("elbv2", `Condition field '${String(c.Field)}' is not valid`);
    }
    if (c.Field === "http-header") {
      const config = c.HttpHeaderConfig;
      if (!config?.HttpHeaderName) throw validationError("elbv2", "An http-header condition needs HttpHeaderConfig.HttpHeaderName");
      const values = config.Values ?? [];
      if (values.length === 0 || values.length > MAX_HEADER_VALUES) {
        throw validationError("elbv2", `An http-header condition needs 1 to ${MAX_HEADER_VALUES} values`);
      }
    }
  }
  return structuredClone(conditions);
}
function validateTargets(targets2) {
  if (!targets2 || targets2.length === 0) throw validationError("elbv2", "At least one target must be specified");
  const invalid = targets2.filter((t) => !t.Id || !INSTANCE_ID.test(t.Id)).map((t) => `'${String(t.Id)}'`);
  if (invalid.length > 0) throw sdkError(InvalidTargetException, `The following targets are not valid instances: ${invalid.join(", ")}`);
  for (const t of targets2) {
    if (t.Port !== void 0 && (!Number.isInteger(t.Port) || t.Port < 1 || t.Port > 65535)) {
      throw validationError("elbv2", `Port must be between 1 and 65535, got ${t.Port}`);
    }
  }
  return targets2;
}
function renderLoadBalancer(lb) {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: "Z32O12XQLNTSW2",
    CreatedTime: new Date(lb.createdAt),
    LoadBalancerName: lb.name,
    Scheme: "internet-facing",
    VpcId: lb.vpcId,
    State: { Code: "active" },
    Type: "application",
    AvailabilityZones: lb.availabilityZones.map((z3, i) => ({ ZoneName: z3, SubnetId: `subnet-${lb.id.slice(0, 8)}${i}` })),
    SecurityGroups: [`sg-${lb.id.slice(0, 17)}`],
    IpAddressType: "ipv4"
  };
}
function renderListener(listener) {
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol,
    DefaultActions: structuredClone(listener.defaultActions)
  };
}
function renderRule(rule) {
  return {
    RuleArn: rule.arn,
    Priority: String(rule.priority),
    Conditions: structuredClone(rule.conditions),
    Actions: structuredClone(rule.actions),
    IsDefault: false
  };
}
function renderDefaultRule(listener) {
  return {
    RuleArn: listener.defaultRuleArn,
    Priority: "default",
    Conditions: [],
    Actions: structuredClone(listener.defaultActions),
    IsDefault: true
  };
}
function renderTargetGroup(group) {
  const hc = group.healthCheck;
  return {
    TargetGroupArn: group.arn,
    TargetGroupName: group.name,
    Protocol: "HTTP",
    Port: group.port,
    VpcId: group.vpcId,
    HealthCheckProtocol: "HTTP",
    HealthCheckPort: "traffic-port",
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: hc.intervalMs / 1e3,
    HealthCheckTimeoutSeconds: hc.timeoutMs / 1e3,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: group.used ? [group.loadBalancerArn] : [],
    TargetType: "instance",
    ProtocolVersion: "HTTP1",
    IpAddressType: "ipv4"
  };
}
function renderAttributes(group) {
  return Object.keys(group.attributes).sort().map((Key) => ({ Key, Value: group.attributes[Key] }));
}
function liveListener(core, listener) {
  return core.staleValue(`listener:${listener.arn}`) ?? listener;
}
function liveRule(core, rule) {
  return core.staleValue(`rule:${rule.arn}`) ?? rule;
}
function describeTarget(group, target, now) {
  return {
    Target: { Id: target.id, Port: target.port, AvailabilityZone: target.az },
    HealthCheckPort: String(target.port),
    TargetHealth: describeHealth(group, target, now)
  };
}
function describeLoadBalancers(core, input) {
  let lbs = core.state.elbv2.loadBalancers;
  if (input.LoadBalancerArns?.length) lbs = input.LoadBalancerArns.map((arn) => findLoadBalancer(core, arn));
  if (input.Names?.length) {
    lbs = input.Names.map((name2) => {
      const lb = core.state.elbv2.loadBalancers.find((l) => l.name === name2);
      if (!lb) throw sdkError(LoadBalancerNotFoundException, `Load balancers '[${name2}]' not found`);
      return lb;
    });
  }
  const page = paginate(lbs, input.Marker, input.PageSize ?? 400, () => validationError("elbv2", "Invalid marker"));
  return { LoadBalancers: page.items.map(renderLoadBalancer), NextMarker: page.next };
}
function describeListeners(core, input) {
  let listeners;
  if (input.ListenerArns?.length) {
    listeners = input.ListenerArns.map((arn) => findListener(core, arn));
  } else if (input.LoadBalancerArn) {
    findLoadBalancer(core, input.LoadBalancerArn);
    listeners = core.state.elbv2.listeners.filter((l) => l.loadBalancerArn === input.LoadBalancerArn);
  } else {
    throw validationError("elbv2", "You must specify either listener ARNs or a load balancer ARN");
  }
  const page = paginate(listeners, input.Marker, input.PageSize ?? 400, () => validationError("elbv2", "Invalid marker"));
  return { Listeners: page.items.map((l) => renderListener(liveListener(core, l))), NextMarker: page.next };
}
function describeRules(core, input) {
  let rules;
  if (input.RuleArns?.length) {
    rules = input.RuleArns.map((arn) => {
      const found = findRule(core, arn);
      return found.kind === "rule" ? renderRule(liveRule(core, found.rule)) : renderDefaultRule(liveListener(core, found.listener));
    });
  } else if (input.ListenerArn) {
    const listener = findListener(core, input.ListenerArn);
    rules = core.state.elbv2.rules.filter((r) => r.listenerArn === listener.arn).sort((a, b) => a.priority - b.priority).map((r) => renderRule(liveRule(core, r)));
    rules.push(renderDefaultRule(liveListener(core, listener)));
  } else {
    throw validationError("elbv2", "You must specify either listener ARN or rule ARNs");
  }
  const page = paginate(rules, input.Marker, input.PageSize ?? 400, () => validationError("elbv2", "Invalid marker"));
  return { Rules: page.items, NextMarker: page.next };
}
function modifyListener(core, input) {
  const listener = findListener(core, input.ListenerArn);
  const actions = input.DefaultActions === void 0 ? void 0 : validateActions(core, input.DefaultActions);
  core.rememberStale("elbv2", `listener:${listener.arn}`, structuredClone(listener));
  if (input.Port !== void 0) listener.port = input.Port;
  if (input.Protocol === "HTTP" || input.Protocol === "HTTPS") listener.protocol = input.Protocol;
  if (actions) {
    listener.defaultActions = actions;
    core.routingChanged();
  }
  return { Listeners: [renderListener(listener)] };
}
function modifyRule(core, input) {
  const found = findRule(core, input.RuleArn);
  if (found.kind === "default") {
    throw sdkError(OperationNotPermittedException, "The default rule cannot be modified with ModifyRule; use ModifyListener");
  }
  const rule = found.rule;
  const conditions = input.Conditions === void 0 ? void 0 : validateConditions(input.Conditions);
  const actions = input.Actions === void 0 ? void 0 : validateActions(core, input.Actions);
  core.rememberStale("elbv2", `rule:${rule.arn}`, structuredClone(rule));
  if (conditions) rule.conditions = conditions;
  if (actions) rule.actions = actions;
  core.routingChanged();
  return { Rules: [renderRule(rule)] };
}
function createRule(core, input) {
  const listener = findListener(core, input.ListenerArn);
  const priority = input.Priority;
  if (priority === void 0 || !Number.isInteger(priority) || priority < 1 || priority > 5e4) {
    throw validationError("elbv2", `Priority must be between 1 and 50000, got ${String(priority)}`);
  }
  const onListener = core.state.elbv2.rules.filter((r) => r.listenerArn === listener.arn);
  if (onListener.some((r) => r.priority === priority)) {
    throw sdkError(PriorityInUseException, `Priority '${priority}' is currently in use`);
  }
  if (onListener.length >= MAX_RULES_PER_LISTENER) throw sdkError(TooManyRulesException, "You've reached the limit on the number of rules per listener");
  const conditions = validateConditions(input.Conditions);
  const actions = validateActions(core, input.Actions);
  const parts = parseListenerArn(listener.arn);
  if (!parts) throw validationError("elbv2", `Listener ARN '${listener.arn}' is not valid`);
  const rule = {
    arn: listenerRuleArn(parts, core.randomHex(16)),
    listenerArn: listener.arn,
    priority,
    conditions,
    actions,
    tags: structuredClone(input.Tags ?? [])
  };
  core.state.elbv2.rules.push(rule);
  core.routingChanged();
  return { Rules: [renderRule(rule)] };
}
function deleteRule(core, input) {
  const found = findRule(core, input.RuleArn);
  if (found.kind === "default") throw sdkError(OperationNotPermittedException, "The default rule cannot be deleted");
  core.state.elbv2.rules = core.state.elbv2.rules.filter((r) => r !== found.rule);
  core.routingChanged();
  return {};
}
function describeTargetGroups(core, input) {
  const all = Object.values(core.state.elbv2.targetGroups);
  let groups = all;
  if (input.TargetGroupArns?.length) groups = input.TargetGroupArns.map((arn) => findGroup2(core, arn));
  if (input.Names?.length) {
    groups = input.Names.map((name2) => {
      const group = all.find((g) => g.name === name2);
      if (!group) throw sdkError(TargetGroupNotFoundException, `Target groups '[${name2}]' not found`);
      return group;
    });
  }
  if (input.LoadBalancerArn) {
    findLoadBalancer(core, input.LoadBalancerArn);
    groups = groups.filter((g) => g.used && g.loadBalancerArn === input.LoadBalancerArn);
  }
  const page = paginate(groups, input.Marker, input.PageSize ?? 400, () => validationError("elbv2", "Invalid marker"));
  return { TargetGroups: page.items.map(renderTargetGroup), NextMarker: page.next };
}
function describeTargetGroupAttributes(core, input) {
  return { Attributes: renderAttributes(findGroup2(core, input.TargetGroupArn)) };
}
var ATTRIBUTE_RULES = {
  "deregistration_delay.timeout_seconds": (v) => /^\d+$/.test(v) && Number(v) <= 3600,
  "stickiness.enabled": (v) => v === "true" || v === "false",
  "stickiness.type": (v) => v === "lb_cookie" || v === "app_cookie",
  "stickiness.lb_cookie.duration_seconds": (v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 604800,
  "slow_start.duration_seconds": (v) => /^\d+$/.test(v) && (Number(v) === 0 || Number(v) >= 30 && Number(v) <= 900),
  "load_balancing.algorithm.type": (v) => ["round_robin", "least_outstanding_requests", "weighted_random"].includes(v),
  "load_balancing.cross_zone.enabled": (v) => ["true", "false", "use_load_balancer_configuration"].includes(v)
};
function modifyTargetGroupAttributes(core, input) {
  const group = findGroup2(core, input.TargetGroupArn);
  const attributes = input.Attributes ?? [];
  if (attributes.length === 0) throw validationError("elbv2", "At least one attribute must be specified");
  for (const { Key, Value } of attributes) {
    const rule = Key === void 0 ? void 0 : ATTRIBUTE_RULES[Key];
    if (!rule || Value === void 0 || !rule(Value)) {
      throw sdkError(InvalidConfigurationRequestException, `Attribute '${String(Key)}' with value '${String(Value)}' is not valid`);
    }
  }
  for (const { Key, Value } of attributes) if (Key && Value !== void 0) group.attributes[Key] = Value;
  return { Attributes: renderAttributes(group) };
}
function describeTargetHealth(core, input) {
  const group = findGroup2(core, input.TargetGroupArn);
  const now = core.now();
  const targets2 = (core.staleValue(`targets:${group.arn}`) ?? group.targets).filter(
    (t) => t.drainUntil === null || t.drainUntil > now
  );
  if (!input.Targets?.length) {
    return { TargetHealthDescriptions: targets2.map((t) => describeTarget(group, t, now)) };
  }
  validateTargets(input.Targets);
  return {
    TargetHealthDescriptions: input.Targets.map((requested) => {
      const port = requested.Port ?? group.port;
      const target = targets2.find((t) => t.id === requested.Id && t.port === port);
      return target ? describeTarget(group, target, now) : notRegistered(requested.Id ?? "", port);
    })
  };
}
function registerTargets(core, input) {
  const group = findGroup2(core, input.TargetGroupArn);
  const requested = validateTargets(input.Targets);
  const now = core.now();
  const { registrationDelayMs } = core.state.settings.elbv2;
  core.rememberStale("elbv2", `targets:${group.arn}`, structuredClone(group.targets));
  const lb = core.state.elbv2.loadBalancers.find((l) => l.arn === group.loadBalancerArn);
  for (const t of requested) {
    const id = t.Id ?? "";
    const port = t.Port ?? group.port;
    const existing = group.targets.find((x) => x.id === id && x.port === port);
    if (existing && existing.drainUntil === null) continue;
    if (existing) group.targets = group.targets.filter((x) => x !== existing);
    const target = {
      id,
      port,
      az: t.AvailabilityZone ?? pickZone(lb, id),
      registeredAt: now,
      drainUntil: null,
      checksFrom: group.used ? now + registrationDelayMs : null,
      base: { at: now, state: "initial" },
      condition: "ok",
      lastFailure: null,
      marks: []
    };
    target.condition = conditionOf(group, target);
    if (target.condition !== "ok") target.lastFailure = target.condition;
    group.targets.push(target);
  }
  core.invalidateGroup(group.arn);
  return {};
}
function pickZone(lb, id) {
  const zones = lb?.availabilityZones ?? [];
  if (zones.length === 0) return "";
  let sum = 0;
  for (const ch of id) sum += ch.charCodeAt(0);
  return zones[sum % zones.length] ?? "";
}
function deregisterTargets(core, input) {
  const group = findGroup2(core, input.TargetGroupArn);
  const requested = validateTargets(input.Targets);
  const now = core.now();
  const delayMs = Number(group.attributes["deregistration_delay.timeout_seconds"] ?? "300") * 1e3;
  core.rememberStale("elbv2", `targets:${group.arn}`, structuredClone(group.targets));
  for (const t of requested) {
    const port = t.Port ?? group.port;
    const target = group.targets.find((x) => x.id === t.Id && x.port === port && x.drainUntil === null);
    if (!target) continue;
    core.recordDrainCut(group.arn, delayMs);
    if (delayMs === 0) group.targets = group.targets.filter((x) => x !== target);
    else target.drainUntil = now + delayMs;
  }
  core.invalidateGroup(group.arn);
  return {};
}
function describeTags(core, input) {
  const arns = input.ResourceArns ?? [];
  if (arns.length === 0 || arns.length > 20) throw validationError("elbv2", "Specify between 1 and 20 resource ARNs");
  return {
    TagDescriptions: arns.map((arn) => {
      const elbv2 = core.state.elbv2;
      const tags = core.targetGroup(arn)?.tags ?? elbv2.loadBalancers.find((l) => l.arn === arn)?.tags ?? elbv2.rules.find((r) => r.arn === arn)?.tags ?? (elbv2.listeners.some((l) => l.arn === arn || l.defaultRuleArn === arn) ? [] : void 0);
      if (!tags) {
        if (arn.includes(":targetgroup/")) throw sdkError(TargetGroupNotFoundException, "One or more target groups not found");
        if (arn.includes(":listener-rule/")) throw sdkError(RuleNotFoundException, "One or more rules not found");
        if (arn.includes(":listener/")) throw sdkError(ListenerNotFoundException, "One or more listeners not found");
        throw sdkError(LoadBalancerNotFoundException, "One or more load balancers not found");
      }
      return { ResourceArn: arn, Tags: structuredClone(tags) };
    })
  };
}
var elbv2Commands = {
  DescribeLoadBalancers: command(false, describeLoadBalancers),
  DescribeListeners: command(false, describeListeners),
  DescribeRules: command(false, describeRules),
  DescribeTargetGroups: command(false, describeTargetGroups),
  DescribeTargetGroupAttributes: command(false, describeTargetGroupAttributes),
  DescribeTargetHealth: command(false, describeTargetHealth),
  DescribeTags: command(false, describeTags),
  ModifyListener: command(true, modifyListener, (i) => i.ListenerArn ?? ""),
  ModifyRule: command(true, modifyRule, (i) => i.RuleArn ?? ""),
  CreateRule: command(true, createRule, (i) => i.ListenerArn ?? ""),
  DeleteRule: command(true, deleteRule, (i) => i.RuleArn ?? ""),
  RegisterTargets: command(true, registerTargets, (i) => i.TargetGroupArn ?? ""),
  DeregisterTargets: command(true, deregisterTargets, (i) => i.TargetGroupArn ?? ""),
  ModifyTargetGroupAttributes: command(
    true,
    modifyTargetGroupAttributes,
    (i) => i.TargetGroupArn ?? ""
  )
};

// src/sandbox/throttle.ts
function categoryOf(command2) {
  return /^(Describe|Get|List)/.test(command2) ? "describe" : "mutate";
}
function bucketSettings(state, service, category) {
  const s = state.settings;
  switch (service) {
    case "elbv2":
      return s.elbv2.throttle[category];
    case "elasticache":
      return s.elasticache.throttle[category];
    case "cloudwatch":
      return s.cloudwatch.throttle;
  }
}
function refillRate(state, service, category) {
  let rate = bucketSettings(state, service, category).refillPerSecond;
  for (const effect of state.events.active) {
    if (effect.body.type === "throttle" && effect.body.service === service) rate = effect.body.rate;
  }
  return rate;
}
function keyOf(service, category) {
  return service === "cloudwatch" ? "cloudwatch" : `${service}:${category}`;
}
function settle(state, service, category) {
  const key = keyOf(service, category);
  const { bucket: bucket2 } = bucketSettings(state, service, category);
  const current = state.buckets[key] ?? { tokens: bucket2, updatedAt: state.now };
  const elapsed = Math.max(0, state.now - current.updatedAt) / 1e3;
  const settled2 = { tokens: Math.min(bucket2, current.tokens + elapsed * refillRate(state, service, category)), updatedAt: state.now };
  state.buckets[key] = settled2;
  return settled2;
}
function settleBuckets(state, service) {
  settle(state, service, "describe");
  if (service !== "cloudwatch") settle(state, service, "mutate");
}
function takeToken(state, service, command2) {
  const bucket2 = settle(state, service, categoryOf(command2));
  if (bucket2.tokens < 1) return false;
  bucket2.tokens -= 1;
  return true;
}

// src/sandbox/traffic-model.ts
function fleetListener(state) {
  return state.elbv2.listeners.find((l) => l.arn === state.fleet.listenerArn);
}
function routeRates(state, t) {
  const listener = fleetListener(state);
  const rate = state.settings.traffic.ratePerSecond;
  if (!listener) return { rates: /* @__PURE__ */ new Map(), unrouted: rate, loadBalancerArn: null, timeInvariant: true };
  const route = routeFor(state.elbv2, listener, null);
  const groups = forwardGroups(forwardAction(route.actions));
  const shares = sharesOf(groups);
  const history = state.elbv2.sticky[route.ownerArn];
  const stickyFraction = history?.enabled ? state.settings.traffic.stickyFraction : 0;
  const sticky = {};
  let stickyTotal = 0;
  if (stickyFraction > 0 && history) {
    const all = stickyShares(history, t);
    for (const g of groups) {
      sticky[g.arn] = all[g.arn] ?? 0;
      stickyTotal += sticky[g.arn] ?? 0;
    }
  }
  const rates = /* @__PURE__ */ new Map();
  let routedShare = 0;
  for (const g of groups) {
    const share = shares[g.arn] ?? 0;
    routedShare += share;
    const r = rate * ((1 - stickyFraction) * share + stickyFraction * ((sticky[g.arn] ?? 0) + (1 - stickyTotal) * share));
    if (r > 0) rates.set(g.arn, (rates.get(g.arn) ?? 0) + r);
  }
  const unrouted = routedShare > 0 ? 0 : rate * (1 - stickyFraction + stickyFraction * (1 - stickyTotal));
  return {
    rates,
    unrouted,
    loadBalancerArn: listener.loadBalancerArn,
    timeInvariant: stickyFraction === 0 || (history?.changes.length ?? 1) <= 1
  };
}
function counter2(map, key) {
  let c = map[key];
  if (!c) {
    c = { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 };
    map[key] = c;
  }
  return c;
}
function add(c, requests, target5xx, elb5xx) {
  c.requests += requests;
  c.target5xx += target5xx;
  c.elb5xx += elb5xx;
  c.failed += target5xx + elb5xx;
}
function integrate(core, a, b, route) {
  if (b <= a) return;
  const state = core.state;
  const dt = (b - a) / 1e3;
  const { rates, unrouted, loadBalancerArn: loadBalancerArn2 } = route;
  const lb = loadBalancerArn2 ? counter2(state.traffic.perLoadBalancer, loadBalancerArn2) : null;
  for (const [arn, rate] of rates) {
    const requests = rate * dt;
    const summary = core.groupSummary(arn);
    let elb = 0;
    let target = 0;
    if (summary.registered === 0 || summary.routable === 0) {
      elb = requests;
    } else {
      elb = requests * summary.routableCrash / summary.routable;
      target = requests * summary.routableError / summary.routable;
      const rg = core.clusterOfTargetGroup(arn)?.replicationGroupId;
      if (rg && !primaryServing(state.elasticache, rg, a)) target = requests - elb;
    }
    add(counter2(state.traffic.perGroup, arn), requests, target, elb);
    if (lb) add(lb, requests, target, elb);
  }
  if (unrouted > 0) {
    add(state.traffic.unrouted, unrouted * dt, 0, unrouted * dt);
    if (lb) add(lb, unrouted * dt, 0, unrouted * dt);
  }
  accumulateGauges(core, dt);
}
function accumulateGauges(core, dt) {
  const gauges = core.state.metrics.acc.gauges;
  for (const group of Object.values(core.state.elbv2.targetGroups)) {
    if (!group.used) continue;
    const s = core.groupSummary(group.arn);
    const g = gauges[group.arn];
    if (!g) {
      gauges[group.arn] = [s.healthy * dt, s.unhealthy * dt, s.healthy, s.healthy, s.unhealthy, s.unhealthy];
      continue;
    }
    g[0] += s.healthy * dt;
    g[1] += s.unhealthy * dt;
    g[2] = Math.min(g[2], s.healthy);
    g[3] = Math.max(g[3], s.healthy);
    g[4] = Math.min(g[4], s.unhealthy);
    g[5] = Math.max(g[5], s.unhealthy);
  }
}
function perTargetRate(core, arn, route) {
  const summary = core.groupSummary(arn);
  if (summary.routable === 0) return 0;
  return (route.rates.get(arn) ?? 0) / summary.routable;
}

// src/sandbox/world.ts
var COMMANDS = {
  elbv2: elbv2Commands,
  elasticache: elasticacheCommands,
  cloudwatch: cloudwatchCommands
};
var EVENT_RETENTION_MS2 = 14 * 864e5;
function isWorldState(json) {
  if (typeof json !== "object" || json === null) return false;
  const candidate = json;
  return candidate.format === "quiesce-sandbox-world" && candidate.version === 1 && typeof candidate.now === "number";
}
var SandboxWorld = class _SandboxWorld {
  state;
  summaries = /* @__PURE__ */ new Map();
  clusterIndex = null;
  autosaveFile = null;
  /** Routing while nothing time-dependent is in it; dropped on every routing change. */
  routeCache = null;
  constructor(state) {
    this.state = state;
  }
  static fromJSON(json) {
    if (!isWorldState(json)) throw new TypeError('not a quiesce sandbox world (expected format "quiesce-sandbox-world", version 1)');
    return new _SandboxWorld(structuredClone(json));
  }
  toJSON() {
    return structuredClone(this.state);
  }
  // ---------------------------------------------------------------- clock
  now() {
    return this.state.now;
  }
  /** Process everything up to t: scripted events, health, draining, cache operations, traffic, metrics. */
  advanceTo(t) {
    if (!Number.isFinite(t)) throw new RangeError(`advanceTo needs a finite time, got ${t}`);
    this.processDue();
    while (this.state.now < t) {
      const next = Math.min(this.nextInternalAt(), t);
      if (!(next > this.state.now)) {
        throw new Error(`sandbox scheduling stalled at ${new Date(this.state.now).toISOString()}`);
      }
      integrate(this, this.state.now, next, this.routeAt((this.state.now + next) / 2));
      this.state.now = next;
      this.processDue();
    }
    this.autosave();
  }
  advanceBy(ms2) {
    this.advanceTo(this.state.now + ms2);
  }
  /** The next time something scheduled happens in the world, or null if nothing is scheduled. */
  nextChangeAt() {
    let next = Math.min(nextEventAt(this.state), nextOpAt(this.state.elasticache, this.state.now));
    for (const arn of Object.keys(this.state.elbv2.targetGroups)) next = Math.min(next, this.groupSummary(arn).validUntil);
    return Number.isFinite(next) ? next : null;
  }
  nextInternalAt() {
    let next = Math.min(this.nextChangeAt() ?? Number.POSITIVE_INFINITY, this.state.metrics.minuteStart + MINUTE_MS2);
    for (const history of Object.values(this.state.elbv2.sticky)) next = Math.min(next, nextStickyBreakpoint(history, this.state.now));
    return next;
  }
  routeAt(t) {
    if (this.routeCache) return this.routeCache;
    const route = routeRates(this.state, t);
    if (route.timeInvariant) this.routeCache = route;
    return route;
  }
  processDue() {
    for (let round = 0; ; round++) {
      if (round > 1e4) throw new Error("sandbox events do not settle");
      let progressed = false;
      while (this.state.now >= this.state.metrics.minuteStart + MINUTE_MS2) {
        closeMinute(this);
        progressed = true;
      }
      if (processEvents(this)) progressed = true;
      if (stepCacheOps(this, this.state.now)) progressed = true;
      if (!progressed) break;
    }
    for (const [key, snapshot] of Object.entries(this.state.stale)) {
      if (snapshot.until <= this.state.now) delete this.state.stale[key];
    }
    for (const history of Object.values(this.state.elbv2.sticky)) {
      const before = history.changes.length;
      pruneHistory(history, this.state.now);
      if (history.changes.length !== before) this.routeCache = null;
    }
  }
  // ---------------------------------------------------------------- commands
  newRequestId() {
    const n = ++this.state.requestSeq;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
  }
  /**
   * Answer one SDK command as AWS would, or throw the error AWS would. `caller` is recorded
   * with every mutation: `quiesce` for calls through the SDK clients.
   */
  handle(service, command2, input, caller2 = "quiesce") {
    const spec = COMMANDS[service][command2];
    if (!spec) throw new SandboxUnsupportedError(service, command2);
    this.processDue();
    const fault = this.pickFault(service, command2);
    if (fault?.when === "before") throw injectedFault(service, fault.kind);
    if (!takeToken(this.state, service, command2)) throw throttlingError(service);
    const output = spec.mutating ? this.mutate(service, command2, spec.resource(input), caller2, () => spec.run(this, input)) : spec.run(this, input);
    if (spec.mutating) this.autosave();
    if (fault?.when === "after") throw injectedFault(service, fault.kind);
    const slowMs = spec.mutating ? 0 : this.slowReadMs(service, command2);
    if (slowMs === 0) return output;
    const answer = structuredClone(output);
    this.advanceBy(slowMs);
    return answer;
  }
  slowReadMs(service, command2) {
    let ms2 = 0;
    for (const { body } of this.state.events.active) {
      if (body.type !== "slowReads" || body.service !== service) continue;
      if (body.operation === null || body.operation === command2) ms2 = Math.max(ms2, body.seconds * 1e3);
    }
    return Math.round(ms2);
  }
  pickFault(service, command2) {
    for (const effect of this.state.events.active) {
      const body = effect.body;
      if (body.type !== "apiFault" || body.service !== service) continue;
      if (body.operation !== null && body.operation !== command2) continue;
      if (body.rate >= 1 || this.random() < body.rate) return { kind: body.kind, when: body.when };
    }
    return null;
  }
  mutate(service, command2, resource, caller2, run) {
    const before = rotation(this.state);
    const opsBefore = new Set(this.state.elasticache.ops.map((op) => op.id));
    const output = run();
    this.recordMutation(service, command2, resource, caller2);
    const ctx = { caller: caller2, command: command2 };
    auditRotationChange(this, before, ctx);
    auditNewCacheOps(this, opsBefore, ctx);
    return output;
  }
  recordMutation(service, command2, resource, caller2) {
    this.state.audit.mutations.push({ at: this.state.now, service, command: command2, resource, caller: caller2 });
  }
  // ---------------------------------------------------------------- WorldCore
  random() {
    const next = nextRandom(this.state.rngState);
    this.state.rngState = next.state;
    return next.value;
  }
  randomHex(length) {
    let out = "";
    while (out.length < length) out += Math.floor(this.random() * 4294967296).toString(16).padStart(8, "0");
    return out.slice(0, length);
  }
  targetGroup(arn) {
    return Object.hasOwn(this.state.elbv2.targetGroups, arn) ? this.state.elbv2.targetGroups[arn] : void 0;
  }
  groupSummary(arn) {
    const now = this.state.now;
    const cached = this.summaries.get(arn);
    if (cached && cached.validUntil > now) return cached;
    const group = this.targetGroup(arn);
    if (!group) {
      return { registered: 0, healthy: 0, unhealthy: 0, initial: 0, routable: 0, routableCrash: 0, routableError: 0, validUntil: Number.POSITIVE_INFINITY };
    }
    if (group.targets.some((t) => t.drainUntil !== null && t.drainUntil <= now)) {
      group.targets = group.targets.filter((t) => t.drainUntil === null || t.drainUntil > now);
    }
    const summary = summarizeGroup(group, now);
    this.summaries.set(arn, summary);
    return summary;
  }
  invalidateGroup(arn) {
    this.summaries.delete(arn);
  }
  routingChanged() {
    this.routeCache = null;
    const elbv2 = this.state.elbv2;
    const now = this.state.now;
    const used = referencedTargetGroups(elbv2);
    for (const group of Object.values(elbv2.targetGroups)) {
      const isUsed = used.has(group.arn);
      if (isUsed === group.used) continue;
      group.used = isUsed;
      for (const target of group.targets) {
        if (target.drainUntil !== null) continue;
        if (isUsed) restartChecks(target, now, this.state.settings.elbv2.registrationDelayMs);
        else target.checksFrom = null;
      }
      this.invalidateGroup(group.arn);
    }
    const owners = [
      ...elbv2.listeners.map((l) => [l.arn, l.defaultActions]),
      ...elbv2.rules.map((r) => [r.arn, r.actions])
    ];
    const live = /* @__PURE__ */ new Set();
    for (const [owner, actions] of owners) {
      const action = forwardAction(actions);
      if (!action) continue;
      live.add(owner);
      elbv2.sticky[owner] = recordShares(elbv2.sticky[owner], action, now);
    }
    for (const owner of Object.keys(elbv2.sticky)) if (!live.has(owner)) delete elbv2.sticky[owner];
  }
  recordDrainCut(targetGroupArn, delayMs) {
    const rate = perTargetRate(this, targetGroupArn, this.routeAt(this.state.now));
    const lost = rate * Math.max(0, this.state.settings.traffic.requestDurationMs - delayMs) / 1e3;
    if (lost <= 0) return;
    const bump = (c) => {
      c.elb5xx += lost;
      c.failed += lost;
    };
    bump(this.state.traffic.perGroup[targetGroupArn] ??= { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 });
    const lbArn = this.state.elbv2.targetGroups[targetGroupArn]?.loadBalancerArn;
    if (lbArn) bump(this.state.traffic.perLoadBalancer[lbArn] ??= { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 });
  }
  index() {
    if (!this.clusterIndex) {
      const byGroup = /* @__PURE__ */ new Map();
      const byCache = /* @__PURE__ */ new Map();
      for (const c of this.state.clusters) {
        byGroup.set(c.targetGroupArn, c);
        if (c.replicationGroupId) byCache.set(c.replicationGroupId, c);
      }
      this.clusterIndex = { byGroup, byCache };
    }
    return this.clusterIndex;
  }
  clusterOfTargetGroup(arn) {
    return this.index().byGroup.get(arn);
  }
  clusterOfReplicationGroup(id) {
    return this.index().byCache.get(id);
  }
  staleWindowMs(service) {
    let window = this.state.settings[service].staleReadsMs;
    for (const effect of this.state.events.active) {
      if (effect.body.type === "staleReads" && effect.body.service === service) window = effect.body.seconds * 1e3;
    }
    return window;
  }
  rememberStale(service, key, value) {
    const window = this.staleWindowMs(service);
    if (window <= 0) return;
    const until = this.state.now + window;
    const existing = this.state.stale[key];
    if (existing && existing.until > this.state.now) existing.until = until;
    else this.state.stale[key] = { until, value };
  }
  staleValue(key) {
    const snapshot = this.state.stale[key];
    return snapshot && snapshot.until > this.state.now ? snapshot.value : void 0;
  }
  cacheEvent(sourceType, sourceId, message) {
    const cache2 = this.state.elasticache;
    cache2.events.push({ seq: cache2.eventSeq++, at: this.state.now, sourceId, sourceType, message });
    const oldest = this.state.now - EVENT_RETENTION_MS2;
    while (cache2.events.length > 0 && cache2.events[0].at < oldest) cache2.events.shift();
  }
  failoverIsNoop(replicationGroupId) {
    return this.state.events.active.some((e) => e.body.type === "failoverNoop" && e.body.replicationGroupId === replicationGroupId);
  }
  settleBuckets(service) {
    settleBuckets(this.state, service);
  }
  setClusterWeight(cluster3, weight, caller2) {
    const info = this.state.clusters.find((c) => c.name === cluster3);
    if (!info) throw new RangeError(`no such cluster: ${cluster3}`);
    const ruleArn = this.state.fleet.ruleArn;
    const rule = ruleArn ? this.state.elbv2.rules.find((r) => r.arn === ruleArn) : void 0;
    const listener = fleetListener(this.state);
    const owner = rule ?? listener;
    if (!owner) return;
    const command2 = rule ? "ModifyRule" : "ModifyListener";
    this.mutate("elbv2", command2, owner.arn, caller2, () => {
      this.rememberStale("elbv2", rule ? `rule:${owner.arn}` : `listener:${owner.arn}`, structuredClone(owner));
      const actions = structuredClone(fleetActions(this.state));
      const forward = forwardAction(actions);
      if (!forward) return {};
      const groups = forwardGroups(forward);
      const tuples = groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.arn === info.targetGroupArn ? weight : g.weight }));
      if (!groups.some((g) => g.arn === info.targetGroupArn)) tuples.push({ TargetGroupArn: info.targetGroupArn, Weight: weight });
      forward.ForwardConfig = { ...forward.ForwardConfig, TargetGroups: tuples };
      delete forward.TargetGroupArn;
      const normalized = normalizeActions(actions);
      if (rule) rule.actions = normalized;
      else if (listener) listener.defaultActions = normalized;
      this.routingChanged();
      return {};
    });
  }
  // ---------------------------------------------------------------- public observations
  /** Add a scripted event; its times are offsets from the world's start, as in a world file. */
  schedule(event) {
    const valid = validateWorldEvent(event);
    const scheduled = toScheduledEvent(valid, `event-${this.state.events.scheduled.length + 1}`, this.state.startedAt);
    checkEventTargets(this.state, scheduled.body, "event");
    scheduleEvent(this.state, scheduled);
    this.processDue();
  }
  get violations() {
    return this.state.audit.violations;
  }
  get mutations() {
    return this.state.audit.mutations;
  }
  get traffic() {
    let requests = this.state.traffic.unrouted.requests;
    let failed2 = this.state.traffic.unrouted.failed;
    for (const c of Object.values(this.state.traffic.perGroup)) {
      requests += c.requests;
      failed2 += c.failed;
    }
    const perCluster = {};
    for (const cluster3 of this.state.clusters) {
      const c = this.state.traffic.perGroup[cluster3.targetGroupArn];
      perCluster[cluster3.name] = { requests: Math.floor(c?.requests ?? 0), failed: Math.floor(c?.failed ?? 0) };
    }
    return { requests: Math.floor(requests), failed: Math.floor(failed2), perCluster };
  }
  /** Each plan cluster's weight in the fleet's forward action (0 when absent). */
  weights() {
    const weights = fleetWeights(this.state);
    const out = {};
    for (const cluster3 of this.state.clusters) out[cluster3.name] = weights.get(cluster3.targetGroupArn) ?? 0;
    return out;
  }
  /** Call at the end of a run: reports every cluster whose target list differs from the start. */
  finalAudit() {
    return finalAudit(this);
  }
  /**
   * One request through the load balancer, e.g. an HTTP canary carrying the header a canary
   * rule matches. Choices among groups and targets use the world's seeded generator.
   */
  simulateRequest(request2 = {}) {
    const listener = fleetListener(this.state);
    const none = { ruleArn: null, targetGroupArn: null, cluster: null, targetId: null };
    if (!listener) return { status: 503, reason: "the fleet listener does not exist", ...none };
    const route = routeFor(this.state.elbv2, listener, request2);
    const action = route.actions.find((a) => a.Type === "forward" || a.Type === "fixed-response" || a.Type === "redirect");
    if (!action) return { status: 503, reason: "no routing action", ...none, ruleArn: route.ruleArn };
    if (action.Type === "fixed-response") {
      return { status: Number(action.FixedResponseConfig?.StatusCode ?? 503), reason: "fixed response", ...none, ruleArn: route.ruleArn };
    }
    if (action.Type === "redirect") {
      return { status: action.RedirectConfig?.StatusCode === "HTTP_301" ? 301 : 302, reason: "redirect", ...none, ruleArn: route.ruleArn };
    }
    const groups = forwardGroups(action).filter((g) => g.weight > 0);
    const total = groups.reduce((sum, g) => sum + g.weight, 0);
    if (total === 0) return { status: 503, reason: "every target group has weight 0", ...none, ruleArn: route.ruleArn };
    let pick = this.random() * total;
    const chosen = groups.find((g) => (pick -= g.weight) < 0) ?? groups[groups.length - 1];
    const group = this.state.elbv2.targetGroups[chosen.arn];
    const cluster3 = this.clusterOfTargetGroup(chosen.arn)?.name ?? null;
    const base = { ruleArn: route.ruleArn, targetGroupArn: chosen.arn, cluster: cluster3, targetId: null };
    this.groupSummary(chosen.arn);
    const live = group?.targets.filter((t) => t.drainUntil === null) ?? [];
    if (!group || live.length === 0) return { status: 503, reason: "no registered targets", ...base };
    const healthy = live.filter((t) => group.used && t.checksFrom !== null && healthAt(t, group.healthCheck, this.state.now).state === "healthy");
    const routable = healthy.length > 0 ? healthy : live;
    const target = routable[Math.floor(this.random() * routable.length)] ?? routable[0];
    const hit = { ...base, targetId: target.id };
    if (target.condition === "crash") return { status: 502, reason: "target is not answering", ...hit };
    if (target.condition === "error5xx") return { status: 500, reason: "target answered 500", ...hit };
    const info = this.clusterOfTargetGroup(chosen.arn);
    if (info?.replicationGroupId && !primaryServing(this.state.elasticache, info.replicationGroupId, this.state.now)) {
      return { status: 500, reason: "the cache has no healthy primary", ...hit };
    }
    return { status: 200, reason: "ok", ...hit };
  }
  /** A write and read through the replication group's primary endpoint. */
  probeCache(replicationGroupId) {
    const groups = this.state.elasticache.replicationGroups;
    const rg = Object.hasOwn(groups, replicationGroupId) ? groups[replicationGroupId] : void 0;
    if (!rg) throw new RangeError(`no such replication group: ${replicationGroupId}`);
    const ok = primaryServing(this.state.elasticache, replicationGroupId, this.state.now);
    return {
      ok,
      replicationGroupId,
      primaryClusterId: rg.primaryClusterId,
      dataGeneration: rg.dataGeneration,
      reason: ok ? null : rg.memoryPercent >= 100 ? "OOM command not allowed when used memory > maxmemory" : "no healthy primary"
    };
  }
  // ---------------------------------------------------------------- persistence
  /** Save to `file` after every mutating command and every advance (null turns it off). */
  setAutosave(file) {
    this.autosaveFile = file;
    this.autosave();
  }
  autosave() {
    if (this.autosaveFile) writeFileAtomic(this.autosaveFile, JSON.stringify(this.state));
  }
};

// src/sandbox/create-world.ts
function defaultWorldFromPlan(plan2, worldFile = {}, source, options = {}) {
  const historyMs = Math.min(options.historyMs ?? 0, HISTORY_MS);
  const start2 = Date.parse(worldFile.startAt ?? DEFAULT_START);
  const shifted = {
    ...worldFile,
    startAt: new Date(start2 - historyMs).toISOString(),
    ...worldFile.events ? { events: worldFile.events.map((e) => shiftEvent(e, historyMs)) } : {}
  };
  const world = new SandboxWorld(buildWorldState(plan2, shifted, source));
  world.advanceTo(start2);
  return world;
}
function shiftEvent(event, historyMs) {
  const shift = (d) => typeof d === "string" ? formatDuration2(parseOffset(d) + historyMs) : d;
  const e = event;
  return { ...e, ...e.at !== void 0 ? { at: shift(e.at) } : {}, ...e.from !== void 0 ? { from: shift(e.from) } : {}, ...e.to !== void 0 ? { to: shift(e.to) } : {} };
}
function worldFromFile(plan2, path, options = {}) {
  const file = parseWorldFile(readFileSync(path, "utf8"), path);
  return defaultWorldFromPlan(plan2, file, path, options);
}

// src/sandbox/persistence.ts
import { readFileSync as readFileSync2 } from "node:fs";
function saveWorld(world, file) {
  writeFileAtomic(file, JSON.stringify(world.state));
}
function loadWorld(file) {
  return SandboxWorld.fromJSON(JSON.parse(readFileSync2(file, "utf8")));
}

// src/run/virtual-clock.ts
var VirtualClock = class {
  constructor(read2, move) {
    this.read = read2;
    this.move = move;
  }
  read;
  move;
  sleepers = [];
  /** Waits that only another sleeper's progress ends (see Clock.idle): asleep, with no wake-up time of their own. */
  parked = 0;
  listener;
  now() {
    return this.read();
  }
  /** Called whenever something goes to sleep or parks: the engine waits for that instead of polling. */
  onSleep(listener) {
    this.listener = listener;
  }
  sleep(ms2) {
    const asleep = new Promise((resolve2) => this.sleepers.push({ at: this.read() + Math.max(0, ms2), wake: resolve2 }));
    this.listener?.();
    return asleep;
  }
  async idle(work) {
    this.parked++;
    this.listener?.();
    try {
      return await work;
    } finally {
      this.parked--;
    }
  }
  get sleeping() {
    return this.sleepers.length + this.parked;
  }
  nextWakeAt() {
    return this.sleepers.reduce((min, s) => min === void 0 || s.at < min ? s.at : min, void 0);
  }
  advanceTo(t) {
    if (t > this.read()) this.move(t);
    const now = this.read();
    const due = this.sleepers.filter((s) => s.at <= now);
    this.sleepers = this.sleepers.filter((s) => s.at > now);
    for (const s of due) s.wake();
  }
};

// src/run/sandbox-connect.ts
function openWorld(record3, path) {
  if (existsSync(path)) return loadWorld(path);
  const source = record3.target.kind === "sandbox" ? record3.target.worldFile : void 0;
  const world = source ? worldFromFile(record3.plan, source, { historyMs: HISTORY_MS }) : defaultWorldFromPlan(record3.plan, {}, void 0, { historyMs: HISTORY_MS });
  mkdirSync(dirname2(path), { recursive: true });
  saveWorld(world, path);
  return world;
}
function sandboxConnector(options) {
  return async (record3) => {
    const path = options.worldPath(record3);
    const world = openWorld(record3, path);
    world.setAutosave(path);
    return {
      ...connectToWorld(world, record3.plan, options.logger, options.configure ? { configure: options.configure } : {}),
      sandboxReport: (final) => sandboxReport(world, final)
    };
  };
}
function connectToWorld(world, plan2, logger2, options = {}) {
  const clients = createSandboxClients(world, {
    region: plan2.region,
    configure: (client, service) => {
      attachCallLog(client, logger2);
      options.configure?.(client, service);
    }
  });
  const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
  const p = connectionPorts(clients, clock, logger2, () => world.random());
  return {
    ...p,
    clock,
    virtual: clock,
    metricsLagMs: world.state.settings.cloudwatch.publishDelayMs,
    probes: sandboxProbes(world, plan2, { logger: logger2, clock, traffic: p.traffic })
  };
}
function sandboxReport(world, final) {
  if (final) world.finalAudit();
  const violations = world.violations;
  const traffic = world.traffic;
  return {
    violations: violations.map((v) => ({ kind: v.kind, message: v.message, at: v.at })),
    traffic: { requests: traffic.requests, failed: traffic.failed, perCluster: traffic.perCluster },
    weights: world.weights(),
    mutations: world.mutations.length
  };
}

// src/run/engine.ts
import { createActor } from "xstate";

// machines/cluster.machine.ts
import { assign, fromPromise, setup } from "xstate";
function required(name2) {
  return fromPromise(async () => {
    throw new Error(`actor "${name2}" was not provided`);
  });
}
function rampWeight(original, percent2) {
  return Math.max(1, Math.ceil(original * percent2 / 100));
}
var nextCheck = (context, out) => {
  const candidates = [out.recheckAt !== void 0 && out.recheckAt > out.at ? out.recheckAt : out.at + context.input.pollMs];
  if (context.deadline !== void 0) candidates.push(Math.max(context.deadline, out.at + 1));
  if (context.holdUntil !== void 0 && context.holdUntil > out.at) candidates.push(context.holdUntil);
  return Math.min(...candidates);
};
var pastDeadline = (context, at) => context.deadline !== void 0 && at >= context.deadline;
var abortBeforeMaintenance = [
  { guard: "abortedInRotation", target: "#cluster.aborted", actions: "abortUntouched" },
  { guard: "abortedDetached", target: "#cluster.restoringTargets", actions: "maintenanceSkipped" },
  { guard: "abortRequested", target: "#cluster.verifying", actions: "maintenanceSkipped" }
];
var endsOfObservation = (resumeTo, failed2, timedOut) => [
  { guard: "outputDrift", target: "#cluster.paused", actions: ["observe", { type: "pauseForDrift", params: { resumeTo } }] },
  { guard: "outputFailed", target: "#cluster.securing", actions: ["observe", { type: "holdBecause", params: { prefix: failed2 } }] },
  { guard: "outputPastDeadline", target: "#cluster.securing", actions: ["observe", { type: "holdBecause", params: { prefix: timedOut } }] }
];
var clusterMachine = setup({
  types: {
    context: {},
    events: {},
    input: {},
    output: {}
  },
  actors: {
    runPreflight: required("runPreflight"),
    checkDrift: required("checkDrift"),
    setWeight: required("setWeight"),
    confirmWeight: required("confirmWeight"),
    deregisterTargets: required("deregisterTargets"),
    observeDrain: required("observeDrain"),
    startStep: required("startStep"),
    observeStep: required("observeStep"),
    registerTargets: required("registerTargets"),
    verifyCluster: required("verifyCluster"),
    observeRamp: required("observeRamp"),
    secure: required("secure")
  },
  guards: {
    due: ({ context, event }) => event.type === "TICK" && (context.nextCheckAt === void 0 || event.now >= context.nextCheckAt),
    abortRequested: ({ context }) => context.abort !== void 0,
    abortedInRotation: ({ context }) => context.abort !== void 0 && !context.outOfRotation,
    abortedDetached: ({ context }) => context.abort !== void 0 && context.targets !== void 0 && !context.targetsRegistered,
    abortedInMaintenance: ({ context }) => context.abort !== void 0 && context.maintenance === "running",
    abortedWhile: ({ context }, params) => context.abort !== void 0 && context.pause?.resumeTo === params.target,
    /** Aborting while the world differs from what quiesce set: stop there, out of rotation, never loop. */
    abortedOnDrift: ({ context }) => context.abort !== void 0 && context.pause?.kind === "drift" && context.outOfRotation,
    abortedAndDrift: ({ context, event }) => context.abort !== void 0 && event.output?.status === "drift",
    targetsDetached: ({ context }) => context.targets !== void 0 && !context.targetsRegistered,
    deregisterMode: ({ context }) => context.input.drainMode === "deregister",
    allStepsDone: ({ context }) => context.stepIndex >= context.input.steps.length,
    approvalStep: ({ context }) => context.input.steps[context.stepIndex]?.kind === "approval",
    pausedForApproval: ({ context }) => context.pause?.kind === "approval",
    resumeTo: ({ context }, params) => context.pause?.resumeTo === params.target,
    /** This ramp step's weight read back, no threshold breached, and its hold has elapsed. */
    rampStepHeld: ({ context, event }) => {
      const out = event.output;
      return out.status === "done" && context.holdUntil !== void 0 && out.at >= context.holdUntil;
    },
    rampComplete: ({ context, event }) => {
      const out = event.output;
      const last = context.rampIndex >= context.input.reactivate.ramp.length - 1;
      return last && out.status === "done" && context.holdUntil !== void 0 && out.at >= context.holdUntil;
    },
    /**
     * The gate to reactivation. Maintenance must have settled (completed, or skipped because the run was
     * aborted before any step started) and this observation must end a passing window of `stableFor`.
     */
    verifiedAndStable: ({ context, event }) => {
      const out = event.output;
      const settled2 = context.maintenance === "complete" || context.maintenance === "skipped";
      return settled2 && out.status === "done" && context.stableSince !== void 0 && out.at - context.stableSince >= context.input.verify.stableForMs;
    },
    outputDone: ({ event }) => event.output.status === "done",
    outputFailed: ({ event }) => event.output.status === "failed",
    outputDrift: ({ event }) => event.output.status === "drift",
    outputPastDeadline: ({ context, event }) => pastDeadline(context, event.output.at),
    preflightPassed: ({ event }) => event.output.passed,
    hasDrift: ({ event }) => event.output.drift !== null
  },
  actions: {
    recordAbort: assign(({ context, event }) => {
      if (event.type !== "ABORT" || context.abort) return {};
      return { abort: { by: event.by, reason: event.reason ?? "aborted by operator" } };
    }),
    observe: assign(({ context, event }) => {
      const out = event.output;
      if (!out) return {};
      return { now: Math.max(context.now, out.at), lastChecks: out.checks ?? context.lastChecks };
    }),
    tick: assign(({ context, event }) => event.type === "TICK" ? { now: Math.max(context.now, event.now) } : {}),
    schedule: assign(({ context, event }) => ({ nextCheckAt: nextCheck(context, event.output) })),
    startDeadline: assign(({ context }, params) => {
      const i = context.input;
      const ms2 = {
        readBack: i.readBackTimeoutMs,
        drain: i.drain.timeoutMs,
        verify: i.verify.timeoutMs,
        step: i.steps[context.stepIndex]?.timeoutMs ?? 0,
        hold: i.readBackTimeoutMs + i.reactivate.holdMs
      }[params.ms];
      return { deadline: context.now + ms2, nextCheckAt: void 0 };
    }),
    clearDeadline: assign({ deadline: void 0, nextCheckAt: void 0 }),
    acceptPreflight: assign(({ event }) => ({ originalWeight: event.output.originalWeight })),
    refusePreflight: assign(({ event }) => {
      const out = event.output;
      return { reason: `preflight refused: ${out.reason ?? "a check failed"}` };
    }),
    markRemoved: assign(({ context, event }) => {
      const out = event.output;
      return { outOfRotation: true, removedAt: out.at, originalWeight: context.originalWeight ?? out.before };
    }),
    /** Before the call returns we cannot know whether it landed: count the cluster as out from now on. */
    assumeOut: assign({ outOfRotation: true }),
    keepTargets: assign(({ event }) => ({
      targets: event.output.targets,
      targetsRegistered: false
    })),
    targetsBack: assign({ targetsRegistered: true }),
    pauseForDrift: assign(({ event }, params) => {
      const out = event.output;
      const drift = out.drift ?? void 0;
      const summary = drift?.summary ?? ("reason" in out && out.reason ? out.reason : "live state differs from what quiesce set");
      return { drift, pause: { kind: "drift", reason: `drift: ${summary}`, resumeTo: params.resumeTo } };
    }),
    pauseForReadBack: assign(({ context }, params) => ({
      pause: {
        kind: "drift",
        reason: `drift: the weight did not read back as set within ${Math.round(context.input.readBackTimeoutMs / 1e3)}s`,
        resumeTo: params.resumeTo
      }
    })),
    pauseForApproval: assign(({ context }) => ({
      pause: {
        kind: "approval",
        reason: `approval required: ${context.input.steps[context.stepIndex]?.label ?? "approval step"}`,
        resumeTo: "maintaining"
      }
    })),
    approveStep: assign(({ context, event }) => ({
      approvals: [...context.approvals, { stepIndex: context.stepIndex, by: event.type === "APPROVE" ? event.by : "unknown" }],
      stepIndex: context.stepIndex + 1,
      maintenance: "running"
    })),
    clearPause: assign({ pause: void 0, drift: void 0 }),
    stepStarted: assign(({ event }) => ({
      stepStartedAt: event.output.at,
      maintenance: "running"
    })),
    beginStep: assign({ maintenance: "running" }),
    stepDone: assign(({ context }) => ({ stepIndex: context.stepIndex + 1, stepStartedAt: void 0 })),
    maintenanceComplete: assign({ maintenance: "complete" }),
    maintenanceSkipped: assign({ maintenance: "skipped" }),
    holdBecause: assign(({ event }, params) => {
      const out = event.output;
      const error = event.error;
      const detail = out?.reason ?? (error instanceof Error ? error.message : error !== void 0 ? String(error) : "no detail");
      return { reason: `${params.prefix}: ${detail}` };
    }),
    holdForAbortInMaintenance: assign(({ context }) => ({
      reason: `aborted by ${context.abort?.by ?? "operator"} during maintenance (${context.abort?.reason ?? ""}); held out of rotation, never reactivated automatically`
    })),
    holdForAbortOnDrift: assign(({ context, event }) => {
      const out = event.output;
      const drift = out?.drift?.summary ?? context.drift?.summary ?? context.pause?.reason ?? "live state differs from what quiesce set";
      return {
        reason: `aborted by ${context.abort?.by ?? "operator"} while the listener differed from what quiesce set (${drift}); held out of rotation, not reactivated`
      };
    }),
    abortUntouched: assign(({ context }) => ({
      reason: `aborted by ${context.abort?.by ?? "operator"} before leaving rotation (${context.abort?.reason ?? ""})`
    })),
    stable: assign(({ context, event }) => {
      const out = event.output;
      return { stableSince: out.status === "done" ? context.stableSince ?? out.at : void 0 };
    }),
    verified: assign(({ event }) => ({ verifiedAt: event.output.at })),
    startHold: assign(({ context, event }) => ({
      holdUntil: event.output.at + context.input.reactivate.holdMs
    })),
    nextRamp: assign(({ context }) => ({ rampIndex: context.rampIndex + 1, holdUntil: void 0 }))
  }
}).createMachine({
  id: "cluster",
  context: ({ input }) => ({
    input,
    now: 0,
    outOfRotation: false,
    targetsRegistered: true,
    stepIndex: 0,
    maintenance: "pending",
    rampIndex: 0,
    approvals: [],
    lastChecks: []
  }),
  initial: "preflight",
  on: {
    ABORT: { actions: "recordAbort" }
  },
  output: ({ context }) => {
    const outcome = context.outcome ?? "held";
    return {
      outcome,
      ...context.reason ? { reason: context.reason } : {},
      inRotation: !context.outOfRotation || outcome === "done" || outcome === "aborted" && context.verifiedAt !== void 0
    };
  },
  states: {
    preflight: {
      invoke: {
        id: "runPreflight",
        src: "runPreflight",
        input: ({ context }) => ({ cluster: context.input.name }),
        onDone: [
          { guard: "abortRequested", target: "aborted", actions: ["observe", "abortUntouched"] },
          { guard: "preflightPassed", target: "removing", actions: ["observe", "acceptPreflight"] },
          { target: "held", actions: ["observe", "refusePreflight"] }
        ],
        onError: { target: "held", actions: { type: "holdBecause", params: { prefix: "preflight failed" } } }
      },
      on: { ABORT: { target: "aborted", actions: ["recordAbort", "abortUntouched"] } }
    },
    removing: {
      initial: "checkDrift",
      states: {
        checkDrift: {
          always: [
            { guard: "abortRequested", target: "#cluster.aborted", actions: "abortUntouched" }
          ],
          invoke: {
            id: "checkDrift",
            src: "checkDrift",
            input: ({ context }) => ({ cluster: context.input.name, expectedWeight: context.originalWeight ?? 0 }),
            onDone: [
              { guard: "hasDrift", target: "#cluster.paused", actions: ["observe", { type: "pauseForDrift", params: { resumeTo: "removing" } }] },
              { target: "setZero", actions: "observe" }
            ],
            onError: { target: "#cluster.held", actions: { type: "holdBecause", params: { prefix: "drift check failed before removal" } } }
          }
        },
        setZero: {
          entry: "assumeOut",
          invoke: {
            id: "setWeight",
            src: "setWeight",
            input: ({ context }) => ({ cluster: context.input.name, weight: 0, purpose: "remove" }),
            onDone: { target: "#cluster.confirming", actions: ["observe", "markRemoved"] },
            onError: { target: "#cluster.securing", actions: { type: "holdBecause", params: { prefix: "could not set weight 0" } } }
          }
        }
      }
    },
    confirming: {
      entry: { type: "startDeadline", params: { ms: "readBack" } },
      initial: "checking",
      states: {
        waiting: {
          always: [...abortBeforeMaintenance],
          on: { TICK: { guard: "due", target: "checking", actions: "tick" } }
        },
        checking: {
          invoke: {
            id: "confirmWeight",
            src: "confirmWeight",
            input: ({ context }) => ({ cluster: context.input.name, weight: 0 }),
            onDone: [
              { guard: "outputDone", target: "afterConfirm", actions: "observe" },
              { guard: "outputDrift", target: "#cluster.paused", actions: ["observe", { type: "pauseForDrift", params: { resumeTo: "confirming" } }] },
              { guard: "outputPastDeadline", target: "#cluster.paused", actions: ["observe", { type: "pauseForReadBack", params: { resumeTo: "confirming" } }] },
              { target: "waiting", actions: ["observe", "schedule"] }
            ],
            onError: { target: "#cluster.securing", actions: { type: "holdBecause", params: { prefix: "reading the weight back failed" } } }
          }
        },
        afterConfirm: {
          always: [
            ...abortBeforeMaintenance,
            { guard: "deregisterMode", target: "deregistering" },
            { target: "#cluster.draining" }
          ]
        },
        deregistering: {
          invoke: {
            id: "deregisterTargets",
            src: "deregisterTargets",
            input: ({ context }) => ({ cluster: context.input.name }),
            onDone: { target: "#cluster.draining", actions: ["observe", "keepTargets"] },
            onError: { target: "#cluster.securing", actions: { type: "holdBecause", params: { prefix: "could not deregister targets" } } }
          }
        }
      }
    },
    draining: {
      entry: { type: "startDeadline", params: { ms: "drain" } },
      initial: "checking",
      states: {
        waiting: {
          always: [...abortBeforeMaintenance],
          on: { TICK: { guard: "due", target: "checking", actions: "tick" } }
        },
        checking: {
          invoke: {
            id: "observeDrain",
            src: "observeDrain",
            input: ({ context }) => ({
              cluster: context.input.name,
              mode: context.input.drainMode,
              removedAt: context.removedAt ?? context.now,
              minimumMs: context.input.drain.minimumMs
            }),
            onDone: [
              { guard: "outputDone", target: "#cluster.maintaining", actions: "observe" },
              ...endsOfObservation("draining", "drain failed", "drain timed out (the cluster stays out of rotation, which is safe)"),
              { target: "waiting", actions: ["observe", "schedule"] }
            ],
            onError: { target: "#cluster.securing", actions: { type: "holdBecause", params: { prefix: "drain observation failed" } } }
          }
        }
      }
    },
    maintaining: {
      initial: "next",
      states: {
        next: {
          always: [
            { guard: "abortedInMaintenance", target: "#cluster.abortInMaintenance" },
            ...abortBeforeMaintenance,
            { guard: "allStepsDone", target: "complete" },
            { guard: "approvalStep", target: "#cluster.paused", actions: "pauseForApproval" },
            { target: "starting" }
          ]
        },
        starting: {
          entry: ["beginStep", { type: "startDeadline", params: { ms: "step" } }],
          invoke: {
            id: "startStep",
            src: "startStep",
            input: ({ context }) => ({ cluster: context.input.name, stepIndex: context.stepIndex }),
            onDone: { target: "checking", actions: ["observe", "stepStarted"] },
            onError: { target: "#cluster.securing", actions: { type: "holdBecause", params: { prefix: "maintenance step failed to start" } } }
          }
        },
        waiting: {
          always: [{ guard: "abortRequested", target: "#cluster.abortInMaintenance" }],
          on: { TICK: { guard: "due", target: "checking", actions: "tick" } }
        },
        checking: {
          invoke: {
            id: "observeStep",
            src: "observeStep",
            input: ({ context }) => ({
              cluster: context.input.name,
              stepIndex: context.stepIndex,
              startedAt: context.stepStartedAt ?? context.now
            }),
            onDone: [
              { guard: "outputDone", target: "next", actions: ["observe", "stepDone"] },
              ...endsOfObservation("observeStep", "maintenance step failed", "maintenance step timed out"),
              { target: "waiting", actions: ["observe", "schedule"] }
            ],
            onError: { target: "#cluster.securing", actions: { type: "holdBecause", params: { prefix: "maintenance step failed" } } }
          }
        },
        complete: {
          entry: "maintenanceComplete",
          always: [{ guard: "targetsDetached", target: "#cluster.restoringTargets" }, { target: "#cluster.verifying" }]
        }
      }
    },
    /** Deregister mode: targets come back while the weight is still 0, so they are health-checked but serve nothing. */
    restoringTargets: {
      invoke: {
        id: "registerTargets",
        src: "registerTargets",
        input: ({ context }) => ({ cluster: context.input.name, targets: context.targets ?? [] }),
        onDone: { target: "verifying", actions: ["observe", "targetsBack"] },
        onError: { target: "securing", actions: { type: "holdBecause", params: { prefix: "could not register targets again" } } }
      }
    },
    verifying: {
      entry: [{ type: "startDeadline", params: { ms: "verify" } }, assign({ stableSince: void 0 })],
      initial: "checking",
      states: {
        waiting: {
          on: { TICK: { guard: "due", target: "checking", actions: "tick" } }
        },
        checking: {
          invoke: {
            id: "verifyCluster",
            src: "verifyCluster",
            input: ({ context }) => ({
              cluster: context.input.name,
              expectedWeight: 0,
              maintenanceRan: context.maintenance === "complete"
            }),
            onDone: [
              { guard: "verifiedAndStable", target: "#cluster.reactivating", actions: ["observe", "verified"] },
              { guard: "abortedAndDrift", target: "#cluster.securing", actions: ["observe", "holdForAbortOnDrift"] },
              ...endsOfObservation("verifying", "verification failed", "verification timed out"),
              { target: "waiting", actions: ["observe", "stable", "schedule"] }
            ],
            onError: { target: "#cluster.securing", actions: { type: "holdBecause", params: { prefix: "verification failed" } } }
          }
        }
      }
    },
    reactivating: {
      initial: "setting",
      states: {
        setting: {
          invoke: {
            id: "setWeight",
            src: "setWeight",
            input: ({ context }) => ({
              cluster: context.input.name,
              weight: rampWeight(context.originalWeight ?? 1, context.input.reactivate.ramp[context.rampIndex] ?? 100),
              purpose: "ramp"
            }),
            onDone: { target: "holding", actions: ["observe", "startHold", { type: "startDeadline", params: { ms: "hold" } }] },
            onError: { target: "rollingBack", actions: { type: "holdBecause", params: { prefix: "could not raise the weight" } } }
          }
        },
        waiting: {
          on: { TICK: { guard: "due", target: "holding", actions: "tick" } }
        },
        holding: {
          invoke: {
            id: "observeRamp",
            src: "observeRamp",
            input: ({ context }) => ({
              cluster: context.input.name,
              weight: rampWeight(context.originalWeight ?? 1, context.input.reactivate.ramp[context.rampIndex] ?? 100),
              since: (context.holdUntil ?? context.now) - context.input.reactivate.holdMs
            }),
            onDone: [
              { guard: "outputFailed", target: "rollingBack", actions: ["observe", { type: "holdBecause", params: { prefix: "ramp breached a threshold; weight set back to 0" } }] },
              { guard: "abortedAndDrift", target: "rollingBack", actions: ["observe", "holdForAbortOnDrift"] },
              { guard: "outputDrift", target: "#cluster.paused", actions: ["observe", { type: "pauseForDrift", params: { resumeTo: "reactivating" } }] },
              { guard: "rampComplete", target: "finished", actions: "observe" },
              { guard: "rampStepHeld", target: "setting", actions: ["observe", "nextRamp"] },
              { guard: "outputPastDeadline", target: "#cluster.paused", actions: ["observe", { type: "pauseForReadBack", params: { resumeTo: "reactivating" } }] },
              { target: "waiting", actions: ["observe", "schedule"] }
            ],
            onError: { target: "rollingBack", actions: { type: "holdBecause", params: { prefix: "ramp observation failed; weight set back to 0" } } }
          }
        },
        rollingBack: {
          invoke: {
            id: "setWeight",
            src: "setWeight",
            input: ({ context }) => ({ cluster: context.input.name, weight: 0, purpose: "rollback" }),
            onDone: { target: "#cluster.held", actions: "observe" },
            onError: {
              target: "#cluster.held",
              actions: { type: "holdBecause", params: { prefix: "ramp failed and the weight could NOT be set back to 0; check the listener now" } }
            }
          }
        },
        finished: {
          always: [{ guard: "abortRequested", target: "#cluster.aborted" }, { target: "#cluster.done" }]
        }
      }
    },
    paused: {
      always: [
        { guard: "abortedInRotation", target: "aborted", actions: ["abortUntouched", "clearPause"] },
        { guard: "abortedOnDrift", target: "securing", actions: ["holdForAbortOnDrift", "clearPause"] },
        { guard: "abortedInMaintenance", target: "abortInMaintenance", actions: "clearPause" },
        { guard: { type: "abortedWhile", params: { target: "reactivating" } }, target: "reactivating", actions: "clearPause" },
        { guard: { type: "abortedWhile", params: { target: "verifying" } }, target: "verifying", actions: "clearPause" },
        { guard: "abortedDetached", target: "restoringTargets", actions: ["maintenanceSkipped", "clearPause"] },
        { guard: "abortRequested", target: "verifying", actions: ["maintenanceSkipped", "clearPause"] }
      ],
      on: {
        APPROVE: [
          { guard: "pausedForApproval", target: "maintaining", actions: ["approveStep", "clearPause"] },
          { guard: { type: "resumeTo", params: { target: "removing" } }, target: "removing", actions: "clearPause" },
          { guard: { type: "resumeTo", params: { target: "confirming" } }, target: "confirming", actions: "clearPause" },
          { guard: { type: "resumeTo", params: { target: "draining" } }, target: "draining", actions: "clearPause" },
          { guard: { type: "resumeTo", params: { target: "observeStep" } }, target: "maintaining.checking", actions: "clearPause" },
          { guard: { type: "resumeTo", params: { target: "verifying" } }, target: "verifying", actions: "clearPause" },
          { guard: { type: "resumeTo", params: { target: "reactivating" } }, target: "reactivating", actions: "clearPause" }
        ]
      }
    },
    abortInMaintenance: {
      entry: "holdForAbortInMaintenance",
      always: { target: "securing" }
    },
    /** Every hold after removal passes here: weight 0 and the original targets registered, so nothing is lost. */
    securing: {
      invoke: {
        id: "secure",
        src: "secure",
        input: ({ context }) => ({
          cluster: context.input.name,
          targets: context.targets !== void 0 && !context.targetsRegistered ? context.targets : void 0
        }),
        onDone: { target: "held", actions: ["observe", "targetsBack"] },
        onError: {
          target: "held",
          actions: assign(({ context, event }) => ({
            reason: `${context.reason ?? "held"}; securing the cluster also failed (${event.error instanceof Error ? event.error.message : String(event.error)}): check its weight and targets now`
          }))
        }
      }
    },
    held: { type: "final", entry: assign({ outcome: "held" }) },
    aborted: {
      type: "final",
      entry: assign(({ context }) => ({
        outcome: "aborted",
        reason: context.reason ?? `aborted by ${context.abort?.by ?? "operator"}; returned to rotation only after verification`
      }))
    },
    done: { type: "final", entry: assign({ outcome: "done" }) }
  }
});

// machines/fleet.machine.ts
import { assign as assign2, setup as setup2 } from "xstate";
var countOut = (c) => Object.values(c.out).filter(Boolean).length;
var names = (c, s) => c.input.clusters.filter((n) => c.status[n] === s);
var active = (c) => names(c, "running").length + names(c, "paused").length;
var nextPending = (c) => names(c, "pending")[0];
function nextStartable(c) {
  if (c.abort || c.holds.length > 0 || names(c, "paused").length > 0) return void 0;
  const next = nextPending(c);
  if (next === void 0) return void 0;
  const out = countOut(c);
  const inRotation = c.input.clusters.length - out;
  if (out + 1 > c.input.maxOutOfService) return void 0;
  if (inRotation - 1 < c.input.minActiveClusters) return void 0;
  return next;
}
var fleetMachine = setup2({
  types: {
    context: {},
    events: {},
    input: {},
    output: {}
  },
  actions: {
    /** Provided by the edge: create and start the cluster's machine. */
    startCluster: (_, _params) => {
      throw new Error('action "startCluster" was not provided');
    },
    markStarted: assign2(({ context }, params) => ({
      status: { ...context.status, [params.name]: "running" },
      out: { ...context.out, [params.name]: true }
    })),
    onDone: assign2(({ context, event }) => {
      if (event.type !== "CLUSTER.DONE") return {};
      return { status: { ...context.status, [event.name]: "done" }, out: { ...context.out, [event.name]: false } };
    }),
    onHeld: assign2(({ context, event }) => {
      if (event.type !== "CLUSTER.HELD") return {};
      return {
        status: { ...context.status, [event.name]: "held" },
        out: { ...context.out, [event.name]: !event.inRotation },
        holds: [...context.holds, { name: event.name, reason: event.reason }]
      };
    }),
    onAborted: assign2(({ context, event }) => {
      if (event.type !== "CLUSTER.ABORTED") return {};
      return { status: { ...context.status, [event.name]: "aborted" }, out: { ...context.out, [event.name]: !event.inRotation } };
    }),
    onPaused: assign2(({ context, event }) => {
      if (event.type !== "CLUSTER.PAUSED") return {};
      return { status: { ...context.status, [event.name]: "paused" } };
    }),
    onResumed: assign2(({ context, event }) => {
      if (event.type !== "CLUSTER.RESUMED") return {};
      return { status: { ...context.status, [event.name]: "running" } };
    }),
    recordAbort: assign2(({ context, event }) => {
      if (event.type !== "ABORT" || context.abort) return {};
      return { abort: { by: event.by, reason: event.reason ?? "aborted by operator" } };
    }),
    explainHeld: assign2(({ context }) => {
      const untouched = names(context, "pending");
      const holds = context.holds.map((h) => `${h.name}: ${h.reason}`).join("; ");
      return { reason: `held (${holds})${untouched.length ? `; left untouched: ${untouched.join(", ")}` : ""}` };
    }),
    explainAborted: assign2(({ context }) => {
      const untouched = names(context, "pending");
      return {
        reason: `aborted by ${context.abort?.by ?? "operator"}: ${context.abort?.reason ?? ""}${untouched.length ? `; left untouched: ${untouched.join(", ")}` : ""}`
      };
    })
  },
  guards: {
    canStart: ({ context }) => nextStartable(context) !== void 0,
    settledAborted: ({ context }) => context.abort !== void 0 && active(context) === 0,
    settledHeld: ({ context }) => context.holds.length > 0 && active(context) === 0,
    allDone: ({ context }) => context.input.clusters.every((n) => context.status[n] === "done"),
    /** A cluster can report only while it runs: stale or duplicate reports change nothing. */
    fromRunning: ({ context, event }) => "name" in event && ["running", "paused"].includes(context.status[event.name] ?? "")
  }
}).createMachine({
  id: "fleet",
  context: ({ input }) => ({
    input,
    status: Object.fromEntries(input.clusters.map((n) => [n, "pending"])),
    out: {},
    holds: []
  }),
  initial: "rolling",
  output: ({ context }) => ({
    status: context.abort ? "aborted" : context.holds.length > 0 ? "held" : "done",
    ...context.reason ? { reason: context.reason } : {},
    untouched: names(context, "pending")
  }),
  states: {
    rolling: {
      always: [
        { guard: "settledAborted", target: "aborted" },
        { guard: "settledHeld", target: "held" },
        { guard: "allDone", target: "done" },
        {
          guard: "canStart",
          actions: [
            { type: "startCluster", params: ({ context }) => ({ name: nextPending(context) }) },
            { type: "markStarted", params: ({ context }) => ({ name: nextPending(context) }) }
          ]
        }
      ],
      on: {
        "CLUSTER.DONE": { guard: "fromRunning", actions: "onDone" },
        "CLUSTER.HELD": { guard: "fromRunning", actions: "onHeld" },
        "CLUSTER.ABORTED": { guard: "fromRunning", actions: "onAborted" },
        "CLUSTER.PAUSED": { guard: "fromRunning", actions: "onPaused" },
        "CLUSTER.RESUMED": { guard: "fromRunning", actions: "onResumed" },
        ABORT: { actions: "recordAbort" }
      }
    },
    done: { type: "final" },
    held: { type: "final", entry: "explainHeld" },
    aborted: { type: "final", entry: "explainAborted" }
  }
});

// src/run/cluster-actors.ts
import { fromPromise as fromPromise2 } from "xstate";

// src/traffic/drift.ts
function computeDrift(expected, live) {
  const liveWeights = new Map(live.forward.targetGroups.map((g) => [g.targetGroupArn, g.weight]));
  const expectedGroups = /* @__PURE__ */ new Set([...expected.groups ?? [], ...Object.keys(expected.weights)]);
  const weights = [];
  for (const arn of expectedGroups) {
    const want = expected.weights[arn];
    const have = liveWeights.get(arn);
    if (have === void 0) weights.push({ targetGroupArn: arn, expected: want ?? null, live: null });
    else if (want !== void 0 && want !== have) weights.push({ targetGroupArn: arn, expected: want, live: have });
  }
  for (const [arn, have] of liveWeights) {
    if (!expectedGroups.has(arn)) weights.push({ targetGroupArn: arn, expected: null, live: have });
  }
  const targetsAppeared = [];
  const targetsVanished = [];
  for (const [arn, wantIds] of Object.entries(expected.targets ?? {})) {
    const haveIds = live.targets?.[arn];
    if (haveIds === void 0) continue;
    const want = new Set(wantIds);
    const have = new Set(haveIds);
    const appeared = [...have].filter((id) => !want.has(id)).sort();
    const vanished = [...want].filter((id) => !have.has(id)).sort();
    if (appeared.length > 0) targetsAppeared.push({ targetGroupArn: arn, targets: appeared });
    if (vanished.length > 0) targetsVanished.push({ targetGroupArn: arn, targets: vanished });
  }
  if (weights.length === 0 && targetsAppeared.length === 0 && targetsVanished.length === 0) return null;
  return { weights, targetsAppeared, targetsVanished, summary: summarise(weights, targetsAppeared, targetsVanished) };
}
function summarise(weights, appeared, vanished) {
  const parts = [];
  for (const w of weights) {
    const name2 = groupName(w.targetGroupArn);
    if (w.live === null) parts.push(`${name2} missing from the forward config${w.expected === null ? "" : ` (expected weight ${w.expected})`}`);
    else if (w.expected === null) parts.push(`${name2} appeared in the forward config with weight ${w.live}`);
    else parts.push(`${name2} weight expected ${w.expected}, live ${w.live}`);
  }
  for (const a of appeared) parts.push(`${groupName(a.targetGroupArn)} ${targetWord(a.targets)} appeared`);
  for (const v of vanished) parts.push(`${groupName(v.targetGroupArn)} ${targetWord(v.targets)} vanished`);
  return parts.join("; ");
}
function targetWord(ids) {
  return `${ids.length === 1 ? "target" : "targets"} ${ids.join(", ")}`;
}
function groupName(targetGroupArn) {
  const m = /:targetgroup\/([^/]+)\//.exec(targetGroupArn);
  return m?.[1] ?? targetGroupArn;
}

// src/run/cache-evidence.ts
function cacheReadiness(view2) {
  const busy2 = view2.members.filter((m) => m.status !== "available").map((m) => `${m.cacheClusterId} ${m.status}`);
  const groupPending = Object.keys(view2.pendingModifiedValues);
  const pending = [
    ...groupPending.length ? [`group: ${groupPending.join(", ")}`] : [],
    ...view2.members.filter((m) => Object.keys(m.pendingModifiedValues ?? {}).length > 0).map((m) => `${m.cacheClusterId}: ${Object.keys(m.pendingModifiedValues ?? {}).join(", ")}`)
  ];
  return {
    available: view2.status === "available" && busy2.length === 0,
    availability: `status ${view2.status}${busy2.length ? `; ${busy2.join(", ")}` : ""}`,
    pending
  };
}
function worstReading(values) {
  let worst = {};
  for (const [id, value] of Object.entries(values)) {
    if (value !== void 0 && (worst.value === void 0 || value > worst.value)) worst = { id, value };
  }
  return worst;
}
var seconds = (value) => `${Math.round(value * 1e3) / 1e3}s`;

// src/run/canary-rule.ts
var DEFAULT_CANARY_HEADER = "X-Quiesce-Canary";
var CanaryRuleError = class extends QuiesceError {
};
var canaryHeaderName = (ctx) => ctx.plan.verify.canary?.headerName ?? DEFAULT_CANARY_HEADER;
var canaryHeaderValue = (runId, cluster3) => `quiesce-${runId}-${cluster3}`;
var ofRun = (runId, headerValue) => headerValue.toLowerCase().startsWith(`quiesce-${runId}-`.toLowerCase());
var clusterOf = (ctx, headerValue) => ctx.plan.fleet.clusters.find((c) => canaryHeaderValue(ctx.runId, c.name).toLowerCase() === headerValue.toLowerCase())?.name;
async function removeLeftoverCanaryRules(ctx, ofCluster = (c) => !ctx.inFlight().has(c)) {
  const listenerArn = ctx.location.listenerArn;
  const rules = await ctx.traffic.findCanaryRules(listenerArn, canaryHeaderName(ctx));
  const mine = rules.filter((r) => {
    if (!ofRun(ctx.runId, r.headerValue)) return false;
    const cluster3 = clusterOf(ctx, r.headerValue);
    return cluster3 === void 0 || ofCluster(cluster3);
  });
  for (const rule of mine) {
    await journal(ctx, "intent", `delete canary rule ${rule.ruleArn} left by this run (priority ${rule.priority})`, { data: { ruleArn: rule.ruleArn, compensation: "canary-rule" } });
    await ctx.traffic.deleteCanaryRule(rule.ruleArn);
    await journal(ctx, "effect", `leftover canary rule ${rule.ruleArn} deleted`, { data: { ruleArn: rule.ruleArn, call: "DeleteRule" } });
  }
  return mine.map((r) => r.ruleArn);
}
async function foreignCanaryRules(ctx) {
  const rules = await ctx.traffic.findCanaryRules(ctx.location.listenerArn, canaryHeaderName(ctx));
  return rules.filter((r) => !ofRun(ctx.runId, r.headerValue));
}
async function canaryThroughRule(ctx, cluster3, probe) {
  const spec = clusterSpec(ctx, cluster3);
  const headerName = canaryHeaderName(ctx);
  const headerValue = canaryHeaderValue(ctx.runId, cluster3);
  const listenerArn = ctx.location.listenerArn;
  await journal(ctx, "intent", `${cluster3}: create canary rule ${headerName}: ${headerValue} -> ${spec.targetGroupArn}`, {
    cluster: cluster3,
    data: { listenerArn, headerName, headerValue, targetGroupArn: spec.targetGroupArn, compensation: "canary-rule" }
  });
  const rule = await ctx.traffic.createCanaryRule(listenerArn, { targetGroupArn: spec.targetGroupArn, headerName, headerValue });
  await journal(ctx, "intent", `${cluster3}: canary rule ${rule.ruleArn} created at priority ${rule.priority}; deleted after the canary`, {
    cluster: cluster3,
    data: { ruleArn: rule.ruleArn, priority: rule.priority, compensation: "canary-rule" }
  });
  let result;
  let probeError;
  try {
    result = await probe(spec, { headerName, headerValue });
  } catch (err) {
    probeError = err;
  }
  let removed;
  try {
    await ctx.traffic.deleteCanaryRule(rule.ruleArn);
    await journal(ctx, "effect", `${cluster3}: canary rule ${rule.ruleArn} deleted`, { cluster: cluster3, data: { ruleArn: rule.ruleArn, call: "DeleteRule" } });
    removed = check("canary.rule-removed", true, `rule at priority ${rule.priority} deleted`, "removed after the canary");
  } catch (err) {
    if (!(err instanceof AwsCallError)) throw err;
    if (probeError !== void 0) throw new CanaryRuleError(`the canary failed (${messageOf(probeError)}) and its rule ${rule.ruleArn} could not be deleted (${err.message})`, { cause: probeError });
    removed = notRemoved(rule.ruleArn, err);
  }
  if (probeError !== void 0) throw probeError;
  return [...result?.checks ?? [], removed];
}
async function leftoverRulesRemoved(ctx, cluster3) {
  try {
    const deleted = await removeLeftoverCanaryRules(ctx, (c) => c === cluster3);
    return deleted.length ? check("canary.rule-removed", true, `${deleted.length} leftover rule(s) deleted`, "removed after the canary") : void 0;
  } catch (err) {
    if (!(err instanceof AwsCallError)) throw err;
    return notRemoved(`of run ${ctx.runId}`, err);
  }
}
function notRemoved(rule, err) {
  return check("canary.rule-removed", false, `delete failed: ${err.code}`, "removed after the canary", `could not delete canary rule ${rule} (${err.message}); the next verification tries again`);
}
var messageOf = (err) => oneLine(err instanceof Error ? err.message : String(err));

// src/run/maintenance-steps.ts
import { randomUUID as randomUUID2 } from "node:crypto";

// src/runbook/command-step.ts
import { spawn } from "node:child_process";

// src/runbook/errors.ts
var RunbookStepError = class extends QuiesceError {
};

// src/runbook/output-tail.ts
var OutputTail = class {
  limit;
  #chunks = [];
  #size = 0;
  #total = 0;
  constructor(limit) {
    this.limit = limit;
  }
  push(chunk) {
    this.#total += chunk.byteLength;
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    while (this.#chunks.length > 1 && this.#size - this.#chunks[0].byteLength >= this.limit) {
      this.#size -= this.#chunks.shift().byteLength;
    }
  }
  /** True when earlier output was dropped. */
  get truncated() {
    return this.#total > this.limit;
  }
  get totalBytes() {
    return this.#total;
  }
  text() {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.byteLength - this.limit)).toString("utf8");
  }
};

// src/runbook/redaction.ts
var SECRET_NAME = /authorization|token|secret|key|password|passwd|credential|cookie|signature/i;
function isSecretName(name2) {
  return SECRET_NAME.test(name2);
}
function redactHeaders(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, isSecretName(k) ? REDACTED : v]));
}
function secretValues(entries) {
  return Object.entries(entries ?? {}).filter(([k, v]) => isSecretName(k) && v !== "").map(([, v]) => v);
}
var URL_REDACTED = "REDACTED";
function redactUrl(text) {
  let url2;
  try {
    url2 = new URL(text);
  } catch (err) {
    if (err instanceof TypeError) return text;
    throw err;
  }
  if (url2.password) url2.password = URL_REDACTED;
  for (const name2 of [...url2.searchParams.keys()]) {
    if (isSecretName(name2)) url2.searchParams.set(name2, URL_REDACTED);
  }
  return url2.href;
}

// src/runbook/command-step.ts
var WAIT_SLICE_MS = 250;
async function runCommandStep(input, deps) {
  const [program, ...args] = input.argv;
  if (program === void 0 || program === "") throw new RunbookStepError("command step needs a non-empty argv");
  const { clock } = deps;
  const log = deps.logger.child({ step: "command", program });
  const limit = input.outputLimitBytes ?? 64 * 1024;
  const grace = input.killGraceMs ?? 5e3;
  const stdout = new OutputTail(limit);
  const stderr = new OutputTail(limit);
  const started2 = clock.now();
  const child = spawn(program, args, {
    shell: false,
    detached: true,
    cwd: input.cwd,
    env: { ...deps.env ?? process.env, ...input.env },
    stdio: ["ignore", "pipe", "pipe"]
  });
  child.stdout.on("data", (chunk) => stdout.push(chunk));
  child.stderr.on("data", (chunk) => stderr.push(chunk));
  const finished = new Promise((resolve2, reject) => {
    child.once("error", (error) => {
      if (child.pid === void 0) resolve2({ kind: "spawn-error", error });
      else reject(new RunbookStepError(`command "${program}" (pid ${child.pid}) failed: ${error.message}`, { cause: error }));
    });
    child.once("close", (exitCode, signal) => resolve2({ kind: "closed", exitCode, signal }));
  });
  log.info({ pid: child.pid, args: args.length, timeoutMs: input.timeout }, "command started");
  const killGroup = (signal) => {
    if (child.pid === void 0) return;
    try {
      process.kill(-child.pid, signal);
    } catch (err) {
      if (err.code !== "ESRCH") throw err;
    }
  };
  let finish = await settleBy(finished, clock, started2 + input.timeout);
  let timedOut = false;
  let escalated = false;
  if (finish === void 0) {
    timedOut = true;
    log.warn({ pid: child.pid }, `command exceeded ${input.timeout}ms; sending SIGTERM to its process group`);
    killGroup("SIGTERM");
    finish = await settleBy(finished, clock, clock.now() + grace);
    if (finish === void 0) {
      escalated = true;
      log.warn({ pid: child.pid }, `command still running ${grace}ms after SIGTERM; sending SIGKILL`);
      killGroup("SIGKILL");
      finish = await settleBy(finished, clock, clock.now() + grace);
      if (finish === void 0) {
        child.stdout.destroy();
        child.stderr.destroy();
        finish = await finished;
      }
    }
  }
  const scrub = (text) => redactSecrets(text, secretValues(input.env));
  const result = {
    ok: false,
    exitCode: finish.kind === "closed" ? finish.exitCode : null,
    signal: finish.kind === "closed" ? finish.signal : null,
    durationMs: clock.now() - started2,
    timedOut,
    stdoutTail: scrub(stdout.text()),
    stderrTail: scrub(stderr.text()),
    stdoutTruncated: stdout.truncated,
    stderrTruncated: stderr.truncated
  };
  if (finish.kind === "spawn-error") {
    const why = finish.error.code === "ENOENT" ? "not found (ENOENT)" : `${finish.error.message}`;
    result.reason = `could not start "${program}": ${why}`;
  } else if (timedOut) {
    result.reason = `"${program}" did not finish within ${input.timeout}ms; sent SIGTERM${escalated ? `, then SIGKILL after ${grace}ms` : ""}`;
  } else if (finish.signal) {
    result.reason = `"${program}" was killed by ${finish.signal}`;
  } else if (finish.exitCode !== 0) {
    const last = lastLine(result.stderrTail);
    result.reason = `"${program}" exited with code ${finish.exitCode}${last ? `: ${last}` : ""}`;
  } else {
    result.ok = true;
  }
  if (result.ok) log.info({ durationMs: result.durationMs }, "command exited 0");
  else log.warn({ exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs }, result.reason);
  return result;
}
async function settleBy(promise, clock, deadline) {
  const pending = /* @__PURE__ */ Symbol("pending");
  for (; ; ) {
    const remaining = Math.max(0, deadline - clock.now());
    const raced = await Promise.race([promise, clock.sleep(Math.min(WAIT_SLICE_MS, remaining)).then(() => pending)]);
    if (raced !== pending) return raced;
    if (clock.now() >= deadline) return void 0;
    await new Promise((resolve2) => setImmediate(resolve2));
  }
}
function lastLine(text) {
  const line = text.trimEnd().split("\n").at(-1)?.trim();
  if (!line) return void 0;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

// src/runbook/json-path.ts
function getJsonPath(value, path) {
  let current = value;
  for (const segment of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      const index = Number(segment);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (typeof current === "object" && current !== null && !Array.isArray(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

// src/runbook/http-step.ts
var BODY_READ_LIMIT = 64 * 1024;
var BODY_KEEP = 4 * 1024;
async function runHttpStep(input, deps) {
  const { clock } = deps;
  const doFetch = deps.fetch ?? fetch;
  const method = input.method.toUpperCase();
  checkHttpUrl(input.url, "url");
  if (input.poll) checkHttpUrl(input.poll.url, "poll.url");
  if (input.body !== void 0 && (method === "GET" || method === "HEAD")) {
    throw new RunbookStepError(`http step: a ${method} request cannot carry a body`);
  }
  const headers = input.headers ?? {};
  const secrets = secretValues(headers);
  const scrub = (text) => redactSecrets(text, secrets);
  const shownUrl = redactUrl(input.url);
  const log = deps.logger.child({ step: "http", method, url: shownUrl });
  const expected = Array.isArray(input.expectStatus) ? input.expectStatus : [input.expectStatus];
  const started2 = clock.now();
  const result = {
    ok: false,
    request: { method, url: shownUrl, headers: redactHeaders(headers) },
    durationMs: 0
  };
  const finish = (reason) => {
    result.durationMs = clock.now() - started2;
    if (reason === void 0) {
      result.ok = true;
      log.info({ status: result.status, durationMs: result.durationMs, poll: result.poll }, "http step done");
    } else {
      result.reason = scrub(reason);
      log.warn({ status: result.status, durationMs: result.durationMs, poll: result.poll }, result.reason);
    }
    return result;
  };
  const call = await request(doFetch, input.url, { method, headers, body: input.body }, input.timeout);
  if (call.kind === "failed") return finish(`${method} ${shownUrl} failed: ${call.message}`);
  result.status = call.status;
  result.responseBody = scrub(call.body.slice(0, BODY_KEEP));
  if (!expected.includes(call.status)) {
    return finish(`${method} ${shownUrl} answered ${call.status}, expected ${expected.join(" or ")}`);
  }
  if (!input.poll) return finish();
  const poll = input.poll;
  const pollUrl = redactUrl(poll.url);
  const want = JSON.stringify(poll.equals);
  const progress = { url: pollUrl, matched: false, attempts: 0, lastObserved: "nothing yet" };
  result.poll = progress;
  const deadline = clock.now() + poll.timeout;
  for (; ; ) {
    progress.attempts += 1;
    const seen = await request(doFetch, poll.url, { method: "GET", headers }, input.timeout);
    const observed = observe(seen, poll.field, poll.equals);
    progress.lastObserved = scrub(observed.text);
    if (observed.matched) {
      progress.matched = true;
      return finish();
    }
    log.debug({ attempt: progress.attempts, observed: progress.lastObserved }, "poll not there yet");
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      return finish(
        `polling ${pollUrl} timed out after ${poll.timeout}ms (${progress.attempts} attempts): ${poll.field} was ${progress.lastObserved}, expected ${want}`
      );
    }
    await clock.sleep(Math.min(poll.interval, remaining));
  }
}
async function request(doFetch, url2, init, timeoutMs) {
  try {
    const requestInit = { method: init.method, headers: init.headers, signal: AbortSignal.timeout(timeoutMs) };
    if (init.body !== void 0) requestInit.body = init.body;
    const response = await doFetch(url2, requestInit);
    const { text } = await readBodyBounded(response, BODY_READ_LIMIT);
    return { kind: "answered", status: response.status, body: text };
  } catch (err) {
    const failure = describeFetchFailure(err, timeoutMs);
    if (!failure) throw new RunbookStepError(`http step: ${init.method} ${redactUrl(url2)} failed unexpectedly`, { cause: err });
    return { kind: "failed", message: failure.message };
  }
}
function observe(reply, field, equals) {
  const unavailable = (why) => ({ matched: false, text: `unavailable (${why})` });
  if (reply.kind === "failed") return unavailable(reply.message);
  if (reply.status < 200 || reply.status > 299) return unavailable(`status ${reply.status}`);
  let json;
  try {
    json = JSON.parse(reply.body);
  } catch (err) {
    if (err instanceof SyntaxError) return unavailable("the body is not JSON");
    throw err;
  }
  const found = getJsonPath(json, field);
  if (!found.found) return { matched: false, text: "absent" };
  const text = JSON.stringify(found.value) ?? String(found.value);
  return { matched: found.value === equals, text: text.length > 200 ? `${text.slice(0, 197)}...` : text };
}
function checkHttpUrl(text, field) {
  let url2;
  try {
    url2 = new URL(text);
  } catch (err) {
    throw new RunbookStepError(`http step: ${field} "${redactUrl(text)}" is not a valid URL`, { cause: err });
  }
  if (url2.protocol !== "http:" && url2.protocol !== "https:") {
    throw new RunbookStepError(`http step: ${field} must be http or https`);
  }
}

// src/run/cadence.ts
var SECOND = 1e3;
var DRIFT_READ_MS = 3e4;
var NO_PRIOR_MIN_MS = 1e4;
var NO_PRIOR_MAX_MS = 6e4;
var LATE_MAX_MS = 3e4;
var FULL_READ_MS = 10 * 6e4;
var INLINE_STEP_MS = 5e3;
var INLINE_BUDGET_MS = 3e4;
var memories = /* @__PURE__ */ new WeakMap();
function memory(ctx) {
  let m = memories.get(ctx);
  if (!m) {
    m = { weightReadAt: /* @__PURE__ */ new Map(), fullReadAt: /* @__PURE__ */ new Map() };
    memories.set(ctx, m);
  }
  return m;
}
function weightReadDue(ctx, cluster3, now) {
  const last = memory(ctx).weightReadAt.get(cluster3);
  return last === void 0 || now - last >= DRIFT_READ_MS || now < last;
}
function noteWeightRead(ctx, cluster3, now) {
  memory(ctx).weightReadAt.set(cluster3, now);
}
function fullReadDue(ctx, key, now, since) {
  const last = memory(ctx).fullReadAt.get(key) ?? since;
  return now - last >= FULL_READ_MS || now < last;
}
function noteFullRead(ctx, key, now) {
  memory(ctx).fullReadAt.set(key, now);
}
function backoffWithoutPrior(startedAt, now) {
  const elapsed = Math.max(0, now - startedAt);
  return now + Math.min(NO_PRIOR_MAX_MS, Math.max(NO_PRIOR_MIN_MS, Math.round(elapsed / 5)));
}
function recheckAround(expectedAt, now, earlyMs, perSecondMs = 0) {
  if (now < expectedAt - earlyMs) return expectedAt - earlyMs;
  if (now < expectedAt) return expectedAt;
  const late = now - expectedAt;
  if (late < perSecondMs) return now + SECOND;
  return now + Math.min(LATE_MAX_MS, Math.max(SECOND, Math.round(late / 4)));
}
var earlyMargin = (durationMs) => Math.min(30 * SECOND, Math.max(5 * SECOND, Math.round(durationMs * 0.05)));
function targetGroupSettings(ctx, cluster3) {
  return ctx.store.remember(ctx.runId, `cadence:tg:${cluster3}`, () => ctx.traffic.describeTargetGroup(clusterSpec(ctx, cluster3).targetGroupArn));
}
var learnedKey = (cluster3, what) => `cadence:learned:${cluster3}:${what}`;
async function learn(ctx, cluster3, what, value) {
  await ctx.store.remember(ctx.runId, learnedKey(cluster3, what), async () => value);
}
var EARLIER_RUNS = 3;
async function prior(ctx, cluster3, what, signature) {
  const others = ctx.plan.fleet.clusters.map((c) => c.name).filter((name2) => name2 !== cluster3);
  const fromRun = await priorsIn(ctx, ctx.runId, others, what, signature);
  if (fromRun.length) return Math.min(...fromRun);
  const runs = (await ctx.store.listRuns()).filter((r) => r.runId !== ctx.runId && r.planName === ctx.plan.name).sort((a, b) => b.createdAt - a.createdAt).slice(0, EARLIER_RUNS);
  const names2 = ctx.plan.fleet.clusters.map((c) => c.name);
  const earlier = [];
  for (const run of runs) earlier.push(...await priorsIn(ctx, run.runId, names2, what, signature));
  return earlier.length ? Math.min(...earlier) : void 0;
}
async function priorsIn(ctx, runId, clusters2, what, signature) {
  const out = [];
  for (const name2 of clusters2) {
    const learned = await ctx.store.recall(runId, learnedKey(name2, what));
    if (learned && learned.signature === signature && Number.isFinite(learned.ms) && learned.ms >= 0) out.push(learned.ms);
  }
  return out;
}

// src/run/observations.ts
var MINUTE = 6e4;
async function weightEvidence(ctx, cluster3, expected, name2 = "weight") {
  const spec = clusterSpec(ctx, cluster3);
  const verdict2 = await ctx.traffic.verifyWeight(ctx.location, spec.targetGroupArn, expected);
  if (verdict2.status === "ok") return { check: check(name2, true, `weight ${verdict2.live}`, `${expected}`) };
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const drift = computeDrift({ weights: { [spec.targetGroupArn]: expected }, groups: live.targetGroups.map((g) => g.targetGroupArn) }, { forward: live }) ?? void 0;
  return { check: check(name2, false, `weight ${verdict2.live ?? "missing"}`, `${expected}`, `${cluster3}'s weight reads ${verdict2.live ?? "missing"}, expected ${expected}`), ...drift ? { drift } : {} };
}
async function observeDrain(ctx, input) {
  const spec = clusterSpec(ctx, input.cluster);
  const now = ctx.clock.now();
  const weight = await weightEvidence(ctx, input.cluster, 0, "drain.weight");
  if (weight.drift) return { at: now, status: "drift", drift: weight.drift, reason: weight.check.message, checks: [{ ...weight.check, at: now }] };
  const checks = [weight.check];
  const waits = [];
  if (input.mode === "deregister") {
    const targets2 = await ctx.store.recall(ctx.runId, `targets:${input.cluster}`) ?? [];
    const deregisteredAt = await ctx.store.recall(ctx.runId, `deregisteredAt:${input.cluster}`) ?? input.removedAt;
    const health = targets2.length ? await ctx.traffic.describeTargetHealth(spec.targetGroupArn, targets2) : [];
    const still = health.filter((h) => !(h.state === "unused" && h.reason === "Target.NotRegistered"));
    checks.push(check("drain.targets-gone", still.length === 0, `${still.length} of ${targets2.length} still listed (${still.map((h) => h.state).join(", ") || "none"})`, "none listed"));
    if (still.length) {
      const settings = await targetGroupSettings(ctx, input.cluster);
      waits.push(deregisteredAt + settings.deregistrationDelaySeconds * 1e3 + 1e3);
    }
  } else {
    const quiet = ctx.plan.drain.quietMinutes;
    const first = Math.ceil(input.removedAt / MINUTE) * MINUTE;
    const usableEnd = Math.floor((now - ctx.metricsLagMs) / MINUTE) * MINUTE;
    let quietMinutes = 0;
    let lastRequests = 0;
    if (usableEnd > first) {
      const minutes = await ctx.metrics.targetGroupMinutes(targetGroupDimensions(spec.targetGroupArn, ctx.location.listenerArn), "RequestCount", first, usableEnd);
      for (const m of [...minutes].sort((a, b) => b.minute - a.minute)) {
        if (m.value !== 0) {
          lastRequests = m.value;
          break;
        }
        quietMinutes++;
      }
    }
    checks.push(check("drain.request-count", quietMinutes >= quiet, `${quietMinutes} complete quiet minute(s)${lastRequests ? `; ${lastRequests} requests in the last busy minute` : ""}`, `${quiet} consecutive minutes with RequestCount 0`));
    if (quietMinutes < quiet) waits.push(Math.max(usableEnd, first) + (quiet - quietMinutes) * MINUTE + ctx.metricsLagMs + 1e3);
  }
  const minimumAt = input.removedAt + input.minimumMs;
  checks.push(check("drain.minimum", now >= minimumAt, `${Math.round((now - input.removedAt) / 1e3)}s since removal`, `>= ${Math.round(input.minimumMs / 1e3)}s`));
  if (now < minimumAt) waits.push(minimumAt);
  const stamped = checks.map((c) => ({ ...c, at: now }));
  if (waits.length === 0) return { at: now, status: "done", checks: stamped };
  const pending = stamped.filter((c) => !c.ok).map((c) => `${c.name}: ${c.observed}`);
  return { at: now, status: "not-yet", recheckAt: Math.max(...waits), ...pending.length ? { reason: pending.join("; ") } : {}, checks: stamped };
}
async function observeRamp(ctx, input) {
  const holdEnd = input.since + ctx.plan.reactivate.hold;
  const midHold = input.since + Math.floor(ctx.plan.reactivate.hold / 2);
  const lastMinuteEnd = Math.ceil(holdEnd / MINUTE) * MINUTE;
  const publishedAt = lastMinuteEnd + ctx.metricsLagMs;
  const start2 = ctx.clock.now();
  if (start2 >= holdEnd && start2 < publishedAt) await ctx.clock.sleep(publishedAt - start2);
  const now = ctx.clock.now();
  const final = now >= holdEnd;
  const spec = clusterSpec(ctx, input.cluster);
  const checks = [];
  const mid = now >= midHold && !final;
  if (!mid) {
    const weight = await ctx.traffic.verifyWeight(ctx.location, spec.targetGroupArn, input.weight);
    noteWeightRead(ctx, input.cluster, now);
    checks.push(check("ramp.weight", weight.status === "ok", `weight ${weight.live ?? "missing"}`, `${input.weight}`, `${input.cluster}'s weight reads ${weight.live ?? "missing"}, expected ${input.weight}`));
    if (weight.status !== "ok") return { at: now, status: "not-yet", recheckAt: now + 5e3, checks: stampAll(checks, now) };
    if (now < midHold) return { at: now, status: "done", recheckAt: midHold, checks: stampAll(checks, now) };
  }
  const maxUnhealthy = ctx.plan.reactivate.maxUnhealthyHosts;
  const health = await ctx.traffic.describeTargetHealth(spec.targetGroupArn);
  const unhealthy = health.filter((h) => h.state !== "healthy" && h.state !== "unused" && h.state !== "draining");
  checks.push(check("ramp.unhealthy-hosts", unhealthy.length <= maxUnhealthy, `${unhealthy.length} unhealthy now`, `<= ${maxUnhealthy}`, `${unhealthy.length} targets unhealthy at weight ${input.weight} (${unhealthy.map((h) => `${h.target.id} ${h.state}`).join(", ")})`));
  const dims = targetGroupDimensions(spec.targetGroupArn, ctx.location.listenerArn);
  const usableEnd = Math.min(lastMinuteEnd, Math.floor((now - ctx.metricsLagMs) / MINUTE) * MINUTE);
  const from5xx = Math.floor(input.since / MINUTE) * MINUTE;
  const fromHosts = Math.ceil(input.since / MINUTE) * MINUTE;
  if (usableEnd > from5xx) {
    const series = await ctx.metrics.targetGroupMinutesOf(dims, ["HTTPCode_Target_5XX_Count", "UnHealthyHostCount"], from5xx, usableEnd);
    const errors = series.HTTPCode_Target_5XX_Count.reduce((n, m) => n + m.value, 0);
    const max5xx = ctx.plan.reactivate.max5xx;
    checks.push(check("ramp.5xx", errors <= max5xx, `${errors} target 5xx ${minutesText(from5xx, usableEnd)}`, `<= ${max5xx}`, `${errors} target 5xx responses at weight ${input.weight} ${minutesText(from5xx, usableEnd)}`));
    if (usableEnd > fromHosts) {
      const worst = series.UnHealthyHostCount.filter((m) => m.minute >= fromHosts).reduce((w, m) => Math.max(w, m.value), 0);
      checks.push(check("ramp.unhealthy-host-count", worst <= maxUnhealthy, `max UnHealthyHostCount ${worst} ${minutesText(fromHosts, usableEnd)}`, `<= ${maxUnhealthy}`, `UnHealthyHostCount reached ${worst} at weight ${input.weight} ${minutesText(fromHosts, usableEnd)}`));
    }
  }
  const stamped = stampAll(checks, now);
  const breach = stamped.find((c) => !c.ok);
  if (breach) return { at: now, status: "failed", reason: `${breach.name}: ${breach.message ?? breach.observed}`, checks: stamped };
  return { at: now, status: "done", recheckAt: final ? now : holdEnd, checks: stamped };
}
var stampAll = (checks, at) => checks.map((c) => ({ ...c, at }));
var hhmm = (ms2) => new Date(ms2).toISOString().slice(11, 16);
var minutesText = (from, to) => `in ${hhmm(from)}-${hhmm(to)} UTC`;

// src/run/maintenance-steps.ts
var stepKey = (cluster3, index) => `step:${cluster3}:${index}`;
var resultKey = (cluster3, index) => `${stepKey(cluster3, index)}:result`;
var MODIFY_READ_GRACE_MS = 6e4;
function stepAt(ctx, index) {
  const step2 = ctx.plan.maintenance[index];
  if (!step2) throw new Error(`plan ${ctx.plan.name} has no maintenance step ${index}`);
  return step2;
}
async function startStep(ctx, input) {
  const spec = clusterSpec(ctx, input.cluster);
  const step2 = stepAt(ctx, input.stepIndex);
  const nonce = randomUUID2();
  const intent = await ctx.store.remember(ctx.runId, stepKey(input.cluster, input.stepIndex), () => captureIntent(ctx, spec, step2, input.stepIndex, nonce));
  const resumed = intent.nonce !== nonce;
  if (resumed && ("command" in step2 || "http" in step2)) {
    await settleInterruptedRunbookStep(ctx, input.cluster, input.stepIndex, intent);
    return { at: ctx.clock.now() };
  }
  if (resumed && await alreadyStarted(ctx, spec, step2, intent)) {
    await journal(ctx, "effect", `${input.cluster}: step ${input.stepIndex + 1} was already started before the restart; not starting it again`, { cluster: input.cluster });
    return { at: ctx.clock.now() };
  }
  await journal(ctx, "intent", `${input.cluster}: start step ${input.stepIndex + 1}`, { cluster: input.cluster, data: { step: journaledStep(step2), intent } });
  await performStep(ctx, spec, step2, intent, input.stepIndex);
  return { at: ctx.clock.now() };
}
async function captureIntent(ctx, spec, step2, index, nonce) {
  const intent = { nonce, requestedAt: ctx.clock.now() };
  if (!("elasticache" in step2) || !spec.cache) return intent;
  const view2 = await ctx.cache.describe(spec.cache.replicationGroupId);
  const nodeGroupId = step2.elasticache === "failover" ? step2.nodeGroupId : "0001";
  intent.nodeGroupId = nodeGroupId;
  const previousPrimary = view2.primaries[nodeGroupId];
  if (previousPrimary !== void 0) intent.previousPrimary = previousPrimary;
  intent.memberIds = view2.members.map((m) => m.cacheClusterId);
  intent.signature = operationSignature(step2, view2);
  const expectedMs = await prior(ctx, spec.name, `step:${index}`, intent.signature);
  if (expectedMs !== void 0) intent.expectedMs = expectedMs;
  if (step2.elasticache === "failover" && step2.method === "primary-cluster-id") {
    const candidate = step2.targetPrimary ?? view2.members.find((m) => m.role === "replica" && m.status === "available")?.cacheClusterId;
    if (candidate === void 0) throw new Error(`${spec.cache.replicationGroupId} has no available replica to promote`);
    intent.expectedPrimary = candidate;
  }
  if (step2.elasticache === "reboot") {
    const replicas = view2.members.filter((m) => m.role === "replica").map((m) => m.cacheClusterId);
    intent.rebootIds = Array.isArray(step2.nodes) ? step2.nodes : step2.nodes === "replicas" ? replicas : view2.members.map((m) => m.cacheClusterId);
  }
  return intent;
}
async function settleInterruptedRunbookStep(ctx, cluster3, index, intent) {
  const key = resultKey(cluster3, index);
  if (await ctx.store.recall(ctx.runId, key) !== void 0) {
    await journal(ctx, "effect", `${cluster3}: step ${index + 1} finished before the restart; its recorded result stands`, { cluster: cluster3 });
    return;
  }
  const reason = `the process stopped while step ${index + 1} ran (started ${new Date(intent.requestedAt).toISOString()}); it may have run partly or still be running, so quiesce does not run it again: check it by hand`;
  await ctx.store.remember(ctx.runId, key, async () => ({ kind: "interrupted", result: { ok: false, reason } }));
  await journal(ctx, "effect", `${cluster3}: step ${index + 1} interrupted: ${reason}`, { cluster: cluster3, data: { interrupted: true } });
}
function journaledStep(step2) {
  if ("command" in step2 && step2.env) return { ...step2, env: redactHeaders(step2.env) };
  if ("http" in step2 && step2.http.headers) return { ...step2, http: { ...step2.http, headers: redactHeaders(step2.http.headers) } };
  return step2;
}
async function alreadyStarted(ctx, spec, step2, intent) {
  if (!("elasticache" in step2) || !spec.cache) return false;
  const rg = spec.cache.replicationGroupId;
  const view2 = await ctx.cache.describe(rg);
  if (step2.elasticache === "failover") {
    if (intent.previousPrimary && view2.primaries[intent.nodeGroupId ?? "0001"] !== intent.previousPrimary) return true;
    const events = await ctx.cache.events(rg, intent.requestedAt - 1e3);
    return events.some((e) => /test failover api called|failover/i.test(e.message));
  }
  if (step2.elasticache === "reboot") return view2.members.some((m) => m.status.includes("reboot"));
  return false;
}
async function performStep(ctx, spec, step2, intent, index) {
  const deps = { logger: ctx.logger, clock: systemClock };
  if ("command" in step2) {
    const result = await runCommandStep({ argv: step2.command, timeout: step2.timeout, ...step2.cwd ? { cwd: step2.cwd } : {}, ...step2.env ? { env: step2.env } : {} }, deps);
    await ctx.store.remember(ctx.runId, resultKey(spec.name, index), async () => ({ kind: "command", result }));
    await journal(ctx, "effect", `${spec.name}: command ${step2.command.join(" ")} ${result.ok ? "exited 0" : `failed: ${result.reason}`}`, { cluster: spec.name, data: { step: index + 1, ...result } });
    return;
  }
  if ("http" in step2) {
    const h = step2.http;
    const result = await runHttpStep(
      {
        method: h.method,
        url: h.url,
        ...h.headers ? { headers: h.headers } : {},
        ...h.body !== void 0 ? { body: h.body } : {},
        expectStatus: h.expectStatus,
        timeout: h.timeout,
        ...h.poll ? { poll: h.poll } : {}
      },
      deps
    );
    await ctx.store.remember(ctx.runId, resultKey(spec.name, index), async () => ({ kind: "http", result }));
    await journal(ctx, "effect", `${spec.name}: ${h.method} ${result.request.url} ${result.ok ? `returned ${result.status}${result.poll ? `; ${h.poll?.field} matched after ${result.poll.attempts} poll(s)` : ""}` : `failed: ${result.reason}`}`, { cluster: spec.name, data: { step: index + 1, ...result } });
    return;
  }
  if (!("elasticache" in step2)) throw new Error("approval steps are machine states, never started as effects");
  const rg = spec.cache.replicationGroupId;
  switch (step2.elasticache) {
    case "failover":
      await ctx.cache.startFailover(
        rg,
        step2.method === "test-failover" ? { method: "test-failover", nodeGroupId: step2.nodeGroupId } : { method: "primary-cluster-id", primaryClusterId: intent.expectedPrimary }
      );
      break;
    case "modify":
      await ctx.cache.modify(rg, modifyRequest(step2));
      break;
    case "reboot":
      await ctx.cache.reboot(rg, intent.rebootIds ?? []);
      break;
    case "service-update":
      await ctx.cache.applyServiceUpdate(rg, step2.serviceUpdateName);
      break;
  }
  await journal(ctx, "effect", `${spec.name}: ElastiCache ${step2.elasticache} requested on ${rg}`, { cluster: spec.name, data: { step: step2, intent } });
}
function modifyRequest(step2) {
  return {
    ...step2.engineVersion ? { engineVersion: step2.engineVersion } : {},
    ...step2.cacheNodeType ? { cacheNodeType: step2.cacheNodeType } : {},
    ...step2.cacheParameterGroupName ? { cacheParameterGroupName: step2.cacheParameterGroupName } : {}
  };
}
async function observeStep(ctx, input) {
  const spec = clusterSpec(ctx, input.cluster);
  const step2 = stepAt(ctx, input.stepIndex);
  const now = ctx.clock.now();
  if (!("elasticache" in step2)) {
    const weight = await readWeight(ctx, input.cluster, now);
    if (weight.drift) return weight.drift;
    if (!("command" in step2 || "http" in step2)) return { at: now, status: "done", checks: [] };
    const stored = await ctx.store.recall(ctx.runId, resultKey(input.cluster, input.stepIndex));
    if (!stored) throw new Error(`no recorded result for ${input.cluster} step ${input.stepIndex + 1}: the step was never started`);
    const c = { ...runbookCheck(step2, input.stepIndex, stored), at: now };
    return c.ok ? { at: now, status: "done", checks: [c] } : { at: now, status: "failed", reason: stored.result.reason ?? c.observed, checks: [c] };
  }
  const intent = await ctx.store.recall(ctx.runId, stepKey(input.cluster, input.stepIndex));
  if (!intent) throw new Error(`no recorded intent for ${input.cluster} step ${input.stepIndex + 1}: the step was never started`);
  const rg = spec.cache.replicationGroupId;
  const loopStart = now;
  for (; ; ) {
    const out = await lookAtOperation(ctx, input, step2, rg, intent);
    const next = out.recheckAt;
    if (out.status !== "not-yet" || next === void 0) return out;
    const wait = next - out.at;
    if (wait > INLINE_STEP_MS || next - loopStart > INLINE_BUDGET_MS) return out;
    await ctx.clock.sleep(wait);
  }
}
async function lookAtOperation(ctx, input, step2, rg, intent) {
  const now = ctx.clock.now();
  const name2 = `step.${input.stepIndex + 1}.${step2.elasticache}`;
  const loopKey = `step:${input.cluster}:${input.stepIndex}:${intent.nonce}`;
  let weightRead = false;
  if (weightReadDue(ctx, input.cluster, now)) {
    const weight = await readWeight(ctx, input.cluster, now);
    if (weight.drift) return weight.drift;
    weightRead = true;
  }
  const ids = [...new Set([rg, ...intent.memberIds ?? [], intent.previousPrimary, intent.expectedPrimary, ...intent.rebootIds ?? []].filter((id) => !!id))];
  const probe = step2.elasticache === "service-update" ? void 0 : await ctx.cache.recentEvents(ids, intent.requestedAt);
  const signal = probe ? completionSignal(step2, intent, probe) : { ready: true, observed: "no completion event to wait for" };
  const schedule2 = () => intent.expectedMs !== void 0 ? recheckAround(intent.requestedAt + intent.expectedMs, now, earlyMargin(intent.expectedMs)) : backoffWithoutPrior(intent.requestedAt, now);
  if (!signal.ready && !fullReadDue(ctx, loopKey, now, intent.requestedAt)) {
    const waiting = `waiting for ${signal.observed}`;
    return { at: now, status: "not-yet", recheckAt: schedule2(), reason: waiting, checks: [{ ...check(name2, false, waiting, "complete"), at: now }] };
  }
  noteFullRead(ctx, loopKey, now);
  let verdict2;
  switch (step2.elasticache) {
    case "failover":
      verdict2 = await ctx.cache.observeFailover(
        rg,
        {
          previousPrimary: intent.previousPrimary ?? "",
          nodeGroupId: intent.nodeGroupId ?? step2.nodeGroupId,
          requestedAt: intent.requestedAt,
          ...intent.expectedPrimary ? { expectedPrimary: intent.expectedPrimary } : {}
        },
        // The probe read every event of the group and its members: no need to read them again.
        intent.memberIds ? probe : void 0
      );
      break;
    case "modify":
      verdict2 = await ctx.cache.observeModify(rg, modifyRequest(step2));
      if (verdict2.status === "failed" && now - intent.requestedAt < MODIFY_READ_GRACE_MS) {
        verdict2 = { status: "not-yet", waitingFor: `the modify to show (${verdict2.reason})`, evidence: verdict2.evidence };
      }
      break;
    case "reboot":
      verdict2 = await ctx.cache.observeReboot(rg, intent.rebootIds ?? [], intent.requestedAt);
      break;
    case "service-update":
      verdict2 = await ctx.cache.observeServiceUpdate(rg, step2.serviceUpdateName);
      break;
  }
  if (verdict2.status === "complete") {
    if (!weightRead) {
      const weight = await readWeight(ctx, input.cluster, now);
      if (weight.drift) return weight.drift;
    }
    if (signal.completedAt !== void 0 && intent.signature) {
      await learn(ctx, input.cluster, `step:${input.stepIndex}`, { signature: intent.signature, ms: signal.completedAt - intent.requestedAt });
    }
    return { at: now, status: "done", checks: [{ ...check(name2, true, verdict2.evidence.join("; ") || "complete", "complete"), at: now }] };
  }
  if (verdict2.status === "failed") return { at: now, status: "failed", reason: verdict2.reason, checks: [{ ...check(name2, false, verdict2.evidence.join("; "), "complete", verdict2.reason), at: now }] };
  return { at: now, status: "not-yet", recheckAt: schedule2(), reason: `waiting for ${verdict2.waitingFor}`, checks: [{ ...check(name2, false, `waiting for ${verdict2.waitingFor}`, "complete"), at: now }] };
}
async function readWeight(ctx, cluster3, now) {
  const weight = await weightEvidence(ctx, cluster3, 0, "step.weight");
  noteWeightRead(ctx, cluster3, now);
  if (!weight.drift) return {};
  return { drift: { at: now, status: "drift", drift: weight.drift, reason: weight.check.message, checks: [{ ...weight.check, at: now }] } };
}
var RECOVERING = /recovering cache nodes/i;
var RECOVERED = /finished recovery/i;
var MODIFIED = /modification\b.*\bcomplete(d)?\b/i;
function completionSignal(step2, intent, events) {
  const since = events.filter((e) => e.date >= intent.requestedAt);
  const last = since.at(-1);
  const lastText = last ? `; last event ${new Date(last.date).toISOString()} ${last.sourceIdentifier}: ${last.message}` : "; no event yet";
  switch (step2.elasticache) {
    case "failover": {
      const completed = since.filter((e) => FAILOVER_COMPLETED.test(e.message));
      const recovering = /* @__PURE__ */ new Map();
      for (const e of since) {
        if (RECOVERING.test(e.message)) recovering.set(e.sourceIdentifier, e.date);
        else if (RECOVERED.test(e.message)) recovering.delete(e.sourceIdentifier);
      }
      const ready = completed.length > 0 && recovering.size === 0;
      const ends = since.filter((e) => FAILOVER_COMPLETED.test(e.message) || RECOVERED.test(e.message));
      return { ready, observed: `the failover-completed and finished-recovery events${lastText}`, ...ready ? { completedAt: ends.at(-1).date } : {} };
    }
    case "modify": {
      const done = since.filter((e) => MODIFIED.test(e.message));
      return { ready: done.length > 0, observed: `the modification-completed event${lastText}`, ...done.length ? { completedAt: done.at(-1).date } : {} };
    }
    case "reboot": {
      const ids = intent.rebootIds ?? [];
      const restarts = ids.map((id) => since.filter((e) => e.sourceIdentifier === id && REBOOT_COMPLETED.test(e.message)).at(-1));
      const ready = ids.length > 0 && restarts.every((e) => e !== void 0);
      return { ready, observed: `a restart event for each of ${ids.join(", ")}${lastText}`, ...ready ? { completedAt: Math.max(...restarts.map((e) => e.date)) } : {} };
    }
    case "service-update":
      return { ready: true, observed: "the update action" };
  }
}
function operationSignature(step2, view2) {
  const what = step2.elasticache === "failover" ? `failover:${step2.method}` : step2.elasticache === "modify" ? `modify:${JSON.stringify(modifyRequest(step2))}` : step2.elasticache === "reboot" ? `reboot:${JSON.stringify(step2.nodes)}` : `service-update:${step2.serviceUpdateName}`;
  return [what, view2.engine ?? "", view2.engineVersions.join(","), view2.cacheNodeTypes.join(","), view2.members.length].join("|");
}
function runbookCheck(step2, index, stored) {
  const name2 = `step.${index + 1}.${"command" in step2 ? "command" : "http"}`;
  if (stored.kind === "interrupted") return check(name2, false, "interrupted by a restart", "one complete run", stored.result.reason);
  if (stored.kind === "command") {
    const r2 = stored.result;
    const tail = r2.ok ? "" : r2.stderrTail.trim().split("\n").slice(-3).join(" | ").slice(-300);
    const observed = `${r2.timedOut ? "timed out; " : ""}${r2.exitCode !== null ? `exit ${r2.exitCode}` : r2.signal ? `killed by ${r2.signal}` : "did not start"}${tail ? `; stderr: ${tail}` : ""}`;
    return check(name2, r2.ok, observed, "exit 0", r2.reason);
  }
  const r = stored.result;
  const h = "http" in step2 ? step2.http : void 0;
  const poll = r.poll ? `; ${h?.poll?.field ?? "field"} ${r.poll.lastObserved} after ${r.poll.attempts} poll(s)` : "";
  const expected = `status ${[h?.expectStatus ?? []].flat().join(" or ")}${h?.poll ? ` then ${h.poll.field} = ${JSON.stringify(h.poll.equals)}` : ""}`;
  return check(name2, r.ok, `status ${r.status ?? "none"}${poll}`, expected, r.reason);
}

// src/run/preflight.ts
var TEST_FAILOVER_LIMIT = 15;
var DAY_MS2 = 864e5;
var CACHE_METRIC_WINDOW_MS = 10 * 6e4;
async function runPreflight(ctx, name2) {
  const spec = clusterSpec(ctx, name2);
  const base = await baseline(ctx);
  const originalWeight = weightOf(base.forward, spec.targetGroupArn) ?? 0;
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const checks = [];
  checks.push(
    check("preflight.in-rotation", originalWeight > 0, `weight ${originalWeight} at run start`, "weight > 0", `${name2} was not in rotation when the run started; quiesce only returns clusters it took out`)
  );
  const others = ctx.plan.fleet.clusters.filter((c) => c.name !== spec.name && (weightOf(live, c.targetGroupArn) ?? 0) > 0);
  const groupIds = [spec, ...others].flatMap((c) => c.cache ? [c.cache.replicationGroupId] : []);
  const caches = new Map((await ctx.cache.describeMany(groupIds)).map((v) => [v.replicationGroupId, v]));
  const viewOf = (id) => {
    const view2 = caches.get(id);
    if (!view2) throw new Error(`describeMany returned no view of ${id}`);
    return view2;
  };
  const remainingHealthy = await checkOtherClusters(ctx, others, viewOf, checks);
  const fleetTargets = Object.values(base.targets).reduce((n, t) => n + t.length, 0);
  checkCapacity(ctx, spec, remainingHealthy, fleetTargets, checks);
  await checkDrainCanFinish(ctx, spec, live, checks);
  if (spec.cache) await checkOwnCache(ctx, spec, viewOf(spec.cache.replicationGroupId), checks);
  await checkTestFailoverBudget(ctx, checks);
  await checkCanaryRules(ctx, name2, checks);
  const at = ctx.clock.now();
  const failed2 = checks.find((c) => !c.ok);
  return {
    at,
    passed: !failed2,
    ...failed2 ? { reason: `${failed2.name}: ${failed2.message ?? failed2.observed}` } : {},
    originalWeight,
    checks: checks.map((c) => ({ ...c, at }))
  };
}
async function checkOtherClusters(ctx, others, viewOf, checks) {
  let healthyInRotation = 0;
  for (const other of others) {
    const health = await ctx.traffic.describeTargetHealth(other.targetGroupArn);
    const registered = health.filter((h) => h.state !== "unused" && h.state !== "draining");
    const healthy = registered.filter((h) => h.state === "healthy").length;
    healthyInRotation += healthy;
    const unhealthy = registered.filter((h) => h.state !== "healthy").map((h) => `${h.target.id} ${h.state}${h.reason ? ` (${h.reason})` : ""}`);
    checks.push(
      check(`preflight.others.${other.name}.targets`, registered.length > 0 && unhealthy.length === 0, `${healthy}/${registered.length} healthy`, "all healthy", `${other.name} is in rotation but not healthy (${unhealthy.join(", ") || "no targets"}): quiesce takes nothing out while another cluster is unhealthy`)
    );
    if (other.cache) {
      const cache2 = cacheReadiness(viewOf(other.cache.replicationGroupId));
      const quiet = cache2.available && cache2.pending.length === 0;
      checks.push(
        check(`preflight.others.${other.name}.cache`, quiet, `${cache2.availability}${cache2.pending.length ? `; pending ${cache2.pending.join("; ")}` : ""}`, "available, nothing pending", `${other.name}'s cache ${other.cache.replicationGroupId} is mid-operation (${cache2.availability}${cache2.pending.length ? `; pending ${cache2.pending.join("; ")}` : ""}): quiesce takes nothing out while another cluster's cache is busy`)
      );
    }
  }
  return healthyInRotation;
}
function checkCapacity(ctx, spec, remainingHealthy, fleetTargets, checks) {
  const min = ctx.plan.capacity.minHealthyTargets;
  if (min === void 0) return;
  const required2 = typeof min === "number" ? min : Math.ceil(Number(min.slice(0, -1)) / 100 * fleetTargets);
  const label = typeof min === "number" ? `${min}` : `${min} of ${fleetTargets} = ${required2}`;
  checks.push(
    check("preflight.capacity", remainingHealthy >= required2, `${remainingHealthy} healthy targets would remain in rotation`, `>= ${label}`, `taking ${spec.name} out would leave ${remainingHealthy} healthy targets in rotation, fewer than capacity.minHealthyTargets ${label}`)
  );
}
async function checkDrainCanFinish(ctx, spec, live, checks) {
  const timeout2 = ctx.plan.drain.timeout;
  if (live.stickiness.enabled) {
    const stickyMs = (live.stickiness.durationSeconds ?? 0) * 1e3;
    checks.push(
      check(
        "preflight.stickiness",
        stickyMs <= timeout2,
        `target group stickiness ${formatDuration(stickyMs)}`,
        `<= drain.timeout ${formatDuration(timeout2)}`,
        `stickiness keeps clients on ${spec.name} for ${formatDuration(stickyMs)}, longer than drain.timeout ${formatDuration(timeout2)}: the drain could never finish; shorten the stickiness duration or raise drain.timeout`
      )
    );
  }
  if (ctx.plan.drain.mode === "deregister") {
    const delayMs = (await targetGroupSettings(ctx, spec.name)).deregistrationDelaySeconds * 1e3;
    checks.push(
      check(
        "preflight.deregistration-delay",
        delayMs < timeout2,
        `deregistration delay ${formatDuration(delayMs)}`,
        `< drain.timeout ${formatDuration(timeout2)}`,
        `${spec.name}'s deregistration delay ${formatDuration(delayMs)} is not shorter than drain.timeout ${formatDuration(timeout2)}: the drain could never finish; shorten deregistration_delay.timeout_seconds or raise drain.timeout`
      )
    );
  }
}
async function checkOwnCache(ctx, spec, view2, checks) {
  const rg = spec.cache.replicationGroupId;
  const cache2 = cacheReadiness(view2);
  checks.push(
    check("preflight.cache.available", cache2.available, cache2.availability, "available, every member available", `${rg} is not available (${cache2.availability})`),
    check("preflight.cache.pending", cache2.pending.length === 0, cache2.pending.length ? `pending ${cache2.pending.join("; ")}` : "nothing pending", "nothing pending", `${rg} has pending modifications (${cache2.pending.join("; ")}) that would apply mid-maintenance`)
  );
  if (ctx.plan.maintenance.some((s) => "elasticache" in s && s.elasticache === "failover")) {
    checks.push(
      check("preflight.cache.automatic-failover", view2.automaticFailover === "enabled", `AutomaticFailover ${view2.automaticFailover}`, "enabled", `the plan fails over ${rg} but its automatic failover is ${view2.automaticFailover}`)
    );
  }
  const now = ctx.clock.now();
  const latest = await ctx.metrics.cacheNodeLatestOf(view2.members.map((m) => m.cacheClusterId), ["DatabaseMemoryUsagePercentage", "ReplicationLag"], now - CACHE_METRIC_WINDOW_MS, now);
  const memory2 = worstReading(latest.DatabaseMemoryUsagePercentage);
  const max = ctx.plan.verify.maxMemoryPercent;
  checks.push(
    check("preflight.cache.memory", memory2.value !== void 0 && memory2.value < max, `${percent(memory2.value)}${memory2.id ? ` on ${memory2.id}` : ""}`, `< ${max}%`, memory2.value === void 0 ? `no DatabaseMemoryUsagePercentage datapoint for ${rg} in the last 10 minutes` : `memory ${percent(memory2.value)} on ${memory2.id} is at or above maxMemoryPercent ${max}%`)
  );
  const replicas = view2.members.filter((m) => m.role === "replica").map((m) => m.cacheClusterId);
  if (replicas.length) {
    const lag = worstReading(Object.fromEntries(replicas.map((id) => [id, latest.ReplicationLag[id]])));
    const maxLag = ctx.plan.verify.maxReplicationLagSeconds;
    checks.push(
      check("preflight.cache.replication-lag", lag.value === void 0 || lag.value <= maxLag, lag.value === void 0 ? "no datapoint" : `${seconds(lag.value)} on ${lag.id}`, `<= ${maxLag}s`, `replication lag ${seconds(lag.value ?? 0)} on ${lag.id} is above verify.maxReplicationLagSeconds ${maxLag}s`)
    );
  }
  const updates = await ctx.cache.updateActionsInProgress(rg);
  checks.push(
    check("preflight.cache.update-actions", updates.length === 0, updates.length ? updates.map((u) => `${u.serviceUpdateName} ${u.status}`).join(", ") : "none in progress", "none in progress", `${rg} has a service update in progress (${updates.map((u) => `${u.serviceUpdateName} ${u.status}`).join(", ")})`)
  );
}
async function checkTestFailoverBudget(ctx, checks) {
  const failovers = [...ctx.plan.maintenance.entries()].filter(([, s]) => "elasticache" in s && s.elasticache === "failover" && s.method === "test-failover");
  if (failovers.length === 0) return;
  const now = ctx.clock.now();
  const groups = ctx.plan.fleet.clusters.flatMap((c) => c.cache ? [c.cache.replicationGroupId] : []);
  const events = groups.length ? await ctx.cache.recentEvents(groups, now - DAY_MS2) : [];
  const used = events.filter((e) => /test failover api called/i.test(e.message)).length;
  let needed = 0;
  for (const c of ctx.plan.fleet.clusters) {
    if (!c.cache) continue;
    for (const [index] of failovers) if (await ctx.store.recall(ctx.runId, stepKey(c.name, index)) === void 0) needed++;
  }
  checks.push(
    check("preflight.test-failover-budget", used + needed <= TEST_FAILOVER_LIMIT, `${used} used in the last 24h, ${needed} still planned`, `<= ${TEST_FAILOVER_LIMIT} per rolling 24h`, `the plan needs ${needed} more TestFailover calls but ${used} of ${TEST_FAILOVER_LIMIT} were used in the last 24 hours: AWS would refuse mid-fleet; use method primary-cluster-id or wait`)
  );
}
async function checkCanaryRules(ctx, name2, checks) {
  const inFlight = ctx.inFlight();
  await removeLeftoverCanaryRules(ctx, (cluster3) => cluster3 === name2 || !inFlight.has(cluster3));
  const stale = await foreignCanaryRules(ctx);
  checks.push(
    check(
      "preflight.canary-rule",
      stale.length === 0,
      stale.length ? `${stale.length} rule(s): ${stale.map((r) => `priority ${r.priority} (${r.headerValue})`).join(", ")}` : "none",
      "no leftover canary rule",
      `a canary rule from an earlier run is still on the listener (${stale[0]?.ruleArn}, header value ${stale[0]?.headerValue}); delete it before running`
    )
  );
}

// src/run/rotation-guards.ts
var FRESH_EVIDENCE_MS = 5e3;
var FRESH_ATTEMPTS = 3;
async function assertReadyForTraffic(ctx, cluster3) {
  const spec = clusterSpec(ctx, cluster3);
  let tookMs = 0;
  for (let attempt = 0; attempt < FRESH_ATTEMPTS; attempt++) {
    const started2 = ctx.clock.now();
    const live = await ctx.traffic.readForwardConfig(ctx.location);
    if ((weightOf(live, spec.targetGroupArn) ?? 0) > 0) return;
    const registered = await registeredHealth(ctx, spec.targetGroupArn);
    const unhealthy = registered.filter((h) => h.state !== "healthy");
    if (registered.length === 0 || unhealthy.length > 0) {
      const detail = unhealthy.map((h) => `${h.target.id} ${h.state}`).join(", ") || "no registered targets";
      throw new RefusedError(`${cluster3} is not ready for traffic right before reactivation (${detail}); it stays out of rotation`);
    }
    tookMs = ctx.clock.now() - started2;
    if (tookMs <= FRESH_EVIDENCE_MS) return;
  }
  throw new RefusedError(`${cluster3}: reading its target health took ${Math.round(tookMs / 1e3)}s ${FRESH_ATTEMPTS} times in a row; evidence that old cannot put it back into rotation`);
}
async function assertCapacityWithout(ctx, cluster3) {
  const spec = clusterSpec(ctx, cluster3);
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  if ((weightOf(live, spec.targetGroupArn) ?? 0) === 0) return;
  const others = ctx.plan.fleet.clusters.filter((c) => c.name !== cluster3);
  const inRotation = [];
  for (const other of others) if (await isInRotation(ctx, live, other.targetGroupArn)) inRotation.push(other.name);
  const out = ctx.plan.fleet.clusters.length - inRotation.length;
  const { minActiveClusters, maxOutOfService } = ctx.plan.capacity;
  if (inRotation.length >= minActiveClusters && out <= maxOutOfService) return;
  const outNames = others.filter((c) => !inRotation.includes(c.name)).map((c) => c.name);
  throw new RefusedError(
    `taking ${cluster3} out of rotation would leave ${inRotation.length} cluster(s) in rotation (${inRotation.join(", ") || "none"}) and ${out} out (${[...outNames, cluster3].join(", ")}); the plan allows at least ${minActiveClusters} in and at most ${maxOutOfService} out, so ${cluster3} stays in rotation`
  );
}
async function assertOutOfRotation(ctx, cluster3, stepIndex) {
  const spec = clusterSpec(ctx, cluster3);
  let tookMs = 0;
  for (let attempt = 0; attempt < FRESH_ATTEMPTS; attempt++) {
    const started2 = ctx.clock.now();
    const live = await ctx.traffic.readForwardConfig(ctx.location);
    if (await isInRotation(ctx, live, spec.targetGroupArn)) {
      throw new RefusedError(
        `drift: ${cluster3} is back in rotation (weight ${weightOf(live, spec.targetGroupArn) ?? 0}, set outside this run) right before maintenance step ${stepIndex + 1}; the step was not started`
      );
    }
    tookMs = ctx.clock.now() - started2;
    if (tookMs <= FRESH_EVIDENCE_MS) return;
  }
  throw new RefusedError(`${cluster3}: reading the listener took ${Math.round(tookMs / 1e3)}s ${FRESH_ATTEMPTS} times in a row; maintenance step ${stepIndex + 1} was not started on evidence that old`);
}
async function isInRotation(ctx, live, targetGroupArn) {
  if ((weightOf(live, targetGroupArn) ?? 0) === 0) return false;
  return (await registeredHealth(ctx, targetGroupArn)).length > 0;
}
async function registeredHealth(ctx, targetGroupArn) {
  const health = await ctx.traffic.describeTargetHealth(targetGroupArn);
  return health.filter((h) => h.state !== "draining" && h.reason !== "Target.NotRegistered");
}

// src/run/verification.ts
var CACHE_METRIC_WINDOW_MS2 = 10 * 6e4;
var SECOND2 = 1e3;
var METRIC_PERIOD_MS = 6e4;
async function verifyCluster(ctx, input) {
  const spec = clusterSpec(ctx, input.cluster);
  const loopStart = ctx.clock.now();
  for (; ; ) {
    const settings = await targetGroupSettings(ctx, input.cluster);
    const now = ctx.clock.now();
    const targets2 = await targetChecks(ctx, spec);
    if (targets2.checks.every((c) => c.ok)) {
      await learnHealthyAfter(ctx, input.cluster, settings, lastNotHealthy.get(ctx)?.get(input.cluster) ?? now);
      return fullLook(ctx, spec, input, settings, targets2.checks);
    }
    notHealthyAt(ctx, input.cluster, now);
    const checks = [...targets2.checks];
    if (weightReadDue(ctx, input.cluster, now)) {
      const weight = await weightEvidence(ctx, input.cluster, input.expectedWeight, "verify.weight");
      noteWeightRead(ctx, input.cluster, now);
      if (weight.drift) return { at: now, status: "drift", drift: weight.drift, reason: weight.check.message, checks: [{ ...weight.check, at: now }] };
      checks.unshift(weight.check);
    }
    const next = await targetsRecheckAt(ctx, input.cluster, settings, targets2.initial, now);
    const failed2 = checks.filter((c) => !c.ok);
    const out = { at: now, status: "not-yet", recheckAt: next, reason: failed2.map((c) => `${c.name}: ${c.message ?? c.observed}`).join("; "), checks: checks.map((c) => ({ ...c, at: now })) };
    if (next - now > INLINE_STEP_MS || next - loopStart > INLINE_BUDGET_MS) return out;
    await ctx.clock.sleep(next - now);
  }
}
async function fullLook(ctx, spec, input, settings, targets2) {
  const leftovers = ctx.plan.verify.canary ? await leftoverRulesRemoved(ctx, input.cluster) : void 0;
  const now = ctx.clock.now();
  const weight = await weightEvidence(ctx, input.cluster, input.expectedWeight, "verify.weight");
  noteWeightRead(ctx, input.cluster, now);
  if (weight.drift) return { at: now, status: "drift", drift: weight.drift, reason: weight.check.message, checks: [{ ...weight.check, at: now }] };
  const checks = [weight.check, ...leftovers && !leftovers.ok ? [leftovers] : []];
  const permanent = [];
  checks.push(...targets2);
  if (spec.cache) {
    const cache2 = await cacheChecks(ctx, spec, input.maintenanceRan, now);
    checks.push(...cache2.checks);
    permanent.push(...cache2.permanent);
    if (ctx.plan.verify.redis && ctx.probes.redis && cache2.settled) {
      const probe = await ctx.probes.redis(spec);
      checks.push(...probe.checks);
      if (!probe.ok && probe.permanent) permanent.push(...probe.checks.filter((c) => !c.ok));
    }
  }
  const canary = ctx.probes.canary;
  if (ctx.plan.verify.canary && canary && checks.every((c) => c.ok)) checks.push(...await canaryThroughRule(ctx, input.cluster, canary));
  const stamped = checks.map((c) => ({ ...c, at: now }));
  const failed2 = stamped.filter((c) => !c.ok);
  const step2 = windowStep(ctx.plan.verify.stableFor, settings);
  if (permanent.length) return { at: now, status: "failed", reason: permanent.map((c) => `${c.name}: ${c.message ?? c.observed}`).join("; "), checks: stamped };
  if (failed2.length) return { at: now, status: "not-yet", recheckAt: now + Math.min(step2, settings.healthCheck.intervalSeconds * SECOND2), reason: failed2.map((c) => `${c.name}: ${c.message ?? c.observed}`).join("; "), checks: stamped };
  return { at: now, status: "done", recheckAt: now + step2, checks: stamped };
}
function windowStep(stableForMs, settings) {
  const hc = settings.healthCheck;
  const longest = Math.min(METRIC_PERIOD_MS, hc.intervalSeconds * SECOND2 * Math.max(1, hc.healthyThreshold));
  if (stableForMs <= 0) return longest;
  return Math.ceil(stableForMs / Math.ceil(stableForMs / longest));
}
async function targetChecks(ctx, spec) {
  const base = await baseline(ctx);
  const expectedTargets = base.targets[spec.name]?.length ?? 0;
  const health = await ctx.traffic.describeTargetHealth(spec.targetGroupArn);
  const registered = health.filter((h) => !(h.state === "unused" && h.reason === "Target.NotRegistered") && h.state !== "draining");
  const healthy = registered.filter((h) => h.state === "healthy");
  const notHealthy = registered.filter((h) => h.state !== "healthy").map((h) => `${h.target.id} ${h.state}${h.reason ? ` (${h.reason})` : ""}`);
  return {
    checks: [
      check("verify.targets.healthy", notHealthy.length === 0 && registered.length > 0, `${healthy.length}/${registered.length} healthy`, "all healthy", notHealthy.length ? `not healthy: ${notHealthy.join(", ")}` : "no registered targets"),
      check("verify.targets.count", healthy.length >= expectedTargets, `${healthy.length} healthy`, `${expectedTargets} (as before maintenance)`, `${healthy.length} healthy targets, ${expectedTargets} before maintenance`)
    ],
    initial: registered.some((h) => h.state === "initial")
  };
}
var HEALTHY_AFTER = "targets-healthy";
var lastNotHealthy = /* @__PURE__ */ new WeakMap();
function notHealthyAt(ctx, cluster3, at) {
  const seen = lastNotHealthy.get(ctx) ?? /* @__PURE__ */ new Map();
  seen.set(cluster3, at);
  lastNotHealthy.set(ctx, seen);
}
async function targetsRecheckAt(ctx, cluster3, settings, initial, now) {
  const interval = settings.healthCheck.intervalSeconds * SECOND2;
  if (!initial) return now + interval;
  const from = await initialSince(ctx, cluster3, now);
  const checksMs = (Math.max(1, settings.healthCheck.healthyThreshold) - 1) * interval;
  const delay = await prior(ctx, cluster3, HEALTHY_AFTER, HEALTHY_AFTER) ?? 0;
  return recheckAround(from + delay + checksMs, now, 0, interval);
}
function initialSince(ctx, cluster3, now) {
  return ctx.store.remember(ctx.runId, `cadence:initial-since:${cluster3}`, async () => now);
}
async function learnHealthyAfter(ctx, cluster3, settings, notHealthyUntil) {
  const from = await ctx.store.recall(ctx.runId, `cadence:initial-since:${cluster3}`);
  if (from === void 0) return;
  const checksMs = (Math.max(1, settings.healthCheck.healthyThreshold) - 1) * settings.healthCheck.intervalSeconds * SECOND2;
  await learn(ctx, cluster3, HEALTHY_AFTER, { signature: HEALTHY_AFTER, ms: Math.max(0, notHealthyUntil + 1 - from - checksMs) });
}
async function cacheChecks(ctx, spec, maintenanceRan, now) {
  const rg = spec.cache.replicationGroupId;
  const view2 = await ctx.cache.describe(rg);
  const cache2 = cacheReadiness(view2);
  const checks = [
    check("verify.cache.available", cache2.available, cache2.availability, "available, every member available", `${rg} is not available yet (${cache2.availability})`),
    check("verify.cache.pending", cache2.pending.length === 0, cache2.pending.length ? `pending ${cache2.pending.join("; ")}` : "nothing pending", "nothing pending", `${rg} still has pending modifications (${cache2.pending.join("; ")})`)
  ];
  const permanent = [];
  const settled2 = cache2.available && cache2.pending.length === 0;
  const judged = (c) => {
    checks.push(c);
    if (!c.ok && settled2) permanent.push(c);
  };
  if (maintenanceRan) {
    for (const [index, step2] of ctx.plan.maintenance.entries()) {
      if (!("elasticache" in step2)) continue;
      if (step2.elasticache === "failover") {
        const intent = await ctx.store.recall(ctx.runId, stepKey(spec.name, index));
        const primary = view2.primaries[step2.nodeGroupId];
        const wanted = intent?.expectedPrimary;
        const before = intent?.previousPrimary;
        const moved = primary !== void 0 && primary !== before && (wanted === void 0 || primary === wanted);
        judged(check("verify.cache.primary", moved, `primary ${primary ?? "none"}`, wanted ? `${wanted}` : `not ${before ?? "the previous primary"}`, `the failover did not hold: primary is ${primary ?? "none"}, was ${before ?? "unknown"} before${wanted ? `, ${wanted} intended` : ""}`));
      }
      if (step2.elasticache === "modify") {
        const request2 = modifyRequest(step2);
        const fields = [
          ["engine-version", request2.engineVersion, view2.engineVersions],
          ["node-type", request2.cacheNodeType, view2.cacheNodeTypes],
          ["parameter-group", request2.cacheParameterGroupName, view2.cacheParameterGroupNames]
        ];
        for (const [field, wanted, live] of fields) {
          if (wanted === void 0) continue;
          const shown = live.length ? [...new Set(live)].map((v) => `"${v}"`).join(", ") : "unknown";
          judged(check(`verify.cache.${field}`, live.length > 0 && live.every((v) => v === wanted), shown, `"${wanted}" exactly`, `${rg} reports ${shown}, requested "${wanted}"`));
        }
      }
    }
  }
  const replicas = view2.members.filter((m) => m.role === "replica").map((m) => m.cacheClusterId);
  const ids = view2.members.map((m) => m.cacheClusterId);
  const latest = await ctx.metrics.cacheNodeLatestOf(ids, ["DatabaseMemoryUsagePercentage", "ReplicationLag"], now - CACHE_METRIC_WINDOW_MS2, now);
  const memory2 = worstReading(latest.DatabaseMemoryUsagePercentage);
  const max = ctx.plan.verify.maxMemoryPercent;
  checks.push(
    check("verify.cache.memory", memory2.value !== void 0 && memory2.value < max, `${percent(memory2.value)}${memory2.id ? ` on ${memory2.id}` : ""}`, `< ${max}%`, memory2.value === void 0 ? `no DatabaseMemoryUsagePercentage datapoint for ${rg} in the last 10 minutes` : `cache memory ${percent(memory2.value)} on ${memory2.id} is at or above ${max}% (seed 004)`)
  );
  if (replicas.length) {
    const lag = worstReading(Object.fromEntries(replicas.map((id) => [id, latest.ReplicationLag[id]])));
    const maxLag = ctx.plan.verify.maxReplicationLagSeconds;
    checks.push(
      check("verify.cache.replication-lag", lag.value === void 0 || lag.value <= maxLag, lag.value === void 0 ? "no datapoint" : `${seconds(lag.value)} on ${lag.id}`, `<= ${maxLag}s`, `replication lag ${seconds(lag.value ?? 0)} on ${lag.id} is above verify.maxReplicationLagSeconds ${maxLag}s`)
    );
  }
  return { checks, permanent, settled: settled2 };
}

// src/run/cluster-actors.ts
var oneLine2 = (err) => (err instanceof Error ? err.message : String(err)).split("\n")[0];
function createClusterActors(ctx, tracker) {
  const lastSeen = /* @__PURE__ */ new Map();
  const journalNewChecks = async (cluster3, phase, checks) => {
    const fresh = (checks ?? []).filter((c) => {
      const key = `${cluster3}|${phase}|${c.name}`;
      const signature = `${c.ok}|${c.observed}`;
      if (lastSeen.get(key) === signature) return false;
      lastSeen.set(key, signature);
      return true;
    });
    if (!fresh.length) return;
    await ctx.store.appendJournal(
      ctx.runId,
      fresh.map((c) => ({
        at: c.at ?? ctx.clock.now(),
        kind: "check",
        cluster: cluster3,
        message: `${cluster3} ${c.name}: ${c.ok ? "ok" : "not ok"}, observed ${c.observed}${c.threshold ? `, expected ${c.threshold}` : ""}`,
        data: { phase, ...c }
      }))
    );
  };
  const effect = (name2, run) => fromPromise2(async ({ input }) => {
    tracker.begin();
    try {
      await tracker.persisted();
      const out = await run(input);
      await journalNewChecks(input.cluster, name2, out.checks);
      return out;
    } catch (err) {
      await journal(ctx, "error", `${input.cluster}: ${name2} failed: ${oneLine2(err)}`, { cluster: input.cluster, data: { error: oneLine2(err), name: err instanceof Error ? err.name : "unknown" } });
      throw err;
    } finally {
      tracker.end();
    }
  });
  return {
    runPreflight: effect("preflight", (i) => runPreflight(ctx, i.cluster)),
    checkDrift: effect("drift", (i) => checkDrift(ctx, i.cluster, i.expectedWeight)),
    setWeight: effect("setWeight", (i) => setWeight(ctx, i)),
    confirmWeight: effect("confirm", async (i) => {
      const now = ctx.clock.now();
      const evidence = await weightEvidence(ctx, i.cluster, i.weight);
      return evidence.check.ok ? { at: now, status: "done", checks: [{ ...evidence.check, at: now }] } : { at: now, status: "not-yet", recheckAt: now + 5e3, reason: evidence.check.message, checks: [{ ...evidence.check, at: now }] };
    }),
    deregisterTargets: effect("deregister", (i) => deregisterTargets2(ctx, i.cluster)),
    observeDrain: effect("drain", (i) => observeDrain(ctx, i)),
    startStep: effect("startStep", async (i) => {
      await assertOutOfRotation(ctx, i.cluster, i.stepIndex);
      return startStep(ctx, i);
    }),
    observeStep: effect("step", (i) => observeStep(ctx, i)),
    registerTargets: effect("register", (i) => registerTargets2(ctx, i.cluster, i.targets)),
    verifyCluster: effect("verify", (i) => verifyCluster(ctx, i)),
    observeRamp: effect("ramp", (i) => observeRamp(ctx, i)),
    secure: effect("secure", (i) => secure(ctx, i))
  };
}
async function checkDrift(ctx, cluster3, expectedWeight) {
  const spec = clusterSpec(ctx, cluster3);
  const base = await baseline(ctx);
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const inFlight = ctx.inFlight();
  const weights = { [spec.targetGroupArn]: expectedWeight };
  for (const other of ctx.plan.fleet.clusters) {
    if (other.name === cluster3 || inFlight.has(other.name)) continue;
    const w = weightOf(base.forward, other.targetGroupArn);
    if (w !== void 0) weights[other.targetGroupArn] = w;
  }
  const liveTargets = await ctx.traffic.listTargets(spec.targetGroupArn);
  const drift = computeDrift(
    { weights, groups: base.forward.targetGroups.map((g) => g.targetGroupArn), targets: { [spec.targetGroupArn]: (base.targets[cluster3] ?? []).map((t) => t.id) } },
    { forward: live, targets: { [spec.targetGroupArn]: liveTargets.map((t) => t.id) } }
  );
  const at = ctx.clock.now();
  if (drift) await journal(ctx, "drift", `${cluster3}: drift detected: ${drift.summary}`, { cluster: cluster3, data: { drift } });
  return { at, drift, checks: [{ ...check("drift", drift === null, drift ? drift.summary : "listener matches the run", "as recorded at run start"), at }] };
}
async function setWeight(ctx, input) {
  const spec = clusterSpec(ctx, input.cluster);
  if (input.weight > 0) await assertReadyForTraffic(ctx, input.cluster);
  else await assertCapacityWithout(ctx, input.cluster);
  await journal(ctx, "intent", `${input.cluster}: set weight to ${input.weight} (${input.purpose})`, { cluster: input.cluster, data: { ...input, targetGroupArn: spec.targetGroupArn } });
  const result = await ctx.traffic.setWeight(ctx.location, spec.targetGroupArn, input.weight);
  const before = weightOf(result.before, spec.targetGroupArn) ?? 0;
  await journal(
    ctx,
    "effect",
    `${input.cluster}: weight ${before} -> ${input.weight}${result.changed ? "" : " (already set: nothing sent)"}`,
    { cluster: input.cluster, data: { call: ctx.location.ruleArn ? "ModifyRule" : "ModifyListener", changed: result.changed, before: result.before, after: result.after } }
  );
  return { at: ctx.clock.now(), before, after: input.weight, changed: result.changed };
}
async function deregisterTargets2(ctx, cluster3) {
  const spec = clusterSpec(ctx, cluster3);
  const targets2 = await ctx.store.remember(ctx.runId, `targets:${cluster3}`, () => ctx.traffic.listTargets(spec.targetGroupArn));
  await journal(ctx, "intent", `${cluster3}: deregister ${targets2.length} targets`, { cluster: cluster3, data: { targets: targets2 } });
  await ctx.traffic.deregisterTargets(spec.targetGroupArn, targets2);
  await ctx.store.remember(ctx.runId, `deregisteredAt:${cluster3}`, async () => ctx.clock.now());
  await journal(ctx, "effect", `${cluster3}: DeregisterTargets ${targets2.map((t) => t.id).join(", ")}`, { cluster: cluster3, data: { call: "DeregisterTargets", before: targets2, after: [] } });
  return { at: ctx.clock.now(), targets: targets2 };
}
async function registerTargets2(ctx, cluster3, targets2) {
  const spec = clusterSpec(ctx, cluster3);
  await journal(ctx, "intent", `${cluster3}: register ${targets2.length} targets again (weight still 0)`, { cluster: cluster3, data: { targets: targets2 } });
  await ctx.traffic.registerTargets(spec.targetGroupArn, targets2);
  await journal(ctx, "effect", `${cluster3}: RegisterTargets ${targets2.map((t) => t.id).join(", ")}`, { cluster: cluster3, data: { call: "RegisterTargets", before: [], after: targets2 } });
  return { at: ctx.clock.now() };
}
var SECURE_PERSISTENCE_MS = 30 * 6e4;
async function secure(ctx, input) {
  const deadline = ctx.clock.now() + SECURE_PERSISTENCE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await setWeight(ctx, { cluster: input.cluster, weight: 0, purpose: "secure" });
      const targets2 = input.targets ?? await deregisteredAndMissing(ctx, input.cluster);
      if (targets2?.length) await registerTargets2(ctx, input.cluster, targets2);
      await removeLeftoverCanaryRules(ctx, (c) => c === input.cluster);
      return { at: ctx.clock.now() };
    } catch (err) {
      if (!(err instanceof AwsCallError) || err.classification === "fatal" || ctx.clock.now() >= deadline) throw err;
      await journal(ctx, "error", `${input.cluster}: securing failed (${oneLine2(err)}); trying again until ${new Date(deadline).toISOString()}`, { cluster: input.cluster });
      await ctx.clock.sleep(Math.min(6e4, 15e3 * 2 ** attempt));
    }
  }
}
async function deregisteredAndMissing(ctx, cluster3) {
  const intended = await ctx.store.recall(ctx.runId, `targets:${cluster3}`);
  if (!intended?.length) return void 0;
  const health = await ctx.traffic.describeTargetHealth(clusterSpec(ctx, cluster3).targetGroupArn);
  const registered = new Set(health.filter((h) => h.state !== "draining" && h.reason !== "Target.NotRegistered").map((h) => `${h.target.id}:${h.target.port ?? ""}`));
  return intended.filter((t) => !registered.has(`${t.id}:${t.port ?? ""}`));
}

// src/run/machine-input.ts
function stepKind(step2) {
  if ("elasticache" in step2) return "elasticache";
  if ("command" in step2) return "command";
  if ("http" in step2) return "http";
  return "approval";
}
function stepLabel(step2) {
  if (step2.name) return step2.name;
  if ("elasticache" in step2) {
    if (step2.elasticache === "modify") {
      const changes = [
        step2.engineVersion && `engine ${step2.engineVersion}`,
        step2.cacheNodeType && `node type ${step2.cacheNodeType}`,
        step2.cacheParameterGroupName && `parameter group ${step2.cacheParameterGroupName}`
      ].filter(Boolean);
      return `ElastiCache modify (${changes.join(", ")})`;
    }
    if (step2.elasticache === "failover") return `ElastiCache failover (${step2.method}, node group ${step2.nodeGroupId})`;
    if (step2.elasticache === "reboot") return `ElastiCache reboot (${Array.isArray(step2.nodes) ? step2.nodes.join(", ") : step2.nodes})`;
    return `ElastiCache service update ${step2.serviceUpdateName}`;
  }
  if ("command" in step2) return `command ${step2.command.join(" ")}`;
  if ("http" in step2) return `${step2.http.method} ${step2.http.url}`;
  return typeof step2.approval === "string" ? step2.approval : step2.approval.message ?? "operator approval";
}
var stepTimeout = (step2) => "timeout" in step2 ? step2.timeout : "http" in step2 ? step2.http.timeout + (step2.http.poll?.timeout ?? 0) : 0;
function clusterMachineInput(plan2, cluster3) {
  return {
    name: cluster3,
    drainMode: plan2.drain.mode,
    steps: plan2.maintenance.map((step2) => ({ kind: stepKind(step2), label: stepLabel(step2), timeoutMs: stepTimeout(step2) })),
    drain: { minimumMs: plan2.drain.minimum, timeoutMs: plan2.drain.timeout },
    verify: { stableForMs: plan2.verify.stableFor, timeoutMs: plan2.verify.timeout },
    reactivate: { ramp: plan2.reactivate.ramp, holdMs: plan2.reactivate.hold },
    readBackTimeoutMs: 12e4,
    pollMs: 15e3
  };
}
function fleetInput(plan2) {
  return {
    clusters: plan2.fleet.clusters.map((c) => c.name),
    maxOutOfService: plan2.capacity.maxOutOfService,
    minActiveClusters: plan2.capacity.minActiveClusters
  };
}

// src/run/errors.ts
var LockHeldError = class extends QuiesceError {
  constructor(holder, listenerArn) {
    super(`another run holds the lock on ${listenerArn}: run ${holder.runId} (${holder.owner}), lease until ${new Date(holder.expiresAt).toISOString()}`);
    this.holder = holder;
  }
  holder;
};
var RunNotFoundError = class extends QuiesceError {
  constructor(runId) {
    super(`no run ${runId} in this state store`);
  }
};
var RunStateError = class extends QuiesceError {
};

// src/run/engine.ts
var TERMINAL = /* @__PURE__ */ new Set(["done", "held", "aborted"]);
var DEFAULT_LEASE_MS = 6e4;
async function createRun(deps, input) {
  return deps.store.createRun({
    runId: input.runId,
    planName: input.plan.name,
    listenerArn: input.plan.fleet.listenerArn,
    plan: input.plan,
    status: "running",
    createdAt: input.now,
    updatedAt: input.now,
    target: input.target,
    ...input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}
  });
}
async function driveRun(deps, runId, options) {
  const record3 = await deps.store.loadRun(runId);
  if (!record3) throw new RunNotFoundError(runId);
  if (TERMINAL.has(record3.status)) return { ...viewOfRecord(record3), ...record3.sandbox ? { sandbox: record3.sandbox } : {} };
  if (options.operator?.type === "APPROVE" && record3.status !== "paused") {
    throw new RunStateError(`run ${runId} is ${record3.status}, not paused: there is nothing to approve`);
  }
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const lock = await deps.store.acquireLock(record3.listenerArn, runId, deps.owner, leaseMs, Date.now());
  if (!lock.acquired) throw new LockHeldError(lock.holder, record3.listenerArn);
  let lease = lock.lease;
  let result;
  let driver;
  try {
    const connection = await deps.connect(record3);
    driver = new RunDriver(deps, record3, connection, async () => {
      lease = await deps.store.renewLock(lease, leaseMs, Date.now());
    });
    result = await driver.drive(options);
    return result;
  } finally {
    const untouched = record3.snapshot === void 0 && !driver?.saved;
    if (result && TERMINAL.has(result.status) || !result && untouched) await deps.store.releaseLock(lease);
    else await deps.store.parkLock(lease, parkMs(result), Date.now());
  }
}
function parkMs(result) {
  if (result?.status === "running" && result.waitSeconds !== void 0) return result.waitSeconds * 1e3 + 15 * 6e4;
  return 7 * 864e5;
}
function viewOfRecord(record3) {
  const names2 = record3.plan.fleet.clusters.map((c) => c.name);
  const summary = record3.clusters ?? {};
  return {
    runId: record3.runId,
    planName: record3.planName,
    status: record3.status,
    now: record3.updatedAt,
    ...record3.reason ? { reason: record3.reason } : {},
    clusters: names2.map((name2) => ({ name: name2, state: summary[name2]?.state ?? "pending", ...summary[name2]?.reason ? { reason: summary[name2].reason } : {} }))
  };
}
var topState = (snap) => typeof snap.value === "string" ? snap.value : Object.keys(snap.value)[0];
var stateKey = (value) => typeof value === "string" ? value : Object.entries(value).map(([k, v]) => `${k}.${stateKey(v)}`).join(",");
var RunDriver = class {
  constructor(deps, record3, conn, renew) {
    this.deps = deps;
    this.record = record3;
    this.conn = conn;
    this.renew = renew;
    const plan2 = record3.plan;
    if (record3.snapshot) {
      const summaries = record3.clusters ?? {};
      for (const [name2, snapshot2] of Object.entries(record3.snapshot.clusters)) {
        this.savedClusters.set(name2, { snapshot: snapshot2, text: JSON.stringify(snapshot2), summary: summaries[name2] ?? { state: "pending" } });
      }
      this.savedFleet = { snapshot: record3.snapshot.fleet, text: JSON.stringify(record3.snapshot.fleet) };
    }
    this.ctx = {
      runId: record3.runId,
      plan: plan2,
      // Effects' journal entries go out with the next commit: one append for all of them (group commit).
      store: { ...deps.store, appendJournal: (_runId, entries) => this.appendLater(entries) },
      clock: conn.clock,
      logger: deps.logger.child({ runId: record3.runId }),
      traffic: conn.traffic,
      cache: conn.cache,
      metrics: conn.metrics,
      location: { listenerArn: plan2.fleet.listenerArn, ...plan2.fleet.ruleArn ? { ruleArn: plan2.fleet.ruleArn } : {} },
      inFlight: () => new Set([...this.clusters].filter(([, a]) => a.getSnapshot().status === "active").map(([n]) => n)),
      probes: conn.probes,
      metricsLagMs: conn.metricsLagMs
    };
    const tracker = {
      begin: () => {
        this.inflight++;
      },
      end: () => {
        this.inflight--;
        this.signal();
      },
      persisted: async () => {
        await this.nextCommit();
        if (this.fatal) throw new QuiesceError(`run ${record3.runId} could not be saved; no further change is made`, { cause: this.fatal });
      }
    };
    this.clusterLogic = clusterMachine.provide({ actors: createClusterActors(this.ctx, tracker) });
    const fleetLogic = fleetMachine.provide({
      actions: {
        // Runs inside the fleet's transition: start the cluster after it, never re-entrantly.
        startCluster: (_, params) => queueMicrotask(() => this.startCluster(params.name))
      }
    });
    const snapshot = record3.snapshot?.fleet;
    this.fleet = createActor(fleetLogic, { input: fleetInput(plan2), ...snapshot ? { snapshot } : {} });
    this.fleet.subscribe({
      next: (snap) => {
        this.noteTransition("fleet", snap.value, void 0);
        this.fleetDirty = true;
        this.requestCommit();
      },
      error: (err) => this.fail(err)
    });
  }
  deps;
  record;
  conn;
  renew;
  ctx;
  clusters = /* @__PURE__ */ new Map();
  clusterLogic;
  fleet;
  inflight = 0;
  activity;
  queue = Promise.resolve();
  /** What the next commit writes (journal entries, in order) and who waits for it. */
  batch = { entries: [], waiters: [] };
  commitScheduled = false;
  /** Effects waiting for a commit: on a virtual clock they count as asleep (see settle). */
  parkedOnCommit = 0;
  fatal;
  reported = /* @__PURE__ */ new Set();
  lastState = /* @__PURE__ */ new Map();
  phaseSince = /* @__PURE__ */ new Map();
  abortSent = false;
  /**
   * The machines as last saved (or as loaded), per part, to write only what changed: each cluster's
   * persisted snapshot as JSON and its summary, and the fleet's. Only machines marked dirty since the
   * last save are serialized again, so a save costs what changed, not the fleet.
   */
  savedClusters = /* @__PURE__ */ new Map();
  savedFleet;
  dirty = /* @__PURE__ */ new Set();
  fleetDirty = true;
  /** Set once the machines run: before, a commit writes the journal only (no snapshot: nothing changed AWS yet). */
  started = false;
  lastAbortPoll;
  lastRenew = Date.now();
  async drive(options) {
    const resumed = this.record.snapshot !== void 0;
    this.conn.virtual?.onSleep(() => this.signal());
    await this.note("run", resumed ? `run resumed by ${this.deps.owner}` : `run started by ${this.deps.owner}`, { data: { owner: this.deps.owner } });
    if (this.conn.virtual && this.record.resumeAt && this.record.resumeAt > this.conn.clock.now()) this.conn.virtual.advanceTo(this.record.resumeAt);
    const waitLimit = options.deadline === void 0 ? void 0 : this.conn.virtual ? this.conn.clock.now() + (options.deadline - Date.now()) : options.deadline;
    try {
      await this.outsideLoop(() => baseline(this.ctx));
    } catch (err) {
      if (!(err instanceof AwsCallError)) throw err;
      return this.endBeforeStart(`could not read the listener and target groups at run start, so nothing was changed: ${err.message.split("\n")[0]}`);
    }
    this.started = true;
    for (const [name2, snapshot] of Object.entries(this.record.snapshot?.clusters ?? {})) this.startCluster(name2, snapshot);
    this.fleet.start();
    for (const [name2, status] of Object.entries(this.fleet.getSnapshot().context.status)) {
      if ((status === "running" || status === "paused") && !this.clusters.has(name2)) this.startCluster(name2);
    }
    for (const [name2, actor] of this.clusters) this.reportIfFinal(name2, actor.getSnapshot());
    if (options.operator) {
      const paused = [...this.clusters].filter(([, a]) => a.getSnapshot().value === "paused");
      await this.note("operator", `approved by ${options.operator.by} (${paused.map(([n]) => n).join(", ") || "nothing paused"})`, { data: { action: "approve", by: options.operator.by } });
      for (const [, actor] of paused) actor.send({ type: "APPROVE", by: options.operator.by });
    }
    for (; ; ) {
      await this.settle();
      await this.flush();
      if (this.fatal) throw this.fatal;
      await this.renewIfDue();
      if (await this.pollAbort()) continue;
      this.progress();
      const fleetSnap = this.fleet.getSnapshot();
      if (fleetSnap.status === "done") return this.finish(fleetSnap.output);
      const now = this.conn.clock.now();
      const dues = [];
      for (const actor of this.clusters.values()) {
        const snap = actor.getSnapshot();
        if (snap.status === "active" && snap.context.nextCheckAt !== void 0 && snap.can({ type: "TICK", now: Number.MAX_SAFE_INTEGER })) {
          dues.push(snap.context.nextCheckAt);
        }
      }
      const wake = this.conn.virtual?.nextWakeAt();
      if (wake !== void 0) dues.push(wake);
      if (dues.length === 0) {
        if (this.inflight > 0) continue;
        const paused = [...this.clusters.values()].filter((a) => a.getSnapshot().value === "paused");
        if (paused.length) return this.pause(paused);
        throw new Error(`run ${this.record.runId} is stuck: no effect is running and no cluster waits for anything (fleet ${JSON.stringify(fleetSnap.value)})`);
      }
      const due = Math.max(now, Math.min(...dues));
      if (options.until === "wait" && (due - now > (options.inlineWaitMs ?? 0) || waitLimit !== void 0 && due > waitLimit)) return this.yieldUntil(due);
      await this.advanceTo(due, options.speed);
      const t = this.conn.clock.now();
      for (const actor of this.clusters.values()) {
        const snap = actor.getSnapshot();
        if (snap.status === "active" && snap.context.nextCheckAt !== void 0 && snap.context.nextCheckAt <= t) actor.send({ type: "TICK", now: t });
      }
    }
  }
  /**
   * Work awaited outside the loop (the baseline, the end-of-run cleanup). Its retries sleep on the clock
   * like any effect's; on a virtual clock nobody else is there to move time, so this does, or the run
   * would wait forever.
   */
  async outsideLoop(work) {
    let outcome;
    this.inflight++;
    const running = work().then(
      (value) => outcome = { ok: true, value },
      (error) => outcome = { ok: false, error }
    );
    void running.finally(() => {
      this.inflight--;
      this.signal();
    });
    const virtual = this.conn.virtual;
    while (outcome === void 0) {
      if (!virtual) {
        await running;
        break;
      }
      await this.settle();
      if (this.fatal) throw this.fatal;
      const wake = virtual.nextWakeAt();
      if (outcome === void 0 && wake !== void 0) virtual.advanceTo(wake);
    }
    const done = outcome;
    if (!done.ok) throw done.error;
    return done.value;
  }
  async endBeforeStart(reason) {
    const report = this.sandbox(true);
    await this.commitNow({ status: "held", finishedAt: this.conn.clock.now(), reason, ...report.sandbox ? { sandbox: report.sandbox } : {} });
    await this.note("run", `run ended held: ${reason}`, { data: { status: "held", ...report.sandbox ? { sandbox: report.sandbox } : {} } });
    const result = { ...this.view("held", reason), ...report };
    this.deps.onProgress?.(result);
    return result;
  }
  startCluster(name2, snapshot) {
    if (this.clusters.has(name2)) return;
    const actor = createActor(this.clusterLogic, {
      input: clusterMachineInput(this.record.plan, name2),
      ...snapshot ? { snapshot } : {}
    });
    this.clusters.set(name2, actor);
    this.dirty.add(name2);
    actor.subscribe({
      next: (snap) => this.onCluster(name2, snap),
      error: (err) => this.fail(err)
    });
    actor.start();
    if (!snapshot) this.onCluster(name2, actor.getSnapshot());
  }
  onCluster(name2, snap) {
    const previous = this.lastState.get(name2);
    const key = stateKey(snap.value);
    const wasPaused = previous === "paused";
    this.noteTransition(name2, snap.value, snap);
    if (snap.value === "paused" && !wasPaused && previous !== void 0) {
      this.fleet.send({ type: "CLUSTER.PAUSED", name: name2, reason: snap.context.pause?.reason ?? "paused" });
    } else if (wasPaused && key !== "paused" && snap.status === "active") {
      this.fleet.send({ type: "CLUSTER.RESUMED", name: name2 });
    }
    this.reportIfFinal(name2, snap);
    this.dirty.add(name2);
    this.requestCommit();
  }
  reportIfFinal(name2, snap) {
    if (snap.status !== "done" || this.reported.has(name2)) return;
    this.reported.add(name2);
    const out = snap.output;
    if (out.outcome === "done") this.fleet.send({ type: "CLUSTER.DONE", name: name2 });
    else if (out.outcome === "held") this.fleet.send({ type: "CLUSTER.HELD", name: name2, reason: out.reason ?? "held", inRotation: out.inRotation });
    else this.fleet.send({ type: "CLUSTER.ABORTED", name: name2, ...out.reason ? { reason: out.reason } : {}, inRotation: out.inRotation });
  }
  noteTransition(name2, value, snap) {
    const key = stateKey(value);
    const previous = this.lastState.get(name2);
    if (previous === key) return;
    this.lastState.set(name2, key);
    const at = this.conn.clock.now();
    if (snap && (previous === void 0 || previous.split(".")[0] !== key.split(".")[0])) this.phaseSince.set(name2, at);
    const context = snap?.context;
    const why = key === "paused" ? context?.pause?.reason : key === "held" || key === "aborted" ? context?.reason : void 0;
    const message = `${name2}: ${previous ?? "(start)"} -> ${key}${why ? ` (${why})` : ""}`;
    this.batch.entries.push({ at, kind: "transition", ...name2 === "fleet" ? {} : { cluster: name2 }, message, data: { from: previous ?? null, to: key, ...why ? { reason: why } : {}, ...context?.drift ? { drift: context.drift } : {} } });
    this.requestCommit();
    this.deps.logger.info({ runId: this.record.runId, cluster: name2, from: previous, to: key }, message);
  }
  /**
   * Group commit: journal entries (transitions, and effects' intents, effects and checks) collect in a
   * batch; a commit appends them in one call, then saves the machines that moved, and only then releases
   * whoever waits for it (write-ahead). Against AWS a commit starts at once. On a virtual clock it starts
   * when the run is otherwise idle (settle), so one commit serves every effect of that instant.
   */
  requestCommit() {
    if (this.conn.virtual || this.commitScheduled) return;
    this.commitScheduled = true;
    this.enqueue(() => this.commit({}));
  }
  commitWanted() {
    return this.batch.entries.length > 0 || this.batch.waiters.length > 0 || this.started && (this.dirty.size > 0 || this.fleetDirty);
  }
  /** Resolves once everything noted so far is durable. Only effects wait here (they count as parked). */
  nextCommit() {
    return this.waitForCommit([]);
  }
  appendLater(entries) {
    return this.waitForCommit(entries);
  }
  waitForCommit(entries) {
    const from = this.batch.entries.length;
    this.batch.entries.push(...entries);
    const to = this.batch.entries.length;
    this.parkedOnCommit++;
    const done = new Promise((resolve2, reject) => this.batch.waiters.push({ resolve: (written) => resolve2(written.slice(from, to)), reject }));
    const settled2 = () => {
      this.parkedOnCommit--;
    };
    void done.then(settled2, settled2);
    this.requestCommit();
    this.signal();
    return done;
  }
  async commit(change) {
    this.commitScheduled = false;
    const batch = this.batch;
    this.batch = { entries: [], waiters: [] };
    try {
      const written = batch.entries.length ? await this.deps.store.appendJournal(this.record.runId, batch.entries) : [];
      await this.save(change);
      for (const waiter of batch.waiters) waiter.resolve(written);
    } catch (err) {
      for (const waiter of batch.waiters) waiter.reject(err);
      throw err;
    }
  }
  /** A commit now, from the driver itself (not an effect): its errors reach the caller. */
  async commitNow(change = {}) {
    this.enqueue(() => this.commit(change));
    await this.flush();
    if (this.fatal) throw this.fatal;
  }
  /** A journal entry of the driver's own, durable (with everything noted before it) when this returns. */
  async note(kind, message, extra = {}) {
    this.batch.entries.push({ at: this.conn.clock.now(), kind, message, ...extra });
    await this.commitNow();
  }
  enqueue(work) {
    this.queue = this.queue.then(async () => {
      try {
        await work();
      } catch (err) {
        this.fail(err);
      }
    });
  }
  /** True once this driver has saved the run: from then on, effects may have changed AWS. */
  get saved() {
    return this.record.snapshot !== void 0;
  }
  async save(change) {
    if (!this.started && Object.keys(change).length === 0) return;
    const changed = [];
    const pending = /* @__PURE__ */ new Map();
    for (const name2 of this.dirty) {
      const actor = this.clusters.get(name2);
      const snap = actor.getSnapshot();
      const snapshot = actor.getPersistedSnapshot();
      const text = JSON.stringify(snapshot);
      const reason = snap.context.pause?.reason ?? snap.context.reason;
      const summary2 = { state: topState(snap), ...reason ? { reason } : {} };
      const saved = this.savedClusters.get(name2);
      if (saved && saved.text === text && saved.summary.state === summary2.state && saved.summary.reason === summary2.reason) continue;
      changed.push(name2);
      pending.set(name2, { snapshot, text, summary: summary2 });
    }
    let fleet = this.savedFleet;
    if (this.fleetDirty || !fleet) {
      const snapshot = this.fleet.getPersistedSnapshot();
      const text = JSON.stringify(snapshot);
      if (text !== fleet?.text) fleet = { snapshot, text };
    }
    if (Object.keys(change).length === 0 && changed.length === 0 && fleet === this.savedFleet && this.record.snapshot !== void 0) {
      this.dirty.clear();
      this.fleetDirty = false;
      return;
    }
    const clusters2 = {};
    const summary = {};
    for (const name2 of this.clusters.keys()) {
      const part = pending.get(name2) ?? this.savedClusters.get(name2);
      clusters2[name2] = part.snapshot;
      summary[name2] = part.summary;
    }
    const next = { ...this.record, ...change, updatedAt: this.conn.clock.now(), snapshot: { fleet: fleet.snapshot, clusters: clusters2 }, clusters: summary };
    const sameClusters = this.record.snapshot !== void 0 && Object.keys(this.record.snapshot.clusters).length === this.clusters.size && [...this.clusters.keys()].every((n) => this.savedClusters.has(n));
    this.dirty.clear();
    this.fleetDirty = false;
    try {
      this.record = await this.deps.store.saveRun(next, this.record.version, sameClusters ? { changedClusters: changed } : void 0);
    } catch (err) {
      for (const name2 of pending.keys()) this.dirty.add(name2);
      this.fleetDirty = true;
      throw err;
    }
    for (const [name2, part] of pending) this.savedClusters.set(name2, part);
    this.savedFleet = fleet;
  }
  async flush() {
    await this.queue;
  }
  fail(err) {
    this.fatal ??= err;
  }
  /**
   * Waits until every running effect is done, or (on a virtual clock) asleep or parked waiting for a
   * commit; then commits for the parked ones and waits again, until nothing is left to commit. It sleeps
   * until something happens (an effect ends, sleeps or parks), never polls; the only timer is the lease's.
   */
  async settle() {
    for (; ; ) {
      await new Promise((resolve2) => setImmediate(resolve2));
      if (this.fatal) return;
      if (this.idle()) {
        await new Promise((resolve2) => setImmediate(resolve2));
        if (!this.idle()) continue;
        if (!this.conn.virtual || !this.commitWanted()) return;
        this.enqueue(() => this.commit({}));
        await this.flush();
        continue;
      }
      if (!await this.waitForActivity() && this.conn.virtual) {
        this.deps.logger.info({ runId: this.record.runId, running: this.inflight, asleep: this.conn.virtual.sleeping, parked: this.parkedOnCommit }, "effects made no progress for a while: waiting on real I/O, or on another effect without Clock.idle");
      }
      await this.renewIfDue();
    }
  }
  idle() {
    const virtual = this.conn.virtual;
    return this.inflight <= (virtual ? virtual.sleeping + this.parkedOnCommit : 0);
  }
  signal() {
    const wake = this.activity;
    this.activity = void 0;
    wake?.();
  }
  /**
   * Until the next signal (true), or until the lease is due for renewal (false): an effect may take long
   * on real I/O.
   */
  async waitForActivity() {
    const leaseMs = this.deps.leaseMs ?? DEFAULT_LEASE_MS;
    let timer;
    const signalled = await new Promise((resolve2) => {
      this.activity = () => resolve2(true);
      timer = setTimeout(() => resolve2(false), Math.max(0, this.lastRenew + leaseMs / 3 - Date.now()));
    });
    clearTimeout(timer);
    this.activity = void 0;
    return signalled;
  }
  /** The lease is on real time (other processes read it so): renewed by real time; it touches only the lock. */
  async renewIfDue() {
    const leaseMs = this.deps.leaseMs ?? DEFAULT_LEASE_MS;
    if (Date.now() - this.lastRenew < leaseMs / 3) return;
    await this.renew();
    this.lastRenew = Date.now();
  }
  /**
   * Takes up an abort request; true if it did. On a virtual clock, once per instant of that clock (so two
   * runs of one plan and world see it at the same virtual points); against AWS, at most every 250 ms.
   */
  async pollAbort() {
    if (this.abortSent) return false;
    const virtual = this.conn.virtual !== void 0;
    const now = virtual ? this.conn.clock.now() : Date.now();
    if (this.lastAbortPoll !== void 0 && (virtual ? now === this.lastAbortPoll : now - this.lastAbortPoll < 250)) return false;
    this.lastAbortPoll = now;
    const request2 = await this.deps.store.recall(this.record.runId, "abort-request");
    if (!request2) return false;
    this.abortSent = true;
    await this.note("operator", `abort by ${request2.by} taken up: clusters still in rotation stop, clusters out return only through verification, clusters in maintenance are held`, { data: { action: "abort", ...request2 } });
    this.fleet.send({ type: "ABORT", by: request2.by, reason: request2.reason });
    for (const actor of this.clusters.values()) {
      if (actor.getSnapshot().status === "active") actor.send({ type: "ABORT", by: request2.by, reason: request2.reason });
    }
    return true;
  }
  async advanceTo(due, speed) {
    const clock = this.conn.clock;
    if (this.conn.virtual) {
      if (speed && speed > 0) {
        while (clock.now() < due) {
          const step2 = Math.min(due - clock.now(), speed * 1e3);
          await new Promise((resolve2) => setTimeout(resolve2, step2 / speed));
          this.conn.virtual.advanceTo(clock.now() + step2);
          this.progress();
        }
      } else this.conn.virtual.advanceTo(due);
      return;
    }
    while (clock.now() < due) {
      await clock.sleep(Math.min(due - clock.now(), (this.deps.leaseMs ?? DEFAULT_LEASE_MS) / 3));
      await this.renewIfDue();
      this.progress();
    }
  }
  view(status, reason) {
    const now = this.conn.clock.now();
    return {
      runId: this.record.runId,
      planName: this.record.planName,
      status,
      now,
      ...reason ? { reason } : {},
      clusters: this.record.plan.fleet.clusters.map(({ name: name2 }) => {
        const actor = this.clusters.get(name2);
        if (!actor) return { name: name2, state: "pending" };
        const snap = actor.getSnapshot();
        const c = snap.context;
        const failing = c.lastChecks.find((check2) => !check2.ok);
        const since = this.phaseSince.get(name2);
        return {
          name: name2,
          state: topState(snap),
          ...c.pause?.reason ? { detail: c.pause.reason } : failing ? { detail: `${failing.name}: ${failing.observed}` } : {},
          ...c.reason && snap.status === "done" ? { reason: c.reason } : c.pause?.reason ? { reason: c.pause.reason } : {},
          ...snap.status === "active" && c.nextCheckAt !== void 0 ? { nextCheckAt: c.nextCheckAt } : {},
          ...since !== void 0 ? { phaseSince: since } : {}
        };
      })
    };
  }
  progress() {
    this.deps.onProgress?.(this.view("running"));
  }
  async pause(paused) {
    const reason = paused.map((a) => `${a.getSnapshot().context.input.name}: ${a.getSnapshot().context.pause?.reason ?? "paused"}`).join("; ");
    await this.commitNow({ status: "paused", reason });
    await this.note("run", `run paused: ${reason}`);
    const result = { ...this.view("paused", reason), ...this.sandbox(false) };
    this.deps.onProgress?.(result);
    return result;
  }
  async yieldUntil(due) {
    await this.commitNow({ status: "running", resumeAt: due });
    const waitSeconds = Math.max(1, Math.ceil((due - this.conn.clock.now()) / 1e3));
    return { ...this.view("running"), waitSeconds };
  }
  async finish(output) {
    const status = output.status;
    const reason = output.reason;
    await this.removeLeftoverCanaryRules();
    const report = this.sandbox(true);
    await this.commitNow({ status, finishedAt: this.conn.clock.now(), ...reason ? { reason } : {}, ...report.sandbox ? { sandbox: report.sandbox } : {} });
    await this.note("run", `run ended ${status}${reason ? `: ${reason}` : ""}`, { data: { status, ...report.sandbox ? { sandbox: report.sandbox } : {} } });
    const result = { ...this.view(status, reason), ...report };
    this.deps.onProgress?.(result);
    return result;
  }
  /**
   * A canary rule of this run can outlive it only if a process died between creating and deleting it, or
   * AWS failed the deletion: every cluster is out of flight now, so every such rule goes. A failure is
   * journaled and the run still ends (the rule routes one header value, never the run's traffic).
   */
  async removeLeftoverCanaryRules() {
    try {
      await this.outsideLoop(() => removeLeftoverCanaryRules(this.ctx));
    } catch (err) {
      if (!(err instanceof AwsCallError)) throw err;
      await this.note("error", `leftover canary rules of this run could not be removed at its end: ${err.message.split("\n")[0]}`, { data: { error: err.message.split("\n")[0], name: err.name } });
    }
  }
  sandbox(final) {
    return this.conn.sandboxReport ? { sandbox: this.conn.sandboxReport(final) } : {};
  }
};

// src/store/file-store.ts
import { stat as stat3 } from "node:fs/promises";

// src/store/errors.ts
var RunNotFoundError2 = class extends QuiesceError {
  runId;
  constructor(runId, options) {
    super(`run ${runId} does not exist in the store`, options);
    this.name = "RunNotFoundError";
    this.runId = runId;
  }
};
var RunExistsError = class extends QuiesceError {
  runId;
  constructor(runId, options) {
    super(`run ${runId} already exists`, options);
    this.name = "RunExistsError";
    this.runId = runId;
  }
};
var InvalidRunIdError = class extends QuiesceError {
  constructor(runId) {
    super(`run id ${JSON.stringify(runId)} is not valid: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    this.name = "InvalidRunIdError";
  }
};
var LeaseLostError = class extends QuiesceError {
  lease;
  holder;
  constructor(lease, holder, options) {
    const now = holder ? `it is now held by run ${holder.runId} (owner ${holder.owner}) until ${new Date(holder.expiresAt).toISOString()}` : "nobody holds it now";
    super(`lock ${lease.key} (version ${lease.version}, run ${lease.runId}) is no longer ours: ${now}`, options);
    this.name = "LeaseLostError";
    this.lease = lease;
    this.holder = holder && { runId: holder.runId, owner: holder.owner, expiresAt: holder.expiresAt };
  }
};
var StoreCorruptError = class extends QuiesceError {
  constructor(where, detail, options) {
    super(`store data at ${where} is corrupt: ${detail}`, options);
    this.name = "StoreCorruptError";
  }
};
var StoreBusyError = class extends QuiesceError {
  constructor(message, options) {
    super(message, options);
    this.name = "StoreBusyError";
  }
};

// src/store/retention.ts
var DAY_MS3 = 24 * 60 * 60 * 1e3;
var DEFAULT_RETENTION_DAYS = 30;
var DEFAULT_RETENTION_MS = DEFAULT_RETENTION_DAYS * DAY_MS3;
function isExpiredRun(record3, now, retentionMs) {
  return record3.finishedAt !== void 0 && record3.finishedAt + retentionMs < now;
}

// src/store/run-id.ts
var RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
function checkRunId(runId) {
  if (!RUN_ID.test(runId)) throw new InvalidRunIdError(runId);
  return runId;
}

// src/store/run-store.ts
var ConcurrentUpdateError = class extends QuiesceError {
  constructor(runId, expected, options) {
    super(`run ${runId} was updated by someone else (expected version ${expected})`, options);
    this.name = "ConcurrentUpdateError";
  }
};

// src/store/run-summary.ts
function toSummary(record3) {
  const { runId, planName, status, createdAt, updatedAt, reason } = record3;
  return reason === void 0 ? { runId, planName, status, createdAt, updatedAt } : { runId, planName, status, createdAt, updatedAt, reason };
}
function byCreation(a, b) {
  return a.createdAt - b.createdAt || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}

// src/store/file/durable-fs.ts
import { randomUUID as randomUUID3 } from "node:crypto";
import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname as dirname3, join, resolve } from "node:path";
function errnoCode(err) {
  return err instanceof Error ? err.code : void 0;
}
async function fsyncDir(dir2) {
  const handle = await open(dir2, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
async function ensureDir(dir2) {
  const first = await mkdir(dir2, { recursive: true });
  if (first === void 0) return;
  const stop = dirname3(resolve(first));
  const parents = [];
  for (let d = resolve(dir2); d !== stop; d = dirname3(d)) parents.push(dirname3(d));
  for (const parent of parents.reverse()) await fsyncDir(parent);
}
function isTempName(name2) {
  return name2.startsWith(".") && name2.endsWith(".tmp");
}
async function writeTemp(target, text, durable) {
  const temp = join(dirname3(target), `.${basename(target)}.${process.pid}.${randomUUID3()}.tmp`);
  const handle = await open(temp, "wx", 420);
  try {
    await handle.writeFile(text, "utf8");
    if (durable) await handle.sync();
  } catch (err) {
    await handle.close();
    await unlinkIfExists(temp);
    throw err;
  }
  await handle.close();
  return temp;
}
async function writeFileAtomic2(file, text) {
  const temp = await writeTemp(file, text, true);
  try {
    await rename(temp, file);
  } catch (err) {
    await unlinkIfExists(temp);
    throw err;
  }
  await fsyncDir(dirname3(file));
}
async function createFileExclusive(file, text, options = {}) {
  const durable = options.durable ?? true;
  const temp = await writeTemp(file, text, durable);
  try {
    await link(temp, file);
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return false;
    throw err;
  } finally {
    await unlinkIfExists(temp);
  }
  if (durable) await fsyncDir(dirname3(file));
  return true;
}
async function readTextIfExists(file) {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return void 0;
    throw err;
  }
}
async function readJsonIfExists(file) {
  const text = await readTextIfExists(file);
  if (text === void 0) return void 0;
  try {
    return JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) throw new StoreCorruptError(file, "not valid JSON", { cause: err });
    throw err;
  }
}
async function unlinkIfExists(file) {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false;
    throw err;
  }
}

// src/store/file/file-mutex.ts
import { randomUUID as randomUUID4 } from "node:crypto";
import { link as link2, rename as rename2, stat } from "node:fs/promises";
import { hostname as hostname2 } from "node:os";
import { basename as basename2, dirname as dirname4, join as join2 } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// src/store/owner.ts
import { hostname } from "node:os";
function isDeadLocalOwner(owner) {
  const match = /^(\d+)@(.+)$/.exec(owner);
  if (!match) return false;
  return isDeadLocalProcess(Number(match[1]), match[2]);
}
function isDeadLocalProcess(pid, host) {
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    const code = err.code;
    if (code === "ESRCH") return true;
    if (code === "EPERM") return false;
    throw err;
  }
}

// src/store/file/file-mutex.ts
var MUTEX_STALE_MS = 3e4;
var MUTEX_WAIT_MS = 2 * MUTEX_STALE_MS;
async function withFileMutex(path, fn) {
  const me = { token: randomUUID4(), pid: process.pid, host: hostname2() };
  await acquire(path, me);
  try {
    return await fn();
  } finally {
    await release(path, me.token);
  }
}
async function acquire(path, me) {
  const started2 = Date.now();
  for (let attempt = 0; !await createFileExclusive(path, JSON.stringify(me), { durable: false }); attempt++) {
    const seen = await observe2(path);
    if (seen === void 0) continue;
    if (isStale(seen)) {
      await breakStale(path, seen.ino);
      continue;
    }
    const waited = Date.now() - started2;
    if (waited > MUTEX_WAIT_MS) throw new StoreBusyError(`mutex ${path} stayed held by pid ${seen.holder?.pid ?? "?"} for ${waited} ms`);
    await sleep(Math.min(2 ** attempt, 40) + Math.random() * 5);
  }
}
async function release(path, token) {
  const seen = await observe2(path);
  if (seen?.holder?.token === token) await unlinkIfExists(path);
}
async function observe2(path) {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return void 0;
    throw err;
  }
  const text = await readTextIfExists(path);
  if (text === void 0) return void 0;
  return { holder: parseHolder(text), ino: info.ino, mtimeMs: info.mtimeMs };
}
function parseHolder(text) {
  try {
    const value = JSON.parse(text);
    return typeof value.token === "string" && typeof value.pid === "number" && typeof value.host === "string" ? value : void 0;
  } catch (err) {
    if (err instanceof SyntaxError) return void 0;
    throw err;
  }
}
function isStale(seen) {
  if (seen.holder && isDeadLocalProcess(seen.holder.pid, seen.holder.host)) return true;
  return Date.now() - seen.mtimeMs > MUTEX_STALE_MS;
}
async function breakStale(path, staleIno) {
  const aside = join2(dirname4(path), `.${basename2(path)}.${randomUUID4()}.broken.tmp`);
  try {
    await rename2(path, aside);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return;
    throw err;
  }
  const moved = await stat(aside);
  if (moved.ino !== staleIno) {
    try {
      await link2(aside, path);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
  }
  await unlinkIfExists(aside);
}

// src/store/file/crash-hook.ts
function journalCrashHook(env = process.env) {
  if (env.QUIESCE_TEST_HOOKS !== "1") return void 0;
  const raw = env.QUIESCE_CRASH_AFTER_JOURNAL;
  if (raw === void 0) return void 0;
  const after = Number(raw);
  if (!Number.isSafeInteger(after) || after < 1) throw new Error(`QUIESCE_CRASH_AFTER_JOURNAL must be a positive integer, got "${raw}"`);
  return (lastSeq) => {
    if (lastSeq >= after) process.kill(process.pid, "SIGKILL");
  };
}

// src/store/file/journal-file.ts
import { open as open2, readFile as readFile2 } from "node:fs/promises";
import { dirname as dirname5 } from "node:path";
var NEWLINE = 10;
function parseJournal(bytes, where, afterSeq = 0) {
  const completeBytes = bytes.lastIndexOf(NEWLINE) + 1;
  const entries = [];
  let lastSeq = afterSeq;
  const lines = bytes.subarray(0, completeBytes).toString("utf8").split("\n");
  lines.pop();
  lines.forEach((line, i) => {
    const entry = parseLine(line, `${where}, line ${i + 1}`);
    if (entry.seq <= lastSeq) throw new StoreCorruptError(`${where}, line ${i + 1}`, `seq ${entry.seq} follows seq ${lastSeq}`);
    lastSeq = entry.seq;
    entries.push(entry);
  });
  return { entries, completeBytes };
}
function parseLine(line, where) {
  let value;
  try {
    value = JSON.parse(line);
  } catch (err) {
    if (err instanceof SyntaxError) throw new StoreCorruptError(where, "a complete line is not JSON", { cause: err });
    throw err;
  }
  const entry = value;
  if (typeof entry !== "object" || entry === null || typeof entry.seq !== "number" || typeof entry.message !== "string") {
    throw new StoreCorruptError(where, "a line is not a journal entry");
  }
  return entry;
}
async function readJournalFile(file) {
  let bytes;
  try {
    bytes = await readFile2(file);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  }
  return parseJournal(bytes, file).entries;
}
function createJournalAppender() {
  const tails = /* @__PURE__ */ new Map();
  return async function append(file, runId, entries) {
    const handle = await open2(file, "a+", 420);
    try {
      const tail = await catchUp(handle, file, tails.get(file));
      const lines = entries.map((entry, i) => JSON.stringify({ seq: tail.lastSeq + i + 1, runId, ...entry }));
      const bytes = Buffer.from(lines.map((line) => `${line}
`).join(""), "utf8");
      await handle.appendFile(bytes);
      await handle.sync();
      if (!tails.has(file)) await fsyncDir(dirname5(file));
      const written = lines.map((line) => JSON.parse(line));
      tails.set(file, { ino: tail.ino, offset: tail.offset + bytes.length, lastSeq: written.at(-1)?.seq ?? tail.lastSeq });
      return written;
    } finally {
      await handle.close();
    }
  };
}
async function catchUp(handle, file, known) {
  const { ino, size } = await handle.stat();
  const tail = known && known.ino === ino && known.offset <= size ? { ...known } : { ino, offset: 0, lastSeq: 0 };
  if (size === tail.offset) return tail;
  const bytes = Buffer.alloc(size - tail.offset);
  const { bytesRead } = await handle.read(bytes, 0, bytes.length, tail.offset);
  const where = tail.offset === 0 ? file : `${file} from byte ${tail.offset}`;
  const { entries, completeBytes } = parseJournal(bytes.subarray(0, bytesRead), where, tail.lastSeq);
  tail.lastSeq = entries.at(-1)?.seq ?? tail.lastSeq;
  tail.offset += completeBytes;
  if (tail.offset < size) {
    await handle.truncate(tail.offset);
    await handle.sync();
  }
  return tail;
}

// src/store/file/keyed-queue.ts
function createKeyedQueue() {
  const tails = /* @__PURE__ */ new Map();
  return function enqueue2(key, task) {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    tails.set(key, next);
    const forget = () => {
      if (tails.get(key) === next) tails.delete(key);
    };
    next.then(forget, forget);
    return next;
  };
}

// src/store/file/layout.ts
import { createHash } from "node:crypto";
import { join as join3 } from "node:path";
var sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");
function fileLayout(stateDir) {
  const runsDir = join3(stateDir, "runs");
  const locksDir = join3(stateDir, "locks");
  const idempotencyDir = join3(stateDir, "idempotency");
  const runDir = (runId) => join3(runsDir, runId);
  return {
    runsDir,
    locksDir,
    idempotencyDir,
    runDir,
    runFile: (runId) => join3(runDir(runId), "run.json"),
    journalFile: (runId) => join3(runDir(runId), "journal.jsonl"),
    intentsDir: (runId) => join3(runDir(runId), "intents"),
    intentFile: (runId, key) => join3(runDir(runId), "intents", `${sha256(key)}.json`),
    lockFile: (key) => join3(locksDir, `${sha256(key)}.json`),
    idempotencyFile: (key) => join3(idempotencyDir, sha256(key))
  };
}
var mutexOf = (file) => `${file}.mutex`;

// src/store/file/lock-files.ts
import { dirname as dirname6 } from "node:path";

// src/store/lease.ts
function canAcquire(current, runId, owner, now) {
  return current.expiresAt < now || isSameHolder(current, runId, owner) || current.owner === parkedOwner(runId);
}
var parkedOwner = (runId) => `parked:${runId}`;
function isSameHolder(current, runId, owner) {
  return current.runId === runId && current.owner === owner;
}
function isHeldLease(current, held) {
  return current.version === held.version && isSameHolder(current, held.runId, held.owner);
}
function refused(current) {
  return { acquired: false, holder: { runId: current.runId, owner: current.owner, expiresAt: current.expiresAt } };
}

// src/store/file/lock-files.ts
var isFree = (current, runId, owner, now) => canAcquire(current, runId, owner, now) || isDeadLocalOwner(current.owner);
var read = (file) => readJsonIfExists(file);
function createLockFiles(layout) {
  return {
    async acquire(key, runId, owner, leaseMs, now) {
      await ensureDir(layout.locksDir);
      const file = layout.lockFile(key);
      for (let round = 0; round < 5; round++) {
        const fresh = { key, runId, owner, version: 1, expiresAt: now + leaseMs };
        if (await createFileExclusive(file, JSON.stringify(fresh))) return { acquired: true, lease: fresh };
        const seen = await read(file);
        if (seen === void 0) continue;
        if (!isFree(seen, runId, owner, now)) return refused(seen);
        const result = await withFileMutex(mutexOf(file), async () => {
          const current = await read(file);
          if (current === void 0) return void 0;
          if (!isFree(current, runId, owner, now)) return refused(current);
          const next = { key, runId, owner, version: current.version + 1, expiresAt: now + leaseMs };
          await writeFileAtomic2(file, JSON.stringify(next));
          return { acquired: true, lease: next };
        });
        if (result) return result;
      }
      throw new StoreBusyError(`lock ${key}: the lease file kept appearing and disappearing over 5 attempts`);
    },
    async renew(lease, leaseMs, now) {
      const file = layout.lockFile(lease.key);
      return withFileMutex(mutexOf(file), async () => {
        const current = await read(file);
        if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
        const next = { ...current, version: current.version + 1, expiresAt: now + leaseMs };
        await writeFileAtomic2(file, JSON.stringify(next));
        return next;
      });
    },
    async park(lease, leaseMs, now) {
      const file = layout.lockFile(lease.key);
      return withFileMutex(mutexOf(file), async () => {
        const current = await read(file);
        if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
        const next = { ...current, owner: parkedOwner(current.runId), version: current.version + 1, expiresAt: now + leaseMs };
        await writeFileAtomic2(file, JSON.stringify(next));
        return next;
      });
    },
    async release(lease) {
      const file = layout.lockFile(lease.key);
      await withFileMutex(mutexOf(file), async () => {
        const current = await read(file);
        if (!current || !isHeldLease(current, lease)) return;
        if (await unlinkIfExists(file)) await fsyncDir(dirname6(file));
      });
    }
  };
}

// src/store/file/prune.ts
import { randomUUID as randomUUID5 } from "node:crypto";
import { readdir, rename as rename3, rm, stat as stat2 } from "node:fs/promises";
import { dirname as dirname7, join as join4 } from "node:path";
var TEMP_MAX_AGE_MS = 60 * 60 * 1e3;
var TRASH_PREFIX = ".trash-";
async function listNames(dir2) {
  try {
    return await readdir(dir2);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  }
}
async function pruneStateDir(layout, now, retentionMs) {
  const prunedRuns = [];
  for (const name2 of await listNames(layout.runsDir)) {
    if (name2.startsWith(TRASH_PREFIX)) {
      await rm(join4(layout.runsDir, name2), { recursive: true, force: true });
      continue;
    }
    if (name2.startsWith(".")) continue;
    const record3 = await readJsonIfExists(layout.runFile(name2));
    if (!record3 || !isExpiredRun(record3, now, retentionMs)) continue;
    if (record3.idempotencyKey !== void 0) await removeClaimOf(layout.idempotencyFile(record3.idempotencyKey), name2);
    const trash = join4(layout.runsDir, `${TRASH_PREFIX}${name2}-${randomUUID5()}`);
    await rename3(layout.runDir(name2), trash);
    await fsyncDir(layout.runsDir);
    await rm(trash, { recursive: true, force: true });
    prunedRuns.push(name2);
  }
  await pruneOrphanClaims(layout, now, retentionMs);
  for (const dir2 of [layout.runsDir, layout.locksDir, layout.idempotencyDir]) await pruneTempFiles(dir2);
  return { prunedRuns };
}
async function removeClaimOf(claimFile, runId) {
  const claim = await readJsonIfExists(claimFile);
  if (claim?.runId === runId && await unlinkIfExists(claimFile)) await fsyncDir(dirname7(claimFile));
}
async function pruneOrphanClaims(layout, now, retentionMs) {
  for (const name2 of await listNames(layout.idempotencyDir)) {
    if (name2.startsWith(".")) continue;
    const file = join4(layout.idempotencyDir, name2);
    const claim = await readJsonIfExists(file);
    if (!claim || claim.record.createdAt + retentionMs >= now) continue;
    const run = await readJsonIfExists(layout.runFile(claim.runId));
    if (!run) await unlinkIfExists(file);
  }
}
async function pruneTempFiles(dir2) {
  for (const name2 of await listNames(dir2)) {
    if (!isTempName(name2)) continue;
    const file = join4(dir2, name2);
    try {
      if (Date.now() - (await stat2(file)).mtimeMs > TEMP_MAX_AGE_MS) await unlinkIfExists(file);
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
    }
  }
}

// src/store/file-store.ts
var asStored = (value) => JSON.parse(JSON.stringify(value));
function createFileStore(stateDir, options = {}) {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const layout = fileLayout(stateDir);
  const enqueue2 = createKeyedQueue();
  const appendLines = createJournalAppender();
  const locks = createLockFiles(layout);
  const crashHook = journalCrashHook();
  const runExists = async (runId) => {
    try {
      await stat3(layout.runFile(runId));
      return true;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return false;
      throw err;
    }
  };
  const requireRun = async (runId) => {
    if (!await runExists(checkRunId(runId))) throw new RunNotFoundError2(runId);
  };
  const materialize = async (record3) => {
    await ensureDir(layout.intentsDir(record3.runId));
    return createFileExclusive(layout.runFile(record3.runId), JSON.stringify(record3));
  };
  const loadRun = async (runId) => readJsonIfExists(layout.runFile(checkRunId(runId)));
  const readIntent = async (runId, key) => readJsonIfExists(layout.intentFile(checkRunId(runId), key));
  return {
    stateDir,
    async createRun(input) {
      checkRunId(input.runId);
      const record3 = asStored({ ...input, version: 1 });
      const key = input.idempotencyKey;
      if (key === void 0) {
        if (!await materialize(record3)) throw new RunExistsError(record3.runId);
        return { record: record3, created: true };
      }
      await ensureDir(layout.idempotencyDir);
      const claimFile = layout.idempotencyFile(key);
      for (let round = 0; round < 5; round++) {
        const claim = { key, runId: record3.runId, record: record3 };
        if (await createFileExclusive(claimFile, JSON.stringify(claim))) {
          if (await materialize(record3)) return { record: record3, created: true };
          const stored2 = await loadRun(record3.runId);
          if (stored2?.idempotencyKey === key) return { record: stored2, created: true };
          await unlinkIfExists(claimFile);
          throw new RunExistsError(record3.runId);
        }
        const existing = await readJsonIfExists(claimFile);
        if (!existing) continue;
        if (!await runExists(existing.runId)) await materialize(existing.record);
        const stored = await loadRun(existing.runId);
        if (stored) return { record: stored, created: false };
      }
      throw new StoreBusyError(`idempotency key ${key}: its claim kept appearing and disappearing over 5 attempts`);
    },
    loadRun,
    async saveRun(record3, expectedVersion) {
      await requireRun(record3.runId);
      const file = layout.runFile(record3.runId);
      return enqueue2(
        file,
        () => withFileMutex(mutexOf(file), async () => {
          const current = await readJsonIfExists(file);
          if (!current) throw new RunNotFoundError2(record3.runId);
          if (current.version !== expectedVersion) throw new ConcurrentUpdateError(record3.runId, expectedVersion);
          const next = asStored({ ...record3, version: expectedVersion + 1 });
          await writeFileAtomic2(file, JSON.stringify(next));
          return next;
        })
      );
    },
    async listRuns() {
      const summaries = [];
      for (const name2 of await listNames(layout.runsDir)) {
        if (name2.startsWith(".")) continue;
        const record3 = await readJsonIfExists(layout.runFile(name2));
        if (record3) summaries.push(toSummary(record3));
      }
      return summaries.sort(byCreation);
    },
    async appendJournal(runId, entries) {
      await requireRun(runId);
      if (entries.length === 0) return [];
      const file = layout.journalFile(runId);
      const written = await enqueue2(file, () => withFileMutex(mutexOf(file), () => appendLines(file, runId, entries)));
      crashHook?.(written.at(-1)?.seq ?? 0);
      return written;
    },
    readJournal: async (runId) => readJournalFile(layout.journalFile(checkRunId(runId))),
    async remember(runId, key, compute) {
      const known = await readIntent(runId, key);
      if (known) return known.value;
      await requireRun(runId);
      const stored = asStored({ key, value: await compute() });
      if (await createFileExclusive(layout.intentFile(runId, key), JSON.stringify(stored))) return stored.value;
      const first = await readIntent(runId, key);
      if (!first) throw new RunNotFoundError2(runId);
      return first.value;
    },
    async recall(runId, key) {
      return (await readIntent(runId, key))?.value;
    },
    acquireLock: locks.acquire,
    renewLock: locks.renew,
    releaseLock: locks.release,
    parkLock: locks.park,
    prune: async (now) => pruneStateDir(layout, now, retentionMs)
  };
}

// src/store/memory-store.ts
var copy = (text) => JSON.parse(text);
var definedFields = (value) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== void 0));
function recordOf(state) {
  const record3 = copy(state.head);
  record3.plan = copy(state.plan);
  if (record3.snapshot) record3.snapshot.clusters = Object.fromEntries([...state.clusters].map(([name2, text]) => [name2, copy(text)]));
  return { ...record3, version: state.version };
}
function store(state, record3, changedClusters) {
  const { plan: plan2, snapshot } = record3;
  const head = JSON.stringify({ ...record3, plan: null, ...snapshot ? { snapshot: { ...snapshot, clusters: {} } } : {} });
  const clusters2 = snapshot?.clusters ?? {};
  let parts = state.clusters;
  const partial = changedClusters !== void 0 && Object.keys(clusters2).length === parts.size && changedClusters.every((name2) => parts.has(name2));
  if (partial) {
    parts = new Map(parts);
    for (const name2 of changedClusters) parts.set(name2, JSON.stringify(clusters2[name2]));
  } else {
    parts = new Map(Object.entries(clusters2).map(([name2, value]) => [name2, JSON.stringify(value)]));
  }
  const planText = changedClusters !== void 0 ? state.plan : JSON.stringify(plan2);
  state.head = head;
  state.plan = planText;
  state.clusters = parts;
}
function createMemoryStore(options = {}) {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const runs = /* @__PURE__ */ new Map();
  const idempotency = /* @__PURE__ */ new Map();
  const locks = /* @__PURE__ */ new Map();
  const stateOf = (runId) => {
    const state = runs.get(checkRunId(runId));
    if (!state) throw new RunNotFoundError2(runId);
    return state;
  };
  return {
    async createRun(input) {
      checkRunId(input.runId);
      const key = input.idempotencyKey;
      const existingId = key === void 0 ? void 0 : idempotency.get(key);
      if (existingId !== void 0) return { record: recordOf(stateOf(existingId)), created: false };
      if (runs.has(input.runId)) throw new RunExistsError(input.runId);
      const state = { head: "{}", plan: "null", clusters: /* @__PURE__ */ new Map(), version: 1, journal: [], intents: /* @__PURE__ */ new Map() };
      store(state, { ...input, version: 1 }, void 0);
      runs.set(input.runId, state);
      if (key !== void 0) idempotency.set(key, input.runId);
      return { record: recordOf(state), created: true };
    },
    async loadRun(runId) {
      const state = runs.get(checkRunId(runId));
      return state && recordOf(state);
    },
    async saveRun(record3, expectedVersion, hint) {
      const state = stateOf(record3.runId);
      if (state.version !== expectedVersion) throw new ConcurrentUpdateError(record3.runId, expectedVersion);
      store(state, record3, hint?.changedClusters);
      state.version = expectedVersion + 1;
      return { ...definedFields(record3), version: state.version };
    },
    async listRuns() {
      return [...runs.values()].map((s) => toSummary(copy(s.head))).sort(byCreation);
    },
    async appendJournal(runId, entries) {
      const state = stateOf(runId);
      const lines = entries.map((entry, i) => JSON.stringify({ seq: state.journal.length + i + 1, runId, ...entry }));
      state.journal.push(...lines);
      return lines.map((line) => copy(line));
    },
    async readJournal(runId) {
      return (runs.get(checkRunId(runId))?.journal ?? []).map((line) => copy(line));
    },
    async remember(runId, key, compute) {
      const known = runs.get(checkRunId(runId))?.intents.get(key);
      if (known !== void 0) return copy(known).value;
      stateOf(runId);
      const value = await compute();
      const intents = stateOf(runId).intents;
      if (!intents.has(key)) intents.set(key, JSON.stringify({ value }));
      return copy(intents.get(key)).value;
    },
    async recall(runId, key) {
      const known = runs.get(checkRunId(runId))?.intents.get(key);
      return known === void 0 ? void 0 : copy(known).value;
    },
    async acquireLock(key, runId, owner, leaseMs, now) {
      const current = locks.get(key);
      if (current && !canAcquire(current, runId, owner, now)) return refused(current);
      const lease = { key, runId, owner, version: (current?.version ?? 0) + 1, expiresAt: now + leaseMs };
      locks.set(key, lease);
      return { acquired: true, lease: { ...lease } };
    },
    async renewLock(lease, leaseMs, now) {
      const current = locks.get(lease.key);
      if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
      const next = { ...current, version: current.version + 1, expiresAt: now + leaseMs };
      locks.set(lease.key, next);
      return { ...next };
    },
    async parkLock(lease, leaseMs, now) {
      const current = locks.get(lease.key);
      if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
      const next = { ...current, owner: parkedOwner(current.runId), version: current.version + 1, expiresAt: now + leaseMs };
      locks.set(lease.key, next);
      return { ...next };
    },
    async releaseLock(lease) {
      const current = locks.get(lease.key);
      if (current && isHeldLease(current, lease)) locks.delete(lease.key);
    },
    async prune(now) {
      const prunedRuns = [];
      for (const [runId, state] of runs) {
        const record3 = copy(state.head);
        if (!isExpiredRun(record3, now, retentionMs)) continue;
        if (record3.idempotencyKey !== void 0 && idempotency.get(record3.idempotencyKey) === runId) {
          idempotency.delete(record3.idempotencyKey);
        }
        runs.delete(runId);
        prunedRuns.push(runId);
      }
      return { prunedRuns };
    }
  };
}

// scripts/bench/call-counter.ts
function createCallCounter() {
  const byCommand = /* @__PURE__ */ new Map();
  const label = (clientName) => (clientName ?? "Unknown").replace(/Client$/, "").replace("ElasticLoadBalancingV2", "ELBv2");
  return {
    byCommand,
    total: () => [...byCommand.values()].reduce((a, b) => a + b, 0),
    attach(client) {
      const stack = client.middlewareStack;
      stack.add(
        (next, context) => async (args) => {
          const key = `${label(context.clientName)}.${(context.commandName ?? "Unknown").replace(/Command$/, "")}`;
          byCommand.set(key, (byCommand.get(key) ?? 0) + 1);
          return next(args);
        },
        { step: "initialize", name: "benchCallCounter" }
      );
    },
    snapshot: () => Object.fromEntries([...byCommand].sort((a, b) => b[1] - a[1]))
  };
}

// scripts/bench/sandbox-run.ts
var logger = pino2({ level: "silent" });
var OWNER = "bench";
async function runInSandbox(options) {
  const { plan: plan2 } = options;
  const runId = options.runId ?? "run-bench";
  const calls = createCallCounter();
  const worldYaml = options.worldYaml ?? "";
  const wrap = options.wrapConnection ?? ((c) => c);
  let store2;
  let connect;
  let world;
  let worldPath;
  let target = { kind: "sandbox" };
  if (options.store.kind === "memory") {
    store2 = createMemoryStore();
    const w = defaultWorldFromPlan(plan2, parseWorldFile(worldYaml, "bench-world.yaml"), "bench-world.yaml", { historyMs: HISTORY_MS });
    world = w;
    connect = async () => wrap({ ...connectToWorld(w, plan2, logger, { configure: (client) => calls.attach(client) }), sandboxReport: (final) => sandboxReport(w, final) });
  } else {
    const dir2 = options.store.dir;
    mkdirSync2(dir2, { recursive: true });
    store2 = createFileStore(dir2);
    const file = join5(dir2, "bench-world.yaml");
    writeFileSync(file, worldYaml);
    target = { kind: "sandbox", worldFile: file };
    worldPath = join5(dir2, "runs", runId, "world.json");
    const path = worldPath;
    const open3 = sandboxConnector({ logger, worldPath: () => path, configure: (client) => calls.attach(client) });
    connect = async (record3) => wrap(await open3(record3));
  }
  await createRun({ store: store2 }, { runId, plan: plan2, target, now: Date.now() });
  const started2 = performance.now();
  const result = await driveRun({ store: store2, logger, connect, owner: OWNER }, runId, { until: "end" });
  const wallMs = performance.now() - started2;
  if (!world) world = loadWorld(worldPath);
  return { runId, plan: plan2, world, store: store2, result, journal: await store2.readJournal(runId), calls, wallMs };
}

// scripts/bench/scale-child.ts
var [clusters, targets, maxOut] = process.argv.slice(2, 5).map(Number);
var storeKind = process.argv[5] === "file" ? "file" : "memory";
var started = performance.now();
var plan = fleetPlan(clusters, maxOut);
var worldNow;
var worldStart = 0;
var heartbeat = setInterval(() => {
  const virtualHours = worldNow ? (worldNow() - worldStart) / 36e5 : 0;
  process.stderr.write(`${JSON.stringify({ heartbeat: true, wallMs: performance.now() - started, peakRssMb: process.resourceUsage().maxRSS / 1024, virtualHours })}
`);
}, 5e3);
heartbeat.unref();
var given = process.argv.indexOf("--state-dir");
var ownDir = storeKind === "file" && given < 0;
var dir = storeKind !== "file" ? void 0 : given >= 0 ? process.argv[given + 1] : mkdtempSync(join6(tmpdir(), "quiesce-bench-"));
try {
  const run = await runInSandbox({
    plan,
    // Short CloudWatch retention keeps a large world's metric rows bounded (docs/sandbox.md).
    worldYaml: `defaults: { targets: ${targets} }
cloudwatch: { retention: "1h" }
`,
    store: dir ? { kind: "file", dir } : { kind: "memory" },
    wrapConnection: (connection) => {
      worldStart = connection.clock.now();
      worldNow = () => connection.clock.now();
      return connection;
    }
  });
  const wallMs = performance.now() - started;
  const transitions = run.journal.filter((e) => e.kind === "transition").length;
  const virtualMs = run.journal.at(-1).at - run.journal[0].at;
  const record3 = await run.store.loadRun(run.runId);
  process.stdout.write(
    `${JSON.stringify({
      clusters,
      targets,
      store: storeKind,
      status: run.result.status,
      ...run.result.reason ? { reason: run.result.reason.slice(0, 400) } : {},
      wallMs,
      driveMs: run.wallMs,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      virtualHours: virtualMs / 36e5,
      calls: run.calls.total(),
      journalEntries: run.journal.length,
      // The run record (plan, every machine's snapshot) is rewritten whole on every save.
      recordKb: Buffer.byteLength(JSON.stringify(record3)) / 1024,
      transitions,
      // The sandbox's own audit: a lost weight update (two clusters' writes interleaving) shows here.
      violations: run.result.sandbox?.violations.length ?? null
    })}
`
  );
} finally {
  if (dir && ownDir) rmSync(dir, { recursive: true, force: true });
}

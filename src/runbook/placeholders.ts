// What a runbook step knows of the cluster it maintains: placeholders in its argv, URL, headers and body
// (`{cluster}`, `{targetGroupArn}`, ...) and, for a command, the same values as QUIESCE_* environment
// variables. Pure: the plan rules check the names, the engine and the preview fill them in.

/** The values one cluster's steps see. */
export interface StepClusterValues {
  runId: string;
  cluster: string;
  targetGroupArn: string;
  /** The cluster's targets as saved before the drain (instance ids and ports). */
  targets: ReadonlyArray<{ id: string; port?: number }>;
  replicationGroupId?: string | undefined;
  /** `host:port` of the cache's primary (or configuration) endpoint, when it has one. */
  cacheEndpoint?: string | undefined;
}

/** Every placeholder a step may use, with what it stands for (the validate error and the docs list them). */
export const PLACEHOLDERS = {
  runId: 'the run id',
  cluster: "the cluster's name in the plan",
  targetGroupArn: "the cluster's target group ARN",
  targets: 'the target ids, comma-separated',
  replicationGroupId: "the cluster's ElastiCache replication group id (empty without a cache)",
  cacheEndpoint: "the cache's primary endpoint as host:port (empty without one)",
} as const;

export type PlaceholderName = keyof typeof PLACEHOLDERS;

// `{name}` is a placeholder; `{{` and `}}` are literal braces. A JSON body's `{"a": 1}` is no placeholder
// (a quote cannot start a name), so bodies rarely need the escape.
const TOKEN = /\{\{|\}\}|\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Names used in `text` that are not placeholders, in order of appearance. */
export function unknownPlaceholders(text: string): string[] {
  const unknown: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const name = m[1];
    if (name !== undefined && !Object.hasOwn(PLACEHOLDERS, name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

export function placeholderValues(v: StepClusterValues): Record<PlaceholderName, string> {
  return {
    runId: v.runId,
    cluster: v.cluster,
    targetGroupArn: v.targetGroupArn,
    targets: v.targets.map((t) => t.id).join(','),
    replicationGroupId: v.replicationGroupId ?? '',
    cacheEndpoint: v.cacheEndpoint ?? '',
  };
}

/** `text` with its placeholders replaced and `{{`/`}}` unescaped. An unknown name is a bug here: validate refuses it first. */
export function fillPlaceholders(text: string, values: Record<PlaceholderName, string>): string {
  return text.replace(TOKEN, (whole, name: string | undefined) => {
    if (name === undefined) return whole[0]!;
    if (!Object.hasOwn(values, name)) throw new Error(`unknown placeholder {${name}}: the plan rules should have refused it`);
    return values[name as PlaceholderName];
  });
}

/** The environment a command step gets on top of the inherited one. */
export function stepEnvironment(v: StepClusterValues): Record<string, string> {
  return {
    QUIESCE_RUN_ID: v.runId,
    QUIESCE_CLUSTER: v.cluster,
    QUIESCE_TARGET_GROUP_ARN: v.targetGroupArn,
    QUIESCE_TARGETS: JSON.stringify(v.targets.map((t) => (t.port === undefined ? { id: t.id } : { id: t.id, port: t.port }))),
    ...(v.replicationGroupId !== undefined ? { QUIESCE_REPLICATION_GROUP_ID: v.replicationGroupId } : {}),
    ...(v.cacheEndpoint !== undefined ? { QUIESCE_CACHE_ENDPOINT: v.cacheEndpoint } : {}),
  };
}

/** A step's texts that take placeholders, by their path inside the step (for the plan rules' messages). */
export interface PlaceholderText {
  path: (string | number)[];
  text: string;
}

type StepWithTexts =
  | { command: string[] }
  | { http: { url: string; headers?: Record<string, string> | undefined; body?: string | undefined; poll?: { url: string } | undefined } }
  | { ssm: string; parameters?: Record<string, string[]> | undefined; targets?: { instanceIds: string[] } | { tags: Record<string, string[]> } | undefined }
  | { ecs: string; cluster: string; service: string; taskDefinition?: string | undefined; image?: string | undefined }
  | object;

const ECS_FIELDS = ['cluster', 'service', 'taskDefinition', 'image'] as const;

export function placeholderTexts(step: StepWithTexts): PlaceholderText[] {
  if ('command' in step) return step.command.map((text, i) => ({ path: ['command', i], text }));
  if ('http' in step) {
    const h = step.http;
    return [
      { path: ['http', 'url'], text: h.url },
      ...Object.entries(h.headers ?? {}).map(([name, text]) => ({ path: ['http', 'headers', name], text })),
      ...(h.body !== undefined ? [{ path: ['http', 'body'], text: h.body }] : []),
      ...(h.poll ? [{ path: ['http', 'poll', 'url'], text: h.poll.url }] : []),
    ];
  }
  if ('ssm' in step) {
    const t = step.targets;
    return [
      ...Object.entries(step.parameters ?? {}).flatMap(([name, list]) => list.map((text, i) => ({ path: ['parameters', name, i], text }))),
      ...(t && 'instanceIds' in t ? t.instanceIds.map((text, i) => ({ path: ['targets', 'instanceIds', i], text })) : []),
      ...(t && 'tags' in t ? Object.entries(t.tags).flatMap(([key, list]) => list.map((text, i) => ({ path: ['targets', 'tags', key, i], text }))) : []),
    ];
  }
  if ('ecs' in step) return ECS_FIELDS.flatMap((f) => (step[f] !== undefined ? [{ path: [f], text: step[f] }] : []));
  return [];
}

/** The step as it runs for one cluster: every placeholder text filled in, the rest as planned. */
export function fillStep<S extends StepWithTexts>(step: S, values: Record<PlaceholderName, string>): S {
  const fill = (text: string) => fillPlaceholders(text, values);
  if ('command' in step) return { ...step, command: step.command.map(fill) };
  if ('http' in step) {
    const h = step.http;
    return {
      ...step,
      http: {
        ...h,
        url: fill(h.url),
        ...(h.headers ? { headers: Object.fromEntries(Object.entries(h.headers).map(([k, v]) => [k, fill(v)])) } : {}),
        ...(h.body !== undefined ? { body: fill(h.body) } : {}),
        ...(h.poll ? { poll: { ...h.poll, url: fill(h.poll.url) } } : {}),
      },
    };
  }
  if ('ssm' in step) {
    const t = step.targets;
    const lists = (record: Record<string, string[]>) => Object.fromEntries(Object.entries(record).map(([k, list]) => [k, list.map(fill)]));
    return {
      ...step,
      ...(step.parameters ? { parameters: lists(step.parameters) } : {}),
      ...(t ? { targets: 'instanceIds' in t ? { instanceIds: t.instanceIds.map(fill) } : { tags: lists(t.tags) } } : {}),
    };
  }
  if ('ecs' in step) {
    const filled: Record<string, string> = {};
    for (const f of ECS_FIELDS) if (step[f] !== undefined) filled[f] = fill(step[f]);
    return { ...step, ...filled };
  }
  return step;
}

/** One line for an unknown placeholder: what was written, and what exists. */
export function unknownPlaceholderMessage(names: string[]): string {
  const known = Object.keys(PLACEHOLDERS).map((n) => `{${n}}`).join(', ');
  return `unknown placeholder ${names.map((n) => `{${n}}`).join(', ')}; known: ${known} (write {{ and }} for literal braces)`;
}

import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit, type Document, type Node } from 'yaml';
import type * as z from 'zod/mini';
import { planSchemaAllowing, type Plan, type PlanAllowances } from './schema.js';
import { PlanError, type PlanProblem } from './plan-error.js';

// Plans are parsed with the yaml Document API rather than a plain YAML.parse so that every error can name
// the line, and so that we can see how a scalar was written (quoted or not) before it becomes a number.

export const MAX_PLAN_BYTES = 1024 * 1024;
const MAX_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Keys that hold software versions: they must be quoted strings, or YAML reads `1.20` as the number 1.2. */
const VERSION_KEY = /version$/i;

/** `allowances`: only for a sandbox run whose world declares a synthetic setting beyond AWS's limits. */
export function loadPlanFile(file: string, allowances: PlanAllowances = {}): Plan {
  let size: number;
  let text: string;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new PlanError(file, undefined, undefined, 'is a directory; give the plan file (plan.yaml or plan.json)');
    size = stat.size;
    if (size > MAX_PLAN_BYTES) throw new PlanError(file, undefined, undefined, `file is ${size} bytes; plans are limited to ${MAX_PLAN_BYTES}`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof PlanError) throw err;
    // The CLI prints the cause after the message: "cannot read plan: ENOENT: no such file or directory, ...".
    throw new PlanError(file, undefined, undefined, 'cannot read plan', { cause: err });
  }
  return parsePlan(text, file, allowances);
}

/** Parses YAML or JSON plan text. Throws PlanError naming file, line and field; never returns a half-valid plan. */
export function parsePlan(text: string, file = '<plan>', allowances: PlanAllowances = {}): Plan {
  const doc = parseSafeDocument(text, file);
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const result = planSchemaAllowing(allowances).safeParse(raw);
  if (!result.success) throw planErrorFromIssue(result.error.issues, doc, raw, text, file);
  return result.data;
}

/**
 * Parses text into a yaml Document after the checks that must happen before any value is built:
 * size, NUL bytes, syntax, nesting depth, forbidden keys, alias expansion, and quoted versions.
 */
export function parseSafeDocument(text: string, file: string): Document {
  if (text.length > MAX_PLAN_BYTES) throw new PlanError(file, undefined, undefined, `input is larger than ${MAX_PLAN_BYTES} bytes`);
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new PlanError(file, lineOf(text, nul), undefined, 'contains a NUL byte; plans are text');

  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    // logLevel error: the yaml library would otherwise print process warnings (complex keys) to stderr.
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2', logLevel: 'error' });
  } catch (err) {
    // The parser recurses on nesting; a stack overflow here is hostile input, not our bug.
    if (err instanceof RangeError) throw new PlanError(file, undefined, undefined, `nesting is deeper than ${MAX_DEPTH} levels`, { cause: err });
    throw err;
  }
  const firstError = doc.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line ?? lineOf(text, firstError.pos[0]);
    throw new PlanError(file, line, undefined, `invalid YAML: ${firstLine(firstError.message)}`);
  }
  if (doc.contents === null) throw new PlanError(file, 1, undefined, 'is empty; expected a plan mapping');
  if (!isMap(doc.contents)) throw new PlanError(file, 1, undefined, 'must be a mapping at the top level');

  checkDepth(doc.contents as Node, 0, file, text);
  visit(doc, {
    Pair(_, pair, path) {
      if (pair.key !== null && !isScalar(pair.key)) {
        throw new PlanError(file, lineAt(pair.key as Node, text), undefined, 'a key is a mapping or a list; keys must be plain names');
      }
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && FORBIDDEN_KEYS.has(key)) {
        throw new PlanError(file, lineAt(pair.key as Node, text), key, 'is a forbidden key (prototype pollution guard)');
      }
      const depth = path.filter((p) => isMap(p)).length;
      const isFormatVersion = key === 'version' && depth <= 1;
      if (key !== undefined && VERSION_KEY.test(key) && !isFormatVersion) {
        const value = pair.value as Node | null;
        const quoted =
          isScalar(value) &&
          typeof value.value === 'string' &&
          (value.type === Scalar.QUOTE_DOUBLE || value.type === Scalar.QUOTE_SINGLE);
        if (!quoted) {
          const shown = isScalar(value) ? String(value.source ?? value.value) : 'this value';
          throw new PlanError(
            file,
            lineAt((value ?? pair.key) as Node, text),
            fieldPath(path, key),
            `must be a quoted string: write "${shown}", not ${shown} (unquoted, YAML reads 6.20 as the number 6.2)`,
          );
        }
      }
    },
  });
  try {
    doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof ReferenceError || err instanceof RangeError) {
      throw new PlanError(file, undefined, undefined, `rejected: ${firstLine(err.message)} (YAML alias expansion is limited)`, { cause: err });
    }
    throw err;
  }
  return doc;
}

function checkDepth(node: Node, depth: number, file: string, text: string): void {
  if (depth > MAX_DEPTH) throw new PlanError(file, lineAt(node, text), undefined, `nesting is deeper than ${MAX_DEPTH} levels`);
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      if (isPair(item)) {
        if (item.value) checkDepth(item.value as Node, depth + 1, file, text);
      } else if (item) checkDepth(item as Node, depth + 1, file, text);
    }
  }
}

function fieldPath(path: readonly unknown[], key: string): string {
  const parts: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const node = path[i];
    if (isPair(node) && isScalar(node.key)) parts.push(String(node.key.value));
    else if (isSeq(node)) {
      const next = path[i + 1];
      const index = node.items.indexOf(next as never);
      if (index >= 0) parts.push(`[${index}]`);
    }
  }
  parts.push(key);
  return parts.join('.').replace(/\.\[/g, '[');
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function planErrorFromIssue(issues: z.core.$ZodIssue[], doc: Document, raw: unknown, text: string, file: string): PlanError {
  const problems = issues.map((issue) => problemOf(issue, doc, raw, text));
  const first = problems[0]!;
  return new PlanError(file, first.line, first.field, first.detail, { problems });
}

function problemOf(issue: z.core.$ZodIssue, doc: Document, raw: unknown, text: string): PlanProblem {
  let path = [...issue.path];
  let message = issue.message;
  const problem = (line: number | undefined, field: string | undefined, detail: string): PlanProblem => ({ ...(line !== undefined ? { line } : {}), ...(field ? { field } : {}), detail });
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const parent = doc.getIn(path, true) as Node | undefined;
    const known = knownKeys(path);
    const hint = closest(key, known);
    message = `unknown key "${key}"${hint && hint !== key ? ` (did you mean "${hint}"?)` : ''}`;
    path = [...path, key];
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    return problem(pair ? lineAt(pair.key as Node, text) : lineNear(doc, path, text), formatIssuePath(path), message);
  }
  if (issue.code === 'invalid_type' && valueAt(raw, path) === undefined) message = 'is required';
  return problem(lineNear(doc, path, text), formatIssuePath(path) || undefined, message);
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cursor = raw;
  for (const key of path) {
    if (cursor === null || typeof cursor !== 'object' || !Object.hasOwn(cursor, key)) return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[key];
  }
  return cursor;
}

/** The line of the deepest node on `path` that exists in the document. */
function lineNear(doc: Document, path: PropertyKey[], text: string): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return lineOf(text, node.range[0]);
  }
  return undefined;
}

function lineAt(node: Node, text: string): number | undefined {
  return node.range ? lineOf(text, node.range[0]) : undefined;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** Keys the schema accepts at `path`, for "did you mean" hints. */
function knownKeys(path: PropertyKey[]): string[] {
  const named = path.filter((p): p is string => typeof p === 'string');
  const last = named.at(-1);
  const byParent: Record<string, string[]> = {
    '': ['version', 'name', 'description', 'region', 'schedule', 'fleet', 'capacity', 'drain', 'maintenance', 'verify', 'reactivate'],
    fleet: ['listenerArn', 'ruleArn', 'clusters', 'locations'],
    locations: ['name', 'listenerArn', 'ruleArn', 'clusters'],
    clusters: ['name', 'targetGroupArn', 'cache'],
    cache: ['replicationGroupId'],
    capacity: ['maxOutOfService', 'minActiveClusters', 'minHealthyTargets'],
    drain: ['mode', 'minimum', 'timeout', 'quietMinutes'],
    verify: ['stableFor', 'timeout', 'maxMemoryPercent', 'maxReplicationLagSeconds', 'redis', 'canary'],
    reactivate: ['ramp', 'hold', 'max5xx', 'maxUnhealthyHosts'],
    schedule: ['cron', 'timezone', 'flexibleWindow'],
    maintenance: [
      'elasticache', 'name', 'method', 'nodeGroupId', 'targetPrimary', 'timeout', 'engineVersion', 'cacheNodeType',
      'cacheParameterGroupName', 'applyImmediately', 'nodes', 'serviceUpdateName', 'command', 'cwd', 'env', 'http', 'approval',
    ],
    redis: ['host', 'port', 'tls', 'username', 'authTokenEnv', 'authTokenSecretId', 'authTokenSecretKey', 'timeout', 'replicaCatchUp'],
    canary: ['path', 'protocol', 'headerName', 'requests', 'expectStatus', 'bodyMatch', 'timeout'],
    http: ['method', 'url', 'headers', 'body', 'expectStatus', 'timeout', 'poll'],
    poll: ['url', 'field', 'equals', 'interval', 'timeout'],
  };
  return byParent[last ?? ''] ?? [];
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

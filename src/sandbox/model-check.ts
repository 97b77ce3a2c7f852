// Checks every request the sandbox receives, every answer it gives and every error it throws against
// the service model the SDK clients themselves ship: the schemas exported by the @aws-sdk/client-*
// packages (read with @smithy/core's NormalizedSchema, as the SDK's own serializers read them). A
// request or answer that AWS's model does not allow is a bug in quiesce or in the sandbox: it fails
// loudly instead of being silently dropped by the SDK's serializer (request) or invented by the
// sandbox (answer).
//
// What the shipped schemas carry, and so what is checked: structure members (an unknown member is an
// error), required members (a structure schema lists them first and counts them), member types
// (string, number, boolean, timestamp as a Date, list, map, nested structure, union), and for errors
// the wire code, HTTP status and fault (`awsQueryError`, `httpError`, `error` traits). Enum values are
// not in the schema objects; they come from the same packages' declarations (model-enums.ts). What
// neither carries, and so is not checked here: length and range constraints (@length, @range),
// patterns, and integer versus floating-point numbers (all are one NUMERIC schema). The models'
// constraints are documented per operation in the API references, e.g.
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyListener.html.
import { NormalizedSchema } from '@smithy/core/schema';
import { enumOf } from './model-enums.js';
import { commonErrorTraits, modeledErrorTraits } from './sdk-errors.js';
import type { SandboxService } from './state.js';

/**
 * A problem found by a check: `path` is filled in by the callers on the way out, so that a value that fits
 * (nearly every value) costs no path string at all.
 */
interface Problem {
  path: Array<string | number>;
  text: string;
}

type Check = ((value: unknown, problems: Problem[]) => void) & {
  /** Set on the checks of strings, numbers and booleans, so that callers test those inline (the bulk of every answer). */
  fits?: (value: unknown) => boolean;
};

/** Problems reported per call, at most: the first few say what is wrong. */
const MAX_PROBLEMS = 10;

/** One compiled check per schema (structure, list, map or simple type), shared by every operation. */
const checks = new Map<unknown, Check>();

export interface OperationCheck {
  /** Problems with a command's input, as the SDK would serialize it; empty when it fits the model. */
  request(input: unknown): string[];
  /** Problems with what the sandbox answers, before `$metadata` is added; empty when it fits the model. */
  response(output: unknown): string[];
}

const operations = new WeakMap<object, OperationCheck>();

/**
 * The check for one operation, from its schema (`[9, namespace, name, traits, input, output]`, what the
 * SDK's command classes carry as `operationSchema`). Compiled once per operation and kept.
 */
export function operationCheck(operationSchema: unknown): OperationCheck {
  if (!Array.isArray(operationSchema) || operationSchema[0] !== 9) {
    throw new Error(`not an SDK operation schema: ${describe(operationSchema)}`);
  }
  const cached = operations.get(operationSchema);
  if (cached) return cached;
  const input = checkFor(NormalizedSchema.of(operationSchema[4]));
  const output = checkFor(NormalizedSchema.of(operationSchema[5]));
  const run = (check: Check, value: unknown): string[] => {
    const problems: Problem[] = [];
    check(value, problems);
    return problems.map((p) => `${formatPath(p.path)}: ${p.text}`);
  };
  const check: OperationCheck = { request: (value) => run(input, value), response: (value) => run(output, value) };
  operations.set(operationSchema, check);
  return check;
}

function formatPath(path: Array<string | number>): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (step.startsWith('[')) out += step;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

function checkFor(ns: NormalizedSchema): Check {
  const key = ns.getSchema();
  const known = checks.get(key);
  if (known) return known;
  // Recursive shapes: a reference to a shape being compiled goes through this indirection.
  let built: Check | undefined;
  checks.set(key, (value, problems) => (built as Check)(value, problems));
  built = compile(ns);
  checks.set(key, built);
  return built;
}

/** Runs a member's or an item's check, and puts `step` in front of the paths of the problems it found. */
function within(check: Check, value: unknown, step: string | number, problems: Problem[]): void {
  const before = problems.length;
  check(value, problems);
  for (let i = before; i < problems.length; i += 1) problems[i]!.path.unshift(step);
}

function compile(ns: NormalizedSchema): Check {
  const name = ns.getName() ?? 'value';
  if (ns.isUnitSchema()) return structure(name, new Map(), [], false);
  if (ns.isStructSchema()) {
    const members = new Map<string, Member>();
    const required: string[] = [];
    // A structure schema lists its required members first and counts them in its 7th slot.
    const shape = ns.getSchema() as unknown[];
    const requiredCount = typeof shape[6] === 'number' ? shape[6] : 0;
    let index = 0;
    const id = ns.getName(true) ?? name;
    for (const [memberName, member] of ns.structIterator()) {
      const values = enumOf(id, memberName);
      const check = (values ? enumCheck(member, values) : undefined) ?? checkFor(member);
      members.set(memberName, { check, fits: check.fits ?? null });
      // The SDK fills an idempotency token itself when it is missing.
      if (index < requiredCount && !member.isIdempotencyToken()) required.push(memberName);
      index += 1;
    }
    return structure(name, members, required, ns.isUnionSchema());
  }
  if (ns.isListSchema()) {
    const item = checkFor(ns.getValueSchema());
    const fits = item.fits;
    return (value, problems) => {
      if (!Array.isArray(value)) return wrong(problems, 'a list', value);
      for (let i = 0; i < value.length; i += 1) {
        if (fits === undefined || !fits(value[i])) within(item, value[i], i, problems);
      }
    };
  }
  if (ns.isMapSchema()) {
    const entry = checkFor(ns.getValueSchema());
    return (value, problems) => {
      if (!isPlainObject(value)) return wrong(problems, 'a map', value);
      for (const key of Object.keys(value)) within(entry, value[key], `[${JSON.stringify(key)}]`, problems);
    };
  }
  if (ns.isTimestampSchema()) {
    return (value, problems) => {
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) wrong(problems, 'a timestamp (a valid Date)', value);
    };
  }
  if (ns.isStringSchema()) return primitive((value) => typeof value === 'string', 'a string');
  if (ns.isBooleanSchema()) return primitive((value) => typeof value === 'boolean', 'a boolean');
  if (ns.isNumericSchema()) return primitive((value) => typeof value === 'number' && Number.isFinite(value), 'a finite number');
  if (ns.isBlobSchema()) {
    return (value, problems) => {
      if (!(value instanceof Uint8Array)) wrong(problems, 'a blob (Uint8Array)', value);
    };
  }
  // Documents, big numbers and streams appear in none of the operations the sandbox models; say so
  // loudly rather than let anything through.
  const unknown = String(ns.getName(true) ?? ns.getSchema());
  return (_value, problems) => add(problems, `the sandbox's model check does not know schema ${unknown}`);
}

/** A string member, or a list of strings, whose values must be those of its enum. */
function enumCheck(member: NormalizedSchema, values: ReadonlySet<string>): Check | undefined {
  const expected = `one of ${[...values].join(', ')}`;
  const item = primitive((value) => typeof value === 'string' && values.has(value), expected);
  if (member.isStringSchema()) return item;
  if (member.isListSchema() && member.getValueSchema().isStringSchema()) {
    return (value, problems) => {
      if (!Array.isArray(value)) return wrong(problems, 'a list', value);
      for (let i = 0; i < value.length; i += 1) within(item, value[i], i, problems);
    };
  }
  return undefined;
}

/** A structure member's check, and its inline test when it is a string, number or boolean. */
interface Member {
  check: Check;
  fits: ((value: unknown) => boolean) | null;
}

function structure(name: string, members: Map<string, Member>, required: string[], union: boolean): Check {
  return (value, problems) => {
    if (!isPlainObject(value)) return wrong(problems, `a ${name} structure`, value);
    let present = 0;
    for (const key in value) {
      const v = value[key];
      // The SDK's serializers skip members set to undefined, as if they were absent.
      if (v === undefined) continue;
      const member = members.get(key);
      if (member) {
        present += 1;
        if (member.fits === null || !member.fits(v)) within(member.check, v, key, problems);
      } else {
        add(problems, `${name} has no member ${key}`, key);
      }
    }
    for (const key of required) {
      if (value[key] === undefined) add(problems, `required member of ${name} is missing`, key);
    }
    if (union && present !== 1) add(problems, `union ${name} must set exactly one member, has ${present}`);
  };
}

function primitive(fits: (value: unknown) => boolean, expected: string): Check {
  const check: Check = (value, problems) => {
    if (!fits(value)) wrong(problems, expected, value);
  };
  check.fits = fits;
  return check;
}

function wrong(problems: Problem[], expected: string, value: unknown): void {
  add(problems, `expected ${expected}, got ${describe(value)}`);
}

function add(problems: Problem[], text: string, step?: string): void {
  if (problems.length < MAX_PROBLEMS) problems.push({ path: step === undefined ? [] : [step], text });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : 'a Date';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return isPlainObject(value) ? 'a structure' : `a ${value.constructor?.name ?? 'object'}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Problems with an error the sandbox throws: a modeled error must carry the wire code, HTTP status and
 * fault its schema declares; an error the models do not name must be one of AWS's common errors, with
 * the status AWS documents for it. Transport failures (no `$fault`) and the sandbox's own errors pass.
 */
export function errorProblems(service: SandboxService, error: unknown): string[] {
  if (!(error instanceof Error) || !('$fault' in error)) return [];
  const e = error as Error & { $fault?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
  const shapeId = (error.constructor as { shapeId?: unknown }).shapeId;
  const modeled = typeof shapeId === 'string' ? modeledErrorTraits(shapeId) : undefined;
  // A common error is thrown as the service's base exception, whose shape id is the SDK's synthetic one.
  const isBase = typeof shapeId === 'string' && shapeId.startsWith('smithy.ts.sdk.synthetic.');
  const expected = modeled ?? (isBase ? commonErrorTraits(e.name) : undefined);
  if (!expected) return [`${service} error ${e.name} is neither in the SDK's model nor one of AWS's common errors`];
  const problems: string[] = [];
  if (modeled && modeled.service !== service) problems.push(`${e.name} is a ${modeled.service} error, thrown by ${service}`);
  if (e.Code !== expected.code) problems.push(`${e.name}: wire code ${String(e.Code)}, the model says ${expected.code}`);
  const status = e.$metadata?.httpStatusCode;
  if (status !== expected.httpStatusCode) problems.push(`${e.name}: HTTP ${String(status)}, the model says ${expected.httpStatusCode}`);
  if (e.$fault !== expected.fault) problems.push(`${e.name}: fault ${String(e.$fault)}, the model says ${expected.fault}`);
  return problems;
}

/** A request, answer or error that does not fit the SDK's model of the service: a bug, never an AWS answer. */
export class SandboxModelError extends Error {
  constructor(service: SandboxService, command: string, direction: 'request' | 'response' | 'error', problems: string[], options?: ErrorOptions) {
    super(`${service} ${command} ${direction} does not fit the AWS SDK's model: ${problems.join('; ')}`, options);
    this.name = 'SandboxModelError';
  }
}

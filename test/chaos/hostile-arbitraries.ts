// Generators of hostile input for fast-check: valid inputs mutated as text (a token inserted, a range
// cut, lines swapped), mutated as structure (a value anywhere replaced by one of another type), and
// random bytes or JSON. Starting from valid inputs reaches deep into the validators; random input
// covers the parsers' edges.
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { EXAMPLE_PLAN_TEXT } from './hostile-corpus.js';

const TOKENS = [
  ':', ': ', '- ', '{', '}', '[', ']', ',', '&a ', '*a', '<<: *a', '!!binary ', '!!js/function ', '!Ref ', '\u0000', '\t', '\r', '\n', '\r\n',
  '__proto__: 1\n', 'constructor: { prototype: 1 }\n', '"6.20"', '6.20', '🚀', '\u202e', '\u001b[2J', '---\n', '...\n', '%YAML 1.1\n', '? ', '|\n',
  '>\n', '~', 'null', '.inf', '.nan', '1e999', '-0', '0x1F', '"', "'", '#', '@', '`', '%', '\\', 'version: 2\n', '  ', 'yes', 'no', '=', '!', '&', '*',
  '\ufeff', '\u2028', 'é', '"\\u0000"', '9007199254740993', '-1', '0', '""', '[]', '{}',
];

type TextMutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'replace'; at: number; length: number; text: string }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'indent'; line: number; by: number };

const snippet = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TOKENS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }) });

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: snippet }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }), text: snippet }),
  fc.record({ kind: fc.constant('duplicateLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), line: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);

function applyText(base: string, mutations: TextMutation[]): string {
  let text = base;
  for (const m of mutations) {
    const at = text.length ? ('at' in m ? m.at % (text.length + 1) : 0) : 0;
    const lines = text.split('\n');
    const line = (n: number) => n % Math.max(1, lines.length);
    switch (m.kind) {
      case 'insert':
        text = text.slice(0, at) + m.text + text.slice(at);
        break;
      case 'delete':
        text = text.slice(0, at) + text.slice(at + m.length);
        break;
      case 'replace':
        text = text.slice(0, at) + m.text + text.slice(at + m.length);
        break;
      case 'duplicateLine':
        lines.splice(line(m.line), 0, lines[line(m.line)] ?? '');
        text = lines.join('\n');
        break;
      case 'swapLines': {
        const [a, b] = [line(m.a), line(m.b)];
        [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
        text = lines.join('\n');
        break;
      }
      case 'indent': {
        const i = line(m.line);
        lines[i] = m.by >= 0 ? ' '.repeat(m.by) + (lines[i] ?? '') : (lines[i] ?? '').replace(new RegExp(`^ {0,${-m.by}}`), '');
        text = lines.join('\n');
        break;
      }
    }
  }
  return text;
}

/** A JSON-ish value of any type, to put where the schema expects another. */
const strangeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', ' ', '6.20', '__proto__', '\u0000', '🚀', [], {}, { __proto__: null }),
  fc.string({ maxLength: 20, unit: 'binary' }),
);

/** Replaces the value at a path chosen by `picks` (an index at each level) with `value`. */
function setSomewhere(root: unknown, picks: number[], value: unknown): unknown {
  if (picks.length === 0 || root === null || typeof root !== 'object') return value;
  const [pick, ...rest] = picks as [number, ...number[]];
  if (Array.isArray(root)) {
    if (root.length === 0) return [value];
    const copy = [...root];
    const i = pick % copy.length;
    copy[i] = setSomewhere(copy[i], rest, value);
    return copy;
  }
  const keys = Object.keys(root);
  if (keys.length === 0) return value;
  const key = keys[pick % keys.length]!;
  // An own "__proto__" key, as JSON.parse (not an object literal) would make it.
  const copy: Record<string, unknown> = JSON.parse(JSON.stringify(root));
  Object.defineProperty(copy, key, { value: setSomewhere((root as Record<string, unknown>)[key], rest, value), enumerable: true, writable: true, configurable: true });
  return copy;
}

const structural = (base: unknown) =>
  fc.record({ picks: fc.array(fc.nat(), { maxLength: 6 }), value: strangeValue, asJson: fc.boolean() }).map(({ picks, value, asJson }) => {
    const mutated = setSomewhere(base, picks, value);
    return asJson ? JSON.stringify(mutated) : stringify(mutated);
  });

/** Text that is, or is close to, a file of the given valid example. */
export function hostileText(base: string): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(textMutation, { minLength: 1, maxLength: 6 }).map((ms) => applyText(base, ms)) },
    { weight: 3, arbitrary: structural(parse(base)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? '') },
  );
}

export const hostilePlanText = (): fc.Arbitrary<string | Uint8Array> => hostileText(EXAMPLE_PLAN_TEXT);

/** A world file using every event kind, for the crash-sweep plan's clusters. */
export const EXAMPLE_WORLD_TEXT = `seed: 7
defaults:
  targets: 3
  deregistrationDelay: "20s"
  healthCheck: { interval: "5s", healthyThreshold: 2, unhealthyThreshold: 2 }
  cache: { engineVersion: "7.0", memoryPercent: 40 }
clusters:
  blue: { targets: 4, tags: { team: payments } }
elbv2: { registrationDelay: "5s", staleReads: "0s", throttle: { describe: { bucket: 40, refillPerSecond: 10 } } }
elasticache:
  timings: { failover: "20s", modify: "60s" }
  engineVersions: { redis: ["7.0", "7.1"] }
cloudwatch: { publishDelay: "60s" }
traffic: { ratePerSecond: 100, requestDuration: "200ms" }
events:
  - { at: "90s", manualWeight: { cluster: blue, weight: 0 } }
  - { at: "0s", failoverNoop: { replicationGroupId: payments-green } }
  - { from: "1m", to: "2m", throttle: { service: elbv2, rate: 2 } }
  - { from: "-5m", to: "3m", targetUnhealthy: { cluster: gray, count: 1 } }
  - { at: "-2m", memory: { replicationGroupId: payments-gray, percent: 85 } }
  - { from: "4m", to: "5m", crashLoop: { cluster: green } }
  - { at: "0s", versionReported: { replicationGroupId: payments-blue, engineVersion: "7.10" } }
  - { from: "0s", to: "1h", apiFault: { service: elasticache, operation: DescribeEvents, kind: http503, rate: 0.05 } }
  - { from: "6m", to: "7m", staleReads: { service: elbv2, seconds: 5 } }
  - { from: "6m", to: "7m", slowReads: { service: cloudwatch, seconds: 20 } }
  - { from: "8m", to: "9m", targetFlap: { cluster: green, count: 1, period: "60s" } }
`;

export const hostileWorldText = (): fc.Arbitrary<string | Uint8Array> => hostileText(EXAMPLE_WORLD_TEXT);

/** Lambda events: every valid shape mutated, and anything at all. */
export function hostileEvent(planDocument: Record<string, unknown>): fc.Arbitrary<unknown> {
  const valid = [
    { action: 'start', plan: planDocument, idempotencyKey: 'nightly-2026-01-05', sandbox: true },
    { action: 'advance', runId: 'run-0123456789abcdef0123' },
    { action: 'approve', runId: 'run-0123456789abcdef0123', by: 'alice' },
    { action: 'abort', runId: 'run-0123456789abcdef0123', by: 'alice', reason: 'change freeze' },
    { action: 'status', runId: 'run-0123456789abcdef0123' },
  ];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...valid).chain((event) => fc.record({ picks: fc.array(fc.nat(), { maxLength: 6 }), value: strangeValue }).map(({ picks, value }) => setSomewhere(event, picks, value))) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );
}

// The hand-written corpus of nasty inputs (issue 8.3). Each entry says what it tries; the generated ones
// (huge, deep, bombs) are built here rather than stored, so the repository stays small.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './child-cli.js';

export interface Nasty {
  name: string;
  content: string | Uint8Array;
}

export const EXAMPLE_PLAN_TEXT = readFileSync(join(ROOT, 'examples/payments.plan.yaml'), 'utf8');

const replaceOnce = (from: string, to: string) => {
  if (!EXAMPLE_PLAN_TEXT.includes(from)) throw new Error(`the example plan no longer contains ${JSON.stringify(from)}`);
  return EXAMPLE_PLAN_TEXT.replace(from, to);
};

function deep(levels: number, open: string, close: string, leaf = '1'): string {
  return `${open.repeat(levels)}${leaf}${close.repeat(levels)}`;
}

function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\nversion: 1\n`;
}

export function nastyPlans(): Nasty[] {
  return [
    { name: 'empty file', content: '' },
    { name: 'only a comment', content: '# nothing here\n' },
    { name: 'only whitespace and a BOM', content: '\ufeff   \n\t\n' },
    { name: 'a scalar, not a mapping', content: 'hello\n' },
    { name: 'a list at the top', content: '- version: 1\n' },
    { name: 'JSON null', content: 'null' },
    { name: 'huge file (over the 1 MiB limit)', content: `${EXAMPLE_PLAN_TEXT}\n# ${'x'.repeat(1024 * 1024)}\n` },
    { name: 'one very long line under the limit', content: `${EXAMPLE_PLAN_TEXT}\ndescription: "${'y'.repeat(900_000)}"\n` },
    { name: 'deep nesting, flow sequences', content: `version: 1\nname: ${deep(5000, '[', ']')}\n` },
    { name: 'deep nesting, flow mappings', content: `version: 1\nname: ${deep(5000, '{a: ', '}')}\n` },
    { name: 'deep nesting, block mappings', content: Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n' },
    { name: 'deep nesting, JSON', content: `{"version": 1, "name": ${deep(100_000, '[', ']')}}` },
    { name: 'YAML alias bomb (billion laughs)', content: aliasBomb(9) },
    { name: 'YAML alias bomb inside a plan field', content: replaceOnce('name: payments-core', `name: &n payments-core\ndescription: [*n, *n, *n, *n, *n, *n]\nx: ${aliasBomb(7).replace(/\n/g, ' ')}`) },
    { name: 'a self-referencing alias', content: 'a: &a [*a]\n' },
    { name: 'merge key bomb', content: 'a: &a {x: 1}\nb: &b {<<: [*a, *a, *a]}\nc: {<<: [*b, *b, *b]}\nversion: 1\n' },
    { name: '__proto__ at the top', content: `__proto__: { polluted: true }\n${EXAMPLE_PLAN_TEXT}` },
    { name: '__proto__ in a cluster', content: replaceOnce('    - name: blue\n', '    - name: blue\n      __proto__: { isAdmin: true }\n') },
    { name: 'constructor.prototype', content: `constructor: { prototype: { polluted: true } }\n${EXAMPLE_PLAN_TEXT}` },
    { name: '__proto__ as a quoted key', content: `"__proto__": { polluted: true }\n${EXAMPLE_PLAN_TEXT}` },
    { name: '__proto__ in JSON', content: '{"__proto__": {"polluted": true}, "version": 1, "name": "x"}' },
    { name: 'prototype pollution through a step env', content: replaceOnce('  - elasticache: failover', '  - command: ["true"]\n    env: { __proto__: { x: "1" } }\n  - elasticache: failover') },
    { name: 'unquoted version 6.20', content: replaceOnce('engineVersion: "7.1"', 'engineVersion: 6.20') },
    { name: 'version as a number in JSON', content: JSON.stringify({ version: 1, name: 'x', region: 'us-east-1', fleet: { listenerArn: 'a', clusters: [] }, maintenance: [{ elasticache: 'modify', engineVersion: 6.2 }] }) },
    { name: 'plan version as a string', content: replaceOnce('version: 1', 'version: "1"') },
    { name: 'plan version 2', content: replaceOnce('version: 1', 'version: 2') },
    { name: 'wrong types everywhere', content: replaceOnce('maxOutOfService: 1', 'maxOutOfService: [1]').replace('minimum: 60s', 'minimum: 60').replace('ramp: [10, 50, 100]', 'ramp: "10,50,100"') },
    { name: 'a boolean where a list goes', content: replaceOnce('  clusters:\n', '  clusters: yes\n  x:\n') },
    { name: 'NaN and infinities', content: replaceOnce('maxOutOfService: 1', 'maxOutOfService: .nan').replace('minActiveClusters: 2', 'minActiveClusters: .inf') },
    { name: 'a number too large for a double', content: replaceOnce('maxOutOfService: 1', `maxOutOfService: 1${'0'.repeat(400)}`) },
    { name: 'negative and fractional counts', content: replaceOnce('maxOutOfService: 1', 'maxOutOfService: -1.5') },
    { name: 'durations without units, negative, absurd', content: replaceOnce('timeout: 15m', 'timeout: -15m').replace('hold: 1m', 'hold: 99999999999999h') },
    { name: 'NUL byte in a value', content: replaceOnce('name: payments-core', 'name: pay\u0000ments') },
    { name: 'NUL bytes everywhere', content: EXAMPLE_PLAN_TEXT.split('').join('\u0000') },
    { name: 'invalid UTF-8 bytes', content: Buffer.concat([Buffer.from(EXAMPLE_PLAN_TEXT.slice(0, 50)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]), Buffer.from(EXAMPLE_PLAN_TEXT.slice(50))]) },
    { name: 'UTF-16 with a BOM', content: Buffer.from(`\ufeff${EXAMPLE_PLAN_TEXT}`, 'utf16le') },
    { name: 'right-to-left override and zero-width characters in a name', content: replaceOnce('name: blue', 'name: "bl\u202eeu\u200b"') },
    { name: 'terminal escape sequences in a key', content: `"\u001b[2J\u001b[31mpwned\u001b[0m": 1\n${EXAMPLE_PLAN_TEXT}` },
    { name: 'carriage return in a key', content: `"fake\rquiesce: all good": 1\n${EXAMPLE_PLAN_TEXT}` },
    { name: 'newline in a key', content: `"line one\\nline two": 1\n${EXAMPLE_PLAN_TEXT}` },
    { name: 'emoji and homoglyph keys', content: replaceOnce('region: us-east-1', 'rеgion: us-east-1\n🚀: launch') },
    { name: 'a key 100 000 characters long', content: `${'k'.repeat(100_000)}: 1\n${EXAMPLE_PLAN_TEXT}` },
    { name: 'duplicate keys', content: replaceOnce('name: payments-core', 'name: payments-core\nname: other') },
    { name: 'two documents', content: `${EXAMPLE_PLAN_TEXT}\n---\n${EXAMPLE_PLAN_TEXT}` },
    { name: 'YAML 1.1 directive and tags', content: `%YAML 1.1\n---\n${replaceOnce('name: payments-core', 'name: !!binary aGVsbG8=')}` },
    { name: 'a JavaScript-function tag', content: replaceOnce('name: payments-core', 'name: !!js/function "function () { return process.exit(1) }"') },
    { name: 'an unknown custom tag', content: replaceOnce('name: payments-core', 'name: !Ref Something') },
    { name: 'tabs for indentation', content: EXAMPLE_PLAN_TEXT.replace(/^ {2}/gm, '\t') },
    { name: 'CRLF line ends', content: EXAMPLE_PLAN_TEXT.replace(/\n/g, '\r\n').replace('version: 1', 'version: 2') },
    { name: 'unterminated quote', content: replaceOnce('engineVersion: "7.1"', 'engineVersion: "7.1') },
    { name: 'unterminated flow mapping', content: replaceOnce('cache: { replicationGroupId: payments-blue }', 'cache: { replicationGroupId: payments-blue') },
    { name: 'ARN of another region and a forged partition', content: EXAMPLE_PLAN_TEXT.replace(/arn:aws:elasticloadbalancing:us-east-1/g, 'arn:aws-cn:elasticloadbalancing:eu-west-1') },
    { name: 'shell metacharacters in a command step', content: replaceOnce('  - elasticache: failover', '  - command: "rm -rf / ; echo $(id)"\n  - elasticache: failover') },
    { name: 'a URL with credentials and a file scheme', content: replaceOnce('  - elasticache: failover', '  - http: { url: "file:///etc/passwd" }\n  - elasticache: failover') },
    { name: 'an auth token in the plan', content: replaceOnce('  maxMemoryPercent: 80', '  maxMemoryPercent: 80\n  redis: { authToken: "hunter2" }') },
    { name: 'binary garbage', content: Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256) },
  ];
}

const VALID_WORLD = 'defaults:\n  deregistrationDelay: "20s"\nevents:\n  - { at: "90s", memory: { replicationGroupId: payments-blue, percent: 50 } }\n';

export function nastyWorlds(): Nasty[] {
  return [
    { name: 'empty world (valid: every default)', content: '' },
    { name: 'a list at the top', content: '- seed: 1\n' },
    { name: 'a scalar', content: 'world\n' },
    { name: 'YAML alias bomb', content: aliasBomb(9).replace('version: 1\n', '') },
    { name: 'alias bomb in events', content: `x: &x [${Array.from({ length: 9 }, () => '{at: "1s", crashLoop: {cluster: blue}}').join(', ')}]\nevents: [*x, *x]\n` },
    { name: 'deep nesting', content: `defaults: ${deep(5000, '{a: ', '}')}\n` },
    { name: 'deep JSON', content: `{"events": ${deep(100_000, '[', ']')}}` },
    { name: 'huge file', content: `${VALID_WORLD}# ${'z'.repeat(2 * 1024 * 1024)}\n` },
    { name: '__proto__ at the top', content: `__proto__: { polluted: true }\n${VALID_WORLD}` },
    { name: '__proto__ as a cluster name', content: 'clusters:\n  __proto__: { targets: 2 }\n' },
    { name: 'constructor as a cluster name', content: 'clusters:\n  constructor: { targets: 2 }\n' },
    { name: '__proto__ in tags', content: 'defaults:\n  tags: { __proto__: { polluted: "yes" } }\n' },
    { name: 'unknown cluster in an event', content: 'events:\n  - { at: "0s", crashLoop: { cluster: bleu } }\n' },
    { name: 'unknown cluster override', content: 'clusters:\n  purple: { targets: 2 }\n' },
    { name: 'unknown replication group', content: 'events:\n  - { at: "0s", failoverNoop: { replicationGroupId: nope } }\n' },
    { name: 'unquoted engine version', content: 'defaults:\n  cache: { engineVersion: 6.20 }\n' },
    { name: 'an event with two kinds', content: 'events:\n  - { at: "0s", crashLoop: { cluster: blue }, memory: { replicationGroupId: payments-blue, percent: 5 } }\n' },
    { name: 'an event before the history', content: 'events:\n  - { at: "-2h", crashLoop: { cluster: blue } }\n' },
    { name: 'an event window ending before it starts', content: 'events:\n  - { from: "10m", to: "1m", crashLoop: { cluster: blue } }\n' },
    { name: 'durations without units', content: 'defaults:\n  deregistrationDelay: 300\n' },
    { name: 'absurd numbers', content: 'traffic: { ratePerSecond: 1e308, stickyFraction: 2 }\n' },
    { name: 'NaN rate', content: 'traffic: { ratePerSecond: .nan }\n' },
    { name: 'negative seed and a date in year 275760', content: 'seed: -1\nstartAt: "+275760-09-13T00:00:00Z"\n' },
    { name: 'a target count past the limit', content: 'defaults: { targets: 100000 }\n' },
    { name: 'NUL byte', content: `${VALID_WORLD}\u0000` },
    { name: 'terminal escapes in a key', content: `"\u001b]0;owned\u0007": 1\n` },
    { name: 'invalid UTF-8', content: Buffer.from([0x65, 0x76, 0x65, 0x6e, 0x74, 0x73, 0x3a, 0x20, 0xff, 0xfe, 0x0a]) },
    { name: 'a JavaScript-function tag', content: 'seed: !!js/function "function () {}"\n' },
    { name: 'binary garbage', content: Uint8Array.from({ length: 4096 }, (_, i) => (i * 104729 + 7) % 256) },
  ];
}

/** Lambda events, as EventBridge Scheduler, Step Functions or a person with `aws lambda invoke` could send them. */
export function nastyEvents(examplePlanDocument: Record<string, unknown>): Array<{ name: string; event: unknown }> {
  const withPlan = (plan: unknown) => ({ action: 'start', plan, idempotencyKey: 'k' });
  return [
    { name: 'undefined', event: undefined },
    { name: 'null', event: null },
    { name: 'a string', event: 'start' },
    { name: 'a number', event: 42 },
    { name: 'an array', event: [{ action: 'start' }] },
    { name: 'no action', event: {} },
    { name: 'unknown action', event: { action: 'launch' } },
    { name: 'action of the wrong type', event: { action: ['start'] } },
    { name: '__proto__ (JSON.parse makes it an own key)', event: JSON.parse('{"action":"status","runId":"r","__proto__":{"polluted":true}}') },
    { name: 'constructor key', event: { action: 'status', runId: 'r', constructor: { prototype: { polluted: true } } } },
    { name: 'a run id with a path', event: { action: 'advance', runId: '../../etc/passwd' } },
    { name: 'a run id with NUL', event: { action: 'status', runId: 'run\u0000x' } },
    { name: 'a huge run id', event: { action: 'status', runId: 'r'.repeat(1_000_000) } },
    { name: 'approve without by', event: { action: 'approve', runId: 'r' } },
    { name: 'abort with a 1 MB reason', event: { action: 'abort', runId: 'r', by: 'x', reason: 'x'.repeat(1_000_000) } },
    { name: 'start without a plan', event: { action: 'start', idempotencyKey: 'k' } },
    { name: 'start with a plan that is a string', event: withPlan('version: 1') },
    { name: 'start with an unquoted-version plan', event: withPlan({ ...examplePlanDocument, maintenance: [{ elasticache: 'modify', engineVersion: 6.2 }] }) },
    { name: 'start with __proto__ in the plan', event: withPlan(JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(examplePlanDocument).slice(1)}`)) },
    { name: 'start with a deeply nested plan', event: withPlan(JSON.parse(deep(5000, '{"a":', '}'))) },
    { name: 'start with an empty idempotency key', event: { action: 'start', plan: examplePlanDocument, idempotencyKey: '' } },
    { name: 'start with a huge idempotency key', event: { action: 'start', plan: examplePlanDocument, idempotencyKey: 'k'.repeat(100_000) } },
    { name: 'start with sandbox as a string', event: { action: 'start', plan: examplePlanDocument, idempotencyKey: 'k', sandbox: 'yes' } },
    { name: 'extra keys', event: { action: 'status', runId: 'r', extra: true } },
    { name: 'unicode run id', event: { action: 'status', runId: 'rün-🚀' } },
  ];
}

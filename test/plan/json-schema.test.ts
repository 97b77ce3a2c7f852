import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkElbArn, elbArnPattern, parseArn, type ElbResourceType } from '../../src/plan/arn.js';
import { DURATION_JSON_PATTERN, parseDuration } from '../../src/duration.js';
import { PLAN_SCHEMA_FILE, planJsonSchemaText } from '../../src/plan/json-schema.js';
import { parsePlan } from '../../src/plan/load.js';
import { ROOT, runCli } from '../e2e/cli-harness.js';

// The plan's JSON Schema, for editors: generated from the zod schema, committed, named by every example
// plan, and in agreement with `quiesce validate` on the common mistakes.

const SCHEMA_PATH = join(ROOT, PLAN_SCHEMA_FILE);
const EXAMPLE_PLANS = ['examples', 'examples/seeds'].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.plan.yaml'))
    .map((f) => join(ROOT, dir, f)),
);
const EXAMPLE = readFileSync(join(ROOT, 'examples/payments.plan.yaml'), 'utf8');
const RUNBOOK = readFileSync(join(ROOT, 'examples/runbook.plan.yaml'), 'utf8');

// Strict (an unknown keyword is an error), except strictRequired: `required` in if/anyOf/not names
// properties the enclosing schema defines, a standard JSON Schema idiom that option refuses; and union
// types (`type: [string, number, boolean]`), which zod writes for a union of primitives.
const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
addFormats.default(ajv);
const validateSchema = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);

/** The JSON Schema's verdict on plan text, as an editor reads it (YAML 1.2, like the plan loader). */
function schemaErrors(text: string): string[] {
  return validateSchema(parse(text, { version: '1.2' })) ? [] : validateSchema.errors!.map((e) => `${e.instancePath} ${e.message}`);
}

function quiesceAccepts(text: string): boolean {
  try {
    parsePlan(text, 'plan.yaml');
    return true;
  } catch {
    return false;
  }
}

function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe('the plan JSON Schema', () => {
  it(`is current: ${PLAN_SCHEMA_FILE} is what src/plan/json-schema.ts generates (else run \`npm run schema\` and commit it)`, () => {
    const committed = readFileSync(SCHEMA_PATH, 'utf8');
    expect(committed === planJsonSchemaText(), `${PLAN_SCHEMA_FILE} is out of date: run \`npm run schema\` and commit the result`).toBe(true);
  });

  it('is named in the first line of every example plan, by a path that leads to it', () => {
    expect(EXAMPLE_PLANS.length).toBeGreaterThanOrEqual(8);
    for (const file of EXAMPLE_PLANS) {
      const first = readFileSync(file, 'utf8').split('\n')[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(m, `${file}: first line ${first}`).not.toBeNull();
      expect(resolve(dirname(file), m![1]!), file).toBe(SCHEMA_PATH);
    }
  });

  it('accepts every example plan, as quiesce validate does with the schema line in place', async () => {
    for (const file of EXAMPLE_PLANS) {
      expect(schemaErrors(readFileSync(file, 'utf8')), file).toEqual([]);
      const r = await runCli(['validate', file]);
      expect(r.code, `${file}: ${r.stderr}`).toBe(0);
    }
  });

  // Each mistake: quiesce validate refuses it, and so does an editor with the schema.
  const MISTAKES: [string, string][] = [
    ['an unquoted version (6.20 reads as the number 6.2)', edit(EXAMPLE, 'engineVersion: "7.1"', 'engineVersion: 6.20')],
    ['an unknown key (a typo)', edit(EXAMPLE, 'maxOutOfService: 1', 'maxOutOfSevice: 1')],
    ['an unknown key in a step', edit(EXAMPLE, 'applyImmediately: true', 'applyImmediately: true\n    applyNow: true')],
    ['a duration without a unit', edit(EXAMPLE, 'minimum: 60s', 'minimum: 60')],
    ['a duration as a quoted bare number', edit(EXAMPLE, 'minimum: 60s', 'minimum: "60"')],
    ['a duration in words', edit(EXAMPLE, 'timeout: 15m', 'timeout: fifteen minutes')],
    ['a target group ARN where the listener goes', edit(EXAMPLE, 'listener/app/payments/50dc6c495c0c9188/f2f7dc8efc522ab2', 'targetgroup/payments-blue/73e2d6bc24d8a067')],
    ['a malformed ARN', edit(EXAMPLE, 'targetgroup/payments-blue/73e2d6bc24d8a067', 'targetgroup/payments-blue')],
    ['a ramp that does not reach 100', edit(EXAMPLE, 'ramp: [10, 50, 100]', 'ramp: [10, 50]')],
    ['a ramp step above 100', edit(EXAMPLE, 'ramp: [10, 50, 100]', 'ramp: [10, 150, 100]')],
    ['applyImmediately: false', edit(EXAMPLE, 'applyImmediately: true', 'applyImmediately: false')],
    ['a modify that changes nothing', edit(EXAMPLE, '    engineVersion: "7.1"\n', '')],
    ['an engine switch without its version', edit(EXAMPLE, '    engineVersion: "7.1"\n', '    engine: valkey\n')],
    ['an engine switch to redis', edit(EXAMPLE, '    engineVersion: "7.1"\n', '    engine: redis\n    engineVersion: "7.1"\n')],
    ['an unknown ElastiCache action', edit(EXAMPLE, 'elasticache: failover', 'elasticache: upgrade')],
    ['a step of no known kind', edit(EXAMPLE, '  - elasticache: failover', '  - script: ./patch.sh')],
    ['a cluster without a cache when a step is ElastiCache', edit(EXAMPLE, '      cache: { replicationGroupId: payments-blue }\n', '')],
    ['plan format version 2', edit(EXAMPLE, 'version: 1', 'version: 2')],
    ['a region that is not one', edit(EXAMPLE, 'region: us-east-1', 'region: virginia')],
    ['a missing maintenance', EXAMPLE.replace(/\nmaintenance:[\s\S]*?\nverify:/, '\nverify:')],
    ['an http step to a non-http URL', edit(EXAMPLE, '  - elasticache: failover', '  - http: { url: "ftp://ops.example.com/drain" }\n  - elasticache: failover')],
    ['an ecs step with a task definition family but no revision', edit(EXAMPLE, '  - elasticache: failover', '  - { ecs: deploy, cluster: payments, service: "api-{cluster}", taskDefinition: "payments-api" }\n  - elasticache: failover')],
    ['an ssm step with maxErrors as a word', edit(EXAMPLE, '  - elasticache: failover', '  - { ssm: AWS-RunPatchBaseline, maxErrors: "none" }\n  - elasticache: failover')],
    ['a command as a shell string', edit(RUNBOOK, /command: \[[^\]]*\]/.exec(RUNBOOK)![0], 'command: "./patch.sh --all"')],
    ['a canary header name with a space', edit(RUNBOOK, 'canary:', 'canary:\n    headerName: "X Quiesce"')],
    [
      'both an AUTH token variable and a secret',
      edit(EXAMPLE, 'verify:\n', 'verify:\n  redis: { authTokenEnv: REDIS_TOKEN, authTokenSecretId: prod/redis }\n'),
    ],
    [
      'six clusters behind one forward action',
      edit(
        EXAMPLE,
        '      cache: { replicationGroupId: payments-gray }\n',
        '      cache: { replicationGroupId: payments-gray }\n' +
          ['c4', 'c5', 'c6']
            .map((n, i) => `    - name: ${n}\n      targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-${n}/${String(i + 4).padStart(16, '0')}\n      cache: { replicationGroupId: payments-${n} }\n`)
            .join(''),
      ),
    ],
  ];

  it.each(MISTAKES)('rejects %s, as quiesce validate does', (_, text) => {
    expect(quiesceAccepts(text), 'quiesce validate accepts it').toBe(false);
    expect(schemaErrors(text), 'the JSON Schema accepts it').not.toEqual([]);
  });

  // And what quiesce accepts, the schema accepts: no false alarms in an editor.
  const VARIANTS: [string, string][] = [
    ['a patch-level version', edit(EXAMPLE, 'engineVersion: "7.1"', 'engineVersion: "7.1.2"')],
    ['an engine switch to Valkey with its parameter group', edit(EXAMPLE, 'engineVersion: "7.1"', 'engine: valkey\n    engineVersion: "8.0"\n    cacheParameterGroupName: payments-valkey8')],
    ['a duration in parts, with spaces around', edit(EXAMPLE, 'minimum: 60s', 'minimum: " 1m30s "')],
    ['a two-step ramp', edit(EXAMPLE, 'ramp: [10, 50, 100]', 'ramp: [25, 100]')],
    ['minHealthyTargets as a percentage', edit(EXAMPLE, 'maxOutOfService: 1', 'maxOutOfService: 1\n  minHealthyTargets: "60%"')],
    ['a reboot of the replicas and a service update', edit(EXAMPLE, '  - elasticache: failover', '  - elasticache: reboot\n    nodes: replicas\n  - elasticache: service-update\n    serviceUpdateName: elasticache-20240101-001\n  - elasticache: failover')],
    ['an http step with a poll', edit(EXAMPLE, '  - elasticache: failover', '  - http: { url: "https://ops.example.com/drain", expectStatus: [200, 202], poll: { url: "https://ops.example.com/status", field: state, equals: done, interval: 5s } }\n  - elasticache: failover')],
    ['an approval as a mapping', edit(EXAMPLE, '  - elasticache: failover', '  - approval: { message: go ahead? }\n  - elasticache: failover')],
    ['the plan as JSON', JSON.stringify(parse(EXAMPLE, { version: '1.2' }))],
  ];

  it.each(VARIANTS)('accepts %s, as quiesce validate does', (_, text) => {
    expect(quiesceAccepts(text), 'quiesce validate refuses it').toBe(true);
    expect(schemaErrors(text)).toEqual([]);
  });

  // The patterns say what the plan's checks say (JSON Schema matches them with the u flag).
  it('has a duration pattern that accepts exactly what parseDuration does', () => {
    const samples = ['90s', '1h30m', '500ms', ' 15m ', '2d', '0s', '1h0m0s', '15', '1.5h', '', '1h 30m', 'ms', '1x', '-5s', '15M', '\t90s\n'];
    for (const text of samples) expect(new RegExp(DURATION_JSON_PATTERN, 'u').test(text), JSON.stringify(text)).toBe(parseDuration(text) !== undefined);
  });

  it('has ARN patterns that accept exactly what the plan check does in the ARN\'s own region', () => {
    const lb = 'app/payments/50dc6c495c0c9188';
    const samples = [
      `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/${lb}/f2f7dc8efc522ab2`,
      `arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:listener/${lb}/f2f7dc8efc522ab2`,
      `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/${lb}/f2f7dc8efc522ab2/9683b2d02a6cabee`,
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/payments-blue/73e2d6bc24d8a067',
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-blue',
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-blue/73E2D6BC24D8A067',
      `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${'x'.repeat(33)}/73e2d6bc24d8a067`,
      'arn:aws:elasticloadbalancing:us-east-1:12345678901:targetgroup/payments-blue/73e2d6bc24d8a067',
      'arn:aws:elasticache:us-east-1:123456789012:targetgroup/payments-blue/73e2d6bc24d8a067',
      'arn:azure:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-blue/73e2d6bc24d8a067',
      `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/payments/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/${lb}/f2f7dc8efc522ab2/extra`,
      'payments-blue',
    ];
    for (const type of ['listener', 'listener-rule', 'targetgroup'] as ElbResourceType[]) {
      for (const arn of samples) {
        const checked = checkElbArn(arn, type, parseArn(arn)?.region ?? 'us-east-1') === undefined;
        expect(new RegExp(elbArnPattern(type), 'u').test(arn), `${type}: ${arn}`).toBe(checked);
      }
    }
  });
});

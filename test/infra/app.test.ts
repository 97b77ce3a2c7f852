import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, inlineWaitFromContext, networkFromContext, resolvePlanFiles } from '../../infra/build-app.js';
import { flexibleWindow, scheduleName } from '../../infra/constructs/plan-schedules.js';
import { deployedPlanFromText, loadDeployedPlan, stackEnvironment } from '../../infra/deployed-plan.js';
import { actionsOf, allStatements, mutatingOnStar, resourcesOf } from './iam-statements.js';
import { executionInput } from '../../infra/execution-input.js';
import { EXAMPLE_PLAN, REPO_ROOT } from '../../infra/paths.js';
import { ConfigError } from '../../src/errors.js';
import { NIGHTLY_ORDERS, REAL_HANDLER_EXISTS, examplePlan, handlerSource, nightlyOrders } from './fixtures.js';

const exampleText = () => readFileSync(EXAMPLE_PLAN, 'utf8');

describe('resolvePlanFiles', () => {
  it('takes -c plans=a,b relative to the working directory', () => {
    expect(resolvePlanFiles('x.plan.yaml, sub/y.plan.yaml', '/nonexistent', '/srv/ops')).toEqual(['/srv/ops/x.plan.yaml', '/srv/ops/sub/y.plan.yaml']);
  });

  it('reads every plan file of infra/plans/ in name order, else falls back to the example', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-plans-'));
    expect(resolvePlanFiles(undefined, dir)).toEqual([EXAMPLE_PLAN]);
    for (const f of ['b.plan.yaml', 'a.plan.json', 'notes.md']) writeFileSync(join(dir, f), '');
    expect(resolvePlanFiles(undefined, dir)).toEqual([join(dir, 'a.plan.json'), join(dir, 'b.plan.yaml')]);
    expect(resolvePlanFiles(undefined, join(dir, 'missing'))).toEqual([EXAMPLE_PLAN]);
  });

  it('refuses an empty list', () => {
    expect(() => resolvePlanFiles(' , ')).toThrow(ConfigError);
  });
});

describe('stackEnvironment', () => {
  it('takes account and region from the plans', () => {
    expect(stackEnvironment([examplePlan(), nightlyOrders()])).toEqual({ account: '123456789012', region: 'us-east-1' });
  });

  it('refuses plans in different regions, naming them', () => {
    const eu = deployedPlanFromText(exampleText().replaceAll('us-east-1', 'eu-west-1').replace('payments-core', 'payments-eu'), 'eu.plan.yaml');
    expect(() => stackEnvironment([examplePlan(), eu])).toThrow(/must share a region.*us-east-1 \(.*payments\.plan\.yaml\); eu-west-1 \(eu\.plan\.yaml\)/);
  });

  it('refuses plans in different accounts', () => {
    const other = deployedPlanFromText(exampleText().replaceAll('123456789012', '210987654321').replace('payments-core', 'other'), 'other.plan.yaml');
    expect(() => stackEnvironment([examplePlan(), other])).toThrow(/one account/);
  });

  it('refuses two plans with one name (their scheduled idempotency keys would collide)', () => {
    expect(() => stackEnvironment([examplePlan(), examplePlan()])).toThrow(/both named "payments-core"/);
  });

  it('refuses an empty list', () => {
    expect(() => stackEnvironment([])).toThrow(/no plans/);
  });
});

describe('schedule settings', () => {
  it('maps flexibleWindow to whole minutes, or OFF', () => {
    expect(flexibleWindow(undefined, 'p')).toEqual({ mode: 'OFF' });
    expect(flexibleWindow(15 * 60_000, 'p')).toEqual({ mode: 'FLEXIBLE', maximumWindowInMinutes: 15 });
    expect(() => flexibleWindow(90_000, 'p')).toThrow(/whole number of minutes/);
    expect(() => flexibleWindow(25 * 3_600_000, 'p')).toThrow(/24h/);
  });

  it('names schedules within 64 characters', () => {
    expect(scheduleName('nightly')).toBe('quiesce-nightly');
    const long = 'x'.repeat(63);
    expect(scheduleName(long)).toBe(long);
  });
});

describe('networkFromContext', () => {
  it('takes comma lists of subnets and security groups, both or neither', () => {
    expect(networkFromContext(undefined, undefined)).toBeUndefined();
    expect(networkFromContext('subnet-a, subnet-b', 'sg-1')).toEqual({ subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] });
    expect(() => networkFromContext('subnet-a', undefined)).toThrow(/both/);
  });
});

describe('inlineWaitFromContext', () => {
  it('takes whole seconds from 0 to 600 and refuses anything else in one line', () => {
    expect(inlineWaitFromContext(undefined)).toBeUndefined();
    expect(inlineWaitFromContext('10')).toBe(10);
    expect(inlineWaitFromContext(0)).toBe(0);
    expect(() => inlineWaitFromContext('1m')).toThrow(/whole number of seconds from 0 to 600, got "1m"/);
    expect(() => inlineWaitFromContext('601')).toThrow(/0 to 600/);
  });
});

describe('executionInput', () => {
  it('carries the plan as written and the caller key', () => {
    const nightly = nightlyOrders();
    expect(executionInput(nightly, 'k-1')).toEqual({ plan: nightly.document, idempotencyKey: 'k-1' });
  });
});

describe('buildApp', () => {
  it('reads plans from context and builds one stack in their account and region', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-ctx-'));
    mkdirSync(join(dir, 'plans'));
    writeFileSync(join(dir, 'plans', 'nightly.plan.yaml'), NIGHTLY_ORDERS);
    const { stack } = buildApp({
      // Bundling is covered by stack.test.ts; skip it here.
      appProps: { context: { plans: `${EXAMPLE_PLAN},${join(dir, 'plans', 'nightly.plan.yaml')}`, 'aws:cdk:bundling-stacks': [] } },
      stack: { handler: handlerSource() },
    });
    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('us-east-1');
    Template.fromStack(stack).resourceCountIs('AWS::Scheduler::Schedule', 1);
  });

  it.skipIf(!REAL_HANDLER_EXISTS)('synthesizes offline with `npx tsx infra/synth.ts` and prints the template path', () => {
    const out = mkdtempSync(join(tmpdir(), 'quiesce-cdk-out-'));
    const printed = execFileSync('npx', ['tsx', 'infra/synth.ts', '-o', out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DEFAULT_ACCOUNT: '', AWS_PROFILE: 'quiesce-no-such-profile' },
    });
    const path = printed.trim().split('\n').at(-1)!;
    expect(path.endsWith('Quiesce.template.json')).toBe(true);
    expect(existsSync(join(out, 'Quiesce.template.json'))).toBe(true);
  }, 120_000);

  it('refuses a plan with a command step in one line naming the step and suggesting ssm, before building anything', () => {
    const withCommand = deployedPlanFromText(exampleText().replace('  - elasticache: failover', '  - name: patch the hosts\n    command: ["./patch.sh", "{cluster}"]\n  - elasticache: failover'), 'ops.plan.yaml');
    let error: unknown;
    try {
      buildApp({ plans: [withCommand], appProps: { context: { 'aws:cdk:bundling-stacks': [] } }, stack: { handler: handlerSource() } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^ops\.plan\.yaml: maintenance\[0\] \("patch the hosts"\) is a command step, which the deployed engine \(Lambda\) cannot run; .*an ssm step/);
  });

  it.skipIf(!REAL_HANDLER_EXISTS)('`npx tsx infra/synth.ts` with a command-step plan exits 2 with that one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-cmd-plan-'));
    const file = join(dir, 'ops.plan.yaml');
    writeFileSync(file, exampleText().replace('  - elasticache: failover', '  - command: ["./patch.sh"]\n  - elasticache: failover'));
    let status: number | null = null;
    let stderr = '';
    try {
      execFileSync('npx', ['tsx', 'infra/synth.ts', '-c', `plans=${file}`, '-o', join(dir, 'out')], { cwd: REPO_ROOT, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, CDK_DEFAULT_ACCOUNT: '' } });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = (err as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/maintenance\[0\] is a command step.*ssm/);
  }, 120_000);

  it('grants the ssm and ecs plans SendCommand, CancelCommand and UpdateService on named resources only, never "*"', () => {
    const plans = ['examples/patch-instances.plan.yaml', 'examples/ecs-deploy.plan.yaml'].map((f) => loadDeployedPlan(join(REPO_ROOT, f)));
    const { stack } = buildApp({ plans, appProps: { context: { 'aws:cdk:bundling-stacks': [] } }, stack: { handler: handlerSource() } });
    const template = Template.fromStack(stack);
    const granted = new Map<string, unknown[]>();
    for (const { statement } of allStatements(template)) {
      for (const action of actionsOf(statement)) granted.set(action, [...(granted.get(action) ?? []), ...resourcesOf(statement)]);
    }
    expect(new Set(granted.get('ssm:SendCommand'))).toEqual(new Set(['arn:aws:ssm:us-east-1::document/AWS-RunPatchBaseline', 'arn:aws:ec2:us-east-1:123456789012:instance/*']));
    expect(granted.get('ssm:CancelCommand')).toEqual(['arn:aws:ec2:us-east-1:123456789012:instance/*']);
    expect(new Set(granted.get('ecs:UpdateService'))).toEqual(new Set(['blue', 'green'].map((c) => `arn:aws:ecs:us-east-1:123456789012:service/payments/payments-${c}`)));
    expect(mutatingOnStar(template).filter((line) => /\b(ssm|ecs):/.test(line))).toEqual([]);
  });
});

// Operating a deployed run from a laptop: status, report, review --run, approve and abort with --table
// (or --stack, the table found in the stack's outputs) against a real local DynamoDB (dynalite), the run
// driven by the Lambda handler over a sandbox world. Approve and abort only record the decision; the run's
// next advance takes it up.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sandboxConnector } from '../../src/connect/index.js';
import { createHandler, type HandlerResult } from '../../src/lambda/handler.js';
import { createDynamoStore } from '../../src/store/dynamo-store.js';
import { createFileStore } from '../../src/store/file-store.js';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite.js';
import { ROOT, runCli } from './cli-harness.js';

const logger = pino({ level: 'silent' });
const worlds = mkdtempSync(join(tmpdir(), 'quiesce-remote-'));
let dynamo: LocalDynamo;
let env: Record<string, string>;

beforeAll(async () => {
  dynamo = await startDynalite();
  // The CLI resolves credentials and region as against AWS; the endpoint is the SDK's own override.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  env = { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint };
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo?.stop();
});

/** The deployed handler over the local table: a fresh one for each invocation, as Lambda may. */
async function invoke(event: unknown): Promise<HandlerResult> {
  const handler = createHandler({
    store: createDynamoStore({ client: dynamo.newClient(), tableName: dynamo.tableName }),
    logger,
    connect: sandboxConnector({ logger, worldPath: (r) => join(worlds, `${r.runId}.world.json`) }),
    inlineWaitMs: 600_000,
  });
  return handler(event, { awsRequestId: 'req' });
}

async function advanceUntil(runId: string, statuses: string[]): Promise<HandlerResult> {
  for (let i = 0; i < 200; i++) {
    const result = await invoke({ action: 'advance', runId });
    if (statuses.includes(result.status!)) return result;
  }
  throw new Error(`run ${runId} never reached ${statuses.join('/')}`);
}

const runbook = () => parse(readFileSync(join(ROOT, 'examples/runbook.plan.yaml'), 'utf8'));

describe('remote operation against a deployed stack\'s table', () => {
  it('status, approve (recorded, then taken up by the next advance), report and review --run with --table', async () => {
    const started = await invoke({ action: 'start', plan: runbook(), idempotencyKey: 'remote-approve' });
    const runId = started.runId!;
    const paused = await advanceUntil(runId, ['paused', 'done', 'held']);
    expect(paused.status).toBe('paused');

    const list = await runCli(['status', '--table', dynamo.tableName, '--json'], env);
    expect(list.code).toBe(0);
    expect(list.json.runs).toEqual([expect.objectContaining({ runId, status: 'paused', planName: 'payments-runbook' })]);
    const one = await runCli(['status', runId, '--table', dynamo.tableName], env);
    expect(one.stdout).toContain(`run ${runId} (payments-runbook): paused`);
    expect(one.stdout).toContain('on-call confirms the patch before the failover');

    const t0 = Date.now();
    const approve = await runCli(['approve', runId, '--table', dynamo.tableName, '--by', 'alice'], env);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(`approval of ${runId} recorded in table ${dynamo.tableName}`);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // Recorded only: the run is still paused until its driver's next advance.
    expect((await runCli(['status', runId, '--table', dynamo.tableName, '--json'], env)).json.status).toBe('paused');

    // The next advance takes the approval up; the second cluster pauses at its own approval step.
    const again = await advanceUntil(runId, ['paused', 'done', 'held']);
    expect(again.status).toBe('paused');
    expect(again.clusters!.find((c) => c.name === 'green')!.state).toBe('paused');
    // The first approval is not taken twice: polling without a new approval stays paused.
    expect((await invoke({ action: 'advance', runId })).status).toBe('paused');
    // Through the Lambda too: recorded, returned at once with the run's status.
    const viaLambda = await invoke({ action: 'approve', runId, by: 'bob' });
    expect(viaLambda).toEqual({ runId, status: 'paused', reason: expect.stringContaining('approval by bob recorded') });
    const done = await advanceUntil(runId, ['done', 'held', 'paused']);
    expect(done.status).toBe('done');

    const report = await runCli(['report', runId, '--table', dynamo.tableName], env);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('approved by alice');
    expect(report.stdout).toContain('approved by bob');
    const review = await runCli(['review', 'examples/runbook.plan.yaml', '--plan-only', '--run', runId, '--table', dynamo.tableName], env);
    expect(review.code).toBe(0);
    expect(review.stdout).toContain(runId);
  });

  it('approve of a run that is not paused is bad input (exit 2), and records nothing', async () => {
    const started = await invoke({ action: 'start', plan: runbook(), idempotencyKey: 'remote-not-paused' });
    const approve = await runCli(['approve', started.runId!, '--table', dynamo.tableName], env);
    expect(approve.code).toBe(2);
    expect(approve.stderr).toContain('is running, not paused: there is nothing to approve');
  });

  it('abort with --stack: the table comes from the stack outputs; the next advance ends the run safely', async () => {
    const cloudformation = mockClient(CloudFormationClient);
    cloudformation.on(DescribeStacksCommand, { StackName: 'Quiesce' }).resolves({
      Stacks: [{ StackName: 'Quiesce', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'TableName', OutputValue: dynamo.tableName }] }],
    });
    // DescribeStacks answers a stack that does not exist with ValidationError.
    cloudformation.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    try {
      const started = await invoke({ action: 'start', plan: runbook(), idempotencyKey: 'remote-abort' });
      const runId = started.runId!;
      expect((await advanceUntil(runId, ['paused', 'done', 'held'])).status).toBe('paused');
      const abort = await runCli(['abort', runId, '--stack', 'Quiesce', '--by', 'carol', '--reason', 'traffic spike'], env);
      expect(abort.code).toBe(0);
      expect(abort.stdout).toContain(`abort of ${runId} recorded in table ${dynamo.tableName}`);
      const ended = await advanceUntil(runId, ['aborted', 'held', 'done']);
      expect(ended.status).not.toBe('done');
      const status = await runCli(['status', runId, '--stack', 'Quiesce', '--json'], env);
      expect(status.json.status).toBe(ended.status);
      const missing = await runCli(['status', '--stack', 'Nope'], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe('quiesce: no stack Nope in us-east-1: Stack with id Nope does not exist\n');
    } finally {
      cloudformation.restore();
    }
  });
});

describe('one writer per listener, everywhere', () => {
  it('a CLI run against AWS with --table is refused (exit 4) while a deployed run holds the listener, and changes nothing', async () => {
    const plan = parse(readFileSync(join(ROOT, 'examples/payments.plan.yaml'), 'utf8'));
    const started = await invoke({ action: 'start', plan: { ...plan, maintenance: [{ approval: 'hold the listener' }, ...plan.maintenance] }, idempotencyKey: 'deployed-holds-listener' });
    expect((await advanceUntil(started.runId!, ['paused', 'done', 'held'])).status).toBe('paused');

    const cli = await runCli(['run', 'examples/payments.plan.yaml', '--table', dynamo.tableName, '--run-id', 'run-laptop'], env);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain(`another run holds the lock on ${plan.fleet.listenerArn}: run ${started.runId} (parked:${started.runId})`);
    expect(cli.stderr).not.toContain('note: no --table');
    // The refused run never started: it changed nothing and says so.
    const status = await runCli(['status', 'run-laptop', '--table', dynamo.tableName, '--json'], env);
    expect(status.json.status).toBe('aborted');
    // A rehearsal touches only its own world, so its lock is that world's listener (issue 20): the deployed
    // run's lock does not stop it, and it does not stop the deployed run.
    const rehearsal = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', '--table', dynamo.tableName, '--run-id', 'run-laptop-sandbox'], env);
    expect(rehearsal.code, rehearsal.stderr).toBe(0);
    await invoke({ action: 'abort', runId: started.runId, by: 'test' });
    await advanceUntil(started.runId!, ['aborted', 'held', 'done']);
  });

  it('without a table, a run against AWS says once that only runs sharing its state directory are excluded', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'quiesce-no-table-'));
    const plan = parse(readFileSync(join(ROOT, 'examples/payments.plan.yaml'), 'utf8')) as { fleet: { listenerArn: string } };
    // Another run against AWS sharing this state directory holds the listener.
    const taken = await createFileStore(stateDir).acquireLock(plan.fleet.listenerArn, 'run-first', '4242@elsewhere', 600_000, Date.now());
    expect(taken.acquired).toBe(true);
    const second = await runCli(['run', 'examples/payments.plan.yaml', '--state-dir', stateDir, '--run-id', 'run-second'], env);
    expect(second.code).toBe(4);
    const notes = second.stderr.split('\n').filter((l) => l.includes('note: no --table or --stack'));
    expect(notes).toEqual([`quiesce: note: no --table or --stack: the lock on this listener excludes only runs sharing ${stateDir}, not a deployed stack's runs or another machine's`]);
  });
});

// docs/aws.md, "Operate a run", run as written: every command of the section, in order. The stack is
// synthesized for real (infra/synth.ts); "deploy" reads the synthesized template: its state machine runs in
// a local Step Functions interpreter with the real handler, its table is a local DynamoDB (dynalite), its
// AWS the sandbox. `aws stepfunctions start-execution` starts that state machine; the quiesce commands run
// as the CLI (in-process, in a scratch directory) with --stack resolved through DescribeStacks (mocked:
// the stack's TableName output names the local table). When an execution pauses, the doc's next commands
// run until one answers it, as an operator would.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aslDefinition, type AslDefinition } from '../../infra/asl.js';
import { REPO_ROOT } from '../../infra/paths.js';
import { main } from '../../src/cli/main.js';
import { sandboxConnector } from '../../src/connect/index.js';
import { createHandler, type HandlerResult } from '../../src/lambda/handler.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { HISTORY_MS, saveWorld, worldFromFile } from '../../src/sandbox/index.js';
import { createDynamoStore } from '../../src/store/dynamo-store.js';
import { createRunTable, startDynalite, type LocalDynamo } from '../helpers/dynalite.js';
import { runLocally } from '../helpers/local-sfn.js';

const logger = pino({ level: 'silent' });
const DOC = readFileSync(join(REPO_ROOT, 'docs/aws.md'), 'utf8');
const SECTION = DOC.slice(DOC.indexOf('## Operate a run'), DOC.indexOf('\n## ', DOC.indexOf('## Operate a run') + 1));
/** The first run of the section: blue fails verification (one target unhealthy until 40 minutes in) and is held. */
const HELD_RUN = 'run-3cde1ffbfb6e70d937bb';

/** Every command of the section's sh blocks, in order, as argv (double quotes group words). */
function commands(): string[][] {
  const blocks = [...SECTION.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => [...l.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!));
}

let dynamo: LocalDynamo;
let dir: string;
const cloudformation = mockClient(CloudFormationClient);

beforeAll(async () => {
  dynamo = await startDynalite();
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  dir = mkdtempSync(join(tmpdir(), 'quiesce-operating-doc-'));
  for (const d of ['examples', 'infra']) symlinkSync(join(REPO_ROOT, d), join(dir, d));
  mkdirSync(join(dir, 'worlds'));
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  cloudformation.restore();
  await dynamo?.stop();
});

describe('docs/aws.md: Operate a run', () => {
  it('names only files that exist', () => {
    const paths = [...SECTION.matchAll(/\b((?:examples|infra|src|docs|test)\/[\w./-]+\.\w+)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
  });

  it('every command runs, in order, against local Step Functions, dynalite and the sandbox', async () => {
    const queue = commands();
    expect(queue.length).toBeGreaterThanOrEqual(15);
    let definition: AslDefinition | undefined;
    let tableName: string | undefined;
    const ran: string[] = [];
    const outputs = new Map<string, { code: number; stdout: string; stderr: string }>();

    const quiesce = async (argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(argv, {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        stderrIsTTY: false,
        stdoutIsTTY: false,
        env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
        cwd: dir,
      });
      return { code, stdout, stderr };
    };

    const handler = () =>
      createHandler({
        store: createDynamoStore({ client: dynamo.newClient(), tableName: tableName! }),
        logger,
        connect: sandboxConnector({ logger, worldPath: (r) => join(dir, 'worlds', `${r.runId}.json`) }),
        inlineWaitMs: 600_000,
      });

    /** Runs the doc's next commands until one answers a paused run (approve or abort). */
    const answerPause = async (runId: string) => {
      for (;;) {
        const next = queue.shift();
        if (!next) throw new Error(`run ${runId} paused and the doc has no command left to answer it`);
        const wakes = next[1] === 'quiesce' && (next[2] === 'approve' || next[2] === 'abort');
        await run(next);
        if (wakes) return;
      }
    };

    const startExecution = async (argv: string[]) => {
      const input = JSON.parse(readFileSync(join(dir, argv[argv.indexOf('--input') + 1]!.replace('file://', '')), 'utf8'));
      const invoke = async (event: unknown) => {
        const result: HandlerResult = await handler()(event, { awsRequestId: 'req' });
        if (result.status === 'paused') await answerPause(result.runId!);
        return result as never;
      };
      try {
        const { output } = await runLocally(definition!, input, invoke);
        return output.run.status!;
      } catch (err) {
        // Held and aborted runs end their execution in Fail (RunStopped): the error is the status.
        if (!(err instanceof Error) || err.name !== 'ExecutionError' || !(err.cause instanceof Error)) throw err;
        return err.cause.name;
      }
    };

    async function run(argv: string[]): Promise<void> {
      const line = argv.join(' ');
      ran.push(line);
      if (process.env.QUIESCE_DOC_TEST_TRACE) console.log(`${new Date().toISOString()} $ ${line}`);
      if (line.startsWith('npx tsx infra/')) {
        const redirect = argv.indexOf('>');
        const args = redirect >= 0 ? argv.slice(2, redirect) : argv.slice(2);
        const child = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), args, { cwd: dir, encoding: 'utf8' });
        expect(child.status, `${line}\n${child.stderr}`).toBe(0);
        if (redirect >= 0) writeFileSync(join(dir, argv[redirect + 1]!), child.stdout);
        return;
      }
      if (line === 'npx aws-cdk@latest deploy --app cdk.out') {
        // "Deploy" the synthesized template: its state machine, and its table (named as its output says).
        const templates = readdirSync(join(dir, 'cdk.out')).filter((f) => f.endsWith('.template.json'));
        expect(templates).toEqual(['Quiesce.template.json']);
        const template = JSON.parse(readFileSync(join(dir, 'cdk.out', templates[0]!), 'utf8'));
        expect(template.Outputs.TableName).toBeDefined();
        expect(Object.values(template.Resources as Record<string, { Type: string }>).some((r) => r.Type === 'AWS::Events::Rule')).toBe(true);
        definition = aslDefinition(template);
        tableName = await createRunTable(dynamo.client, 'Quiesce-RunsTable');
        cloudformation.on(DescribeStacksCommand, { StackName: 'Quiesce' }).resolves({
          Stacks: [{ StackName: 'Quiesce', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'TableName', OutputValue: tableName }] }],
        });
        // The world the first run meets: one of blue's targets fails its health checks from 3 to 40 minutes in.
        const world = join(dir, 'worlds', 'blue-unhealthy.world.yaml');
        writeFileSync(world, 'events:\n  - { from: "3m", to: "40m", targetUnhealthy: { cluster: blue, count: 1 } }\n');
        saveWorld(worldFromFile(loadPlanFile(join(REPO_ROOT, 'examples/approval.plan.yaml')), world, { historyMs: HISTORY_MS }), join(dir, 'worlds', `${HELD_RUN}.json`));
        return;
      }
      if (line.startsWith('aws stepfunctions start-execution ')) {
        outputs.set(line, { code: 0, stdout: await startExecution(argv), stderr: '' });
        return;
      }
      if (argv[0] === 'npx' && argv[1] === 'quiesce') {
        const out = await quiesce(argv.slice(2));
        expect(out.code, `${line}\n${out.stdout}${out.stderr}`).toBe(0);
        outputs.set(line, out);
        return;
      }
      throw new Error(`the doc test does not know how to run: ${line}`);
    }

    while (queue.length) await run(queue.shift()!);

    // What the doc says happened, happened.
    const out = (prefix: string) => [...outputs].filter(([l]) => l.startsWith(prefix)).map(([, o]) => o);
    expect(out('npx quiesce status --stack Quiesce')[0]!.stdout).toMatch(new RegExp(`${HELD_RUN}\\s+payments-approval\\s+paused`));
    expect(out('npx quiesce approve')[0]!.stdout).toContain(`approval of ${HELD_RUN} recorded in table Quiesce-RunsTable`);
    expect(out('aws stepfunctions start-execution --state-machine-arn $SM --name payments-approval-2026-03-01 ')[0]!.stdout).toBe('held');
    expect(out(`npx quiesce report ${HELD_RUN} --stack Quiesce`)[0]!.stdout).toContain(`quiesce reinstate ${HELD_RUN} blue`);
    expect(out('npx quiesce reinstate')[0]!.stdout).toContain(`reinstatement of blue of ${HELD_RUN} recorded`);
    const afterReinstate = out(`npx quiesce status ${HELD_RUN}`).at(-1)!.stdout;
    expect(afterReinstate).toMatch(/blue\s+done/);
    expect(afterReinstate).toContain('blue reinstated: verified and back in rotation; left untouched: green');
    expect(out('npx quiesce abort')[0]!.stdout).toContain('abort of run-72bde595a62b94110cd1 recorded');
    expect(out('npx quiesce status run-72bde595a62b94110cd1')[0]!.stdout).toMatch(/run run-72bde595a62b94110cd1 \(payments-approval\): (held|aborted)/);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('| Reinstated | blue by alice |');
    expect(readFileSync(join(dir, 'review.html'), 'utf8')).toContain(HELD_RUN);
    expect(ran).toHaveLength(commands().length);
  }, 600_000);
});

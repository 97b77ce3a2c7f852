// The deployed loop, locally: the Step Functions definition the CDK app synthesizes, run by
// aws-local-stepfunctions (as test/e2e/step-functions.test.ts does), its Lambda tasks answered by the real
// handler, the store a local DynamoDB (dynalite), AWS the sandbox. Counts state transitions (every
// StateEntered is one billed transition) and estimates the Lambda time spent waiting inside invocations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import pino from 'pino';
import { aslDefinition } from '../../infra/asl.js';
import { loadDeployedPlan, stackEnvironment } from '../../infra/deployed-plan.js';
import { EXAMPLE_PLAN } from '../../infra/paths.js';
import { QuiesceStack } from '../../infra/quiesce-stack.js';
import { createHandler, type HandlerResult } from '../../src/lambda/handler.js';
import { sandboxConnector } from '../../src/connect/index.js';
import { createDynamoStore } from '../../src/store/dynamo-store.js';
import { startDynalite } from '../../test/helpers/dynalite.js';
import { runLocally } from '../../test/helpers/local-sfn.js';

/** us-east-1 Standard workflows, per state transition. */
export const USD_PER_TRANSITION = 0.025 / 1000;

export interface SfnMeasure {
  inlineWaitMs: number;
  status: string;
  transitions: number;
  invocations: number;
  clusters: number;
  /** Virtual time from the first to the last journal entry. */
  runMs: number;
  /** Time Step Functions waited between invocations (the sum of waitSeconds). */
  waitedMs: number;
  /** Virtual time one invocation spanned (waits done inline), longest and total. */
  longestInvocationMs: number;
  inlineMs: number;
  /** Every wait handed back to Step Functions, in seconds, in order. */
  waits: number[];
  wallMs: number;
}

export async function measureStepFunctions(inlineWaits: number[]): Promise<SfnMeasure[]> {
  const deployed = loadDeployedPlan(EXAMPLE_PLAN);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const definition = aslDefinition(new QuiesceStack(app, 'BenchLocal', { plans: [deployed], env: stackEnvironment([deployed]) }));
  const worlds = mkdtempSync(join(tmpdir(), 'quiesce-bench-sfn-'));
  const logger = pino({ level: 'silent' });
  const out: SfnMeasure[] = [];
  try {
    for (const [index, inlineWaitMs] of inlineWaits.entries()) {
      // A table of its own: an earlier run in the store would give this one priors (learned durations).
      const dynamo = await startDynalite();
      try {
        const started = performance.now();
        let invocations = 0;
        let waitedMs = 0;
        let longestInvocationMs = 0;
        let inlineMs = 0;
        let lastWaitMs = 0;
        const waits: number[] = [];
        const readStore = createDynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
        // A fresh handler, store client and connector for every invocation, as separate Lambda invocations would have.
        const invoke = async (input: unknown) => {
          invocations++;
          const handler = createHandler({
            store: createDynamoStore({ client: dynamo.newClient(), tableName: dynamo.tableName }),
            logger,
            connect: sandboxConnector({ logger, worldPath: (r) => join(worlds, `${r.runId}.world.json`) }),
            inlineWaitMs,
          });
          const runId = (input as { runId?: string }).runId;
          // Only a run that already ran has a virtual updatedAt (a new record carries the real creation time).
          const record = runId ? await readStore.loadRun(runId) : undefined;
          const before = record?.snapshot !== undefined ? record.updatedAt : undefined;
          const result: HandlerResult = await handler(input, { awsRequestId: `bench-${invocations}` });
          const after = runId ? (await readStore.loadRun(runId))?.updatedAt : undefined;
          if (before !== undefined && after !== undefined) {
            // The invocation first moves the clock to where the previous one asked to resume; the rest it waited inline.
            const inline = Math.max(0, after - before - lastWaitMs);
            longestInvocationMs = Math.max(longestInvocationMs, inline);
            inlineMs += inline;
          }
          lastWaitMs = result.status === 'running' ? (result.waitSeconds ?? 0) * 1000 : 0;
          if (lastWaitMs > 0) waits.push(lastWaitMs / 1000);
          waitedMs += lastWaitMs;
          return result as never;
        };
        // One run per measurement, even when two measure the same value.
        const { output, transitions } = await runLocally(definition, { plan: deployed.document, idempotencyKey: `bench-inline-${inlineWaitMs}-${index}` }, invoke);
        const journal = await createDynamoStore({ client: dynamo.client, tableName: dynamo.tableName }).readJournal(output.run.runId!);
        out.push({
          inlineWaitMs,
          status: output.run.status ?? 'unknown',
          transitions,
          invocations,
          clusters: deployed.plan.fleet.clusters.length,
          runMs: journal.at(-1)!.at - journal[0]!.at,
          waitedMs,
          longestInvocationMs,
          inlineMs,
          waits,
          wallMs: performance.now() - started,
        });
      } finally {
        await dynamo.stop();
      }
    }
  } finally {
    rmSync(worlds, { recursive: true, force: true });
  }
  return out;
}

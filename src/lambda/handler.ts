import { createHash } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { planSchema } from '../plan/schema.js';
import type { Connection, DriveResult } from '../run/engine.js';
import type { RunRecord, RunStore } from '../store/run-store.js';

// The Lambda entry point for Step Functions, EventBridge Scheduler and on-demand calls. An invocation
// advances a run until it must wait, persists, and returns: Step Functions does the waiting, so no
// invocation comes near Lambda's 900 s limit. A bad event gets an error result, never a crash.

export interface HandlerDeps {
  store: RunStore;
  logger: Logger;
  connect(record: RunRecord): Promise<Connection>;
  now?(): number;
  /**
   * Longest wait done inside one invocation instead of returning to Step Functions; default 0. driveRun
   * does not bound how many such waits one invocation chains: with the run's 10 s polls and any value of
   * 10 s or more, one `advance` waits out a whole cache operation (28 minutes in the benchmark) and Lambda
   * kills it at its timeout. Raise it only once an invocation's total time is bounded (docs/performance.md).
   */
  inlineWaitMs?: number;
}

const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a run id such as run-20260105-090000Z-abc123');
const by = z.string().min(1).max(200);

const eventSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('start'), plan: z.unknown(), idempotencyKey: z.string().min(1).max(512), sandbox: z.boolean().optional() }),
  z.strictObject({ action: z.literal('advance'), runId }),
  z.strictObject({ action: z.literal('approve'), runId, by }),
  z.strictObject({ action: z.literal('abort'), runId, by, reason: z.string().max(1000).optional() }),
  z.strictObject({ action: z.literal('status'), runId }),
]);

export type QuiesceEvent = z.infer<typeof eventSchema>;

export interface HandlerResult {
  runId?: string;
  status?: string;
  waitSeconds?: number;
  reason?: string;
  clusters?: Array<{ name: string; state: string; reason?: string }>;
  error?: { code: 'BadRequest' | 'NotFound' | 'Conflict'; message: string };
}

/** Every wait goes back to Step Functions: an invocation never sleeps on purpose (see HandlerDeps.inlineWaitMs). */
export const DEFAULT_INLINE_WAIT_MS = 0;

/** While another run holds the listener, an execution waits this long and asks again. */
const LOCK_RETRY_SECONDS = 60;

export function createHandler(deps: HandlerDeps) {
  const now = deps.now ?? Date.now;
  return async (raw: unknown, context?: { awsRequestId?: string }): Promise<HandlerResult> => {
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) return badRequest(parsed.error.issues[0]!);
    const event = parsed.data;
    const owner = `lambda:${context?.awsRequestId ?? 'local'}`;
    // Engine modules load on first use: the cold start stays small for events that fail validation.
    const engine = await import('../run/engine.js');
    const engineDeps = { store: deps.store, logger: deps.logger, connect: deps.connect, owner };
    try {
      switch (event.action) {
        case 'start': {
          const plan = planSchema.safeParse(event.plan);
          if (!plan.success) return badRequest(plan.error.issues[0]!, 'plan');
          const id = `run-${createHash('sha256').update(`${plan.data.name}\u0000${event.idempotencyKey}`).digest('hex').slice(0, 20)}`;
          const { record, created } = await engine.createRun(engineDeps, {
            runId: id,
            plan: plan.data,
            target: event.sandbox ? { kind: 'sandbox' } : { kind: 'aws', region: plan.data.region },
            idempotencyKey: event.idempotencyKey,
            now: now(),
          });
          deps.logger.info({ runId: record.runId, created, status: record.status }, created ? 'run created' : 'duplicate start: existing run returned');
          return { runId: record.runId, status: record.status, waitSeconds: 0 };
        }
        case 'advance':
        case 'approve': {
          const result = await engine.driveRun(engineDeps, event.runId, {
            until: 'wait',
            inlineWaitMs: deps.inlineWaitMs ?? DEFAULT_INLINE_WAIT_MS,
            ...(event.action === 'approve' ? { operator: { type: 'APPROVE' as const, by: event.by } } : {}),
          });
          return report(deps.logger, result);
        }
        case 'abort': {
          await engine.requestAbort(engineDeps, event.runId, event.by, event.reason ?? 'aborted through Lambda', now());
          const result = await engine.driveRun(engineDeps, event.runId, { until: 'wait', inlineWaitMs: deps.inlineWaitMs ?? DEFAULT_INLINE_WAIT_MS });
          return report(deps.logger, result);
        }
        case 'status': {
          const record = await deps.store.loadRun(event.runId);
          if (!record) return { error: { code: 'NotFound', message: `no run ${event.runId}` } };
          const view = engine.viewOfRecord(record);
          return { runId: view.runId, status: view.status, ...(view.reason ? { reason: view.reason } : {}), clusters: view.clusters };
        }
      }
    } catch (err) {
      if (err instanceof engine.LockHeldError) {
        // Another execution drives this listener: wait and ask again rather than both mutating.
        deps.logger.info({ status: 'running', holder: err.holder }, err.message);
        return { ...('runId' in event ? { runId: event.runId } : {}), status: 'running', waitSeconds: LOCK_RETRY_SECONDS, reason: `waiting: ${err.message}` };
      }
      if (err instanceof engine.RunNotFoundError) return { error: { code: 'NotFound', message: err.message } };
      if (err instanceof engine.RunStateError) return { error: { code: 'Conflict', message: err.message } };
      throw err;
    }
  };
}

function badRequest(issue: z.core.$ZodIssue, prefix?: string): HandlerResult {
  const path = issuePath([...(prefix ? [prefix] : []), ...issue.path]);
  return { error: { code: 'BadRequest', message: `${path ? `${path}: ` : ''}${issue.message}` } };
}

/**
 * `plan.maintenance[0].engineVersion`, as the CLI's plan errors print a path. The CLI's formatIssuePath
 * lives in src/plan/load.ts beside the YAML parser, which the Lambda (JSON events only) does not need:
 * importing it would put the whole parser into the bundle.
 */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/** One JSON log line per advance, with the status: the paused-too-long alarm counts these. */
function report(logger: Logger, result: DriveResult): HandlerResult {
  const out: HandlerResult = {
    runId: result.runId,
    status: result.status,
    waitSeconds: result.waitSeconds ?? 0,
    ...(result.reason ? { reason: result.reason } : {}),
    clusters: result.clusters.map((c) => ({ name: c.name, state: c.state, ...(c.reason ? { reason: c.reason } : {}) })),
  };
  logger.info({ runId: out.runId, status: out.status, waitSeconds: out.waitSeconds }, `run ${out.runId} ${out.status}`);
  return out;
}

let defaultHandler: ReturnType<typeof createHandler> | undefined;

/** The deployed handler: DynamoDB store from QUIESCE_TABLE, real AWS through the default credential chain. */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<HandlerResult> {
  if (!defaultHandler) {
    const table = process.env.QUIESCE_TABLE;
    if (!table) throw new Error('QUIESCE_TABLE is not set: the handler needs its DynamoDB table');
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
    const [{ DynamoDBClient }, { createDynamoStore }, { awsConnector }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('../store/dynamo-store.js'),
      import('../run/aws-connect.js'),
    ]);
    defaultHandler = createHandler({
      store: createDynamoStore({ client: new DynamoDBClient({}), tableName: table }),
      logger,
      connect: awsConnector({ logger }),
    });
  }
  return defaultHandler(event, context);
}

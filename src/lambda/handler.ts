import { createHash } from 'node:crypto';
import pino, { type Logger } from 'pino';
// Static imports only: in the single-file bundle, whatever a dynamic import() reaches is wrapped by esbuild
// and loses tree-shaking, which kept every command of the five SDK clients (docs/performance.md, finding 7).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { planSchema } from '../plan/schema.js';
import { awsConnector } from '../connect/aws.js';
import * as engine from '../run/engine.js';
import { LockHeldError, RunStateError } from '../run/errors.js';
import { viewOfRecord } from '../run/run-view.js';
import { RunNotFoundError } from '../store/errors.js';
import type { Connection, DriveResult } from '../run/engine.js';
import { createDynamoStore } from '../store/dynamo-store.js';
import type { RunRecord, RunStore } from '../store/run-store.js';
import { eventSchema, type EventIssue } from './event-schema.js';

// The Lambda entry point for Step Functions, EventBridge Scheduler and on-demand calls. An invocation
// advances a run until it must wait longer than a few seconds, persists, and returns: Step Functions does
// the long waits, and the invocation's deadline (its remaining time less a margin) bounds the short ones
// done inline. A bad event gets an error result, never a crash.

export interface HandlerDeps {
  store: RunStore;
  logger: Logger;
  connect(record: RunRecord): Promise<Connection>;
  now?(): number;
  /**
   * Longest single wait done inside one invocation instead of returning to Step Functions (default
   * DEFAULT_INLINE_WAIT_MS). However many such waits one invocation chains, it returns before its deadline.
   */
  inlineWaitMs?: number;
}

/** The parts of the Lambda context the handler reads. */
export interface InvocationContext {
  awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export type { QuiesceEvent } from './event-schema.js';

export interface HandlerResult {
  runId?: string;
  status?: string;
  waitSeconds?: number;
  reason?: string;
  clusters?: Array<{ name: string; state: string; reason?: string }>;
  error?: { code: 'BadRequest' | 'NotFound' | 'Conflict'; message: string };
}

/**
 * Waits up to this long happen inside the invocation (polls and probes of a change in progress); longer
 * sleeps (a drain's minimum, a cache operation's expected duration) go back to Step Functions. Measured on
 * the example plan with no earlier run to learn from: 10 s takes about 80 transitions per cluster, 30 s
 * 47, 60 s 18. Each transition is billed, and an execution's history is capped at 25,000 events, which a
 * large fleet would reach; the price is Lambda time (at 512 MB a second costs about a ninth of a wake-up's
 * three transitions), bounded per invocation by its deadline.
 */
export const DEFAULT_INLINE_WAIT_MS = 60_000;

/** Time kept in hand at the deadline: an effect already started (a call and its retries) finishes in it. */
export const DEADLINE_MARGIN_MS = 30_000;

/** Outside Lambda (tests, the benchmark) an invocation is given the stack's default function timeout. */
const DEFAULT_INVOCATION_MS = 5 * 60_000;

/** While another run holds the listener, an execution waits this long and asks again. */
const LOCK_RETRY_SECONDS = 60;

export function createHandler(deps: HandlerDeps) {
  const now = deps.now ?? Date.now;
  return async (raw: unknown, context?: InvocationContext): Promise<HandlerResult> => {
    // Real time, read first: everything below counts against the invocation.
    const deadline = Date.now() + (context?.getRemainingTimeInMillis?.() ?? DEFAULT_INVOCATION_MS) - DEADLINE_MARGIN_MS;
    const waiting = { until: 'wait' as const, inlineWaitMs: deps.inlineWaitMs ?? DEFAULT_INLINE_WAIT_MS, deadline };
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) return badRequest(parsed.error.issues[0]!);
    const event = parsed.data;
    const owner = `lambda:${context?.awsRequestId ?? 'local'}`;
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
        case 'advance': {
          const result = await engine.driveRun(engineDeps, event.runId, waiting);
          return report(deps.logger, result);
        }
        // Approve and abort are recorded for the execution driving the run, which takes them up at its next
        // advance (a paused run is polled every minute): the call returns at once, never outliving the caller.
        case 'approve': {
          await engine.requestApproval(engineDeps, event.runId, event.by, now());
          return recorded(deps.store, event.runId, `approval by ${event.by} recorded; the run continues at its execution's next poll`);
        }
        case 'abort': {
          await engine.requestAbort(engineDeps, event.runId, event.by, event.reason ?? 'aborted through Lambda', now());
          return recorded(deps.store, event.runId, `abort by ${event.by} recorded; the run's execution acts on it at its next advance`);
        }
        case 'status': {
          const record = await deps.store.loadRun(event.runId);
          if (!record) return { error: { code: 'NotFound', message: `no run ${event.runId}` } };
          const view = viewOfRecord(record);
          return { runId: view.runId, status: view.status, ...(view.reason ? { reason: view.reason } : {}), clusters: view.clusters };
        }
      }
    } catch (err) {
      if (err instanceof LockHeldError) {
        // Another execution drives this listener: wait and ask again rather than both mutating.
        deps.logger.info({ status: 'running', holder: err.holder }, err.message);
        return { ...('runId' in event ? { runId: event.runId } : {}), status: 'running', waitSeconds: LOCK_RETRY_SECONDS, reason: `waiting: ${err.message}` };
      }
      if (err instanceof RunNotFoundError) return { error: { code: 'NotFound', message: err.message } };
      if (err instanceof RunStateError) return { error: { code: 'Conflict', message: err.message } };
      throw err;
    }
  };
}

async function recorded(store: RunStore, runId: string, reason: string): Promise<HandlerResult> {
  const record = await store.loadRun(runId);
  if (!record) return { error: { code: 'NotFound', message: `no run ${runId}` } };
  return { runId, status: record.status, reason };
}

function badRequest(issue: EventIssue, prefix?: string): HandlerResult {
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
export async function handler(event: unknown, context?: InvocationContext): Promise<HandlerResult> {
  if (!defaultHandler) {
    const table = process.env.QUIESCE_TABLE;
    if (!table) throw new Error('QUIESCE_TABLE is not set: the handler needs its DynamoDB table');
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
    defaultHandler = createHandler({
      store: createDynamoStore({ client: new DynamoDBClient({}), tableName: table }),
      logger,
      // Notifications name the commands to run next, against this stack's table.
      connect: awsConnector({ logger, operatorFlags: `--table ${table}` }),
      inlineWaitMs: inlineWaitFromEnv(process.env.QUIESCE_INLINE_WAIT_SECONDS),
    });
  }
  return defaultHandler(event, context);
}

/**
 * QUIESCE_INLINE_WAIT_SECONDS (set by the stack): waits up to this long happen inside an invocation.
 * Longer means fewer Step Functions transitions and more Lambda time; 0 sends every wait back.
 */
export function inlineWaitFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_INLINE_WAIT_MS;
  if (!/^\d+$/.test(value) || Number(value) > 600) throw new Error(`QUIESCE_INLINE_WAIT_SECONDS must be a whole number of seconds from 0 to 600, got "${value}"`);
  return Number(value) * 1000;
}

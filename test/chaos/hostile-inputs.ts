// Hostile inputs (issue 8.3): plan files, world files and Lambda events, each fed to quiesce the way a
// user (or an EventBridge schedule) would. Whatever the input, quiesce must not crash, must not show a
// stack trace, must answer bad input with exit 2 (or a BadRequest result) and one line, and must make
// zero AWS calls. Valid inputs are allowed, and only have to be handled without a crash.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createHandler } from '../../src/lambda/handler.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { defaultWorldFromPlan, parseWorldFile, WorldFileError } from '../../src/sandbox/index.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { AwsCallSpy } from './aws-call-spy.js';
import { ROOT } from './child-cli.js';
import { CRASH_SWEEP_FIXTURE } from './crash-sweep.js';
import { quiesce, type InProcessResult } from './in-process-cli.js';

export interface HostileContext {
  dir: string;
  spy: AwsCallSpy;
  /** Every input gets its own file name, so a failure names the file that caused it. */
  next: number;
}

export interface HostileTally {
  plans: number;
  worlds: number;
  events: number;
  /** Inputs that turned out valid: handled (exit 0 / a result), not refused. */
  valid: number;
  /** AWS calls made while handling inputs that were refused (or Lambda events): must stay 0. */
  callsOnRefused: number;
  failures: string[];
}

export const newHostileTally = (): HostileTally => ({ plans: 0, worlds: 0, events: 0, valid: 0, callsOnRefused: 0, failures: [] });

const STACK = /^\s+at .+[(:]\d+/m;
// Control characters other than the line end would let input rewrite the user's terminal.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u009b]/;

/** Keys someone put on Object.prototype (then removed, so the next input starts clean). */
function pollution(): string[] {
  const keys = Object.keys(Object.prototype);
  for (const key of keys) delete (Object.prototype as Record<string, unknown>)[key];
  return keys.length ? [`Object.prototype polluted: ${keys.join(', ')}`] : [];
}

/** What is wrong with the CLI's answer to a bad input; empty when it refused it properly. */
export function refusalProblems(what: string, r: InProcessResult, callsBefore: number, spy: AwsCallSpy): string[] {
  const problems: string[] = [];
  if (r.code !== 2) problems.push(`${what}: exit ${r.code}, expected 2 (${r.stderr.trim().slice(0, 300)})`);
  if (STACK.test(r.stderr) || STACK.test(r.stdout)) problems.push(`${what}: a stack trace was shown`);
  const lines = r.stderr.split('\n');
  if (lines.length !== 2 || lines[1] !== '' || !lines[0]!.startsWith('quiesce: ')) problems.push(`${what}: not one "quiesce: ..." line on stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  if (CONTROL.test(r.stderr.slice(0, -1))) problems.push(`${what}: control characters on stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  if (spy.calls.length !== callsBefore) problems.push(`${what}: ${spy.calls.length - callsBefore} AWS calls (${spy.calls.slice(callsBefore, callsBefore + 3).join(', ')})`);
  return problems;
}

async function cli(args: string[]): Promise<InProcessResult | string> {
  try {
    return await quiesce(args);
  } catch (err) {
    // main() rethrows what it does not know: in the real CLI that is a crash with a stack trace.
    return `quiesce ${args[0]} crashed: ${err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err)}`;
  }
}

function runsIn(stateDir: string): string[] {
  try {
    return readdirSync(join(stateDir, 'runs'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A plan file: `validate`; when it is refused, `run --sandbox`, `run` (AWS) and `plan --sandbox` must refuse it the same way. */
export async function feedPlan(ctx: HostileContext, tally: HostileTally, content: string | Uint8Array): Promise<void> {
  tally.plans++;
  const file = join(ctx.dir, `plan-${ctx.next++}.yaml`);
  writeFileSync(file, content);
  const stateDir = join(ctx.dir, 'state');
  try {
    const calls = ctx.spy.calls.length;
    const validated = await cli(['validate', file]);
    if (typeof validated === 'string') return void tally.failures.push(`${file}: ${validated}`);
    if (validated.code === 0) return void tally.valid++;
    const problems = refusalProblems(`validate ${file}`, validated, calls, ctx.spy);
    for (const args of [
      ['run', file, '--sandbox', '--state-dir', stateDir, '--json'],
      ['run', file, '--state-dir', stateDir, '--json'],
      ['plan', file, '--sandbox'],
    ]) {
      const r = await cli(args);
      if (typeof r === 'string') problems.push(r);
      else problems.push(...refusalProblems(`${args.slice(0, 2).join(' ')}`, r, calls, ctx.spy));
    }
    if (runsIn(stateDir).length) problems.push(`a run was created for a refused plan: ${runsIn(stateDir).join(', ')}`);
    tally.callsOnRefused += ctx.spy.calls.length - calls;
    tally.failures.push(...problems.map((p) => `${file}: ${p}`));
  } finally {
    rmSync(file, { force: true });
    tally.failures.push(...pollution().map((p) => `${file}: ${p}`));
  }
}

let sweepPlan: ReturnType<typeof loadPlanFile> | undefined;
const SWEEP_PLAN = () => (sweepPlan ??= loadPlanFile(join(ROOT, CRASH_SWEEP_FIXTURE.plan)));

/**
 * A world file for a valid plan. Classified first with the functions the CLI uses; a refused world must
 * be refused by `run --sandbox` with exit 2 before any run exists; an accepted one must survive a dry
 * run (`plan --sandbox`), which reads the world but changes nothing.
 */
export async function feedWorld(ctx: HostileContext, tally: HostileTally, content: string | Uint8Array): Promise<void> {
  tally.worlds++;
  const file = join(ctx.dir, `world-${ctx.next++}.yaml`);
  writeFileSync(file, content);
  const stateDir = join(ctx.dir, 'state');
  try {
    let refused = false;
    try {
      defaultWorldFromPlan(SWEEP_PLAN(), parseWorldFile(Buffer.from(content).toString('utf8'), file), file);
    } catch (err) {
      if (!(err instanceof WorldFileError)) return void tally.failures.push(`${file}: building the world threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      refused = true;
    }
    const calls = ctx.spy.calls.length;
    if (!refused) {
      tally.valid++;
      const r = await cli(['plan', CRASH_SWEEP_FIXTURE.plan, '--sandbox', file, '--json']);
      if (typeof r === 'string') tally.failures.push(`${file}: ${r}`);
      else if (r.code !== 0) tally.failures.push(...refusalProblems(`plan --sandbox ${file}`, r, calls, ctx.spy).map((p) => `${file}: ${p}`));
      return;
    }
    const r = await cli(['run', CRASH_SWEEP_FIXTURE.plan, '--sandbox', file, '--state-dir', stateDir, '--json']);
    if (typeof r === 'string') return void tally.failures.push(`${file}: ${r}`);
    const problems = refusalProblems(`run --sandbox ${file}`, r, calls, ctx.spy);
    if (runsIn(stateDir).length) problems.push(`a run was created for a refused world: ${runsIn(stateDir).join(', ')}`);
    tally.callsOnRefused += ctx.spy.calls.length - calls;
    tally.failures.push(...problems.map((p) => `${file}: ${p}`));
  } finally {
    rmSync(file, { force: true });
    tally.failures.push(...pollution().map((p) => `${file}: ${p}`));
  }
}

const EVENT_ERRORS = new Set(['BadRequest', 'NotFound', 'Conflict']);

/** A Lambda event: the handler must answer (never throw), with a one-line error for anything bad, and never connect to AWS. */
export async function feedEvent(ctx: HostileContext, tally: HostileTally, handler: ReturnType<typeof createHandler>, connects: { count: number }, event: unknown): Promise<void> {
  tally.events++;
  const label = `event ${ctx.next++} ${safeJson(event).slice(0, 200)}`;
  const calls = ctx.spy.calls.length;
  const before = connects.count;
  let result: Awaited<ReturnType<typeof handler>>;
  try {
    result = await handler(event, { awsRequestId: 'hostile' });
  } catch (err) {
    return void tally.failures.push(`${label}: the handler threw ${err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err)}`);
  }
  const problems: string[] = [];
  if (typeof result !== 'object' || result === null) problems.push('no result object');
  else if (result.error) {
    if (!EVENT_ERRORS.has(result.error.code)) problems.push(`error code ${result.error.code}`);
    if (result.error.message.includes('\n') || STACK.test(result.error.message)) problems.push(`error message is not one line: ${JSON.stringify(result.error.message.slice(0, 300))}`);
  } else tally.valid++;
  if (connects.count !== before) problems.push('the handler connected to AWS');
  tally.callsOnRefused += ctx.spy.calls.length - calls;
  if (ctx.spy.calls.length !== calls) problems.push(`${ctx.spy.calls.length - calls} AWS calls`);
  problems.push(...pollution());
  tally.failures.push(...problems.map((p) => `${label}: ${p}`));
}

/** A handler over a memory store whose `connect` counts (and refuses): hostile events never get that far. */
export function hostileHandler() {
  const connects = { count: 0 };
  const handler = createHandler({
    store: createMemoryStore(),
    logger: pino({ level: 'silent' }),
    connect: async () => {
      connects.count++;
      throw new Error('hostile events must never connect');
    },
    now: () => 0,
  });
  return { handler, connects };
}

export function hostileContext(dir: string, spy: AwsCallSpy): HostileContext {
  mkdirSync(dir, { recursive: true });
  return { dir, spy, next: 1 };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) return `<${err.name}>`;
    throw err;
  }
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveAwsConfig } from '../../aws/clients.js';
import type { Plan } from '../../plan/schema.js';
import { createRun, driveRun, requestAbort, requestApproval, requestReinstatement, type DriveOptions, type DriveResult } from '../../run/engine.js';
import { LockHeldError } from '../../run/errors.js';
import { defaultWorldFromPlan } from '../../sandbox/index.js';
import type { RunRecord } from '../../store/run-store.js';
import { positiveNumber } from '../args.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { cliEnvironment, type CliEnvironment } from '../environment.js';
import { EXIT, exitForStatus, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { planRegion } from '../plan-region.js';
import { createProgress } from '../progress.js';
import { loadPlanFor, readWorldFile, type WorldFileInput } from '../sandbox-world.js';
import { UsageError } from '../usage-error.js';
import type { Drift } from '../../../machines/types.js';
import { driftDiff, isRecord } from '../../report/calls.js';
import { driftLines } from '../../report/describe.js';

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

function operatorName(io: CliIo, by: string | undefined): string {
  return by ?? io.env.QUIESCE_OPERATOR ?? io.env.USER ?? io.env.USERNAME ?? 'operator';
}

/** Input problems are found before the run exists: nothing is created, nothing changes. */
async function targetFor(
  plan: Plan,
  sandbox: false | true | string,
  world: WorldFileInput | undefined,
  values: { profile?: string | undefined; region?: string | undefined; 'real-steps'?: boolean | undefined },
): Promise<RunRecord['target']> {
  const realSteps = values['real-steps'] === true ? { realSteps: true as const } : {};
  if (sandbox === false) {
    // Against AWS every step is real: the flag says nothing there, and a flag that says nothing is a mistake.
    if (values['real-steps']) throw new UsageError('--real-steps applies to sandbox runs only: against AWS every step runs for real');
    const region = planRegion(plan, values.region);
    await resolveAwsConfig({ region, ...(values.profile ? { profile: values.profile } : {}) });
    return { kind: 'aws', region, ...(values.profile ? { profile: values.profile } : {}) };
  }
  if (!world) return { kind: 'sandbox', ...realSteps };
  // Built once here and thrown away: a world file that names a cluster the plan lacks is bad input, found
  // before the run exists (else the run would start, fail to connect, and keep the listener's lock).
  defaultWorldFromPlan(plan, world.file, world.source);
  return { kind: 'sandbox', worldFile: world.path, ...realSteps };
}

/** `after`: what the command adds to the result (approve: what still differs), as lines and as JSON. */
type After = (result: DriveResult) => Promise<{ lines: string[]; json: Record<string, unknown> } | undefined>;

async function drive(env: CliEnvironment, io: CliIo, runId: string, options: Omit<DriveOptions, 'until'>, json: boolean, after?: After): Promise<ExitCode> {
  const progress = createProgress(io);
  // Ctrl-C stops this process, not the run: everything is saved, so say how to pick it up again.
  const offInterrupt = io.onInterrupt?.(() => {
    io.stderr(`\nquiesce: interrupted; run ${runId} is saved where it stood. Continue it with: quiesce resume ${runId} (this process's lease on the lock runs out within a minute), or stop it safely: quiesce abort ${runId}\n`);
  });
  let result: DriveResult;
  try {
    result = await driveRun(env.deps(progress.onProgress), runId, { until: 'end', ...options });
  } finally {
    offInterrupt?.();
    progress.done();
  }
  const extra = await after?.(result);
  printResult(result, json, io, extra);
  return exitForStatus(result.status);
}

export function resultObject(result: DriveResult) {
  return {
    runId: result.runId,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    clusters: result.clusters.map((c) => ({ name: c.name, state: c.state, ...(c.reason ? { reason: c.reason } : {}) })),
    ...(result.sandbox
      ? {
          sandbox: {
            violations: result.sandbox.violations,
            traffic: { requests: result.sandbox.traffic.requests, failed: result.sandbox.traffic.failed },
            weights: result.sandbox.weights,
            ...(result.sandbox.synthetic ? { synthetic: result.sandbox.synthetic } : {}),
            ...(result.sandbox.runbook ? { runbook: result.sandbox.runbook } : {}),
          },
        }
      : {}),
  };
}

/** "blue=1 green=1", or per location when the fleet has several: "external: blue=1 green=1; internal: ...". */
function weightsText(s: NonNullable<DriveResult['sandbox']>): string {
  const list = (w: Record<string, number>) => Object.entries(w).map(([k, v]) => `${k}=${v}`).join(' ');
  if (!s.weightsByLocation) return list(s.weights);
  return Object.entries(s.weightsByLocation).map(([location, w]) => `${location}: ${list(w)}`).join('; ');
}

function printResult(result: DriveResult, json: boolean, io: CliIo, extra?: { lines: string[]; json: Record<string, unknown> }): void {
  if (json) {
    io.stdout(`${JSON.stringify({ ...resultObject(result), ...extra?.json })}\n`);
    return;
  }
  const lines = [`run ${result.runId}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`];
  for (const c of result.clusters) lines.push(`  ${c.name.padEnd(12)} ${c.state}${c.reason ? `: ${c.reason}` : ''}`);
  if (result.sandbox) {
    const s = result.sandbox;
    lines.push(
      `sandbox: ${s.traffic.requests.toLocaleString('en')} requests, ${s.traffic.failed.toLocaleString('en')} failed; ${s.violations.length} violations; weights ${weightsText(s)}`,
      ...s.violations.map((v) => `  violation ${v.kind}: ${v.message}`),
      ...(s.synthetic ?? []).map((line) => `  SYNTHETIC: ${line}`),
      ...(s.runbook ?? []).map((r) => `  ${r.mode === 'simulated' ? 'simulated (not run)' : 'RAN FOR REAL'}: ${r.cluster} step ${r.step} ${r.kind} ${r.what}: ${r.ok ? 'ok' : 'failed'}`),
    );
  }
  if (extra) lines.push(...extra.lines);
  else if (result.status === 'paused') lines.push(`continue with: quiesce approve ${result.runId}   (or stop safely: quiesce abort ${result.runId})`);
  for (const c of result.clusters.filter((c) => c.state === 'held' && result.status !== 'running')) {
    lines.push(`${c.name} is held out of rotation, never reactivated automatically: find why first (quiesce report ${result.runId}), fix it, then: quiesce reinstate ${result.runId} ${c.name}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
}

async function startAndDrive(io: CliIo, planFile: string, sandbox: false | true | string, values: Record<string, string | boolean | undefined>): Promise<ExitCode> {
  const world = readWorldFile(io.cwd, sandbox);
  const plan = loadPlanFor(io.cwd, planFile, world);
  const speed = positiveNumber(values.speed as string | undefined, '--speed');
  if (speed !== undefined && sandbox === false) throw new UsageError('--speed applies to sandbox runs only: AWS keeps its own time');
  const target = await targetFor(plan, sandbox, world, values as { profile?: string; region?: string; 'real-steps'?: boolean });
  const runbookSteps = plan.maintenance.filter((step) => 'command' in step || 'http' in step).length;
  if (target.kind === 'sandbox' && runbookSteps > 0) {
    io.stderr(
      target.realSteps
        ? `quiesce: --real-steps: this rehearsal RUNS the plan's ${runbookSteps} command/http step(s) for real, once per cluster\n`
        : `quiesce: rehearsal: the plan's ${runbookSteps} command/http step(s) are simulated by the sandbox, not run (--real-steps runs them)\n`,
    );
  }
  const env = await cliEnvironment(values as never, io);
  // The listener's lock lives where the runs do: without the stack's table, a deployed run (or another
  // machine's) on the same listener is not excluded. Said once, before the run starts.
  if (target.kind === 'aws' && !env.table) {
    const listeners = new Set(plan.fleet.locations.map((l) => l.listenerArn)).size;
    const lock = listeners > 1 ? `the locks on its ${listeners} listeners exclude` : 'the lock on this listener excludes';
    io.stderr(`quiesce: note: no --table or --stack: ${lock} only runs sharing ${env.stateDir}, not a deployed stack's runs or another machine's\n`);
  }
  const runId = (values['run-id'] as string | undefined) ?? newRunId();
  await createRun(env, { runId, plan, target, now: Date.now() });
  try {
    return await drive(env, io, runId, speed ? { speed } : {}, Boolean(values.json));
  } catch (err) {
    // A run that failed before its first snapshot never changed anything: mark it so it does not linger
    // as "running" (the engine has already let go of the listener's lock).
    const record = await env.store.loadRun(runId);
    if (record && record.status === 'running' && record.snapshot === undefined) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      const what = err instanceof LockHeldError ? 'refused' : 'failed before it started';
      await env.store.saveRun({ ...record, status: 'aborted', reason: `${what}, nothing was changed: ${why}`, finishedAt: Date.now() }, record.version);
    }
    throw err;
  }
}

export async function runCommand({ values, positionals, sandbox }: CommandInput<FlagsOf<'run'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('run takes exactly one plan file: quiesce run <plan> [--sandbox [world.yaml]]');
  return startAndDrive(io, positionals[0]!, sandbox, values);
}

/** The repository's examples/, found from this module whether it runs from src/ or from dist/. */
export function examplesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'examples', 'payments.plan.yaml'))) return join(dir, 'examples');
    dir = dirname(dir);
  }
  throw new Error('examples/payments.plan.yaml not found next to the quiesce installation');
}

export async function demoCommand({ values, positionals }: CommandInput<FlagsOf<'demo'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length) throw new UsageError(`demo takes no plan; it runs examples/payments.plan.yaml (got "${positionals[0]}")`);
  const speed = values.fast ? undefined : (positiveNumber(values.speed, '--speed') ?? 60);
  if (!values.json) {
    io.stderr(`quiesce demo: examples/payments.plan.yaml on the built-in sandbox${speed ? ` at ${speed}x real time (--fast to skip ahead)` : ''}\n`);
  }
  return startAndDrive(io, join(examplesDir(), 'payments.plan.yaml'), true, { ...values, ...(speed ? { speed: String(speed) } : { speed: undefined }) });
}

export async function resumeCommand({ values, positionals }: CommandInput<FlagsOf<'resume'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('resume takes exactly one run id: quiesce resume <runId>');
  const env = await cliEnvironment(values, io);
  const speed = positiveNumber(values.speed, '--speed');
  return drive(env, io, positionals[0]!, speed ? { speed } : {}, Boolean(values.json));
}

/** A decision recorded in a deployed stack's table: the run's driver takes it up; this command returns at once. */
function recordedInTable(io: CliIo, json: boolean, runId: string, action: 'approve' | 'abort', env: CliEnvironment): ExitCode {
  const message = `${action === 'approve' ? 'approval' : 'abort'} of ${runId} recorded in table ${env.table}: a deployed run's execution takes it up at its next poll (within a minute); a run started from a CLI with --table continues with: quiesce resume ${runId} ${env.where}`;
  io.stdout(json ? `${JSON.stringify({ runId, recorded: action, message })}\n` : `${message}\n`);
  return EXIT.done;
}

export async function approveCommand({ values, positionals }: CommandInput<FlagsOf<'approve'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('approve takes exactly one run id: quiesce approve <runId>');
  const env = await cliEnvironment(values, io);
  if (env.table) {
    await requestApproval(env, positionals[0]!, operatorName(io, values.by), Date.now());
    return recordedInTable(io, Boolean(values.json), positionals[0]!, 'approve', env);
  }
  const speed = positiveNumber(values.speed, '--speed');
  const runId = positionals[0]!;
  const by = operatorName(io, values.by);
  const before = await env.store.loadRun(runId);
  const driftBefore = new Set(Object.entries(before?.clusters ?? {}).filter(([, c]) => c.state === 'paused' && c.reason?.startsWith('drift:')).map(([name]) => name));
  return drive(env, io, runId, { operator: { type: 'APPROVE', by }, ...(speed ? { speed } : {}) }, Boolean(values.json), (result) => stillDiffers(env, result, driftBefore, by));
}

/**
 * Approving a drift pause acknowledges it; it does not make the live state right. When a cluster paused on
 * drift pauses again on drift, approving once more cannot help: say the approval was recorded, what still
 * differs, and the two ways on.
 */
async function stillDiffers(env: CliEnvironment, result: DriveResult, driftBefore: ReadonlySet<string>, by: string): Promise<{ lines: string[]; json: Record<string, unknown> } | undefined> {
  if (result.status !== 'paused') return undefined;
  const again = result.clusters.filter((c) => c.state === 'paused' && c.reason?.startsWith('drift:') && driftBefore.has(c.name));
  if (!again.length) return undefined;
  const journal = await env.store.readJournal(result.runId);
  const differs = again.map((c) => {
    const entry = journal.findLast((e) => e.kind === 'transition' && e.cluster === c.name && isRecord(e.data) && isRecord(e.data.drift));
    const drift = entry ? ((entry.data as { drift: Drift }).drift) : undefined;
    return { cluster: c.name, diff: drift ? driftLines(driftDiff(drift)) : [c.reason!.slice('drift:'.length).trim()] };
  });
  const lines = [
    `approval recorded (by ${by}), but the live state still differs from what the run expects, so it paused again:`,
    ...differs.flatMap((d) => d.diff.map((line) => `  ${d.cluster}: ${line}`)),
    'two ways on:',
    `  restore it (put back what the run expects, shown above), then: quiesce approve ${result.runId}`,
    `  or stop safely: quiesce abort ${result.runId}`,
  ];
  return { lines, json: { approval: { recorded: true, by, stillDiffers: differs } } };
}

export async function abortCommand({ values, positionals }: CommandInput<FlagsOf<'abort'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('abort takes exactly one run id: quiesce abort <runId>');
  const env = await cliEnvironment(values, io);
  const runId = positionals[0]!;
  const by = operatorName(io, values.by);
  const speed = positiveNumber(values.speed, '--speed');
  await requestAbort(env, runId, by, values.reason ?? 'aborted from the CLI', Date.now());
  if (env.table) return recordedInTable(io, Boolean(values.json), runId, 'abort', env);
  try {
    return await drive(env, io, runId, speed ? { speed } : {}, Boolean(values.json));
  } catch (err) {
    if (!(err instanceof LockHeldError) || err.holder.runId !== runId) throw err;
    // The process driving this run picks the request up within a second.
    const message = `abort of ${runId} recorded; ${err.holder.owner} is driving the run and will act on it`;
    io.stdout(values.json ? `${JSON.stringify({ runId, status: 'running', abortRequested: true, message })}\n` : `${message}\n`);
    return EXIT.done;
  }
}

export async function reinstateCommand({ values, positionals }: CommandInput<FlagsOf<'reinstate'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 2) throw new UsageError('reinstate takes a run id and a cluster: quiesce reinstate <runId> <cluster>');
  const env = await cliEnvironment(values, io);
  const speed = positiveNumber(values.speed, '--speed');
  const [runId, cluster] = positionals as [string, string];
  if (env.table) {
    await requestReinstatement(env, runId, cluster, operatorName(io, values.by), Date.now());
    const message = `reinstatement of ${cluster} of ${runId} recorded in table ${env.table}: the run's next driver takes it up. A deployed run: start its execution again with the same input (a new --name). A run started from a CLI with --table: quiesce resume ${runId} ${env.where}`;
    io.stdout(values.json ? `${JSON.stringify({ runId, recorded: 'reinstate', cluster, message })}\n` : `${message}\n`);
    return EXIT.done;
  }
  return drive(env, io, runId, { reinstate: { cluster, by: operatorName(io, values.by) }, ...(speed ? { speed } : {}) }, Boolean(values.json));
}

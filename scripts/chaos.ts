// `npm run chaos [-- --runs N --seed S --inputs M --jobs J --only crash,faults,hostile]`: the reliability
// campaign (crash points, random fault schedules, hostile inputs) at full size (docs/reliability.md).
// Work is split into jobs run as child processes of this script, J at a time; each prints one result
// line, and this process prints the table.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

interface CrashJob { kind: 'crash'; shard: number; shards: number }
interface FaultJob { kind: 'faults'; seed: number; runs: number }
interface HostileJob { kind: 'hostile'; seed: number; plans: number; worlds: number; events: number; corpus: boolean }
type Job = CrashJob | FaultJob | HostileJob;

interface JobResult {
  kind: Job['kind'];
  covered: number;
  /** Crash points in the reference run (crash jobs only). */
  total?: number;
  violations: number;
  failures: string[];
  detail?: Record<string, number>;
  ms: number;
}

const RESULT = 'CHAOS-RESULT ';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    inputs: { type: 'string', default: '100000' },
    jobs: { type: 'string', default: String(availableParallelism()) },
    only: { type: 'string', default: 'crash,faults,hostile' },
    worker: { type: 'string' },
  },
});

if (values.worker) {
  const job = JSON.parse(values.worker) as Job;
  const started = Date.now();
  const result = await runJob(job);
  process.stdout.write(`${RESULT}${JSON.stringify({ ...result, ms: Date.now() - started })}\n`);
} else {
  await main();
}

async function runJob(job: Job): Promise<Omit<JobResult, 'ms'>> {
  switch (job.kind) {
    case 'crash': {
      const { crashAt, pool, referenceRun } = await import('../test/chaos/crash-sweep.js');
      const reference = await referenceRun();
      const mine = reference.points.filter((_, i) => i % job.shards === job.shard);
      const results = await pool(mine, 1, (p) => crashAt(reference, p));
      const failures = results.filter((r) => r.problems.length).map((r) => `crash after #${r.point.seq} (${r.point.kind}: ${r.point.message}): ${r.problems.join('; ')}`);
      const violations = results.reduce((n, r) => n + r.problems.filter((p) => p.startsWith('violations:')).length, 0);
      return { kind: 'crash', covered: results.filter((r) => r.diedAfter !== null).length, total: reference.points.length, violations, failures };
    }
    case 'faults': {
      const fc = (await import('fast-check')).default;
      const { newTally, safeAndLive } = await import('../test/chaos/fault-schedules.js');
      const tally = newTally();
      const result = await fc.check(safeAndLive(tally), { seed: job.seed, numRuns: job.runs });
      const failures = result.failed ? [`${fc.defaultReportMessage(result) ?? 'failed'}\n${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`] : [];
      return {
        kind: 'faults',
        covered: result.numRuns,
        violations: tally.violations,
        failures,
        detail: { livenessProblems: tally.livenessProblems, scriptViolations: tally.scriptViolations, maxVirtualMinutes: tally.maxVirtualMinutes, ...tally.endings },
      };
    }
    case 'hostile': {
      const { installAwsCallSpy } = await import('../test/chaos/aws-call-spy.js');
      const { scratchDir } = await import('../test/chaos/child-cli.js');
      const { nastyEvents, nastyPlans, nastyWorlds } = await import('../test/chaos/hostile-corpus.js');
      const { fuzzHostileInputs } = await import('../test/chaos/hostile-fuzz.js');
      const { feedEvent, feedPlan, feedWorld, hostileContext, hostileHandler, newHostileTally } = await import('../test/chaos/hostile-inputs.js');
      const { loadDeployedPlan } = await import('../infra/deployed-plan.js');
      const { EXAMPLE_PLAN } = await import('../infra/paths.js');
      const { rmSync } = await import('node:fs');
      const document = loadDeployedPlan(EXAMPLE_PLAN).document;
      const spy = installAwsCallSpy();
      const tally = newHostileTally();
      const dir = scratchDir('quiesce-chaos-hostile-');
      try {
        if (job.corpus) {
          const ctx = hostileContext(dir, spy);
          for (const n of nastyPlans()) await feedPlan(ctx, tally, n.content);
          for (const n of nastyWorlds()) await feedWorld(ctx, tally, n.content);
          const { handler, connects } = hostileHandler();
          for (const n of nastyEvents(document)) await feedEvent(ctx, tally, handler, connects, n.event);
        }
        await fuzzHostileInputs(dir, spy, tally, { plans: job.plans, worlds: job.worlds, events: job.events }, job.seed, document);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        spy.uninstall();
      }
      const polluted = Object.keys(Object.prototype);
      const failures = [...tally.failures, ...(polluted.length ? [`Object.prototype polluted: ${polluted.join(', ')}`] : [])];
      return { kind: 'hostile', covered: tally.plans + tally.worlds + tally.events, violations: tally.callsOnRefused, failures, detail: { plans: tally.plans, worlds: tally.worlds, events: tally.events, valid: tally.valid } };
    }
  }
}

function runChild(job: Job): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--worker', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      if (!line) return reject(new Error(`chaos job ${JSON.stringify(job)} ended (${code ?? signal}) without a result:\n${out.slice(-2000)}`));
      resolve(JSON.parse(line.slice(RESULT.length)) as JobResult);
    });
  });
}

async function main(): Promise<void> {
  const runs = Number(values.runs);
  const inputs = Number(values.inputs);
  const jobs = Math.max(1, Number(values.jobs));
  const seed = values.seed !== undefined ? Number(values.seed) : (await import('../test/chaos/fault-schedules.js')).FAULT_SEED;
  const only = new Set(values.only.split(','));
  for (const [flag, n] of [['--runs', runs], ['--inputs', inputs], ['--jobs', jobs], ['--seed', seed]] as const) {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, got ${n}`);
  }
  // Child processes of the crash sweep run the built CLI.
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

  const plan: Job[] = [];
  if (only.has('crash')) for (let shard = 0; shard < jobs; shard++) plan.push({ kind: 'crash', shard, shards: jobs });
  const split = (total: number, i: number) => Math.floor(total / jobs) + (i < total % jobs ? 1 : 0);
  if (only.has('faults')) for (let i = 0; i < jobs; i++) if (split(runs, i)) plan.push({ kind: 'faults', seed: seed + i, runs: split(runs, i) });
  if (only.has('hostile')) {
    for (let i = 0; i < jobs; i++) {
      const share = split(inputs, i);
      const plans = Math.round(share * 0.4);
      const worlds = Math.round(share * 0.3);
      plan.push({ kind: 'hostile', seed: seed + i, plans, worlds, events: share - plans - worlds, corpus: i === 0 });
    }
  }

  const started = Date.now();
  const results: JobResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, plan.length) }, async () => {
      while (next < plan.length) {
        const job = plan[next++]!;
        const result = await runChild(job);
        results.push(result);
        process.stderr.write(`chaos: ${job.kind} job done (${result.covered} covered, ${result.failures.length} failures, ${Math.round(result.ms / 1000)}s)\n`);
      }
    }),
  );
  printTable(results, { seed, jobs, ms: Date.now() - started });
  const failures = results.flatMap((r) => r.failures);
  for (const f of failures) process.stdout.write(`\nFAILURE ${f}\n`);
  process.exitCode = failures.length || results.some((r) => r.violations) ? 1 : 0;
}

function printTable(results: JobResult[], run: { seed: number; jobs: number; ms: number }): void {
  const of = (kind: Job['kind']) => results.filter((r) => r.kind === kind);
  const sum = (rs: JobResult[], f: (r: JobResult) => number) => rs.reduce((n, r) => n + f(r), 0);
  const minutes = (rs: JobResult[]) => `${(sum(rs, (r) => r.ms) / 60_000).toFixed(1)} min`;
  const rows: string[][] = [['section', 'covered', 'violations', 'failures', 'cpu time']];
  const crash = of('crash');
  if (crash.length) rows.push(['crash sweep (SIGKILL + resume)', `${sum(crash, (r) => r.covered)} of ${crash[0]!.total} crash points`, String(sum(crash, (r) => r.violations)), String(sum(crash, (r) => r.failures.length)), minutes(crash)]);
  const faults = of('faults');
  if (faults.length) {
    rows.push(['random fault schedules', `${sum(faults, (r) => r.covered).toLocaleString('en')} schedules`, String(sum(faults, (r) => r.violations)), String(sum(faults, (r) => r.failures.length)), minutes(faults)]);
  }
  const hostile = of('hostile');
  if (hostile.length) rows.push(['hostile inputs (AWS calls when refused)', `${sum(hostile, (r) => r.covered).toLocaleString('en')} inputs`, String(sum(hostile, (r) => r.violations)), String(sum(hostile, (r) => r.failures.length)), minutes(hostile)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  const out = [`quiesce chaos: seed ${run.seed}, ${run.jobs} jobs at a time, ${(run.ms / 60_000).toFixed(1)} min wall time`, line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
  if (faults.length) {
    const endings: Record<string, number> = {};
    for (const r of faults) for (const [k, v] of Object.entries(r.detail ?? {})) if (!['livenessProblems', 'scriptViolations', 'maxVirtualMinutes'].includes(k)) endings[k] = (endings[k] ?? 0) + v;
    out.push(
      `fault schedules: endings ${Object.entries(endings).map(([k, v]) => `${k} ${v}`).join(', ')}; liveness problems ${sum(faults, (r) => r.detail?.livenessProblems ?? 0)}; longest run ${Math.max(...faults.map((r) => r.detail?.maxVirtualMinutes ?? 0))} virtual minutes; violations by scripted events (not quiesce) ${sum(faults, (r) => r.detail?.scriptViolations ?? 0)}`,
    );
  }
  if (hostile.length) {
    const d = (k: string) => sum(hostile, (r) => r.detail?.[k] ?? 0).toLocaleString('en');
    out.push(`hostile inputs: ${d('plans')} plan files, ${d('worlds')} world files, ${d('events')} Lambda events (corpus included); ${d('valid')} turned out valid`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

// npm run bench [-- --quick] [-- --only waits,scale,lambda,cli] [-- --scale-timeout SECONDS]
//
// Measures quiesce against its speed and cost targets and prints one table; writes it with every figure
// behind it to bench-results/ (bench-<time>.json and latest.json). Speed targets live here, never in
// timed test assertions. docs/performance.md explains each measure and how to read it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { DEFAULT_INLINE_WAIT_MS } from '../src/lambda/handler.js';
import { cliStartMs } from './bench/cli-start.js';
import { buildHandlerBundle, coldImports } from './bench/lambda-bundle.js';
import { measureStepFunctions, USD_PER_TRANSITION } from './bench/lambda-sfn.js';
import type { Phase } from './bench/phases.js';
import { locationsFleetShape } from './bench/plans.js';
import { max, median } from './bench/stats.js';
import { duration, megabytes, renderTable, seconds, type Row } from './bench/table.js';
import { measureWaits, overheadRatio, summarizePhases, type ModeMeasure } from './bench/wait-overhead.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench-results');
const BUILD = join(RESULTS, '.build');

const USAGE = 'usage: npm run bench [-- --quick] [-- --only waits,scale,lambda,cli] [-- --scale-timeout SECONDS]';
const SECTIONS = ['waits', 'scale', 'lambda', 'cli'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, 'scale-timeout': { type: 'string' }, help: { type: 'boolean', default: false } }, strict: true });
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const only = new Set((values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()) as Section[]);
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}\n${USAGE}`);
const quick = values.quick;

const plan = {
  worlds: quick ? 2 : 5,
  scaleSizes: quick ? [25, 50] : [25, 50, 100, 200],
  // Wall time and peak RSS vary by ±10% between identical runs here (GC timing): the median of three is judged.
  scaleSamples: quick ? 1 : 3,
  // Ten times the 200-cluster target: enough to show a miss without holding the bench for long.
  scaleTimeoutMs: Number(values['scale-timeout'] ?? 200) * 1000,
  coldSamples: quick ? 10 : 20,
  cliSamples: quick ? 10 : 20,
  // The handler's default, and (full runs) the previous default of 10 s, to show why it changed.
  inlineWaits: quick ? [DEFAULT_INLINE_WAIT_MS] : [DEFAULT_INLINE_WAIT_MS, 10_000],
};

const rows: Row[] = [];
const details: Record<string, unknown> = {};
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);
const pass = (ok: boolean): 'PASS' | 'FAIL' => (ok ? 'PASS' : 'FAIL');

// ---------------------------------------------------------------- 1, 2: waits and whole-run overhead

const TARGET_MEDIAN_MS = 1_000;
const TARGET_MAX_MS = 5_000;
const TARGET_FACTOR = 5;
/** Waits the baseline script sleeps through rather than observes: no detection delay to compare. */
const SLEPT_BY_BASELINE = new Set<Phase>(['verification window', 'ramp hold']);

function waitRows(measures: ModeMeasure[]): void {
  for (const m of measures) {
    // Judged on routine runs (the store holds an earlier run of the plan, as scheduled maintenance does);
    // first runs (empty store: nothing learned, the first cluster's cache operations are looked at with a
    // backoff) are shown beside them, labelled, not judged.
    const q = new Map(summarizePhases(m.quiesce).map((p) => [p.phase, p]));
    const first = new Map(summarizePhases(m.quiesceFirst).map((p) => [p.phase, p]));
    const b = new Map(summarizePhases(m.baseline).map((p) => [p.phase, p]));
    for (const [phase, qs] of q) {
      const bs = b.get(phase as Phase);
      const quiesceOk = qs.medianX <= TARGET_MEDIAN_MS && qs.maxX <= TARGET_MAX_MS && qs.early === 0;
      let baselineText = 'baseline: no such wait (it does not read the weight back)';
      let factorOk = true;
      if (bs && SLEPT_BY_BASELINE.has(phase)) {
        baselineText = `baseline sleeps the plan's ${phase === 'ramp hold' ? 'hold' : 'stableFor'} and reads no evidence (x ${seconds(bs.medianX)}, ${bs.early}/${bs.n} before the world was ready)`;
      } else if (bs && bs.early > 0) {
        baselineText = `baseline fooled: moved on ${seconds(-bs.maxX, 0)} to ${seconds(-bs.minX, 0)} before the world was ready (${bs.early}/${bs.n}${phase === 'cache failover' ? '; Status stays available during a TestFailover' : ''})`;
      } else if (bs) {
        const factor = bs.medianX / Math.max(qs.medianX, 1);
        factorOk = qs.medianX === 0 || factor >= TARGET_FACTOR;
        baselineText = `baseline ${seconds(bs.medianX)} / ${seconds(bs.maxX)} (${qs.medianX > 0 ? `${factor.toFixed(0)}x` : 'quiesce 0'})`;
      }
      rows.push({
        section: '1',
        measure: `${m.mode} drain: ${phase}, routine run (n=${qs.n})`,
        value: `quiesce ${seconds(qs.medianX)} / ${seconds(qs.maxX)}; ${baselineText}`,
        target: `median <= 1 s, max <= 5 s, >= 5x lower`,
        result: pass(quiesceOk && factorOk),
        data: { mode: m.mode, phase, run: 'routine', quiesce: qs, baseline: bs ?? null },
      });
      const fs = first.get(phase);
      if (fs) {
        rows.push({
          section: '1',
          measure: `${m.mode} drain: ${phase}, first run, empty store (n=${fs.n})`,
          value: `quiesce ${seconds(fs.medianX)} / ${seconds(fs.maxX)}${fs.early ? `; ${fs.early} moved on early` : ''}`,
          target: 'info (nothing learned yet)',
          result: 'info',
          data: { mode: m.mode, phase, run: 'first', quiesce: fs },
        });
      }
    }
    const qCalls = median(m.quiesce.map((r) => r.calls));
    const firstCalls = median(m.quiesceFirst.map((r) => r.calls));
    const bCalls = median(m.baseline.map((r) => r.calls));
    const refused = median(m.baseline.map((r) => Number(r.notes.refused ?? 0)));
    rows.push({
      section: '1',
      measure: `${m.mode} drain: API calls per run, routine run`,
      value: `quiesce ${qCalls} (first run, empty store: ${firstCalls}); baseline ${bCalls} (of which ${refused} refused while the failover it missed ran)`,
      target: '<= baseline',
      result: pass(qCalls <= bCalls),
      data: { mode: m.mode, quiesce: m.quiesce.map((r) => r.callsByCommand), quiesceFirst: m.quiesceFirst.map((r) => r.callsByCommand), baseline: m.baseline.map((r) => r.callsByCommand) },
    });
    const qo = overheadRatio(m.quiesce);
    const fo = overheadRatio(m.quiesceFirst);
    const bo = overheadRatio(m.baseline);
    rows.push({
      section: '2',
      measure: `${m.mode} drain: run time / unavoidable AWS time, routine run`,
      value: `quiesce ${qo.median.toFixed(4)} (max ${qo.max.toFixed(4)}; ${duration(qo.totalMs)} / ${duration(qo.unavoidableMs)}; first run, empty store: max ${fo.max.toFixed(4)}); baseline ${bo.median.toFixed(4)}`,
      target: '<= 1.02',
      result: pass(qo.max <= 1.02),
      data: { mode: m.mode, quiesce: qo, quiesceFirst: fo, baseline: bo, violations: m.quiesce.map((r) => r.notes), violationsFirst: m.quiesceFirst.map((r) => r.notes) },
    });
  }
}

// ---------------------------------------------------------------- 3: scale

interface ScaleResult {
  clusters: number;
  targets: number;
  store: string;
  status: string;
  reason?: string;
  violations: number | null;
  locations: number;
  balancers: number;
  /** The world's synthetic settings (docs/sandbox.md): none for these fleets; a row fails on any. */
  synthetic: string[];
  wallMs: number;
  /** User + system CPU time: what the machine's other load does not stretch. */
  cpuMs: number;
  peakRssMb: number;
  virtualHours: number;
  calls: number;
  recordKb: number;
  /** Every run of this size, when the median of several is reported. */
  samples?: Array<{ wallMs: number; cpuMs: number; peakRssMb: number }>;
}

async function buildChildren(): Promise<void> {
  mkdirSync(BUILD, { recursive: true });
  // Bundled once so that each child measures the run, not TypeScript compilation.
  for (const name of ['scale-child', 'example-child']) {
    await build({ entryPoints: [join(ROOT, `scripts/bench/${name}.ts`)], outfile: join(BUILD, `${name}.mjs`), bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', logLevel: 'warning' });
  }
}

/**
 * The scale fleets: 5 clusters per listener (an ALB forward action holds at most 5 target groups), 4
 * listeners per ALB (scripts/bench/plans.ts says why). minActiveClusters 4 holds at each listener, so one
 * of its 5 is out at a time; maxOutOfService 10 across the fleet, as before the fleets had locations.
 */
const SCALE_MAX_OUT = 10;
const SCALE_MIN_ACTIVE_PER_LOCATION = 4;

function scaleRun(clusters: number, store: 'memory' | 'file'): ScaleResult | { clusters: number; store: string; status: 'timeout' | 'crashed'; reason: string } {
  progress(`scale: ${clusters} clusters x 50 targets, ${store} store`);
  const stateDir = store === 'file' ? mkdtempSync(join(tmpdir(), 'quiesce-bench-')) : undefined;
  const args = [join(BUILD, 'scale-child.mjs'), String(clusters), '50', String(SCALE_MAX_OUT), String(SCALE_MIN_ACTIVE_PER_LOCATION), store, ...(stateDir ? ['--state-dir', stateDir] : [])];
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: plan.scaleTimeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  if (child.error || child.status !== 0) {
    const timedOut = (child.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || child.signal === 'SIGTERM';
    const beats = child.stderr.split('\n').filter((l) => l.startsWith('{"heartbeat"'));
    const last = beats.length ? (JSON.parse(beats.at(-1)!) as { wallMs: number; peakRssMb: number; virtualHours: number }) : undefined;
    const reason = timedOut
      ? `stopped at the ${plan.scaleTimeoutMs / 1000} s limit${last ? ` after ${last.virtualHours.toFixed(1)} virtual hours, peak RSS ${last.peakRssMb.toFixed(0)} MiB so far` : ''}`
      : child.stderr.split('\n').filter((l) => !l.startsWith('{"heartbeat"')).join('\n').slice(-500);
    return { clusters, store, status: timedOut ? 'timeout' : 'crashed', reason };
  }
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ScaleResult;
}

/** The run of median wall time among `samples` runs of one size, with every sample's wall time and peak RSS. */
function scaleMedian(clusters: number): ReturnType<typeof scaleRun> {
  const runs: Array<ReturnType<typeof scaleRun>> = [];
  for (let i = 0; i < plan.scaleSamples; i++) runs.push(scaleRun(clusters, 'memory'));
  const done = runs.filter((r): r is ScaleResult => 'wallMs' in r);
  if (done.length < runs.length) return runs.find((r) => !('wallMs' in r))!;
  const byWall = [...done].sort((a, b) => a.wallMs - b.wallMs);
  const middle = byWall[Math.floor(byWall.length / 2)]!;
  return {
    ...middle,
    wallMs: median(done.map((r) => r.wallMs)),
    cpuMs: median(done.map((r) => r.cpuMs)),
    peakRssMb: median(done.map((r) => r.peakRssMb)),
    samples: done.map((r) => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssMb: r.peakRssMb })),
  };
}

/** A scale row names its topology: listeners of 5 clusters on ALBs of 4 listeners. */
function scaleMeasure(clusters: number, store: string): string {
  const { listeners, balancers } = locationsFleetShape(clusters);
  return `scale ${clusters} x 50 (${listeners} listeners of 5 on ${balancers} ALBs), ${store}`;
}

/** 300 MB (10^6 bytes) in MiB, the unit the peak RSS is measured in. */
const RSS_TARGET_MIB = (300 * 1e6) / 2 ** 20;

function scaleRows(): void {
  const results: ReturnType<typeof scaleRun>[] = [];
  for (const n of plan.scaleSizes) results.push(scaleMedian(n));
  const done = results.filter((r): r is ScaleResult => 'wallMs' in r);
  for (const r of results) {
    const biggest = r.clusters === 200;
    if (!('wallMs' in r)) {
      rows.push({ section: '3', measure: scaleMeasure(r.clusters, 'memory store'), value: `${r.status}: ${r.reason}`, target: biggest ? `< 20 s, < 300 MB (${RSS_TARGET_MIB.toFixed(0)} MiB)` : 'growth', result: 'FAIL', data: r });
      continue;
    }
    rows.push({
      section: '3',
      measure: `${scaleMeasure(r.clusters, 'memory store')}${plan.scaleSamples > 1 ? `, median of ${plan.scaleSamples}` : ''}`,
      value: `${seconds(r.wallMs)} wall (${seconds(r.cpuMs)} CPU), ${r.peakRssMb.toFixed(0)} MiB (${((r.peakRssMb * 2 ** 20) / 1e6).toFixed(0)} MB) peak RSS, ${r.virtualHours.toFixed(1)} h virtual, ${r.calls} calls, ${r.status}, ${r.violations ?? 'unknown'} violations`,
      target: biggest ? `< 20 s, < 300 MB (${RSS_TARGET_MIB.toFixed(0)} MiB)` : 'growth (below)',
      result: r.status !== 'done' || r.violations !== 0 || r.synthetic.length > 0 ? 'FAIL' : biggest ? pass(r.wallMs < 20_000 && r.peakRssMb < RSS_TARGET_MIB) : 'info',
      data: r,
    });
  }
  if (done.length >= 2) {
    const steps = done.slice(1).map((r, i) => ({ from: done[i]!.clusters, to: r.clusters, wall: r.wallMs / done[i]!.wallMs, cpu: r.cpuMs / done[i]!.cpuMs, calls: r.calls / done[i]!.calls, rss: r.peakRssMb / done[i]!.peakRssMb }));
    const worst = max(steps.map((s) => s.wall / (s.to / s.from)));
    rows.push({
      section: '3',
      measure: 'scale growth per doubling of clusters (listeners of 5)',
      value: `wall ${steps.map((s) => `x${s.wall.toFixed(2)}`).join(', ')}; CPU ${steps.map((s) => `x${s.cpu.toFixed(2)}`).join(', ')}; calls ${steps.map((s) => `x${s.calls.toFixed(2)}`).join(', ')}; RSS ${steps.map((s) => `x${s.rss.toFixed(2)}`).join(', ')}`,
      target: 'linear (x2 per doubling)',
      result: pass(worst <= 1.25),
      data: { steps },
    });
  }
  // The CLI's file store at one size (full runs only: it takes minutes, see docs/performance.md).
  const file = quick ? undefined : scaleRun(25, 'file');
  if (file) {
    rows.push({
      section: '3',
      measure: scaleMeasure(25, "file store (the CLI's)"),
      value: 'wallMs' in file ? `${seconds(file.wallMs)} wall, ${file.peakRssMb.toFixed(0)} MiB peak RSS, ${file.status}` : `${file.status}: ${file.reason}`,
      target: 'info',
      result: 'info',
      data: file,
    });
  }
  // The example plan in both stores: what a user waits for with `quiesce run --sandbox` (file store).
  const example: Record<string, unknown> = {};
  for (const store of ['memory', 'file'] as const) {
    progress(`scale: the example plan, ${store} store`);
    const child = spawnSync(process.execPath, [join(BUILD, 'example-child.mjs'), 'weight', store], { cwd: ROOT, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`example-child ${store}: ${child.stderr}`);
    example[store] = JSON.parse(child.stdout.trim()) as { wallMs: number };
  }
  const wall = (k: string) => (example[k] as { wallMs: number }).wallMs;
  rows.push({
    section: '3',
    measure: 'example plan (3 clusters), one run',
    value: `memory store ${seconds(wall('memory'))}, file store ${seconds(wall('file'))} wall`,
    target: 'info',
    result: 'info',
    data: example,
  });
  details.scale = { results, file, example };
}

// ---------------------------------------------------------------- 4: Lambda

async function lambdaRows(): Promise<void> {
  const out = join(RESULTS, 'lambda');
  for (const variant of [{ name: 'deployed', runtimeSdk: false }, { name: 'runtime-sdk', runtimeSdk: true }]) {
    progress(`lambda: bundle (${variant.name}) and ${plan.coldSamples} cold imports`);
    const bundle = await buildHandlerBundle(ROOT, out, variant);
    const cold = coldImports(bundle.file, plan.coldSamples, true);
    const deployed = variant.name === 'deployed';
    rows.push({
      section: '4',
      measure: deployed ? 'bundle size (as deployed: SDK bundled, minified)' : 'bundle size, SDK left to the runtime (not deployed)',
      value: `${megabytes(bundle.bytes)} (+ ${megabytes(bundle.mapBytes)} source map); largest: ${bundle.top.slice(0, 4).map((t) => `${t.name} ${(t.bytes / 1000).toFixed(0)} kB`).join(', ')}`,
      target: '<= 1 MB',
      result: deployed ? pass(bundle.bytes <= 1_000_000) : 'info',
      data: bundle,
    });
    rows.push({
      section: '4',
      measure: `cold import, ${deployed ? 'as deployed' : 'SDK from node_modules'} (--enable-source-maps, median of ${plan.coldSamples})`,
      value: `${median(cold.importMs).toFixed(0)} ms (max ${max(cold.importMs).toFixed(0)}); import + first invocation ${median(cold.firstInvokeMs).toFixed(0)} ms`,
      target: '<= 150 ms',
      result: deployed ? pass(median(cold.importMs) <= 150) : 'info',
      data: cold,
    });
  }
  progress(`lambda: Step Functions locally, inlineWaitMs ${plan.inlineWaits.join(', ')}`);
  for (const m of await measureStepFunctions(plan.inlineWaits)) {
    const perCluster = m.transitions / m.clusters;
    const lambdaSeconds = m.inlineMs / 1000;
    rows.push({
      section: '4',
      measure: `Step Functions transitions per cluster, inlineWaitMs ${m.inlineWaitMs / 1000} s${m.inlineWaitMs === DEFAULT_INLINE_WAIT_MS ? ' (the handler default)' : ''}`,
      value: `${perCluster.toFixed(1)} (${m.transitions} for ${m.clusters} clusters, ${m.invocations} invocations, $${(m.transitions * USD_PER_TRANSITION).toFixed(4)} per run); longest invocation waits ${duration(m.longestInvocationMs)} inline (Lambda timeout 5 min), ${Math.round(lambdaSeconds)} s inline in all`,
      target: '<= 40, and every invocation within the Lambda timeout',
      result: pass(perCluster <= 40 && m.longestInvocationMs <= 300_000),
      data: m,
    });
  }
}

// ---------------------------------------------------------------- 5: CLI start

function cliRows(): void {
  progress(`cli: ${plan.cliSamples} runs of quiesce validate`);
  const samples = cliStartMs(ROOT, plan.cliSamples);
  rows.push({ section: '5', measure: `quiesce validate, process start to exit (median of ${plan.cliSamples})`, value: `${median(samples).toFixed(0)} ms (max ${max(samples).toFixed(0)})`, target: '<= 300 ms', result: pass(median(samples) <= 300), data: { samples } });
}

// ---------------------------------------------------------------- run

const started = performance.now();
const environment = {
  startedAt: new Date().toISOString(),
  quick,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  loadAverageAtStart: loadavg(),
  commit: git(['rev-parse', '--short', 'HEAD']),
  uncommittedFiles: git(['status', '--porcelain']).split('\n').filter(Boolean).length,
};

if (only.has('waits')) {
  progress(`waits: the example plan in both drain modes, ${plan.worlds} worlds, quiesce and the SDK-waiter baseline`);
  const measures = await measureWaits(plan.worlds);
  waitRows(measures);
  details.waits = measures.map((m) => ({ mode: m.mode, quiesce: m.quiesce, quiesceFirst: m.quiesceFirst, baseline: m.baseline }));
}
if (only.has('scale')) {
  await buildChildren();
  scaleRows();
}
if (only.has('lambda')) await lambdaRows();
if (only.has('cli')) cliRows();

const table = renderTable(rows);
process.stdout.write(`${table}\n`);
mkdirSync(RESULTS, { recursive: true });
const report = { environment: { ...environment, loadAverageAtEnd: loadavg(), wallSeconds: (performance.now() - started) / 1000 }, rows, details };
const stamp = environment.startedAt.replace(/[:.]/g, '-');
writeFileSync(join(RESULTS, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; bench-results/bench-${stamp}.json`);

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

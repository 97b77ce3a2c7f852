// Sections 1 and 2: detection delay per wait phase and whole-run overhead, for quiesce and for the
// SDK-waiter baseline, on the same plan and the same worlds, on the sandbox's virtual clock.
import type { Plan } from '../../src/plan/schema.js';
import { defaultWorldFromPlan, HISTORY_MS, parseWorldFile } from '../../src/sandbox/index.js';
import { connectToWorld, sandboxReport } from '../../src/connect/index.js';
import { createRun, driveRun } from '../../src/run/engine.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { RunStore } from '../../src/store/run-store.js';
import pino from 'pino';
import { createCallCounter } from './call-counter.js';
import { judge, PHASES, quiesceObservations, unavoidableMs, type Phase, type PhaseSample } from './phases.js';
import { examplePlan } from './plans.js';
import { max, median } from './stats.js';
import { runWaiterBaseline } from './waiter-baseline.js';
import { tapWorld } from './world-tap.js';
import { benchWorlds, type BenchWorld } from './worlds.js';
import { cacheEvents } from './world-truth.js';

export type DrainMode = 'weight' | 'deregister';

export interface RunMeasure {
  world: string;
  samples: PhaseSample[];
  calls: number;
  callsByCommand: Record<string, number>;
  totalMs: number;
  unavoidableMs: number;
  /** Extra facts: violations and failed requests (quiesce), refused calls (baseline). */
  notes: Record<string, unknown>;
}

export interface ModeMeasure {
  mode: DrainMode;
  /** Routine runs: the store holds an earlier run of the same plan (scheduled maintenance). Targets are judged on these. */
  quiesce: RunMeasure[];
  /** First runs: an empty store, nothing learned yet. Shown, labelled, not judged. */
  quiesceFirst: RunMeasure[];
  baseline: RunMeasure[];
}

const logger = pino({ level: 'silent' });

/**
 * One quiesce run against a fresh copy of the world (same drawn timings, state as at the start), with
 * `store` as its state: empty for a first run, holding the first run for a routine one.
 */
async function quiesceRun(plan: Plan, world: BenchWorld, store: RunStore, runId: string): Promise<RunMeasure> {
  const w = defaultWorldFromPlan(plan, parseWorldFile(world.yaml, 'bench-world.yaml'), 'bench-world.yaml', { historyMs: HISTORY_MS });
  const initialWeights = Object.fromEntries(plan.fleet.clusters.map((c) => [c.targetGroupArn, w.weights()[c.name] ?? 1]));
  const tap = tapWorld(w);
  const calls = createCallCounter();
  const connect = async () => ({ ...connectToWorld(w, plan, logger, { configure: (client) => calls.attach(client) }), sandboxReport: (final: boolean) => sandboxReport(w, final) });
  await createRun({ store }, { runId, plan, target: { kind: 'sandbox' }, now: w.now() });
  const startedAt = w.now();
  const result = await driveRun({ store, logger, connect, owner: 'bench' }, runId, { until: 'end' });
  if (result.status !== 'done') throw new Error(`quiesce run on ${world.name} ended ${result.status}: ${result.reason ?? ''}`);
  const journal = await store.readJournal(runId);
  const events = await cacheEvents(w, plan.region, startedAt - 3_600_000);
  const samples = judge({ world: w, plan, tap, events, caller: 'quiesce' }, quiesceObservations(plan, journal, tap, initialWeights));
  return {
    world: world.name,
    samples,
    calls: calls.total(),
    callsByCommand: calls.snapshot(),
    totalMs: journal.at(-1)!.at - startedAt,
    unavoidableMs: unavoidableMs(samples),
    notes: { violations: result.sandbox?.violations.length ?? null, failedRequests: result.sandbox?.traffic.failed ?? null },
  };
}

async function baselineRun(plan: Plan, world: BenchWorld, seed: number): Promise<RunMeasure> {
  const run = await runWaiterBaseline(plan, world.yaml, seed);
  const events = await cacheEvents(run.world, plan.region, run.startedAt - 3_600_000);
  const samples = judge({ world: run.world, plan, tap: run.tap, events, caller: 'baseline' }, run.observations);
  return {
    world: world.name,
    samples,
    calls: run.calls.total(),
    callsByCommand: run.calls.snapshot(),
    totalMs: run.endedAt - run.startedAt,
    unavoidableMs: unavoidableMs(samples),
    notes: { refused: run.refused.length, violations: run.world.violations.length, failedRequests: run.world.traffic.failed },
  };
}

export async function measureWaits(worldCount: number): Promise<ModeMeasure[]> {
  const out: ModeMeasure[] = [];
  for (const mode of ['weight', 'deregister'] as const) {
    const plan = examplePlan(mode);
    const worlds = benchWorlds(plan, worldCount);
    const measure: ModeMeasure = { mode, quiesce: [], quiesceFirst: [], baseline: [] };
    for (const [i, world] of worlds.entries()) {
      // The same store for both: the routine run finds the first one's learned durations, as a scheduled
      // run of the same plan does. The baseline keeps nothing between runs, so one run of it stands for both.
      const store = createMemoryStore();
      measure.quiesceFirst.push(await quiesceRun(plan, world, store, 'run-bench-first'));
      measure.quiesce.push(await quiesceRun(plan, world, store, 'run-bench-routine'));
      measure.baseline.push(await baselineRun(plan, world, 100 + i));
    }
    out.push(measure);
  }
  return out;
}

export interface PhaseSummary {
  phase: Phase;
  n: number;
  medianX: number;
  maxX: number;
  /** Samples where the orchestrator moved on before the world was ready. */
  early: number;
  minX: number;
}

export function summarizePhases(runs: RunMeasure[]): PhaseSummary[] {
  const all = runs.flatMap((r) => r.samples);
  return PHASES.map((phase) => {
    const xs = all.filter((s) => s.phase === phase).map((s) => s.x);
    return { phase, n: xs.length, medianX: median(xs), maxX: max(xs), minX: xs.length ? Math.min(...xs) : Number.NaN, early: xs.filter((x) => x < 0).length };
  }).filter((p) => p.n > 0);
}

export function overheadRatio(runs: RunMeasure[]): { median: number; max: number; totalMs: number; unavoidableMs: number } {
  const ratios = runs.map((r) => r.totalMs / r.unavoidableMs);
  return { median: median(ratios), max: max(ratios), totalMs: median(runs.map((r) => r.totalMs)), unavoidableMs: median(runs.map((r) => r.unavoidableMs)) };
}

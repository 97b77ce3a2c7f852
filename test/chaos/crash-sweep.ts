// The crash sweep (issue 8.1, docs/reliability.md). A reference run of a 3-cluster plan records where
// every journal append ends; then, for each of those crash points, a real CLI process runs the plan and
// SIGKILLs itself right after that append is durable (QUIESCE_CRASH_AFTER_JOURNAL), `quiesce resume`
// finishes the run, and the end is compared with the reference: same statuses, same weights, same target
// lists, same caches, no cache operation started twice, no failed request, zero violations.
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { worldPathFor } from '../../src/cli/environment.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { sandboxConnector } from '../../src/connect/index.js';
import { createRun, driveRun } from '../../src/run/engine.js';
import { HISTORY_MS, loadWorld, worldFromFile } from '../../src/sandbox/index.js';
import { createFileStore } from '../../src/store/file-store.js';
import { localOwner } from '../../src/store/owner.js';
import type { JournalEntry, RunStore } from '../../src/store/run-store.js';
import { ROOT, scratchDir, spawnQuiesce } from './child-cli.js';
import { quiesce } from './in-process-cli.js';
import { summarizeWorld, type WorldSummary } from './world-summary.js';

export interface SweepFixture {
  plan: string;
  world: string;
}

export const CRASH_SWEEP_FIXTURE: SweepFixture = {
  plan: 'test/chaos/fixtures/crash-sweep.plan.yaml',
  world: 'test/chaos/fixtures/crash-sweep.world.yaml',
};

export interface RunEnd {
  status: string;
  clusters: Array<{ name: string; state: string }>;
  world: WorldSummary;
}

export interface CrashPoint {
  /** The journal seq the crash follows: the last entry of one durable append. */
  seq: number;
  kind: JournalEntry['kind'];
  message: string;
}

export interface Reference {
  points: CrashPoint[];
  journal: JournalEntry[];
  end: RunEnd;
  /** The world before the run: every weight and target list must come back to it. */
  initial: WorldSummary;
}

export interface CrashResult {
  point: CrashPoint;
  /** Where the child actually died (the journal's last seq), or null if it finished first. */
  diedAfter: number | null;
  resumeCode: number;
  problems: string[];
}

const RUN_ID = 'crash-sweep';

function readJournal(stateDir: string): JournalEntry[] {
  const text = readFileSync(join(stateDir, 'runs', RUN_ID, 'journal.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalEntry);
}

function runEnd(stateDir: string): RunEnd {
  const record = JSON.parse(readFileSync(join(stateDir, 'runs', RUN_ID, 'run.json'), 'utf8')) as { status: string; clusters: Record<string, { state: string }> };
  const world = loadWorld(worldPathFor(stateDir, RUN_ID));
  world.finalAudit();
  return {
    status: record.status,
    clusters: Object.entries(record.clusters).map(([name, c]) => ({ name, state: c.state })),
    world: summarizeWorld(world),
  };
}

/** A file store that remembers where each append ended: those are the crash points. */
function recording(store: RunStore, boundaries: number[]): RunStore {
  return {
    ...store,
    async appendJournal(runId, entries) {
      const written = await store.appendJournal(runId, entries);
      if (written.length) boundaries.push(written.at(-1)!.seq);
      return written;
    },
  };
}

/** The uncrashed run, in this process, exactly as `quiesce run` drives it. */
export async function referenceRun(fixture: SweepFixture = CRASH_SWEEP_FIXTURE): Promise<Reference> {
  const stateDir = scratchDir('quiesce-sweep-ref-');
  try {
    const plan = loadPlanFile(resolve(ROOT, fixture.plan));
    const worldFile = resolve(ROOT, fixture.world);
    const boundaries: number[] = [];
    const store = recording(createFileStore(stateDir), boundaries);
    const logger = pino({ level: 'silent' });
    const connect = sandboxConnector({ logger, worldPath: (r) => worldPathFor(stateDir, r.runId) });
    await createRun({ store }, { runId: RUN_ID, plan, target: { kind: 'sandbox', worldFile }, now: Date.now() });
    await driveRun({ store, logger, connect, owner: localOwner() }, RUN_ID, { until: 'end' });
    const journal = readJournal(stateDir);
    const bySeq = new Map(journal.map((e) => [e.seq, e]));
    const initial = summarizeWorld(worldFromFile(plan, worldFile, { historyMs: HISTORY_MS }));
    return {
      points: boundaries.map((seq) => ({ seq, kind: bySeq.get(seq)!.kind, message: bySeq.get(seq)!.message })),
      journal,
      end: runEnd(stateDir),
      initial,
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Crash after `point`, resume, and list every way the end differs from the reference. */
export async function crashAt(reference: Reference, point: CrashPoint, fixture: SweepFixture = CRASH_SWEEP_FIXTURE): Promise<CrashResult> {
  const stateDir = scratchDir('quiesce-sweep-');
  try {
    const child = spawnQuiesce(['run', fixture.plan, '--sandbox', fixture.world, '--state-dir', stateDir, '--run-id', RUN_ID, '--json'], {
      QUIESCE_TEST_HOOKS: '1',
      QUIESCE_CRASH_AFTER_JOURNAL: String(point.seq),
    });
    const exit = await child.exited;
    const problems: string[] = [];
    const diedAfter = exit.signal === 'SIGKILL' ? (readJournal(stateDir).at(-1)?.seq ?? 0) : null;
    if (diedAfter === null) problems.push(`the run did not crash after entry ${point.seq}: exit ${exit.code}, ${exit.stderr.trim().split('\n').at(-1) ?? ''}`);
    else if (diedAfter !== point.seq) problems.push(`died after entry ${diedAfter}, not ${point.seq}: the run is not deterministic`);
    const resumed = await quiesce(['resume', RUN_ID, '--state-dir', stateDir, '--json']);
    if (resumed.stderr.includes('    at ')) problems.push(`resume printed a stack trace: ${resumed.stderr}`);
    problems.push(...compareEnds(reference, runEnd(stateDir)));
    return { point, diedAfter, resumeCode: resumed.code, problems };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export function compareEnds(reference: Reference, end: RunEnd): string[] {
  const problems: string[] = [];
  const same = (what: string, expected: unknown, actual: unknown) => {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  same('status', reference.end.status, end.status);
  same('cluster states', reference.end.clusters, end.clusters);
  same('clusters', reference.end.world.clusters, end.world.clusters);
  same('cache operations started', reference.end.world.cacheOperations, end.world.cacheOperations);
  same('failed requests', reference.end.world.failedRequests, end.world.failedRequests);
  same('weights at each location', reference.end.world.weightsByLocation, end.world.weightsByLocation);
  if (end.world.violations.length) problems.push(`violations: ${end.world.violations.join('; ')}`);
  for (const [name, initial] of Object.entries(reference.initial.clusters)) {
    const now = end.world.clusters[name];
    same(`${name} weight back`, initial.weight, now?.weight);
    same(`${name} targets back`, initial.targets, now?.targets);
  }
  return problems;
}

/**
 * The subset `npm test` runs: every crash right after an intent (between "about to change AWS" and the
 * change), every 10th point, and the points where the campaign found bugs: right after a weight went to
 * 0 (resumed into preflight, the run took its own change for drift) and right after a modify was
 * requested (resumed, it sent the modify again).
 */
export function testSubset(points: CrashPoint[]): CrashPoint[] {
  const regression = (p: CrashPoint) => p.kind === 'effect' && /: weight \d+ -> 0$|ElastiCache modify requested/.test(p.message);
  return points.filter((p, i) => p.kind === 'intent' || i % 10 === 0 || regression(p));
}

/** Runs `work` over `items` with at most `limit` at a time, in order of the items. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>, onDone?: (result: R) => void): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
      onDone?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

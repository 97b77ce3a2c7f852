import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FLEET_CACHE_DEFAULTS, fleetPlan as fleet } from '../../scripts/bench/plans.js';
import type { Plan } from '../../src/plan/schema.js';
import { connectToWorld, sandboxReport } from '../../src/connect/sandbox.js';
import { createRun, driveRun, requestAbort, type DriveOptions, type DriveResult, type EngineDeps } from '../../src/run/engine.js';
import { defaultWorldFromPlan, HISTORY_MS, parseWorldFile } from '../../src/sandbox/index.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { RunRecord, RunStore, SaveHint } from '../../src/store/run-store.js';

// The engine's own behaviour on the sandbox: the same plan and world give the same virtual timeline,
// writes are grouped, saves name the clusters that moved, and `wait` mode keeps to its deadline.

const logger = pino({ level: 'silent' });

interface Counted {
  store: RunStore;
  appends: number;
  saves: number;
  hints: Array<SaveHint | undefined>;
}

/** A memory store that counts its writes (wrapping every method, so the hint reaches the store). */
function counted(): Counted {
  const memory = createMemoryStore();
  const out: Counted = { store: memory, appends: 0, saves: 0, hints: [] };
  out.store = {
    ...memory,
    appendJournal: async (runId, entries) => {
      out.appends++;
      return memory.appendJournal(runId, entries);
    },
    saveRun: async (record: RunRecord, expected: number, hint?: SaveHint) => {
      out.saves++;
      out.hints.push(hint);
      return memory.saveRun(record, expected, hint);
    },
  };
  return out;
}

interface Hooks {
  /** Called with the store and each progress view (at the loop's quiet points: a point of the run itself). */
  onProgress?: (store: RunStore, view: { now: number; status: string }) => void;
}

async function rehearse(plan: Plan, options: () => DriveOptions = () => ({ until: 'end' }), hooks: Hooks = {}) {
  const counts = counted();
  const store = counts.store;
  const world = defaultWorldFromPlan(plan, parseWorldFile(`defaults: { targets: 5, ${FLEET_CACHE_DEFAULTS} }\n`, 'world.yaml'), 'world.yaml', { historyMs: HISTORY_MS });
  const startedAt = world.now();
  const connection = { ...connectToWorld(world, plan, logger), sandboxReport: (final: boolean) => sandboxReport(world, final) };
  const onProgress = hooks.onProgress;
  const deps: EngineDeps = { store, logger, connect: async () => connection, owner: 'test', ...(onProgress ? { onProgress: (view) => onProgress(store, view) } : {}) };
  await createRun({ store }, { runId: 'run-1', plan, target: { kind: 'sandbox' }, now: 0 });
  const results: DriveResult[] = [];
  /** Virtual time each call waited through itself (after moving to where the previous call asked to resume). */
  const spans: number[] = [];
  for (;;) {
    const from = Math.max(world.now(), (await store.loadRun('run-1'))?.resumeAt ?? 0);
    const result = await driveRun(deps, 'run-1', options());
    results.push(result);
    spans.push(world.now() - from);
    if (result.status !== 'running') break;
  }
  const journal = await store.readJournal('run-1');
  return { counts, results, spans, journal, last: results.at(-1)!, startedAt };
}

const timeline = (journal: Array<{ at: number; kind: string; message: string }>) => journal.map((e) => `${e.at} ${e.kind} ${e.message}`);

describe('engine on the sandbox', () => {
  it('two runs of one plan and world, clusters concurrent, give the same virtual timeline', async () => {
    const plan = fleet(5, 3);
    const a = await rehearse(plan);
    const b = await rehearse(plan);
    expect(a.last.status).toBe('done');
    expect(a.last.sandbox?.violations).toEqual([]);
    expect(timeline(b.journal)).toEqual(timeline(a.journal));
  });

  it('takes up an abort request at the same virtual instant in two runs', async () => {
    const plan = fleet(4, 2);
    const abortedRun = async () => {
      let request: Promise<void> | undefined;
      let first: number | undefined;
      const run = await rehearse(plan, undefined, {
        // Asked once the run is 20 virtual minutes in.
        onProgress: (store, view) => {
          first ??= view.now;
          if (request || view.status !== 'running' || view.now < first + 20 * 60_000) return;
          request = requestAbort({ store }, 'run-1', 'alice', 'change freeze', 0);
        },
      });
      await request;
      return run;
    };
    const a = await abortedRun();
    const b = await abortedRun();
    expect(a.last.status).toBe('aborted');
    expect(a.journal.some((e) => e.kind === 'operator' && e.message.startsWith('abort by alice taken up'))).toBe(true);
    expect(timeline(b.journal)).toEqual(timeline(a.journal));
  });

  it('groups journal entries into few appends, and saves only the clusters that moved', async () => {
    const { counts, journal, last } = await rehearse(fleet(5, 3));
    expect(last.status).toBe('done');
    // One append per commit, not one per entry (transitions, intents, effects and checks together).
    expect(counts.appends).toBeLessThan(journal.length / 2);
    const hinted = counts.hints.filter((h): h is SaveHint => h !== undefined);
    // Saves name what changed (all but those that add a cluster), never more than the three in flight of five.
    expect(hinted.length).toBeGreaterThan(counts.saves / 2);
    expect(Math.max(...hinted.map((h) => h.changedClusters.length))).toBeLessThanOrEqual(3);
  });

  it('in wait mode, never waits inline past its deadline, and waits inline when it may', async () => {
    const plan = fleet(3, 1);
    const windowMs = 2 * 60_000;
    // The deadline is real time; on the virtual clock it bounds the virtual time one call waits through.
    const { results, spans, last } = await rehearse(plan, () => ({ until: 'wait', inlineWaitMs: 10 * 60_000, deadline: Date.now() + windowMs }));
    expect(last.status).toBe('done');
    expect(Math.max(...spans)).toBeLessThanOrEqual(windowMs);
    expect(spans.filter((s) => s > 0).length).toBeGreaterThan(0);
    // Every call but the last returned to wait, saying how long.
    expect(results.slice(0, -1).every((r) => r.status === 'running' && (r.waitSeconds ?? 0) >= 1)).toBe(true);
  });
});

// One random fault schedule, run in this process through the real engine, the sandbox connector (the
// same SDK clients and adapters as a CLI run) and a memory store, then judged for safety and liveness.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { sandboxConnector } from '../../src/connect/index.js';
import { createRun, driveRun, requestAbort, type DriveResult, type EngineDeps } from '../../src/run/engine.js';
import { defaultWorldFromPlan, HISTORY_MS, loadWorld, saveWorld, type Violation } from '../../src/sandbox/index.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { scratchDir } from './child-cli.js';
import { planFor, virtualBoundMs } from './fault-plans.js';
import { worldFileFor, type Schedule } from './fault-schedule.js';

export type Ending = 'done' | 'held' | 'paused' | 'aborted';

export interface ScheduleOutcome {
  /** How the run ended, and how it ended after an abort when it had paused first. */
  status: DriveResult['status'];
  statusAfterAbort?: DriveResult['status'];
  /** Pauses the operator approved before the run ended (or was aborted). */
  approvals: number;
  reason?: string;
  weights: Record<string, number>;
  /** Violations attributable to quiesce: its own mutations, and target lists lost at the end. */
  violations: Violation[];
  /** Liveness problems: no ending, no reason, or longer than the plan allows. */
  problems: string[];
  virtualMs: number;
  boundMs: number;
  /** Violations by scripted events (a hand-made weight change mid-maintenance): the world's, not quiesce's. */
  scriptViolations: number;
}

class PastBoundError extends Error {}

/**
 * A run on the virtual clock takes well under a second of real time; one still going after this long is
 * hung (an effect waiting on another without counting as idle stops the clock), and says so instead of
 * holding the whole campaign.
 */
const HUNG_AFTER_MS = 60_000;

async function unlessHung<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PastBoundError(`hung: no end after ${HUNG_AFTER_MS / 1000} s of real time`)), HUNG_AFTER_MS);
  });
  try {
    return await Promise.race([work, hung]);
  } finally {
    clearTimeout(timer);
  }
}

const ENDINGS: ReadonlySet<string> = new Set(['done', 'held', 'paused', 'aborted']);

function reasonProblems(result: DriveResult): string[] {
  const problems: string[] = [];
  if (!ENDINGS.has(result.status)) problems.push(`ended "${result.status}", not done, held, paused or aborted`);
  if (result.status !== 'done' && !result.reason) problems.push(`ended ${result.status} without a reason`);
  for (const c of result.clusters) {
    if ((c.state === 'held' || c.state === 'paused' || c.state === 'aborted') && !c.reason) problems.push(`${c.name} ${c.state} without a reason`);
  }
  return problems;
}

export async function runSchedule(schedule: Schedule): Promise<ScheduleOutcome> {
  const plan = planFor(schedule.plan);
  const dir = scratchDir('quiesce-schedule-');
  try {
    const worldPath = join(dir, 'world.json');
    const world = defaultWorldFromPlan(plan, worldFileFor(schedule), 'schedule', { historyMs: HISTORY_MS });
    saveWorld(world, worldPath);
    const start = world.now();
    const boundMs = virtualBoundMs(plan);
    const store = createMemoryStore();
    const logger = pino({ level: 'silent' });
    const deps: EngineDeps = {
      store,
      logger,
      owner: 'chaos',
      connect: sandboxConnector({ logger, worldPath: () => worldPath }),
      onProgress: (view) => {
        if (view.now - start > boundMs) throw new PastBoundError(`still ${view.status} after ${Math.round((view.now - start) / 60_000)} virtual minutes (bound ${boundMs / 60_000})`);
      },
    };
    const runId = 'chaos';
    await createRun({ store }, { runId, plan, target: { kind: 'sandbox' }, now: 0 });
    const problems: string[] = [];
    let result: DriveResult | undefined;
    let statusAfterAbort: DriveResult['status'] | undefined;
    let approvals = 0;
    try {
      result = await unlessHung(driveRun(deps, runId, { until: 'end' }));
      problems.push(...reasonProblems(result));
      // An operator who approves each pause (twice at most): the run must stay safe whatever it resumes into.
      for (let round = 0; schedule.onPause === 'approve' && result.status === 'paused' && round < 2; round++) {
        result = await unlessHung(driveRun(deps, runId, { until: 'end', operator: { type: 'APPROVE', by: 'chaos' } }));
        approvals++;
        problems.push(...reasonProblems(result).map((p) => `after approval: ${p}`));
      }
      // A pause waits for an operator; the one thing an operator must always be able to do is stop safely.
      if (result.status === 'paused') {
        await requestAbort({ store }, runId, 'chaos', 'the schedule ended in a pause', 0);
        const after = await unlessHung(driveRun(deps, runId, { until: 'end' }));
        statusAfterAbort = after.status;
        problems.push(...reasonProblems(after).map((p) => `after abort: ${p}`));
        result = after;
      }
    } catch (err) {
      problems.push(err instanceof PastBoundError ? err.message : `the run threw: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    const end = loadWorld(worldPath);
    if (result && result.status !== 'paused' && result.status !== 'running') end.finalAudit();
    // A run never ends done while a cluster it finished is out of rotation (issue 15, C13).
    if (result?.status === 'done') {
      const out = Object.entries(end.weights()).filter(([, w]) => w === 0).map(([name]) => name);
      if (out.length) problems.push(`ended done with ${out.join(', ')} out of rotation (weight 0)`);
    }
    const all = end.violations;
    const ours = all.filter((v) => v.caller === 'quiesce' || v.kind === 'target-list-changed');
    return {
      status: result?.status ?? 'running',
      ...(statusAfterAbort ? { statusAfterAbort } : {}),
      approvals,
      ...(result?.reason ? { reason: result.reason } : {}),
      weights: end.weights(),
      violations: ours,
      problems,
      virtualMs: end.now() - start,
      boundMs,
      scriptViolations: all.length - ours.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

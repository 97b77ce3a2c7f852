// The property behind issue 8.2, shared by `npm test` (a fixed seed) and `npm run chaos` (many runs):
// for every random fault schedule, the run is safe (zero violations of quiesce's making) and live (it
// ends done, held, paused or aborted, with a reason, within the plan's virtual bound).
import fc from 'fast-check';
import { planShapeArb } from './fault-plans.js';
import { scheduleArb, type Schedule } from './fault-schedule.js';
import { runSchedule, type ScheduleOutcome } from './schedule-run.js';

export const FAULT_SEED = 20_260_105;

export interface ScheduleTally {
  runs: number;
  endings: Record<string, number>;
  violations: number;
  livenessProblems: number;
  /** Violations by scripted events, not by quiesce (a hand-made weight change mid-maintenance). */
  scriptViolations: number;
  maxVirtualMinutes: number;
}

export function newTally(): ScheduleTally {
  return { runs: 0, endings: {}, violations: 0, livenessProblems: 0, scriptViolations: 0, maxVirtualMinutes: 0 };
}

export function describeFailure(outcome: ScheduleOutcome): string | undefined {
  const lines = [...outcome.violations.map((v) => `violation ${v.kind} (${v.command}): ${v.message}`), ...outcome.problems.map((p) => `liveness: ${p}`)];
  return lines.length ? lines.join('\n') : undefined;
}

/** The property; every outcome is counted into `tally` (shrinking runs included, so count runs separately). */
export function safeAndLive(tally: ScheduleTally, maxEvents?: number) {
  return fc.asyncProperty(scheduleArb(planShapeArb, maxEvents), async (schedule: Schedule) => {
    const outcome = await runSchedule(schedule);
    tally.runs++;
    const approved = outcome.approvals ? `paused, approved${outcome.approvals > 1 ? ` ${outcome.approvals} times` : ''}, then ` : '';
    const ending = outcome.statusAfterAbort ? `${approved || 'paused, then '}${outcome.statusAfterAbort} on abort` : `${approved}${outcome.status}`;
    tally.endings[ending] = (tally.endings[ending] ?? 0) + 1;
    tally.violations += outcome.violations.length;
    tally.livenessProblems += outcome.problems.length;
    tally.scriptViolations += outcome.scriptViolations;
    tally.maxVirtualMinutes = Math.max(tally.maxVirtualMinutes, Math.round(outcome.virtualMs / 60_000));
    const failure = describeFailure(outcome);
    if (failure) throw new Error(failure);
  });
}

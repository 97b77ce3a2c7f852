// How a rehearsal answers the plan's `command` and `http` steps. They act outside AWS (a patch script, a
// webhook), so the sandbox does not run them: the world file scripts each one's outcome and duration, and
// the world keeps a log of every step rehearsed, simulated or (with --real-steps) run for real. This is not
// an AWS behaviour: there is no AWS page to follow; the defaults below are ours and are said to be.
import * as z from 'zod';
import { isWorldDuration, parseWorldDuration } from '../duration.js';

export type RunbookStepKind = 'command' | 'http';
export type RunbookOutcome = 'ok' | 'fail' | 'timeout';

export interface RunbookScriptEntry {
  /** 1-based plan step number; null = any step. */
  step: number | null;
  cluster: string | null;
  kind: RunbookStepKind | null;
  outcome: RunbookOutcome;
  durationMs: number | null;
  exitCode: number | null;
  status: number | null;
  output: string | null;
}

export interface RunbookSettings {
  /** For steps no entry names. */
  default: { outcome: RunbookOutcome; durationMs: number };
  steps: RunbookScriptEntry[];
}

/** A step as rehearsed: what the output and the sandbox report list. */
export interface RunbookLogEntry {
  at: number;
  cluster: string;
  /** 1-based, as the journal counts steps. */
  step: number;
  kind: RunbookStepKind;
  /** The argv or method and URL. */
  what: string;
  mode: 'simulated' | 'real';
  ok: boolean;
}

/** Our choice, not AWS's: a runbook step's duration is the operator's; script it to rehearse real timings. */
export const DEFAULT_RUNBOOK: RunbookSettings = { default: { outcome: 'ok', durationMs: 10_000 }, steps: [] };

const durationText = z.string().refine(isWorldDuration, { message: 'expected a duration with a unit, e.g. "90s", "5m"' });
const outcome = z.enum(['ok', 'fail', 'timeout']);

export const runbookFileSchema = z
  .strictObject({
    default: z.strictObject({ outcome, duration: durationText }).partial(),
    steps: z.array(
      z.strictObject({
        step: z.number().int().min(1).optional(),
        cluster: z.string().min(1).optional(),
        kind: z.enum(['command', 'http']).optional(),
        outcome,
        duration: durationText.optional(),
        exitCode: z.number().int().min(1).max(255).optional(),
        status: z.number().int().min(100).max(599).optional(),
        output: z.string().max(4096).optional(),
      }),
    ),
  })
  .partial();

export type RunbookFile = z.input<typeof runbookFileSchema>;

export function resolveRunbook(file: RunbookFile | undefined): RunbookSettings {
  if (!file) return DEFAULT_RUNBOOK;
  return {
    default: {
      outcome: file.default?.outcome ?? DEFAULT_RUNBOOK.default.outcome,
      durationMs: file.default?.duration ? parseWorldDuration(file.default.duration) : DEFAULT_RUNBOOK.default.durationMs,
    },
    steps: (file.steps ?? []).map((s) => ({
      step: s.step ?? null,
      cluster: s.cluster ?? null,
      kind: s.kind ?? null,
      outcome: s.outcome,
      durationMs: s.duration ? parseWorldDuration(s.duration) : null,
      exitCode: s.exitCode ?? null,
      status: s.status ?? null,
      output: s.output ?? null,
    })),
  };
}

export interface ScriptedStep {
  outcome: RunbookOutcome;
  durationMs: number;
  exitCode: number | null;
  status: number | null;
  output: string | null;
}

/** The first entry naming this step (by number, cluster and kind, each optional), else the default. */
export function scriptedStep(settings: RunbookSettings | undefined, ref: { cluster: string; step: number; kind: RunbookStepKind }): ScriptedStep {
  const s = settings ?? DEFAULT_RUNBOOK;
  const entry = s.steps.find((e) => (e.step === null || e.step === ref.step) && (e.cluster === null || e.cluster === ref.cluster) && (e.kind === null || e.kind === ref.kind));
  if (!entry) return { outcome: s.default.outcome, durationMs: s.default.durationMs, exitCode: null, status: null, output: null };
  return { outcome: entry.outcome, durationMs: entry.durationMs ?? s.default.durationMs, exitCode: entry.exitCode, status: entry.status, output: entry.output };
}

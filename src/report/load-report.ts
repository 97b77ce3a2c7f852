import { existsSync } from 'node:fs';
import { firstLine } from '../one-line.js';
import { RunNotFoundError } from '../store/errors.js';
import { loadWorld } from '../sandbox/index.js';
import type { JournalEntry, RunRecord, RunStore } from '../store/run-store.js';
import type { RunReport } from './run-report.js';
import { buildRunReport, type ReportSources } from './timeline.js';

// Reads a run, its journal and (for a sandbox run) the world saved beside it, and builds its report.
// Read-only: the world is loaded, never advanced or saved.

export interface LoadedRun {
  record: RunRecord;
  journal: JournalEntry[];
  report: RunReport;
}

/** `worldPath` says where a sandbox run's world is kept (the CLI keeps it beside the run). */
export async function loadRunReport(store: RunStore, runId: string, worldPath: (runId: string) => string): Promise<LoadedRun> {
  const record = await store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  const journal = await store.readJournal(runId);
  const sources = record.target.kind === 'sandbox' ? readWorldAudit(worldPath(runId)) : {};
  return { record, journal, report: buildRunReport(record, journal, sources) };
}

/** The world's audit; a world that cannot be read is reported as such rather than failing the report. */
export function readWorldAudit(path: string): ReportSources {
  if (!existsSync(path)) return {};
  try {
    const world = loadWorld(path);
    const traffic = world.traffic;
    return {
      world: {
        traffic: { requests: traffic.requests, failed: traffic.failed, perCluster: traffic.perCluster },
        violations: world.violations.map((v) => ({ kind: v.kind, message: v.message, at: v.at })),
        weights: world.weights(),
        mutations: world.mutations.map((m) => ({ at: m.at, command: m.command, resource: m.resource, caller: m.caller })),
        ...(world.synthetic.length ? { synthetic: world.synthetic } : {}),
      },
    };
  } catch (err) {
    // The journal is the record of the run; the world only adds to it. Its problem is shown, not hidden.
    if (!(err instanceof Error)) throw err;
    return { worldProblem: `${err.name}: ${firstLine(err)}` };
  }
}

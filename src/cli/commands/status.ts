import { hostname } from 'node:os';
import { viewOfRecord } from '../../run/run-view.js';
import type { JournalEntry } from '../../store/run-store.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { cliEnvironment } from '../environment.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { RunNotFoundError } from '../../store/errors.js';

export async function statusCommand({ values, positionals }: CommandInput<FlagsOf<'status'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length > 1) throw new UsageError('status takes at most one run id');
  const env = await cliEnvironment(values, io);
  const runId = positionals[0];
  if (!runId) {
    const runs = (await env.store.listRuns()).sort((a, b) => b.createdAt - a.createdAt);
    if (values.json) io.stdout(`${JSON.stringify({ runs })}\n`);
    else if (!runs.length) io.stdout(`no runs in ${env.table ? `table ${env.table}` : env.stateDir}\n`);
    else io.stdout(`${runs.map((r) => `${r.runId}  ${r.planName.padEnd(16)} ${r.status.padEnd(8)} ${new Date(r.createdAt).toISOString()}${r.reason ? `  ${r.reason}` : ''}`).join('\n')}\n`);
    return EXIT.done;
  }
  const record = await env.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  const view = viewOfRecord(record);
  const journal = await env.store.readJournal(runId);
  const driver = record.status === 'running' ? driverOf(journal) : undefined;
  if (values.json) {
    io.stdout(`${JSON.stringify({ ...view, clusters: view.clusters, ...(driver ? { driver } : {}), ...(record.sandbox ? { sandbox: record.sandbox } : {}) })}\n`);
    return EXIT.done;
  }
  const tail = Number(values.journal ?? 8);
  const lines = [
    `run ${record.runId} (${record.planName}): ${record.status}${record.reason ? ` (${record.reason})` : ''}`,
    ...(driver?.alive === false ? [`its process (${driver.owner}) is no longer running: nothing drives the run; continue it with: quiesce resume ${record.runId}   (or stop it safely: quiesce abort ${record.runId})`] : []),
    ...view.clusters.map((c) => `  ${c.name.padEnd(12)} ${c.state}${c.reason ? `: ${c.reason}` : ''}`),
    `last ${Math.min(tail, journal.length)} of ${journal.length} journal entries:`,
    ...journal.slice(-tail).map((e) => `  ${new Date(e.at).toISOString()} ${e.message}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  // Status reports; it does not fail because the run it describes is held or paused.
  return EXIT.done;
}

/**
 * Who last drove a running run (the journal's "run started/resumed by pid@host") and, when that process
 * was on this host, whether it still lives. Another host's process, or a Lambda, cannot be asked: alive
 * is then absent.
 */
function driverOf(journal: JournalEntry[]): { owner: string; alive?: boolean } | undefined {
  const entry = journal.findLast((e) => e.kind === 'run' && typeof (e.data as { owner?: unknown } | undefined)?.owner === 'string');
  const owner = (entry?.data as { owner: string } | undefined)?.owner;
  if (!owner) return undefined;
  const m = /^(\d+)@(.+)$/.exec(owner);
  if (!m || m[2] !== hostname()) return { owner };
  return { owner, alive: processAlive(Number(m[1])) };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else. ESRCH: no such process.
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return true;
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

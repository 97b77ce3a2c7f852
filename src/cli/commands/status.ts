import { viewOfRecord } from '../../run/run-view.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { cliEnvironment } from '../environment.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { RunNotFoundError } from '../../store/errors.js';

export async function statusCommand({ values, positionals }: CommandInput<FlagsOf<'status'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length > 1) throw new UsageError('status takes at most one run id');
  const env = cliEnvironment(values, io);
  const runId = positionals[0];
  if (!runId) {
    const runs = (await env.store.listRuns()).sort((a, b) => b.createdAt - a.createdAt);
    if (values.json) io.stdout(`${JSON.stringify({ runs })}\n`);
    else if (!runs.length) io.stdout(`no runs in ${env.stateDir}\n`);
    else io.stdout(`${runs.map((r) => `${r.runId}  ${r.planName.padEnd(16)} ${r.status.padEnd(8)} ${new Date(r.createdAt).toISOString()}${r.reason ? `  ${r.reason}` : ''}`).join('\n')}\n`);
    return EXIT.done;
  }
  const record = await env.store.loadRun(runId);
  if (!record) throw new RunNotFoundError(runId);
  const view = viewOfRecord(record);
  if (values.json) {
    io.stdout(`${JSON.stringify({ ...view, clusters: view.clusters, ...(record.sandbox ? { sandbox: record.sandbox } : {}) })}\n`);
    return EXIT.done;
  }
  const journal = await env.store.readJournal(runId);
  const tail = Number(values.journal ?? 8);
  const lines = [
    `run ${record.runId} (${record.planName}): ${record.status}${record.reason ? ` (${record.reason})` : ''}`,
    ...view.clusters.map((c) => `  ${c.name.padEnd(12)} ${c.state}${c.reason ? `: ${c.reason}` : ''}`),
    `last ${Math.min(tail, journal.length)} of ${journal.length} journal entries:`,
    ...journal.slice(-tail).map((e) => `  ${new Date(e.at).toISOString()} ${e.message}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  // Status reports; it does not fail because the run it describes is held or paused.
  return EXIT.done;
}

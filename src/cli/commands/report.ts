import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadRunReport } from '../../report/load-report.js';
import { renderReportMarkdown } from '../../report/markdown.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { cliEnvironment, worldPathFor } from '../environment.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

const FORMATS = ['md', 'json'] as const;

export async function reportCommand({ values, positionals }: CommandInput<FlagsOf<'report'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('report takes exactly one run id: quiesce report <runId> [--format md|json]');
  const format = values.json ? 'json' : values.format === 'markdown' ? 'md' : values.format;
  if (!FORMATS.includes(format as (typeof FORMATS)[number])) throw new UsageError(`--format must be md or json, got "${values.format}"`);
  const env = await cliEnvironment(values, io);
  const { report } = await loadRunReport(env.store, positionals[0]!, (id) => worldPathFor(env.stateDir, id));
  const text = format === 'json' ? `${JSON.stringify(report)}\n` : renderReportMarkdown(report);
  if (values.out) {
    writeFileSync(resolve(io.cwd, values.out), text);
    io.stderr(`quiesce: report of ${report.runId} written to ${values.out}\n`);
  } else io.stdout(text);
  // A report describes the run; it does not fail because the run was held or paused.
  return EXIT.done;
}

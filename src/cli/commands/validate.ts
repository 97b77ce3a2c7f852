import { resolve } from 'node:path';
import { loadPlanFile } from '../../plan/load.js';
import { PlanError, problemLine } from '../../plan/plan-error.js';
import { terminalLine } from '../../one-line.js';
import { stepLabel } from '../../run/machine-input.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

export async function validateCommand({ values, positionals }: CommandInput<FlagsOf<'validate'>>, io: CliIo): Promise<ExitCode> {
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('validate takes exactly one plan file: quiesce validate <plan>');
  let plan;
  try {
    plan = loadPlanFile(resolve(io.cwd, file));
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    // validate is where a plan's author looks: every problem, each one line (--json: one object with all).
    if (values.json) {
      io.stdout(`${JSON.stringify({ valid: false, file, problems: err.problems.map((p) => ({ ...p, message: problemLine(err.file, p) })) })}\n`);
    } else {
      const cause = err.problems.length === 1 && err.cause instanceof Error ? `: ${err.cause.message.split('\n')[0]}` : '';
      io.stderr(err.problems.map((p, i) => `quiesce: ${terminalLine(`${problemLine(err.file, p)}${i === 0 ? cause : ''}`)}\n`).join(''));
    }
    return EXIT.badInput;
  }
  if (values.json) {
    io.stdout(`${JSON.stringify({ valid: true, file, name: plan.name, clusters: plan.fleet.clusters.map((c) => c.name) })}\n`);
    return EXIT.done;
  }
  const lines = [
    `${file}: valid plan "${plan.name}" (${plan.region}): ${plan.fleet.clusters.length} clusters, at most ${plan.capacity.maxOutOfService} out of service, at least ${plan.capacity.minActiveClusters} in rotation`,
    ...plan.fleet.clusters.map((c) => `  ${c.name}: ${['deregister', 'drain', ...plan.maintenance.map(stepLabel), 'verify', 'reactivate'].join(' -> ')}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.done;
}

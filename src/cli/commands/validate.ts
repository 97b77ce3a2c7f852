import { resolve } from 'node:path';
import { loadPlanFile } from '../../plan/load.js';
import { PlanError, problemLine } from '../../plan/plan-error.js';
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
    // Bad input stays one line (the first problem, and how many more); --json is one object with every problem.
    if (!(err instanceof PlanError) || !values.json) throw err;
    io.stdout(`${JSON.stringify({ valid: false, file, problems: err.problems.map((p) => ({ ...p, message: problemLine(err.file, p) })) })}\n`);
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

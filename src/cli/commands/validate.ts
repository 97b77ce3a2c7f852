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
  // A one-listener plan prints as it always has; a fleet at several locations names each, and where each cluster is.
  const several = plan.fleet.locations.length > 1;
  if (values.json) {
    const locations = several ? { locations: plan.fleet.locations.map((l) => l.name) } : {};
    io.stdout(`${JSON.stringify({ valid: true, file, name: plan.name, clusters: plan.fleet.clusters.map((c) => c.name), ...locations })}\n`);
    return EXIT.done;
  }
  const where = several ? ` at ${plan.fleet.locations.length} locations (${plan.fleet.locations.map((l) => l.name).join(', ')})` : '';
  const lines = [
    `${file}: valid plan "${plan.name}" (${plan.region}): ${plan.fleet.clusters.length} clusters${where}, at most ${plan.capacity.maxOutOfService} out of service, at least ${plan.capacity.minActiveClusters} in rotation`,
    ...(several ? plan.fleet.locations.map((l) => `  location ${l.name}: listener ${l.listenerArn}${l.ruleArn ? `, rule ${l.ruleArn}` : ''}`) : []),
    ...plan.fleet.clusters.map((c) => `  ${c.name}${several ? ` (at ${c.placements.map((p) => p.location).join(', ')})` : ''}: ${['deregister', 'drain', ...plan.maintenance.map(stepLabel), 'verify', 'reactivate'].join(' -> ')}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.done;
}

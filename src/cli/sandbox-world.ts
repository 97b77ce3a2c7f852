// A `--sandbox world.yaml` is read before the plan: a world may declare a synthetic stress setting (a
// topology AWS does not allow, such as more than 5 target groups in one forward action), and only such a
// world lets a plan go beyond AWS's limits. `quiesce validate` and runs against AWS never read one.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPlanFile } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import { defaultWorldFromPlan, HISTORY_MS, parseWorldFile, type SandboxWorld, type WorldFile } from '../sandbox/index.js';
import { UsageError } from './usage-error.js';

export interface WorldFileInput {
  /** As given on the command line, for messages. */
  source: string;
  path: string;
  file: WorldFile;
}

/** The world file of `--sandbox world.yaml`; none for `--sandbox` alone or a run against AWS. */
export function readWorldFile(cwd: string, sandbox: false | true | string): WorldFileInput | undefined {
  if (typeof sandbox !== 'string') return undefined;
  const path = resolve(cwd, sandbox);
  if (!existsSync(path)) throw new UsageError(`world file ${sandbox} does not exist`);
  return { source: sandbox, path, file: parseWorldFile(readFileSync(path, 'utf8'), sandbox) };
}

/** The plan, allowed what its world file allows beyond AWS's limits (nothing without one). */
export function loadPlanFor(cwd: string, planFile: string, world: WorldFileInput | undefined): Plan {
  return loadPlanFile(resolve(cwd, planFile), { syntheticTargetGroupsPerForward: world?.file.elbv2?.syntheticTargetGroupsPerForward });
}

/** A sandbox world built from the plan and the world file, with the history a run starts with. */
export function sandboxWorldFor(plan: Plan, world: WorldFileInput | undefined): SandboxWorld {
  return defaultWorldFromPlan(plan, world?.file ?? {}, world?.source, { historyMs: HISTORY_MS });
}

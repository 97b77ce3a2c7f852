// Entry points for building a world from a plan, with or without a world file.
import { readFileSync } from 'node:fs';
import type { SandboxPlan } from './plan-input.js';
import { buildWorldState } from './world-build.js';
import { parseWorldFile, type WorldFile } from './world-file.js';
import { SandboxWorld } from './world.js';

/**
 * A world where everything the plan names exists and is healthy: 3 targets per group at AWS
 * health-check defaults, weight 1 each, a primary and two replicas per cache at 40% memory.
 * A world file (already parsed, or as an object) overrides any of it.
 */
export function defaultWorldFromPlan(plan: SandboxPlan, worldFile?: WorldFile, source?: string): SandboxWorld {
  const world = new SandboxWorld(buildWorldState(plan, worldFile, source));
  // Events scripted at "0s" have happened by the time anyone looks.
  world.advanceTo(world.now());
  return world;
}

/** Read a YAML world file and build the world it describes for this plan. */
export function worldFromFile(plan: SandboxPlan, path: string): SandboxWorld {
  const file = parseWorldFile(readFileSync(path, 'utf8'), path);
  return defaultWorldFromPlan(plan, file, path);
}

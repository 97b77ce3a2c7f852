// Entry points for building a world from a plan, with or without a world file.
import { readFileSync } from 'node:fs';
import type { SandboxPlan } from './plan-input.js';
import { formatDuration, parseOffset } from '../duration.js';
import { HISTORY_MS } from './history.js';
import { buildWorldState, DEFAULT_START } from './world-build.js';
import { parseWorldFile, type WorldEvent, type WorldFile } from './world-file.js';
import { SandboxWorld } from './world.js';

/**
 * A world where everything the plan names exists and is healthy: 3 targets per group at AWS
 * health-check defaults, weight 1 each, a primary and two replicas per cache at 40% memory.
 * A world file (already parsed, or as an object) overrides any of it.
 */
export interface WorldOptions {
  /**
   * Simulated past before `startAt` (at most HISTORY_MS), so CloudWatch already holds traffic and cache
   * metrics when a run begins, as in a live account. Scripted events stay relative to `startAt`.
   */
  historyMs?: number;
}

export function defaultWorldFromPlan(plan: SandboxPlan, worldFile: WorldFile = {}, source?: string, options: WorldOptions = {}): SandboxWorld {
  const historyMs = Math.min(options.historyMs ?? 0, HISTORY_MS);
  const start = Date.parse(worldFile.startAt ?? DEFAULT_START);
  const shifted: WorldFile = {
    ...worldFile,
    startAt: new Date(start - historyMs).toISOString(),
    ...(worldFile.events ? { events: worldFile.events.map((e) => shiftEvent(e, historyMs)) } : {}),
  };
  const world = new SandboxWorld(buildWorldState(plan, shifted, source));
  // Events scripted at "0s" have happened by the time anyone looks.
  world.advanceTo(start);
  return world;
}


function shiftEvent(event: WorldEvent, historyMs: number): WorldEvent {
  const shift = (d: string | undefined) => (typeof d === 'string' ? formatDuration(parseOffset(d) + historyMs) : d);
  const e = event as WorldEvent & { at?: string; from?: string; to?: string };
  return { ...e, ...(e.at !== undefined ? { at: shift(e.at) } : {}), ...(e.from !== undefined ? { from: shift(e.from) } : {}), ...(e.to !== undefined ? { to: shift(e.to) } : {}) } as WorldEvent;
}

/** Read a YAML world file and build the world it describes for this plan. */
export function worldFromFile(plan: SandboxPlan, path: string, options: WorldOptions = {}): SandboxWorld {
  const file = parseWorldFile(readFileSync(path, 'utf8'), path);
  return defaultWorldFromPlan(plan, file, path, options);
}

import type { TargetRef } from '../../machines/types.js';
import { locationCount } from './locations.js';
import type { RunContext } from './run-context.js';
import type { Baseline } from './run-memory.js';

/**
 * Recorded before the first change of the run: the weights and target lists every restore returns to.
 * It never changes once recorded, and it holds every target of the fleet: read from the store once per
 * process (frozen, since every reader shares it), not on every drift check.
 */
export function baseline(ctx: RunContext): Promise<Baseline> {
  // A fleet at several locations has a baseline per location, read through each location's view.
  if (locationCount(ctx.plan) > 1) throw new Error('baseline of a fleet at several locations: read it at one location (locations.ts)');
  const known = ctx.memory.baseline;
  if (known) return known;
  const reading = ctx.store
    .remember(ctx.runId, 'baseline', async () => {
      const forward = await ctx.traffic.readForwardConfig(ctx.location);
      const targets: Record<string, TargetRef[]> = {};
      for (const c of ctx.plan.fleet.clusters) targets[c.name] = await ctx.traffic.listTargets(c.targetGroupArn);
      return { forward, targets, capturedAt: ctx.clock.now() };
    })
    .then(deepFreeze, (err: unknown) => {
      // A failed read is not kept: the next caller reads again.
      ctx.memory.baseline = undefined;
      throw err;
    });
  ctx.memory.baseline = reading;
  return reading;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

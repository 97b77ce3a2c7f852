import { rampScale, type GroupRole, type ShareModel } from '../traffic/ramp-scale.js';
import { baseline } from './baseline.js';
import type { RunContext } from './run-context.js';

// The edge's view of the forward action for ramp scaling (src/traffic/ramp-scale.ts): every group's
// weight at run start, the run's scale, and what each group is to the run at this moment.

/**
 * The run's ramp scale, written to the store before the first weight change that uses it: a resumed run
 * (even by a newer quiesce) recognises the scaled weights as its own and keeps ramping at the same scale.
 */
export function runScale(ctx: RunContext): Promise<number> {
  const known = ctx.memory.rampScale;
  if (known) return known;
  const reading = ctx.store
    .remember(ctx.runId, 'ramp-scale', async () => rampScale((await baseline(ctx)).forward.targetGroups.map((g) => g.weight)))
    .catch((err: unknown) => {
      // A failed read is not kept: the next caller reads again.
      ctx.memory.rampScale = undefined;
      throw err;
    });
  ctx.memory.rampScale = reading;
  return reading;
}

/**
 * Roles as of now, for changing or judging `cluster`'s group: other clusters in flight are `moving` (their
 * own checks judge them), those held out are `out`, every other group of the baseline is `steady`, groups
 * of clusters that ended in rotation included. Read it on the forward it judges (a cluster finishing in
 * between changes what its group is).
 */
export async function shareModel(ctx: RunContext, cluster: string): Promise<ShareModel> {
  const [base, scale] = await Promise.all([baseline(ctx), runScale(ctx)]);
  return { originals: new Map(base.forward.targetGroups.map((g) => [g.targetGroupArn, g.weight])), scale, roles: rolesNow(ctx, cluster) };
}

export function rolesNow(ctx: RunContext, cluster: string): Map<string, GroupRole> {
  const inFlight = ctx.inFlight();
  const heldOut = ctx.heldOut();
  const roles = new Map<string, GroupRole>();
  for (const c of ctx.plan.fleet.clusters) {
    if (c.name === cluster) continue;
    if (inFlight.has(c.name)) roles.set(c.targetGroupArn, 'moving');
    else if (heldOut.has(c.name)) roles.set(c.targetGroupArn, 'out');
  }
  return roles;
}

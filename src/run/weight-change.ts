import type { SetWeightInput, SetWeightOutput } from '../../machines/cluster.contract.js';
import { weightOf, type ForwardConfig } from '../ports/traffic.js';
import { TARGET_GROUPS_PER_FORWARD } from '../plan/schema.js';
import { groupName } from '../traffic/drift.js';
import { planShare, type WeightPlan } from '../traffic/ramp-scale.js';
import { rolesNow, shareModel } from './forward-shares.js';
import { capacityWithout, readyForTraffic } from './rotation-guards.js';
import { clusterSpec, type RunContext } from './run-context.js';
import { journal } from './journal.js';

// A cluster's weight change (the setWeight actor, and securing's): guarded, planned on the live forward it
// replaces, journaled as intent before the write and as an effect after it.

/**
 * Puts the cluster at `percent` of its share (0: out of rotation). The weights are planned on the read the
 * write replaces (src/traffic/ramp-scale.ts): mid-ramp every weight is scaled so a small weight still ramps
 * in steps, and the last step writes the exact originals back. The plan, scale included, is journaled as
 * intent before the write, under the listener's weight lock.
 */
export async function setWeight(ctx: RunContext, input: SetWeightInput): Promise<SetWeightOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  const arn = spec.targetGroupArn;
  const guard = input.percent > 0 ? readyForTraffic(ctx, input.cluster) : await capacityWithout(ctx, input.cluster);
  const model = await shareModel(ctx, input.cluster);
  // In a fleet at several locations, every entry says which one.
  const where = ctx.locationName === undefined ? '' : ` at ${ctx.locationName}`;
  const located = ctx.locationName === undefined ? {} : { location: ctx.locationName, targetGroupArn: arn };
  let planned: WeightPlan | undefined;
  const result = await ctx.traffic.setWeights(ctx.location, arn, async (live) => {
    await guard(live);
    // Roles as of this read: a cluster that finished while this change waited for the lock is steady now.
    const plan = planShare(live, { ...model, roles: rolesNow(ctx, input.cluster) }, arn, input.percent);
    planned = plan;
    await journal(ctx, 'intent', `${input.cluster}: set weight to ${plan.weights[arn]}${where} (${[`${input.purpose}${input.percent > 0 ? ` ${input.percent}%` : ''}`, scaleText(plan, live, arn)].filter(Boolean).join('; ')})`, {
      cluster: input.cluster,
      data: { ...input, targetGroupArn: arn, ...located, ...journaledWeights(plan, arn), scale: { before: plan.kBefore, after: plan.k, of: model.scale } },
    });
    return plan.weights;
  });
  const before = weightOf(result.before, arn) ?? 0;
  const after = weightOf(result.after, arn) ?? 0;
  await journal(
    ctx,
    'effect',
    `${input.cluster}: weight ${before} -> ${after}${where}${[planned ? scaleText(planned, result.before, arn) : '', result.changed ? '' : 'already set: nothing sent'].filter(Boolean).map((t) => ` (${t})`).join('')}`,
    {
      cluster: input.cluster,
      data: {
        call: ctx.location.ruleArn ? 'ModifyRule' : 'ModifyListener',
        ...located,
        changed: result.changed,
        purpose: input.purpose,
        percent: input.percent,
        ...(planned ? { scale: { before: planned.kBefore, after: planned.k, of: model.scale } } : {}),
        ...journaledForward(result.before, result.after, arn, planned ? { before: planned.kBefore, after: planned.k } : undefined),
      },
    },
  );
  return { at: ctx.clock.now(), before, after, changed: result.changed };
}

/**
 * What a change does to the other groups, for the journal: "every weight x100 so the others keep their
 * shares: payments-green 1 -> 100, ..." when it scales them, "back to the original weights: ..." when it
 * ends the scaling, "weights at x100" for a step within a scaled ramp; nothing otherwise.
 */
function scaleText(plan: WeightPlan, live: ForwardConfig, own: string): string {
  const others = Object.entries(plan.weights).filter(([arn]) => arn !== own);
  const listed = others.length <= FULL_FORWARD_GROUPS ? others.map(([arn, w]) => `${groupName(arn)} ${weightOf(live, arn) ?? 'absent'} -> ${w}`).join(', ') : `${others.length} other target groups`;
  if (plan.k !== plan.kBefore) return `${plan.k > 1 ? `every weight x${plan.k} so the others keep their shares` : 'back to the original weights'}: ${listed}`;
  return plan.k > 1 ? `weights at x${plan.k}` : '';
}

/** A forward action AWS allows is journaled whole; a larger one (a synthetic sandbox fleet) by its changes. */
const FULL_FORWARD_GROUPS = TARGET_GROUPS_PER_FORWARD;

/** A plan's weights for the intent: every group when the forward is small, else the cluster's own and a count. */
function journaledWeights(plan: WeightPlan, own: string): { weights: Record<string, number>; rescaledGroups?: number } {
  const count = Object.keys(plan.weights).length;
  if (count <= FULL_FORWARD_GROUPS) return { weights: plan.weights };
  return { weights: { [own]: plan.weights[own]! }, rescaledGroups: count - 1 };
}

/**
 * The forward config before and after a weight change, for the journal. Whole when it is small (the report
 * shows the weights kept); otherwise the groups whose weight changed and the cluster's own, with a count of
 * the rest, and of those a ramp only rescaled (every weight times the same factor): an entry per change
 * that held every group made the journal grow with the square of the fleet.
 */
function journaledForward(
  before: ForwardConfig,
  after: ForwardConfig,
  own: string,
  scale?: { before: number; after: number },
): { before: ForwardConfig; after: ForwardConfig; unchangedGroups?: number; rescaledGroups?: number } {
  if (before.targetGroups.length <= FULL_FORWARD_GROUPS && after.targetGroups.length <= FULL_FORWARD_GROUPS) return { before, after };
  const was = (g: { targetGroupArn: string }) => weightOf(before, g.targetGroupArn);
  const now = (g: { targetGroupArn: string }) => weightOf(after, g.targetGroupArn);
  // A group in only one of the two has no weight in the other, so it counts as changed.
  const unchanged = (g: { targetGroupArn: string }) => g.targetGroupArn !== own && was(g) === now(g);
  const rescaled = (g: { targetGroupArn: string }) =>
    scale !== undefined && scale.before !== scale.after && g.targetGroupArn !== own && was(g) !== undefined && now(g) !== undefined && was(g)! * scale.after === now(g)! * scale.before;
  const listed = (g: { targetGroupArn: string }) => !unchanged(g) && !rescaled(g);
  const rescaledGroups = before.targetGroups.filter((g) => !unchanged(g) && rescaled(g)).length;
  return {
    before: { ...before, targetGroups: before.targetGroups.filter(listed) },
    after: { ...after, targetGroups: after.targetGroups.filter(listed) },
    unchangedGroups: before.targetGroups.filter(unchanged).length,
    ...(rescaledGroups ? { rescaledGroups } : {}),
  };
}

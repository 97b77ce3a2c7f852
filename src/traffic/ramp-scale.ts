// How a ramp gets resolution when the forward action's weights are small. Pure: the caller reads the
// live forward and says what each group is to the run; this decides the weights to write and to expect.
//
// A forward action splits traffic by the ratio of its weights, each an integer 0 to 999
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupTuple.html,
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ForwardActionConfig.html).
// At the most common config, 1/1/1, a ramp of 10%, 50%, 100% of weight 1 is 1, 1, 1: no ramp at all.
// So while a cluster ramps, every weight is multiplied by the run's scale k: the others keep their
// shares among themselves, and the ramping group gets its percent of its own share at a resolution of
// 1/k. Once no cluster is mid-ramp, the weights go back to the exact originals (Terraform and the CDK
// then see no drift after a run).
//
// Two clusters can ramp at once (maxOutOfService > 1). No shared record says which scale is in force:
// the live forward does, through the groups that must sit at their original share (the steady ones). A
// write is planned on the very read it replaces, under the adapter's lock, so a change made by another
// cluster a moment earlier is always in what the next one builds on: the scale stays k while ANY
// cluster is mid-ramp, each in-flight cluster's weight is carried over (rescaled only when it sits at
// 0 or its full share, where that is exact), and the last ramp to finish puts back the originals.

/** ELBv2's largest forward weight. */
export const MAX_WEIGHT = 999;
/**
 * Beyond 100 a larger scale adds nothing: at k = 100 a group of weight 1 ramps in whole percents, which is
 * all a plan can ask (ramp steps are integer percents). Smaller numbers also read better in the console.
 */
export const MAX_SCALE = 100;

/** k: as large as keeps the largest original weight within 999, at most MAX_SCALE, at least 1. */
export function rampScale(originals: Iterable<number>): number {
  const largest = Math.max(0, ...originals);
  if (largest === 0) return 1;
  return Math.max(1, Math.min(MAX_SCALE, Math.floor(MAX_WEIGHT / largest)));
}

/** A group's weight at `percent` of its original share, under scale k. Never 0 while ramping (0 is "out"). */
export function shareWeight(original: number, percent: number, k: number): number {
  if (percent <= 0 || original <= 0) return 0;
  if (percent >= 100) return original * k;
  return Math.max(1, Math.round((original * k * percent) / 100));
}

/**
 * What each group of the forward action is to the run right now. `steady`: expected at its original share
 * (never taken out, or back in rotation for good); `out`: held out of rotation by the run (weight 0);
 * `moving`: another cluster in flight, whose own read-backs judge its weight. Groups in the forward action
 * but not in `originals` are not the run's: never judged, never written.
 */
export type GroupRole = 'steady' | 'out' | 'moving';

export interface ShareModel {
  /** Every group's weight when the run started. */
  originals: ReadonlyMap<string, number>;
  /** The run's scale k (rampScale of the originals, remembered before the first write). */
  scale: number;
  /** Role of every group in `originals` but the one being changed or judged; absent means steady. */
  roles: ReadonlyMap<string, GroupRole>;
}

export interface ScaleInForce {
  /** 1 (the originals) or the run's scale. */
  k: number;
  /** Every steady group sits at k times its original. */
  consistent: boolean;
  /** No steady group with a weight above 0 to judge by: the forward cannot say, and k is taken as 1. */
  unknown: boolean;
  /** Steady groups at neither scale's weight (someone else's change), with what k expects of them. */
  mismatched: Array<{ targetGroupArn: string; expected: number; live: number | null }>;
}

const liveWeights = (live: { targetGroups: ReadonlyArray<{ targetGroupArn: string; weight: number }> }) =>
  new Map(live.targetGroups.map((g) => [g.targetGroupArn, g.weight]));

/** Groups judged at their original share: the steady ones but `subject`, which counts only when `subjectInFull`. */
function steadyGroups(model: ShareModel, subject: string, subjectInFull: boolean): Array<[string, number]> {
  return [...model.originals].filter(([arn, original]) => original > 0 && (arn === subject ? subjectInFull : (model.roles.get(arn) ?? 'steady') === 'steady'));
}

/**
 * The scale the live forward is at, judged by the steady groups: all at their original weight (k = 1) or
 * all at k times it. When neither fits every one, the closer fit is named with what it expects of the rest.
 * `skipZero` leaves out steady groups at weight 0: a cluster taken out by hand is the same at every scale,
 * so a ramp neither rescales it nor stops for it (bringing a verified cluster back is what keeps the fleet
 * serving then); the drift check before the next removal reports it.
 */
export function scaleInForce(
  live: { targetGroups: ReadonlyArray<{ targetGroupArn: string; weight: number }> },
  model: ShareModel,
  subject: string,
  options: { subjectInFull?: boolean; only?: number; skipZero?: boolean } = {},
): ScaleInForce {
  const weights = liveWeights(live);
  const steady = steadyGroups(model, subject, options.subjectInFull ?? false).filter(([arn]) => !options.skipZero || (weights.get(arn) ?? 0) > 0);
  if (steady.length === 0) return { k: 1, consistent: true, unknown: true, mismatched: [] };
  const candidates = options.only !== undefined ? [options.only] : model.scale > 1 ? [1, model.scale] : [1];
  const judged = candidates.map((k) => ({
    k,
    mismatched: steady.filter(([arn, original]) => weights.get(arn) !== original * k).map(([arn, original]) => ({ targetGroupArn: arn, expected: original * k, live: weights.get(arn) ?? null })),
  }));
  const best = judged.reduce((a, b) => (b.mismatched.length < a.mismatched.length ? b : a));
  return { k: best.k, consistent: best.mismatched.length === 0, unknown: false, mismatched: best.mismatched };
}

export interface WeightPlan {
  /** Every group to write, the changed one included; the others stay as read. */
  weights: Record<string, number>;
  /** The scale the write leaves in force. */
  k: number;
  /** The scale it found. */
  kBefore: number;
}

/**
 * The weights to write to put `targetGroupArn` at `percent` of its original share, planned on the live
 * forward the write replaces. The scale becomes k while this group or any in-flight one is mid-ramp, 1
 * otherwise; steady groups follow it; an in-flight group at 0 or at its full share follows it, one
 * mid-ramp keeps its weight (the scale cannot change under it: it holds the scale at k).
 *
 * Rescaling rewrites other clusters' weights, so it is done only on a forward whose steady groups all sit
 * where the run put them (or at 0, which every scale leaves alone): raising a weight on any other is
 * refused (`drift`). Taking a group to 0 is never refused (it is how a cluster is made safe): on a forward
 * that differs, only that group changes.
 */
export function planShare(live: { targetGroups: ReadonlyArray<{ targetGroupArn: string; weight: number }> }, model: ShareModel, targetGroupArn: string, percent: number): WeightPlan & { drift?: ScaleInForce['mismatched'] } {
  const weights = liveWeights(live);
  const found = scaleInForce(live, model, targetGroupArn, { skipZero: true });
  const original = model.originals.get(targetGroupArn) ?? 0;
  if (!found.consistent) {
    if (percent > 0) return { weights: {}, k: found.k, kBefore: found.k, drift: found.mismatched };
    return { weights: { [targetGroupArn]: 0 }, k: found.k, kBefore: found.k };
  }
  // With no steady group to read the scale from (every cluster in rotation is in flight), nothing is scaled.
  if (found.unknown) return { weights: { [targetGroupArn]: shareWeight(original, percent, 1) }, k: 1, kBefore: 1 };
  const kBefore = found.k;
  const midRamp = (arn: string, o: number) => {
    const w = weights.get(arn) ?? 0;
    return w > 0 && w < o * kBefore;
  };
  const othersMidRamp = [...model.originals].some(([arn, o]) => arn !== targetGroupArn && model.roles.get(arn) === 'moving' && midRamp(arn, o));
  const k = (percent > 0 && percent < 100) || othersMidRamp ? model.scale : 1;
  const plan: Record<string, number> = { [targetGroupArn]: shareWeight(original, percent, k) };
  if (k !== kBefore) {
    for (const [arn, o] of model.originals) {
      if (arn === targetGroupArn || o === 0) continue;
      const role = model.roles.get(arn) ?? 'steady';
      // At its full share at the scale found: steady groups (but one at 0), in-flight groups back in full.
      if (role !== 'out' && weights.get(arn) === o * kBefore) plan[arn] = o * k;
    }
  }
  return { weights: plan, k, kBefore };
}

/**
 * The weight `targetGroupArn` must read at `percent` of its share. Mid-ramp the scale is the run's k, nothing
 * else: every write while a group is mid-ramp keeps k (see planShare), so steady groups at their originals
 * then are a hand-made change (Terraform putting 1/1/1 back), not another valid state. At 0% or 100%
 * the scale is whichever the steady groups show.
 */
export function expectedShare(live: { targetGroups: ReadonlyArray<{ targetGroupArn: string; weight: number }> }, model: ShareModel, targetGroupArn: string, percent: number): { weight: number; found: ScaleInForce } {
  const midRamp = percent > 0 && percent < 100;
  const found = scaleInForce(live, model, targetGroupArn, { skipZero: true, ...(midRamp ? { only: model.scale } : {}) });
  const original = model.originals.get(targetGroupArn) ?? 0;
  if (found.unknown) {
    // No steady group in rotation to read the scale from (the last one taken out by hand): either is the run's.
    const scaled = shareWeight(original, percent, model.scale);
    const have = liveWeights(live).get(targetGroupArn);
    return { weight: have === scaled ? scaled : shareWeight(original, percent, 1), found };
  }
  return { weight: shareWeight(original, percent, found.k), found };
}

/**
 * Every weight the run expects of the forward while `targetGroupArn` is still at its full share (before it
 * leaves rotation): it and the steady groups at the scale in force, the groups held out at 0. In-flight
 * groups are left to their own clusters' checks.
 */
export function expectedInFull(live: { targetGroups: ReadonlyArray<{ targetGroupArn: string; weight: number }> }, model: ShareModel, targetGroupArn: string): { weights: Record<string, number>; found: ScaleInForce } {
  const found = scaleInForce(live, model, targetGroupArn, { subjectInFull: true });
  const weights: Record<string, number> = {};
  for (const [arn, o] of model.originals) {
    const role = arn === targetGroupArn ? 'steady' : (model.roles.get(arn) ?? 'steady');
    if (role === 'steady') weights[arn] = o * found.k;
    else if (role === 'out') weights[arn] = 0;
  }
  return { weights, found };
}

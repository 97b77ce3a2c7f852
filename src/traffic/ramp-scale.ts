// How a ramp gets resolution when the forward action's weights are small. Pure: the caller reads the
// live forward and says what each group is to the run; this decides the weights to write and to expect.
//
// A forward action splits traffic by the ratio of its weights, each an integer 0 to 999
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupTuple.html,
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ForwardActionConfig.html).
// At the most common config, 1/1/1, a ramp of 10%, 50%, 100% of weight 1 is 1, 1, 1: no ramp at all.
// So while a cluster ramps, every other weight is multiplied by the run's scale k: the others keep their
// shares among themselves, and the ramping group gets its percent of its own share at a resolution of
// 1/k. Once no cluster is mid-ramp, the weights go back to the exact originals (Terraform and the CDK
// then see no drift after a run).
//
// The rule that keeps two clusters ramping at once (maxOutOfService > 1) from corrupting each other: the
// scale is k exactly while some cluster is mid-ramp, and every change rescales all the other groups by the
// same factor, on the very read it replaces (under the adapter's lock). No shared record says which scale
// is in force: the live forward does, through the groups mid-ramp (a weight no unscaled config holds) or
// else the steady ones; so a resumed run knows its own scaled weights. A weight changed by hand is carried
// along (its share kept), and left to the drift checks to report, as any other hand change.

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
 * `moving`: another cluster in flight, whose own read-backs judge its weight.
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
  /** How it was told: the steady groups all fit it; else a group mid-ramp shows it; else the steady groups mostly fit it (`closest`); else nothing can (`unknown`). */
  basis: 'mid-ramp' | 'steady' | 'closest' | 'unknown';
}

type Forward = { targetGroups: ReadonlyArray<{ targetGroupArn: string; weight: number }> };

const liveWeights = (live: Forward) => new Map(live.targetGroups.map((g) => [g.targetGroupArn, g.weight]));

/**
 * The scale the live forward is at. The steady groups above 0 tell first (a cluster taken out by hand is
 * the same at every scale): all at their originals, or all at k times them. They are the run's, where an
 * in-flight group may just have been changed by hand. If they disagree (one changed by hand), a group
 * mid-ramp (`subject` or one in flight) holding a weight above 0 that is not its original can only be at
 * the run's scale; else the closer fit (ties: the originals).
 */
export function scaleInForce(live: Forward, model: ShareModel, subject: string, options: { subjectInFull?: boolean } = {}): ScaleInForce {
  if (model.scale === 1) return { k: 1, basis: 'steady' };
  const weights = liveWeights(live);
  const steady = [...model.originals].filter(([arn, o]) => o > 0 && (weights.get(arn) ?? 0) > 0 && (arn === subject ? options.subjectInFull : (model.roles.get(arn) ?? 'steady') === 'steady'));
  const misses = (k: number) => steady.filter(([arn, o]) => weights.get(arn) !== o * k).length;
  const [atOne, atScale] = [misses(1), misses(model.scale)];
  if (steady.length > 0 && (atOne === 0 || atScale === 0)) return { k: atOne === 0 ? 1 : model.scale, basis: 'steady' };
  const moving = [...model.originals].filter(([arn]) => (arn === subject ? !options.subjectInFull : model.roles.get(arn) === 'moving'));
  if (moving.some(([arn, o]) => (weights.get(arn) ?? 0) > 0 && weights.get(arn) !== o)) return { k: model.scale, basis: 'mid-ramp' };
  if (steady.length === 0) return { k: 1, basis: 'unknown' };
  return { k: atScale < atOne ? model.scale : 1, basis: 'closest' };
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
 * forward the write replaces. The scale becomes k while this group or another in flight is mid-ramp, 1
 * otherwise; when it changes, every other group above 0 is multiplied by the same factor (exactly, for
 * the groups at their share; a weight changed by hand keeps its share too, to the nearest integer), so
 * the others' shares among themselves never change. Groups at 0 stay at 0.
 */
export function planShare(live: Forward, model: ShareModel, targetGroupArn: string, percent: number): WeightPlan {
  const weights = liveWeights(live);
  const kBefore = scaleInForce(live, model, targetGroupArn).k;
  const othersMidRamp = [...model.originals].some(([arn, o]) => {
    if (arn === targetGroupArn || model.roles.get(arn) !== 'moving') return false;
    const w = weights.get(arn) ?? 0;
    return w > 0 && w < o * kBefore;
  });
  const k = (percent > 0 && percent < 100) || othersMidRamp ? model.scale : 1;
  const plan: Record<string, number> = { [targetGroupArn]: shareWeight(model.originals.get(targetGroupArn) ?? 0, percent, k) };
  if (k !== kBefore) {
    for (const [arn, w] of weights) {
      if (arn === targetGroupArn || w === 0) continue;
      plan[arn] = Math.min(MAX_WEIGHT, Math.max(1, Math.round((w * k) / kBefore)));
    }
  }
  return { weights: plan, k, kBefore };
}

/**
 * The weight `targetGroupArn` must read at `percent` of its share: mid-ramp at the run's scale (it is the
 * one mid-ramp), else at the scale in force. With nothing to tell the scale by (every other group out),
 * either is the run's.
 */
export function expectedShare(live: Forward, model: ShareModel, targetGroupArn: string, percent: number): { weight: number; k: number } {
  const original = model.originals.get(targetGroupArn) ?? 0;
  if (percent > 0 && percent < 100) return { weight: shareWeight(original, percent, model.scale), k: model.scale };
  const found = scaleInForce(live, model, targetGroupArn);
  if (found.basis === 'unknown' && liveWeights(live).get(targetGroupArn) === shareWeight(original, percent, model.scale)) {
    return { weight: shareWeight(original, percent, model.scale), k: model.scale };
  }
  return { weight: shareWeight(original, percent, found.k), k: found.k };
}

/**
 * Every weight the run expects of the forward while `targetGroupArn` is still at its full share (before it
 * leaves rotation): it and the steady groups at the scale in force, the groups held out at 0. In-flight
 * groups are left to their own clusters' checks.
 */
export function expectedInFull(live: Forward, model: ShareModel, targetGroupArn: string): { weights: Record<string, number>; k: number } {
  const { k } = scaleInForce(live, model, targetGroupArn, { subjectInFull: true });
  const weights: Record<string, number> = {};
  for (const [arn, o] of model.originals) {
    const role = arn === targetGroupArn ? 'steady' : (model.roles.get(arn) ?? 'steady');
    if (role === 'steady') weights[arn] = o * k;
    else if (role === 'out') weights[arn] = 0;
  }
  return { weights, k };
}

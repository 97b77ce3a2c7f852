// ALB quotas the sandbox enforces, and the synthetic settings that raise one beyond what AWS allows. A
// synthetic setting exists for stress runs only (the bench's large fleets): every report of a world that
// uses one names it as a topology AWS does not allow.
import type { WorldSettings } from './state.js';

/**
 * "Target Groups per Action per Application Load Balancer: 5", not adjustable
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
 */
export const TARGET_GROUPS_PER_FORWARD = 5;

/** The limit in force: AWS's, unless the world raised it synthetically. */
export function targetGroupsPerForward(settings: WorldSettings['elbv2']): number {
  return settings.syntheticTargetGroupsPerForward ?? TARGET_GROUPS_PER_FORWARD;
}

/** One line per synthetic setting in force, for the run's result, its report and the bench. */
export function syntheticSettings(settings: WorldSettings): string[] {
  const perForward = settings.elbv2.syntheticTargetGroupsPerForward;
  // `?? null`: a world saved before the setting existed has none.
  return (perForward ?? null) === null
    ? []
    : [`elbv2.syntheticTargetGroupsPerForward ${perForward}: up to ${perForward} target groups in one forward action, a topology AWS does not allow (AWS: at most ${TARGET_GROUPS_PER_FORWARD})`];
}

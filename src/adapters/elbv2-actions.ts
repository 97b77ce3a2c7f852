// Pure helpers over ELBv2 action lists. ModifyListener and ModifyRule replace the whole list, so a
// weight change is a read, a copy of everything with one number changed, and a write of the copy.
import type { Action, TargetGroupStickinessConfig } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ForwardConfig } from '../ports/traffic.js';

/** Index of the forward action in a list (a list holds at most one terminal action), or -1. */
export function forwardActionIndex(actions: readonly Action[]): number {
  return actions.findIndex((a) => a.Type === 'forward');
}

/**
 * The port's view of a forward action. A forward with only `TargetGroupArn` is one group at weight 1;
 * a tuple without `Weight` is read as 1 too, which is what AWS reports for an unweighted forward.
 */
export function toForwardConfig(action: Action): ForwardConfig {
  const tuples = action.ForwardConfig?.TargetGroups ?? [];
  const targetGroups =
    tuples.length > 0
      ? tuples.map((t) => ({ targetGroupArn: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }))
      : action.TargetGroupArn
        ? [{ targetGroupArn: action.TargetGroupArn, weight: 1 }]
        : [];
  const sticky = action.ForwardConfig?.TargetGroupStickinessConfig;
  return {
    targetGroups,
    stickiness: {
      enabled: sticky?.Enabled === true,
      ...(sticky?.DurationSeconds !== undefined ? { durationSeconds: sticky.DurationSeconds } : {}),
    },
  };
}

/**
 * The whole action list to send back, with the given groups' weights changed. Every other action keeps its
 * place, Order and settings; the forward keeps every other weight and its group stickiness as read.
 */
export function withGroupWeights(actions: readonly Action[], weights: Readonly<Record<string, number>>): Action[] {
  const index = forwardActionIndex(actions);
  return actions.map((action, i) => {
    if (i !== index) return forWriting(action);
    const current = toForwardConfig(action);
    const stickiness: TargetGroupStickinessConfig = action.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false };
    // TargetGroupArn is dropped: beside a ForwardConfig AWS accepts it only for a single group.
    const { TargetGroupArn: _single, ...rest } = action;
    return {
      ...rest,
      ForwardConfig: {
        TargetGroups: current.targetGroups.map((g) => ({
          TargetGroupArn: g.targetGroupArn,
          Weight: Object.hasOwn(weights, g.targetGroupArn) ? weights[g.targetGroupArn]! : g.weight,
        })),
        TargetGroupStickinessConfig: { ...stickiness },
      },
    };
  });
}

/**
 * An action as read, made fit to send back. Describe* never returns an OIDC client secret, and
 * sending the action without one fails unless we ask AWS to keep the existing secret.
 */
export function forWriting(action: Action): Action {
  const oidc = action.AuthenticateOidcConfig;
  if (oidc && oidc.ClientSecret === undefined) {
    return { ...action, AuthenticateOidcConfig: { ...oidc, UseExistingClientSecret: true } };
  }
  return { ...action };
}

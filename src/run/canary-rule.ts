import type { Check } from '../../machines/types.js';
import { AwsCallError, QuiesceError } from '../errors.js';
import { redactedErrorLine } from '../one-line.js';
import type { ProbeResult } from '../probes/probe-result.js';
import { CANARY_RULE_TAG, type CanaryRule, type ListenerRule } from '../ports/traffic.js';
import { canaryRulesOf, isCanaryShaped } from '../traffic/listener-rules.js';
import { check } from './checks.js';
import { clusterSpec, type RunContext } from './run-context.js';
import { journal } from './journal.js';

// The HTTP canary reaches a cluster that is still at weight 0 through a temporary listener rule that
// matches one header value. The rule is compensation-managed: it is tagged with the run and the cluster,
// an intent naming that tag is journaled before it is created, it is deleted in the same call that
// created it, and any rule carrying a tag of this run found later (after a crash between create and
// delete, or a create that failed after taking effect) is deleted before anything else. The tag, not the
// header value, makes a rule this run's: a rule merely looking like one is somebody else's.

/** The plan schema's default for verify.canary.headerName: leftovers are looked for under it when no canary is configured. */
export const DEFAULT_CANARY_HEADER = 'X-Quiesce-Canary';

export class CanaryRuleError extends QuiesceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CanaryRuleError';
  }
}

export const canaryHeaderName = (ctx: RunContext): string => ctx.plan.verify.canary?.headerName ?? DEFAULT_CANARY_HEADER;

/** Unique per run and cluster, so the requests can be traced to their run (ALB matches it case-insensitively). */
export const canaryHeaderValue = (runId: string, cluster: string): string => `quiesce-${runId}-${cluster}`;

/** The CANARY_RULE_TAG value of this run's rule for a cluster: run ids and cluster names hold no "/". */
export const canaryTagValue = (runId: string, cluster: string): string => `${runId}/${cluster}`;

/** The cluster named by a rule's tag when the tag is this run's ('' when it names no cluster), else undefined. */
function ownCluster(ctx: RunContext, tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  const prefix = `${ctx.runId}/`;
  // Earlier versions tagged the rule with its header value: a run resumed across an upgrade still knows it.
  if (!tag.startsWith(prefix)) return ctx.plan.fleet.clusters.find((c) => canaryHeaderValue(ctx.runId, c.name) === tag)?.name;
  const name = tag.slice(prefix.length);
  return ctx.plan.fleet.clusters.some((c) => c.name === name) ? name : '';
}

/** Whether a rule is one of this run's canary rules (by its tag): not "another rule" for any cluster of the run. */
export const isOwnCanaryRule = (ctx: RunContext, rule: ListenerRule): boolean => isCanaryShaped(rule) && ownCluster(ctx, rule.canaryTag) !== undefined;

const fleetCanaryRules = async (ctx: RunContext, rules?: readonly ListenerRule[]): Promise<CanaryRule[]> =>
  canaryRulesOf(rules ?? (await ctx.traffic.readRules([ctx.location.listenerArn])), ctx.location.listenerArn);

/**
 * Deletes the canary rules this run left on the listener (none, unless a process died between creating
 * and deleting one, or AWS failed the deletion). Returns what it deleted. By default only rules of
 * clusters not in flight: another cluster verifying at the same time may be in the middle of its canary.
 * `rules` is a listing the caller already read.
 */
export async function removeLeftoverCanaryRules(
  ctx: RunContext,
  ofCluster: (cluster: string) => boolean = (c) => !ctx.inFlight().has(c),
  rules?: readonly ListenerRule[],
): Promise<string[]> {
  const mine = (await fleetCanaryRules(ctx, rules)).filter((r) => {
    const cluster = ownCluster(ctx, r.tag);
    // A tag of this run naming no plan cluster cannot be anyone's live canary.
    return cluster !== undefined && (cluster === '' || ofCluster(cluster));
  });
  for (const rule of mine) {
    await journal(ctx, 'intent', `delete canary rule ${rule.ruleArn} left by this run (priority ${rule.priority})`, { data: { ruleArn: rule.ruleArn, tag: rule.tag, compensation: 'canary-rule' } });
    await ctx.traffic.deleteCanaryRule(rule.ruleArn);
    await journal(ctx, 'effect', `leftover canary rule ${rule.ruleArn} deleted`, { data: { ruleArn: rule.ruleArn, call: 'DeleteRule' } });
  }
  return mine.map((r) => r.ruleArn);
}

/** Canary rules on the listener (under the run's header name) that are not this run's: left by an earlier run, or made by hand. */
export async function foreignCanaryRules(ctx: RunContext, rules?: readonly ListenerRule[]): Promise<CanaryRule[]> {
  const header = canaryHeaderName(ctx).toLowerCase();
  return (await fleetCanaryRules(ctx, rules)).filter((r) => r.headerName.toLowerCase() === header && ownCluster(ctx, r.tag) === undefined);
}

/** Creates the rule, sends the canary through it, and deletes it whatever happened in between. */
export async function canaryThroughRule(ctx: RunContext, cluster: string, probe: NonNullable<RunContext['probes']['canary']>): Promise<Check[]> {
  const spec = clusterSpec(ctx, cluster);
  const headerName = canaryHeaderName(ctx);
  const headerValue = canaryHeaderValue(ctx.runId, cluster);
  const tag = canaryTagValue(ctx.runId, cluster);
  const listenerArn = ctx.location.listenerArn;
  // Before the call: if the process dies before the ARN is known, or the call fails after taking effect,
  // the tag still finds the rule, and makes it this run's.
  await journal(ctx, 'intent', `${cluster}: create canary rule ${headerName}: ${headerValue} -> ${spec.targetGroupArn}, tagged ${CANARY_RULE_TAG}=${tag}`, {
    cluster,
    data: { listenerArn, headerName, headerValue, targetGroupArn: spec.targetGroupArn, tag: { key: CANARY_RULE_TAG, value: tag }, compensation: 'canary-rule' },
  });
  const rule = await ctx.traffic.createCanaryRule(listenerArn, { targetGroupArn: spec.targetGroupArn, headerName, headerValue, tag });
  await journal(ctx, 'intent', `${cluster}: canary rule ${rule.ruleArn} created at priority ${rule.priority}; deleted after the canary`, {
    cluster,
    data: { ruleArn: rule.ruleArn, priority: rule.priority, compensation: 'canary-rule' },
  });

  let result: ProbeResult | undefined;
  let probeError: unknown;
  try {
    result = await probe(spec, { headerName, headerValue, listenerArn });
  } catch (err) {
    probeError = err;
  }
  let removed: Check;
  try {
    await ctx.traffic.deleteCanaryRule(rule.ruleArn);
    await journal(ctx, 'effect', `${cluster}: canary rule ${rule.ruleArn} deleted`, { cluster, data: { ruleArn: rule.ruleArn, call: 'DeleteRule' } });
    removed = check('canary.rule-removed', true, `rule at priority ${rule.priority} deleted`, 'removed after the canary');
  } catch (err) {
    if (!(err instanceof AwsCallError)) throw err;
    if (probeError !== undefined) throw new CanaryRuleError(`the canary failed (${redactedErrorLine(probeError)}) and its rule ${rule.ruleArn} could not be deleted (${err.message})`, { cause: probeError });
    removed = notRemoved(rule.ruleArn, err);
  }
  if (probeError !== undefined) throw probeError;
  return [...(result?.checks ?? []), removed];
}

/**
 * Verification's first step: this run's leftovers go, or the observation says why they could not (AWS
 * refusing or failing the call). Not yet verified, then: the next observation tries again, and the
 * cluster is held at weight 0 only if that keeps failing until verify.timeout.
 */
export async function leftoverRulesRemoved(ctx: RunContext, cluster: string): Promise<Check | undefined> {
  try {
    const deleted = await removeLeftoverCanaryRules(ctx, (c) => c === cluster);
    return deleted.length ? check('canary.rule-removed', true, `${deleted.length} leftover rule(s) deleted`, 'removed after the canary') : undefined;
  } catch (err) {
    if (!(err instanceof AwsCallError)) throw err;
    return notRemoved(`of run ${ctx.runId}`, err);
  }
}

function notRemoved(rule: string, err: AwsCallError): Check {
  return check('canary.rule-removed', false, `delete failed: ${err.code}`, 'removed after the canary', `could not delete canary rule ${rule} (${err.message}); the next verification tries again`);
}

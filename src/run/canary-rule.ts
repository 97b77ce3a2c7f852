import type { Check } from '../../machines/types.js';
import { AwsCallError, QuiesceError, oneLine } from '../errors.js';
import type { ProbeResult } from '../probes/probe-result.js';
import { check, clusterSpec, journal, type RunContext } from './run-context.js';

// The HTTP canary reaches a cluster that is still at weight 0 through a temporary listener rule that
// matches one header value. The rule is compensation-managed: its header value names the run, an intent
// is journaled before it is created, it is deleted in the same call that created it, and any rule of
// this run found later (after a crash between create and delete) is deleted before anything else.

/** The plan schema's default for verify.canary.headerName: leftovers are looked for under it when no canary is configured. */
export const DEFAULT_CANARY_HEADER = 'X-Quiesce-Canary';

export class CanaryRuleError extends QuiesceError {}

export const canaryHeaderName = (ctx: RunContext): string => ctx.plan.verify.canary?.headerName ?? DEFAULT_CANARY_HEADER;

/** Unique per run and cluster, so a leftover can be traced to its run (ALB matches it case-insensitively). */
export const canaryHeaderValue = (runId: string, cluster: string): string => `quiesce-${runId}-${cluster}`;

const ofRun = (runId: string, headerValue: string): boolean => headerValue.toLowerCase().startsWith(`quiesce-${runId}-`.toLowerCase());

/** The cluster a rule of this run was made for, from its header value. */
const clusterOf = (ctx: RunContext, headerValue: string): string | undefined =>
  ctx.plan.fleet.clusters.find((c) => canaryHeaderValue(ctx.runId, c.name).toLowerCase() === headerValue.toLowerCase())?.name;

/**
 * Deletes the canary rules this run left on the listener (none, unless a process died between creating
 * and deleting one, or AWS failed the deletion). Returns what it deleted. By default only rules of
 * clusters not in flight: another cluster verifying at the same time may be in the middle of its canary.
 */
export async function removeLeftoverCanaryRules(ctx: RunContext, ofCluster: (cluster: string) => boolean = (c) => !ctx.inFlight().has(c)): Promise<string[]> {
  const listenerArn = ctx.location.listenerArn;
  const rules = await ctx.traffic.findCanaryRules(listenerArn, canaryHeaderName(ctx));
  const mine = rules.filter((r) => {
    if (!ofRun(ctx.runId, r.headerValue)) return false;
    const cluster = clusterOf(ctx, r.headerValue);
    // A value of this run naming no plan cluster cannot be anyone's live canary.
    return cluster === undefined || ofCluster(cluster);
  });
  for (const rule of mine) {
    await journal(ctx, 'intent', `delete canary rule ${rule.ruleArn} left by this run (priority ${rule.priority})`, { data: { ruleArn: rule.ruleArn, compensation: 'canary-rule' } });
    await ctx.traffic.deleteCanaryRule(rule.ruleArn);
    await journal(ctx, 'effect', `leftover canary rule ${rule.ruleArn} deleted`, { data: { ruleArn: rule.ruleArn, call: 'DeleteRule' } });
  }
  return mine.map((r) => r.ruleArn);
}

/** Canary rules on the listener that are not this run's: left by an earlier run, or made by hand. */
export async function foreignCanaryRules(ctx: RunContext): Promise<Array<{ ruleArn: string; priority: number; headerValue: string }>> {
  const rules = await ctx.traffic.findCanaryRules(ctx.location.listenerArn, canaryHeaderName(ctx));
  return rules.filter((r) => !ofRun(ctx.runId, r.headerValue));
}

/** Creates the rule, sends the canary through it, and deletes it whatever happened in between. */
export async function canaryThroughRule(ctx: RunContext, cluster: string, probe: NonNullable<RunContext['probes']['canary']>): Promise<Check[]> {
  const spec = clusterSpec(ctx, cluster);
  const headerName = canaryHeaderName(ctx);
  const headerValue = canaryHeaderValue(ctx.runId, cluster);
  const listenerArn = ctx.location.listenerArn;
  // Before the call: if the process dies before the ARN is known, the header value still finds the rule.
  await journal(ctx, 'intent', `${cluster}: create canary rule ${headerName}: ${headerValue} -> ${spec.targetGroupArn}`, {
    cluster,
    data: { listenerArn, headerName, headerValue, targetGroupArn: spec.targetGroupArn, compensation: 'canary-rule' },
  });
  const rule = await ctx.traffic.createCanaryRule(listenerArn, { targetGroupArn: spec.targetGroupArn, headerName, headerValue });
  await journal(ctx, 'intent', `${cluster}: canary rule ${rule.ruleArn} created at priority ${rule.priority}; deleted after the canary`, {
    cluster,
    data: { ruleArn: rule.ruleArn, priority: rule.priority, compensation: 'canary-rule' },
  });

  let result: ProbeResult | undefined;
  let probeError: unknown;
  try {
    result = await probe(spec, { headerName, headerValue });
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
    if (probeError !== undefined) throw new CanaryRuleError(`the canary failed (${messageOf(probeError)}) and its rule ${rule.ruleArn} could not be deleted (${err.message})`, { cause: probeError });
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

const messageOf = (err: unknown): string => oneLine(err instanceof Error ? err.message : String(err));

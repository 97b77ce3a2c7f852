import type { Check } from '../../machines/types.js';
import { QuiesceError, oneLine } from '../errors.js';
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

/**
 * Deletes every canary rule this run left on the listener (none, unless a process died between creating
 * and deleting one). Returns what it deleted. Safe to call at any time: it touches only this run's rules.
 */
export async function removeLeftoverCanaryRules(ctx: RunContext): Promise<string[]> {
  const listenerArn = ctx.location.listenerArn;
  const rules = await ctx.traffic.findCanaryRules(listenerArn, canaryHeaderName(ctx));
  const mine = rules.filter((r) => ofRun(ctx.runId, r.headerValue));
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
  try {
    await ctx.traffic.deleteCanaryRule(rule.ruleArn);
  } catch (err) {
    const also = probeError === undefined ? '' : `; the canary itself had failed: ${oneLine(probeError instanceof Error ? probeError.message : String(probeError))}`;
    throw new CanaryRuleError(`could not delete canary rule ${rule.ruleArn} (${oneLine(err instanceof Error ? err.message : String(err))}): delete it by hand; this run deletes it at its next verification or preflight, any other run refuses to start while it exists${also}`, { cause: err });
  }
  await journal(ctx, 'effect', `${cluster}: canary rule ${rule.ruleArn} deleted`, { cluster, data: { ruleArn: rule.ruleArn, call: 'DeleteRule' } });
  if (probeError !== undefined) throw probeError;
  return [...(result?.checks ?? []), check('canary.rule-removed', true, `rule at priority ${rule.priority} deleted`, 'removed after the canary')];
}

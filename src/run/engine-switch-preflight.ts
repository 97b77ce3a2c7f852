import type { Check } from '../../machines/types.js';
import { judgeEngineSwitch, readEngineSwitchFacts } from '../cache/engine-switch.js';
import type { ReplicationGroupView } from '../ports/cache.js';
import { modifyRequest } from './maintenance-steps.js';
import { check } from './checks.js';
import type { RunContext } from './run-context.js';

/**
 * An engine switch the plan asks for must be one ElastiCache accepts for this group (its parameter group,
 * the version asked for): refused here, before the cluster leaves rotation, rather than by the Modify.
 */
export async function checkEngineSwitch(ctx: RunContext, view: ReplicationGroupView, checks: Check[]): Promise<void> {
  for (const step of ctx.plan.maintenance) {
    if (!('elasticache' in step) || step.elasticache !== 'modify' || step.engine === undefined) continue;
    const request = modifyRequest(step);
    const verdict = judgeEngineSwitch(request, await readEngineSwitchFacts(ctx.cache, view, request));
    checks.push(check('preflight.cache.engine-switch', verdict.ok, verdict.observed, 'a switch ElastiCache accepts', verdict.ok ? undefined : verdict.refusal));
  }
}

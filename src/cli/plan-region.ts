import type { Plan } from '../plan/schema.js';
import { UsageError } from './usage-error.js';

/**
 * `--region` confirms, it does not choose: the plan names its region and its ARNs are checked against
 * it, so another region is a mistake on the command line (bad input, before anything is read or changed).
 */
export function planRegion(plan: Plan, region: string | undefined): string {
  if (region !== undefined && region !== plan.region) throw new UsageError(`--region ${region} differs from the plan's region ${plan.region}`);
  return plan.region;
}

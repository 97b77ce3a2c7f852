// The input of a run execution, `{ plan, idempotencyKey }`, for schedules and for on-demand starts.
import type { DeployedPlan } from './deployed-plan.js';

/** Replaced by EventBridge Scheduler with the time the invocation was scheduled for (ISO 8601, UTC). */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/** `<plan name>-<scheduled time>`: the same for every delivery of one scheduled invocation. */
export function scheduledIdempotencyKey(planName: string): string {
  return `${planName}-${SCHEDULED_TIME}`;
}

export interface ExecutionInput {
  plan: Record<string, unknown>;
  idempotencyKey: string;
}

export function executionInput(deployed: DeployedPlan, idempotencyKey: string): ExecutionInput {
  return { plan: deployed.document, idempotencyKey };
}

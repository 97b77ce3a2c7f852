// Target health computed from timestamps instead of simulating every check: checks run at
// `checksFrom + k * interval`; a state flips once enough consecutive checks agree with the
// target's current condition, counted from the moment that condition began. A newly registered target
// (state initial) needs `newTargetChecks` passing checks, by default one: "After your target is registered,
// it must pass one health check to be considered healthy"; HealthyThresholdCount governs an unhealthy target
// becoming healthy again
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
import type { TargetHealth, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { HealthCheckSettings, HealthState, TargetCondition, TargetGroupState, TargetState } from './state.js';

export interface HealthAt {
  state: HealthState;
  /** When the state would next change under the current condition; null if it is settled. */
  nextChangeAt: number | null;
}

/** Number of checks performed at times <= t. */
function checksUpTo(t: number, checksFrom: number, intervalMs: number): number {
  return t < checksFrom ? 0 : Math.floor((t - checksFrom) / intervalMs) + 1;
}

export function healthAt(target: TargetState, hc: HealthCheckSettings, t: number): HealthAt {
  const { base, condition, checksFrom } = target;
  if (checksFrom === null) return { state: base.state, nextChangeAt: null };
  const wantsHealthy = condition === 'ok';
  if ((wantsHealthy && base.state === 'healthy') || (!wantsHealthy && base.state === 'unhealthy')) {
    return { state: base.state, nextChangeAt: null };
  }
  const needed = wantsHealthy
    ? base.state === 'initial'
      ? hc.newTargetChecks
      : hc.healthyThreshold
    : hc.unhealthyThreshold;
  const decidingCheck = checksUpTo(base.at, checksFrom, hc.intervalMs) + needed - 1;
  const decidedAt = checksFrom + decidingCheck * hc.intervalMs;
  if (t >= decidedAt) return { state: wantsHealthy ? 'healthy' : 'unhealthy', nextChangeAt: null };
  return { state: base.state, nextChangeAt: decidedAt };
}

/** Rebase a target on a new condition at time t (only call when the condition really changes). */
export function changeCondition(target: TargetState, hc: HealthCheckSettings, condition: TargetCondition, t: number): void {
  if (target.condition === condition) return;
  const reached = healthAt(target, hc, t).state;
  target.base = { at: t, state: reached };
  target.condition = condition;
  if (condition !== 'ok') target.lastFailure = condition;
}

/** Start health checking from scratch (new registration, or the group just became used). */
export function restartChecks(target: TargetState, t: number, registrationDelayMs: number): void {
  target.checksFrom = t + registrationDelayMs;
  target.base = { at: t, state: 'initial' };
}

export function conditionOf(group: TargetGroupState, target: TargetState): TargetCondition {
  if (group.crashLoops.length > 0) return 'crash';
  if (target.marks.length > 0) return 'error5xx';
  return 'ok';
}

const DESCRIPTIONS: Record<string, string> = {
  'Elb.RegistrationInProgress': 'Target registration is in progress',
  'Elb.InitialHealthChecking': 'Initial health checks in progress',
  'Target.FailedHealthChecks': 'Health checks failed',
  'Target.NotRegistered': 'Target is not registered to the target group',
  'Target.NotInUse': 'Target group is not configured to receive traffic from the load balancer',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress',
};

function withReason(state: TargetHealth['State'], reason: TargetHealth['Reason'], description?: string): TargetHealth {
  return { State: state, Reason: reason, Description: description ?? DESCRIPTIONS[reason ?? ''] ?? '' };
}

/** The TargetHealth AWS would report for a registered (or draining) target at time t. */
export function describeHealth(group: TargetGroupState, target: TargetState, t: number): TargetHealth {
  if (target.drainUntil !== null) return withReason('draining', 'Target.DeregistrationInProgress');
  if (!group.used || target.checksFrom === null) return withReason('unused', 'Target.NotInUse');
  const { state } = healthAt(target, group.healthCheck, t);
  switch (state) {
    case 'healthy':
      return { State: 'healthy' };
    case 'initial':
      return t < target.checksFrom
        ? withReason('initial', 'Elb.RegistrationInProgress')
        : withReason('initial', 'Elb.InitialHealthChecking');
    case 'unhealthy':
      return unhealthyReason(group, target);
  }
}

function unhealthyReason(group: TargetGroupState, target: TargetState): TargetHealth {
  const failure = target.condition !== 'ok' ? target.condition : (target.lastFailure ?? 'crash');
  if (failure === 'error5xx') {
    return withReason(
      'unhealthy',
      'Target.ResponseCodeMismatch',
      `Health checks failed with these codes: [500] (expected ${group.healthCheck.matcher})`,
    );
  }
  return withReason('unhealthy', 'Target.FailedHealthChecks');
}

export function notRegistered(id: string, port: number): TargetHealthDescription {
  return {
    Target: { Id: id, Port: port },
    HealthCheckPort: String(port),
    TargetHealth: withReason('unused', 'Target.NotRegistered'),
  };
}

export interface GroupSummary {
  /** Registered and not draining. */
  registered: number;
  healthy: number;
  unhealthy: number;
  initial: number;
  /** Targets that receive requests: the healthy ones, or all registered when none is (fail open). */
  routable: number;
  routableCrash: number;
  routableError: number;
  /** The summary holds until then (next health transition or drain end). */
  validUntil: number;
}

export function summarizeGroup(group: TargetGroupState, t: number): GroupSummary {
  let registered = 0;
  let healthy = 0;
  let unhealthy = 0;
  let initial = 0;
  let healthyCrash = 0;
  let healthyError = 0;
  let allCrash = 0;
  let allError = 0;
  let validUntil = Number.POSITIVE_INFINITY;
  for (const target of group.targets) {
    if (target.drainUntil !== null) {
      validUntil = Math.min(validUntil, target.drainUntil);
      continue;
    }
    registered++;
    if (target.condition === 'crash') allCrash++;
    if (target.condition === 'error5xx') allError++;
    if (!group.used || target.checksFrom === null) continue;
    if (t < target.checksFrom) validUntil = Math.min(validUntil, target.checksFrom);
    const h = healthAt(target, group.healthCheck, t);
    if (h.nextChangeAt !== null) validUntil = Math.min(validUntil, h.nextChangeAt);
    if (h.state === 'healthy') {
      healthy++;
      if (target.condition === 'crash') healthyCrash++;
      if (target.condition === 'error5xx') healthyError++;
    } else if (h.state === 'unhealthy') {
      unhealthy++;
    } else {
      initial++;
    }
  }
  const failOpen = healthy === 0;
  return {
    registered,
    healthy,
    unhealthy,
    initial,
    routable: failOpen ? registered : healthy,
    routableCrash: failOpen ? allCrash : healthyCrash,
    routableError: failOpen ? allError : healthyError,
    validUntil,
  };
}

import type { ObserveOutput } from '../../machines/cluster.contract.js';
import type { Check, Drift, TargetRef } from '../../machines/types.js';
import { targetGroupDimensions } from '../plan/arn.js';
import { firstUnknown } from '../ports/metrics.js';
import { computeDrift } from '../traffic/drift.js';
import { weightOf, weightVerdict, type ForwardConfig } from '../ports/traffic.js';
import { neighbourDrift } from './capacity.js';
import { expectedShare } from '../traffic/ramp-scale.js';
import { check } from './checks.js';
import { clusterSpec, type RunContext } from './run-context.js';
import { shareModel } from './forward-shares.js';
import { noteWeightRead, targetGroupSettings } from './cadence.js';
import { otherRoutes, reaching, readRules, routesText } from './other-rules.js';

// Drain and ramp completion, judged by evidence: the weight read back, the load balancer's own request
// counts, target health. An API call that returned 200 proves nothing here.

const MINUTE = 60_000;
/** When CloudWatch did not return a result whole (after the adapter's own retries), the next look. */
const UNKNOWN_RECHECK_MS = 30_000;

/**
 * Reads the weight back; a different live weight is drift, reported with the precise diff. Out of
 * rotation (expected 0), so is any other rule of the load balancer sending the group traffic: read in the
 * same look (one listing of the rules, which also holds the fleet's forward). The same read judges the
 * clusters this run is not working on: one set out of rotation by hand so that the fleet breaks its
 * capacity rules is drift too (the check passes for this cluster's own weight).
 */
export async function weightEvidence(ctx: RunContext, cluster: string, expected: number, name = 'weight'): Promise<{ check: Check; drift?: ObserveOutput['drift']; capacity?: Check }> {
  const spec = clusterSpec(ctx, cluster);
  const routes = expected === 0 ? reaching(otherRoutes(ctx, cluster, await readRules(ctx))) : [];
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const verdict = weightVerdict(live, spec.targetGroupArn, expected);
  if (verdict.status === 'ok' && routes.length === 0) {
    const ok = check(name, true, `weight ${verdict.live}`, `${expected}`);
    const neighbours = await neighbourDrift(ctx, live);
    return neighbours ? { check: ok, drift: neighbours.drift, capacity: neighbours.check } : { check: ok };
  }
  const drift =
    computeDrift({ weights: { [spec.targetGroupArn]: expected }, groups: live.targetGroups.map((g) => g.targetGroupArn), exclusive: [spec.targetGroupArn] }, { forward: live, otherRoutes: routes }) ?? undefined;
  const observed = `weight ${verdict.live ?? 'missing'}${routes.length ? `; ${routesText(routes)}` : ''}`;
  const message = verdict.status === 'ok' ? `${cluster} is out of rotation in the fleet's forward but still reachable: ${routesText(routes)}` : `${cluster}'s weight reads ${verdict.live ?? 'missing'}, expected ${expected}`;
  return { check: check(name, false, observed, `${expected}`, message), ...(drift ? { drift } : {}) };
}

/** An observation ended by drift the weight read found, with the checks that show it. */
export function driftOutput(at: number, evidence: Awaited<ReturnType<typeof weightEvidence>>): ObserveOutput {
  const checks = [evidence.check, ...(evidence.capacity ? [evidence.capacity] : [])].map((c) => ({ ...c, at }));
  const reason = evidence.capacity?.message ?? evidence.check.message;
  return { at, status: 'drift', ...(evidence.drift ? { drift: evidence.drift } : {}), ...(reason ? { reason } : {}), checks };
}

export async function observeDrain(
  ctx: RunContext,
  input: { cluster: string; mode: 'weight' | 'deregister'; removedAt: number; minimumMs: number },
): Promise<ObserveOutput> {
  const spec = clusterSpec(ctx, input.cluster);
  const now = ctx.clock.now();
  const weight = await weightEvidence(ctx, input.cluster, 0, 'drain.weight');
  if (weight.drift) return driftOutput(now, weight);
  const checks: Check[] = [weight.check];
  const waits: number[] = [];

  if (input.mode === 'deregister') {
    const targets = (await ctx.store.recall<TargetRef[]>(ctx.runId, `targets:${input.cluster}`)) ?? [];
    const deregisteredAt = (await ctx.store.recall<number>(ctx.runId, `deregisteredAt:${input.cluster}`)) ?? input.removedAt;
    const health = targets.length ? await ctx.traffic.describeTargetHealth(spec.targetGroupArn, targets) : [];
    const still = health.filter((h) => !(h.state === 'unused' && h.reason === 'Target.NotRegistered'));
    checks.push(check('drain.targets-gone', still.length === 0, `${still.length} of ${targets.length} still listed (${still.map((h) => h.state).join(', ') || 'none'})`, 'none listed'));
    if (still.length) {
      // AWS shows draining for the whole delay even when connections closed earlier: nothing earlier is evidence.
      const settings = await targetGroupSettings(ctx, input.cluster);
      waits.push(deregisteredAt + settings.deregistrationDelaySeconds * 1000 + 1000);
    }
  } else {
    const quiet = ctx.plan.drain.quietMinutes;
    const first = Math.ceil(input.removedAt / MINUTE) * MINUTE;
    const usableEnd = Math.floor((now - ctx.metricsLagMs) / MINUTE) * MINUTE;
    let quietMinutes = 0;
    let lastRequests = 0;
    let unknownReason: string | undefined;
    if (usableEnd > first) {
      const series = await ctx.metrics.targetGroupMinutes(targetGroupDimensions(spec.targetGroupArn, ctx.location.listenerArn), 'RequestCount', first, usableEnd);
      // A result CloudWatch did not return whole is no minute of quiet: the drain waits and reads again.
      if (!series.known) unknownReason = series.reason;
      else {
        for (const m of [...series.minutes].sort((a, b) => b.minute - a.minute)) {
          if (m.value !== 0) {
            lastRequests = m.value;
            break;
          }
          quietMinutes++;
        }
      }
    }
    if (unknownReason !== undefined) {
      checks.push(check('drain.request-count', false, unknownReason, `${quiet} consecutive minutes with RequestCount 0`, unknownReason));
      waits.push(now + UNKNOWN_RECHECK_MS);
    } else {
      checks.push(check('drain.request-count', quietMinutes >= quiet, `${quietMinutes} complete quiet minute(s)${lastRequests ? `; ${lastRequests.toLocaleString('en')} requests in the last busy minute` : ''}`, `${quiet} consecutive minutes with RequestCount 0`));
      if (quietMinutes < quiet) waits.push(Math.max(usableEnd, first) + (quiet - quietMinutes) * MINUTE + ctx.metricsLagMs + 1000);
    }
  }

  const minimumAt = input.removedAt + input.minimumMs;
  checks.push(check('drain.minimum', now >= minimumAt, `${Math.round((now - input.removedAt) / 1000)}s since removal`, `>= ${Math.round(input.minimumMs / 1000)}s`));
  if (now < minimumAt) waits.push(minimumAt);

  const stamped = checks.map((c) => ({ ...c, at: now }));
  if (waits.length === 0) return { at: now, status: 'done', checks: stamped };
  const pending = stamped.filter((c) => !c.ok).map((c) => `${c.name}: ${c.observed}`);
  return { at: now, status: 'not-yet', recheckAt: Math.max(...waits), ...(pending.length ? { reason: pending.join('; ') } : {}), checks: stamped };
}

/**
 * One observation of a ramp step: the weight reads back, no target is unhealthy, and the group's target
 * 5xx and UnHealthyHostCount over the step stay within their thresholds.
 *
 * Three looks per step: right after the set (the weight reads back), one mid-hold (the minutes published
 * so far, so a breach rolls back early), and the final one. CloudWatch publishes a minute only
 * `metricsLagMs` after it ends, so at the end of a hold its last minutes are not evidence yet: the final
 * look waits (on the clock, inside this call) until the minute holding the end of the hold is published,
 * then judges the whole step. A breach in the last seconds of a hold is caught before the next step
 * raises the weight, or before the cluster counts as done.
 */
export async function observeRamp(ctx: RunContext, input: { cluster: string; percent: number; since: number }): Promise<ObserveOutput> {
  const holdEnd = input.since + ctx.plan.reactivate.hold;
  const midHold = input.since + Math.floor(ctx.plan.reactivate.hold / 2);
  const lastMinuteEnd = Math.ceil(holdEnd / MINUTE) * MINUTE;
  const publishedAt = lastMinuteEnd + ctx.metricsLagMs;
  const start = ctx.clock.now();
  if (start >= holdEnd && start < publishedAt) await ctx.clock.sleep(publishedAt - start);
  const now = ctx.clock.now();
  const final = now >= holdEnd;

  const spec = clusterSpec(ctx, input.cluster);
  const checks: Check[] = [];
  const mid = now >= midHold && !final;
  // The mid-hold look judges the minutes published so far; the weight is read right after the set and at
  // the end of the hold, which bounds a hand-made change to half a hold before it is caught.
  if (!mid) {
    const step = `${input.cluster}|${input.percent}|${input.since}`;
    const seen = ctx.memory.readBackSteps;
    const read = await rampWeightEvidence(ctx, input.cluster, input.percent);
    noteWeightRead(ctx, input.cluster, now);
    checks.push(read.check);
    if (read.drift) {
      // Once the step's weights have read back, a difference is someone's change, with the exact diff.
      if (seen.has(step)) return { at: now, status: 'drift', drift: read.drift, reason: read.drift.summary, checks: stampAll(checks, now) };
      // Before that it may be a stale read (AWS is eventually consistent): "not yet", and the machine pauses
      // if the weights never read back.
      return { at: now, status: 'not-yet', recheckAt: now + 5_000, reason: read.drift.summary, checks: stampAll(checks, now) };
    }
    seen.add(step);
    const neighbours = await neighbourDrift(ctx, read.live);
    if (neighbours) return { at: now, status: 'drift', drift: neighbours.drift, reason: neighbours.check.message ?? neighbours.drift.summary, checks: stampAll([...checks, neighbours.check], now) };
    // The look right after the set: the read-back is all there is to judge yet.
    if (now < midHold) return { at: now, status: 'done', recheckAt: midHold, checks: stampAll(checks, now) };
  }
  const atWeight = `${input.percent}% of its share`;

  const maxUnhealthy = ctx.plan.reactivate.maxUnhealthyHosts;
  const health = await ctx.traffic.describeTargetHealth(spec.targetGroupArn);
  const unhealthy = health.filter((h) => h.state !== 'healthy' && h.state !== 'unused' && h.state !== 'draining');
  checks.push(check('ramp.unhealthy-hosts', unhealthy.length <= maxUnhealthy, `${unhealthy.length} unhealthy now`, `<= ${maxUnhealthy}`, `${unhealthy.length} targets unhealthy at ${atWeight} (${unhealthy.map((h) => `${h.target.id} ${h.state}`).join(', ')})`));

  const dims = targetGroupDimensions(spec.targetGroupArn, ctx.location.listenerArn);
  const usableEnd = Math.min(lastMinuteEnd, Math.floor((now - ctx.metricsLagMs) / MINUTE) * MINUTE);
  // Every minute that saw this step's traffic; the first may also hold the step before (conservative).
  const from5xx = Math.floor(input.since / MINUTE) * MINUTE;
  // A gauge: only minutes wholly inside the step, so unhealthiness before it (at weight 0) does not count.
  const fromHosts = Math.ceil(input.since / MINUTE) * MINUTE;
  if (usableEnd > from5xx) {
    // Both metrics in one request, from the earlier start; the gauge is cut to its own minutes below.
    const series = await ctx.metrics.targetGroupMinutesOf(dims, ['HTTPCode_Target_5XX_Count', 'UnHealthyHostCount'], from5xx, usableEnd);
    const unknown = firstUnknown([series.HTTPCode_Target_5XX_Count, ...(usableEnd > fromHosts ? [series.UnHealthyHostCount] : [])]);
    if (unknown) {
      // Not "no 5xx": the step cannot pass on it. A breach seen so far still rolls back; otherwise look again.
      checks.push(check('ramp.metrics', false, unknown.reason, 'every result Complete', unknown.reason));
      const stamped = stampAll(checks, now);
      const breach = stamped.find((c) => !c.ok && c.name !== 'ramp.metrics');
      if (breach) return { at: now, status: 'failed', reason: `${breach.name}: ${breach.message ?? breach.observed}`, checks: stamped };
      return { at: now, status: 'not-yet', recheckAt: final ? now + UNKNOWN_RECHECK_MS : holdEnd, reason: `ramp.metrics: ${unknown.reason}`, checks: stamped };
    }
    if (series.HTTPCode_Target_5XX_Count.known) {
      const errors = series.HTTPCode_Target_5XX_Count.minutes.reduce((n, m) => n + m.value, 0);
      const max5xx = ctx.plan.reactivate.max5xx;
      checks.push(check('ramp.5xx', errors <= max5xx, `${errors} target 5xx ${minutesText(from5xx, usableEnd)}`, `<= ${max5xx}`, `${errors} target 5xx responses at ${atWeight} ${minutesText(from5xx, usableEnd)}`));
    }
    if (usableEnd > fromHosts && series.UnHealthyHostCount.known) {
      const worst = series.UnHealthyHostCount.minutes.filter((m) => m.minute >= fromHosts).reduce((w, m) => Math.max(w, m.value), 0);
      checks.push(check('ramp.unhealthy-host-count', worst <= maxUnhealthy, `max UnHealthyHostCount ${worst} ${minutesText(fromHosts, usableEnd)}`, `<= ${maxUnhealthy}`, `UnHealthyHostCount reached ${worst} at ${atWeight} ${minutesText(fromHosts, usableEnd)}`));
    }
  }

  const stamped = stampAll(checks, now);
  const breach = stamped.find((c) => !c.ok);
  if (breach) return { at: now, status: 'failed', reason: `${breach.name}: ${breach.message ?? breach.observed}`, checks: stamped };
  // Before the hold ends, done means "nothing breached so far"; the machine holds until holdUntil.
  return { at: now, status: 'done', recheckAt: final ? now : holdEnd, checks: stamped };
}

/**
 * A ramp step's read-back: the cluster's weight at its percent of its share (mid-ramp at the run's scale:
 * a forward put back to its originals by hand, 1/1/1 mid-ramp, reads as drift here). The other groups'
 * weights are carried by every change and judged by the drift checks (before the next removal, and on the
 * capacity rules). A difference comes back as a drift with the exact diff; the caller tells a stale read
 * from a change.
 */
async function rampWeightEvidence(ctx: RunContext, cluster: string, percent: number): Promise<{ check: Check; live: ForwardConfig; drift?: Drift }> {
  const spec = clusterSpec(ctx, cluster);
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const model = await shareModel(ctx, cluster);
  const { weight: expected, k } = expectedShare(live, model, spec.targetGroupArn, percent);
  const have = weightOf(live, spec.targetGroupArn);
  const scaled = k > 1 ? `, every weight x${k}` : '';
  const result = check('ramp.weight', have === expected, `weight ${have ?? 'missing'}`, `${expected} (${percent}% of its share${scaled})`, `${cluster}'s weight reads ${have ?? 'missing'}, expected ${expected}`);
  if (result.ok) return { check: result, live };
  const drift = computeDrift({ weights: { [spec.targetGroupArn]: expected }, groups: live.targetGroups.map((g) => g.targetGroupArn) }, { forward: live })!;
  return { check: result, live, drift };
}

const stampAll = (checks: Check[], at: number): Check[] => checks.map((c) => ({ ...c, at }));

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const minutesText = (from: number, to: number): string => `in ${hhmm(from)}-${hhmm(to)} UTC`;

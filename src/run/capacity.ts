import type { ConfirmFleetOutput } from '../../machines/fleet.machine.js';
import type { Check, Drift } from '../../machines/types.js';
import { weightOf, type ForwardConfig } from '../ports/traffic.js';
import { computeDrift, type ExpectedTraffic } from '../traffic/drift.js';
import { baseline } from './baseline.js';
import { check } from './checks.js';
import { journal } from './journal.js';
import { trafficLocation } from './locations.js';
import { RefusedError } from '../errors.js';
import type { RunContext } from './run-context.js';

// The plan's capacity rules (capacity.minActiveClusters, maxOutOfService, minHealthyTargets) judged on
// live reads of the whole fleet, for the clusters this run is not working on: a hand-made change to a
// cluster that finished, or that has not started, is drift when it breaks them, and no run ends done
// while a cluster it finished is out of rotation.

/** Healthy targets that must stay in rotation: a percentage is of every target the fleet had when the run started. */
export function requiredHealthyTargets(ctx: RunContext, fleetTargets: number): { required: number; label: string } | undefined {
  const min = ctx.plan.capacity.minHealthyTargets;
  if (min === undefined) return undefined;
  const required = typeof min === 'number' ? min : Math.ceil((Number(min.slice(0, -1)) / 100) * fleetTargets);
  return { required, label: typeof min === 'number' ? `${min}` : `${min} of ${fleetTargets} = ${required}` };
}

/** The weight this run expects a cluster it is not working on to have now; undefined when it has no say. */
async function restingWeight(ctx: RunContext, name: string, targetGroupArn: string): Promise<number | undefined> {
  const start = weightOf((await baseline(ctx)).forward, targetGroupArn) ?? 0;
  const outcome = ctx.outcomes().get(name);
  if (outcome === undefined) return start;
  // A held or aborted cluster stopped where it was (out of rotation on purpose, or never taken out).
  if (outcome !== 'done') return undefined;
  // Its last ramp step put its full share back: the weight it started with (times the ramp scale while
  // another cluster is mid-ramp; only whether it is above 0 is judged here).
  return start;
}

/**
 * Clusters not in flight that this run expects in rotation but the live listener has out (weight 0 or
 * gone), as drift with the exact diff, when the fleet as it stands breaks minActiveClusters or
 * maxOutOfService. A change that leaves the capacity whole is left to the drift check before the next
 * removal, as before.
 */
export async function neighbourDrift(ctx: RunContext, live: ForwardConfig): Promise<{ drift: Drift; check: Check } | undefined> {
  const clusters = ctx.plan.fleet.clusters;
  const inRotation = clusters.filter((c) => (weightOf(live, c.targetGroupArn) ?? 0) > 0).length;
  const out = clusters.length - inRotation;
  const { minActiveClusters, maxOutOfService } = ctx.plan.capacity;
  // The common case costs nothing more than the read the caller already made.
  if (inRotation >= minActiveClusters && out <= maxOutOfService) return undefined;
  const inFlight = ctx.inFlight();
  const weights: ExpectedTraffic['weights'] = {};
  for (const c of clusters) {
    if (inFlight.has(c.name) || (weightOf(live, c.targetGroupArn) ?? 0) > 0) continue;
    const expected = await restingWeight(ctx, c.name, c.targetGroupArn);
    if (expected !== undefined && expected > 0) weights[c.targetGroupArn] = expected;
  }
  if (Object.keys(weights).length === 0) return undefined;
  // Only these groups are judged: the others' weights are not this check's to question.
  const diff = computeDrift({ weights, groups: live.targetGroups.map((g) => g.targetGroupArn) }, { forward: live });
  if (!diff) return undefined;
  const capacity = `${inRotation} cluster(s) in rotation and ${out} out; the plan needs at least ${minActiveClusters} in and at most ${maxOutOfService} out`;
  const drift = { ...diff, summary: `${diff.summary} (set outside this run: ${capacity})` };
  return { drift, check: check('capacity', false, capacity, `>= ${minActiveClusters} in rotation, <= ${maxOutOfService} out`, drift.summary) };
}

/**
 * The fleet's last look before it ends done: every cluster this run finished has weight and registered
 * targets on the live listener. Anything else is drift with the exact diff (the fleet pauses).
 */
export async function confirmFleet(ctx: RunContext, finished: readonly string[]): Promise<ConfirmFleetOutput> {
  const base = await baseline(ctx);
  const live = await ctx.traffic.readForwardConfig(ctx.location);
  const weights: ExpectedTraffic['weights'] = {};
  const targets: Record<string, string[]> = {};
  const liveTargets: Record<string, string[]> = {};
  let inRotation = 0;
  for (const name of finished) {
    const spec = ctx.plan.fleet.clusters.find((c) => c.name === name);
    if (!spec) continue;
    const expected = await restingWeight(ctx, name, spec.targetGroupArn);
    if (expected === undefined || expected === 0) continue;
    if ((weightOf(live, spec.targetGroupArn) ?? 0) === 0) {
      weights[spec.targetGroupArn] = expected;
      continue;
    }
    const registered = await ctx.traffic.listTargets(spec.targetGroupArn);
    if (registered.length === 0) {
      targets[spec.targetGroupArn] = (base.targets[name] ?? []).map((t) => t.id);
      liveTargets[spec.targetGroupArn] = [];
      continue;
    }
    inRotation++;
  }
  const drift = computeDrift({ weights, groups: live.targetGroups.map((g) => g.targetGroupArn), targets }, { forward: live, targets: liveTargets });
  const at = ctx.clock.now();
  if (drift) await journal(ctx, 'drift', `fleet: a cluster this run finished is out of rotation: ${drift.summary}`, { data: { drift } });
  else await journal(ctx, 'check', `fleet: every cluster this run finished is in rotation (${inRotation})`, { data: { phase: 'confirm', ...check('fleet.in-rotation', true, `${inRotation} in rotation`, 'every finished cluster in rotation'), at } });
  return { at, drift };
}

/**
 * A fleet at several locations, before a cluster leaves rotation: the capacity rules across locations,
 * where a cluster is in rotation only when it is at every location it is at, and maxOutOfService counts
 * clusters, not target groups. Each location's own guard (rotation-guards.ts) still judges its forward
 * under its listener's weight lock; this look spans listeners, so it reads each just before the change.
 */
export async function fleetCapacityWithout(ctx: RunContext, cluster: string): Promise<void> {
  const root = ctx.root ?? ctx;
  const clusters = root.plan.fleet.clusters;
  const locations = root.plan.fleet.locations;
  const forwards = await root.traffic.readForwardConfigs(locations.map(trafficLocation));
  const live = new Map<string, ForwardConfig>(locations.map((l, i) => [l.name, forwards[i]!]));
  const serving = (c: (typeof clusters)[number]) => c.placements.every((p) => (weightOf(live.get(p.location)!, p.targetGroupArn) ?? 0) > 0);
  const self = clusters.find((c) => c.name === cluster);
  // Out at every location already: taking it out costs nothing.
  if (self && self.placements.every((p) => (weightOf(live.get(p.location)!, p.targetGroupArn) ?? 0) === 0)) return;
  const inRotation = clusters.filter((c) => c.name !== cluster && serving(c));
  const out = clusters.length - inRotation.length;
  const { minActiveClusters, maxOutOfService } = root.plan.capacity;
  if (inRotation.length >= minActiveClusters && out <= maxOutOfService) return;
  const outNames = clusters.filter((c) => c.name !== cluster && !serving(c)).map((c) => c.name);
  throw new RefusedError(
    `taking ${cluster} out of rotation would leave ${inRotation.length} cluster(s) in rotation at every location they are at and ${out} out (${[...outNames, cluster].join(', ')}); the plan allows at least ${minActiveClusters} in and at most ${maxOutOfService} out, so ${cluster} stays in rotation`,
  );
}

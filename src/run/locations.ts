import type { ObserveOutput, PreflightOutput, Stamped } from '../../machines/cluster.contract.js';
import type { Check, Drift } from '../../machines/types.js';
import type { Plan, PlanLocation } from '../plan/schema.js';
import type { TrafficLocation } from '../ports/traffic.js';
import type { RunStore } from '../store/run-store.js';
import { createRunMemory } from './run-memory.js';
import type { RunContext } from './run-context.js';

// A fleet at several locations (listeners, or rules) is worked on one location at a time: each effect on
// traffic runs on the view of one location, where the plan holds only the clusters placed there, each with
// its target group there. A cluster's effect runs at every location it is at and the verdicts are combined:
// all of them leave, drain, are verified and come back together, and a difference at any one is drift.
// A plan with one location is its own view: nothing changes for it.

/** Store keys that belong to one location (its weights at run start, its ramp scale). */
const PER_LOCATION_KEYS = new Set(['baseline', 'ramp-scale']);

const views = new WeakMap<RunContext, Map<string, RunContext>>();

export function trafficLocation(l: PlanLocation): TrafficLocation {
  return { listenerArn: l.listenerArn, ...(l.ruleArn !== undefined ? { ruleArn: l.ruleArn } : {}) };
}

/** How many locations a plan has; a run recorded before plans had locations has its one listener. */
export function locationCount(plan: Plan): number {
  return plan.fleet.locations?.length ?? 1;
}

/** True when the plan has more than one location (and views are not the run's own context). */
export function isMultiLocation(ctx: RunContext): boolean {
  return locationCount((ctx.root ?? ctx).plan) > 1;
}

/** The view of one location of the run. */
export function atLocation(ctx: RunContext, name: string): RunContext {
  const root = ctx.root ?? ctx;
  if (locationCount(root.plan) <= 1) return root;
  let known = views.get(root);
  if (!known) views.set(root, (known = new Map()));
  const cached = known.get(name);
  if (cached) return cached;
  const index = root.plan.fleet.locations.findIndex((l) => l.name === name);
  if (index < 0) throw new Error(`location ${name} is not in plan ${root.plan.name}`);
  const location = root.plan.fleet.locations[index]!;
  const view: RunContext = {
    ...root,
    root,
    locationName: name,
    plan: planAt(root.plan, location),
    location: trafficLocation(location),
    // The first location keeps the keys a one-location run writes: a run resumed across versions reads its own.
    store: index === 0 ? root.store : namespacedStore(root.store, name),
    memory: createRunMemory(),
  };
  known.set(name, view);
  return view;
}

/** Every location's view, in the plan's order. */
export function allLocations(ctx: RunContext): RunContext[] {
  const root = ctx.root ?? ctx;
  if (locationCount(root.plan) <= 1) return [root];
  return root.plan.fleet.locations.map((l) => atLocation(root, l.name));
}

/** The views of the locations a cluster is at, in the plan's order. */
export function locationsOf(ctx: RunContext, cluster: string): RunContext[] {
  const root = ctx.root ?? ctx;
  if (locationCount(root.plan) <= 1) return [root];
  const spec = root.plan.fleet.clusters.find((c) => c.name === cluster);
  if (!spec) throw new Error(`cluster ${cluster} is not in plan ${root.plan.name}`);
  return spec.placements.map((p) => atLocation(root, p.location));
}

/** The plan as one location sees it: its clusters only, each with its target group there. */
function planAt(plan: Plan, location: PlanLocation): Plan {
  const clusters = plan.fleet.clusters.flatMap((c) => {
    const placement = c.placements.find((p) => p.location === location.name);
    return placement ? [{ ...c, targetGroupArn: placement.targetGroupArn, placements: [placement] }] : [];
  });
  return {
    ...plan,
    fleet: { listenerArn: location.listenerArn, ...(location.ruleArn !== undefined ? { ruleArn: location.ruleArn } : {}), locations: [location], clusters },
  };
}

function namespacedStore(store: RunStore, location: string): RunStore {
  const key = (k: string) => (PER_LOCATION_KEYS.has(k) ? `${k}@${location}` : k);
  return {
    ...store,
    remember: (runId, k, compute) => store.remember(runId, key(k), compute),
    recall: (runId, k) => store.recall(runId, key(k)),
  } as RunStore;
}

/** A check named for its location when the fleet has several, so the journal says where it was made. */
export function located(ctx: RunContext, c: Check): Check {
  return ctx.locationName === undefined ? c : { ...c, name: `${c.name}@${ctx.locationName}`, ...(c.message ? { message: `at ${ctx.locationName}: ${c.message}` } : {}) };
}

export function locatedDrift(ctx: RunContext, drift: Drift): Drift {
  return ctx.locationName === undefined ? drift : { ...drift, location: ctx.locationName, summary: `at ${ctx.locationName}: ${drift.summary}` };
}

/**
 * One observation from each location, as one: drift anywhere is drift, a failure anywhere fails, any
 * location not there yet is not yet (rechecked at the earliest time one asked for); done when all are.
 */
export function combineObservations(outputs: ReadonlyArray<{ ctx: RunContext; out: ObserveOutput }>): ObserveOutput {
  if (outputs.length === 1 && outputs[0]!.ctx.locationName === undefined) return outputs[0]!.out;
  const at = Math.max(...outputs.map((o) => o.out.at));
  const checks = outputs.flatMap((o) => (o.out.checks ?? []).map((c) => located(o.ctx, c)));
  const reasonOf = (o: { ctx: RunContext; out: ObserveOutput }) => (o.out.reason && o.ctx.locationName !== undefined ? `at ${o.ctx.locationName}: ${o.out.reason}` : o.out.reason);
  for (const status of ['drift', 'failed'] as const) {
    const first = outputs.find((o) => o.out.status === status);
    if (first) {
      const reason = reasonOf(first);
      return { at, status, ...(first.out.drift ? { drift: locatedDrift(first.ctx, first.out.drift) } : {}), ...(reason ? { reason } : {}), checks };
    }
  }
  const waiting = outputs.filter((o) => o.out.status === 'not-yet');
  if (waiting.length) {
    const rechecks = waiting.flatMap((o) => (o.out.recheckAt !== undefined ? [o.out.recheckAt] : []));
    const reason = waiting.map(reasonOf).filter(Boolean).join('; ');
    return { at, status: 'not-yet', ...(rechecks.length ? { recheckAt: Math.min(...rechecks) } : {}), ...(reason ? { reason } : {}), checks };
  }
  return { at, status: 'done', checks };
}

/** Preflight at every location: it passes when it passes at each; the original weight is the first location's. */
export function combinePreflights(outputs: ReadonlyArray<{ ctx: RunContext; out: PreflightOutput }>): PreflightOutput {
  if (outputs.length === 1 && outputs[0]!.ctx.locationName === undefined) return outputs[0]!.out;
  const failed = outputs.find((o) => !o.out.passed);
  return {
    at: Math.max(...outputs.map((o) => o.out.at)),
    passed: !failed,
    ...(failed?.out.reason ? { reason: failed.ctx.locationName === undefined ? failed.out.reason : `at ${failed.ctx.locationName}: ${failed.out.reason}` } : {}),
    originalWeight: outputs[0]!.out.originalWeight,
    checks: outputs.flatMap((o) => (o.out.checks ?? []).map((c) => located(o.ctx, c))),
  };
}

/** Stamped outputs of each location, their checks named for it. */
export function combineStamped(outputs: ReadonlyArray<{ ctx: RunContext; out: Stamped }>): Stamped {
  if (outputs.length === 1 && outputs[0]!.ctx.locationName === undefined) return outputs[0]!.out;
  return { at: Math.max(...outputs.map((o) => o.out.at)), checks: outputs.flatMap((o) => (o.out.checks ?? []).map((c) => located(o.ctx, c))) };
}

/** Runs `effect` at every location the cluster is at, one after another, in the plan's order. */
export async function eachLocation<T>(ctx: RunContext, cluster: string, effect: (at: RunContext) => Promise<T>): Promise<Array<{ ctx: RunContext; out: T }>> {
  const results: Array<{ ctx: RunContext; out: T }> = [];
  for (const at of locationsOf(ctx, cluster)) results.push({ ctx: at, out: await effect(at) });
  return results;
}

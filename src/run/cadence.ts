import type { TargetGroupSettings } from '../ports/traffic.js';
import { waitIdle } from '../ports/clock.js';
import { sharedPromise } from './shared-promise.js';
import { clusterSpec, type RunContext } from './run-context.js';
import type { Learned } from './run-memory.js';

// When a wait loop looks again. Every wait knows, or learns, when the world can next have changed: the
// loops sleep until then and look with one cheap call, and make the full evidence read only when the
// cheap look says it can pass. Cadence never decides an outcome: "done" always comes from evidence.

const SECOND = 1000;
/** How often a weight read (one DescribeListeners) comes with the cheap looks of a wait loop. */
export const DRIFT_READ_MS = 30_000;
/** Without a prior, looks start 10 s apart and slow down to one a minute (the SDK's waiters go to 120 s). */
const NO_PRIOR_MIN_MS = 10_000;
const NO_PRIOR_MAX_MS = 60_000;
/** Past the expected instant, looks start one second apart and back off to this. */
const LATE_MAX_MS = 30_000;
/** However confident the cheap looks, the full evidence is read at least this often. */
export const FULL_READ_MS = 10 * 60_000;
/** A wait loop looks again inside the same observation when the next look is this close... */
export const INLINE_STEP_MS = 5_000;
/** ...for up to this long, so that one-second looks cost no wake-up (a Step Functions round in Lambda). */
export const INLINE_BUDGET_MS = 30_000;

/**
 * Whether a wait loop reads the weight back now. Always when the loop is about to report done, and at
 * least every DRIFT_READ_MS otherwise, so a weight raised by hand mid-phase is caught within that.
 */
export function weightReadDue(ctx: RunContext, cluster: string, now: number): boolean {
  const last = ctx.memory.waits.weightReadAt.get(cluster);
  return last === undefined || now - last >= DRIFT_READ_MS || now < last;
}

export function noteWeightRead(ctx: RunContext, cluster: string, now: number): void {
  ctx.memory.waits.weightReadAt.set(cluster, now);
}

/**
 * Whether the full evidence of a wait is due whatever the cheap look says (a liveness belt). Counted from
 * `since` (the wait's start) when this process has not read it yet.
 */
export function fullReadDue(ctx: RunContext, key: string, now: number, since: number): boolean {
  const last = ctx.memory.waits.fullReadAt.get(key) ?? since;
  return now - last >= FULL_READ_MS || now < last;
}

export function noteFullRead(ctx: RunContext, key: string, now: number): void {
  ctx.memory.waits.fullReadAt.set(key, now);
}

/** No prior: one look every 10 s at first, slowing as the wait grows (a fifth of it) to one a minute. */
export function backoffWithoutPrior(startedAt: number, now: number): number {
  const elapsed = Math.max(0, now - startedAt);
  return now + Math.min(NO_PRIOR_MAX_MS, Math.max(NO_PRIOR_MIN_MS, Math.round(elapsed / 5)));
}

/**
 * With a prior: one look a little before the expected instant (an operation a bit faster than the last),
 * one at it, then one per second (for `perSecondMs` at least), backing off by a quarter of the lateness
 * up to 30 s.
 */
export function recheckAround(expectedAt: number, now: number, earlyMs: number, perSecondMs = 0): number {
  if (now < expectedAt - earlyMs) return expectedAt - earlyMs;
  if (now < expectedAt) return expectedAt;
  const late = now - expectedAt;
  if (late < perSecondMs) return now + SECOND;
  return now + Math.min(LATE_MAX_MS, Math.max(SECOND, Math.round(late / 4)));
}

/** The early look before a learned instant: 5% of the duration, between 5 and 30 s. */
export const earlyMargin = (durationMs: number): number => Math.min(30 * SECOND, Math.max(5 * SECOND, Math.round(durationMs * 0.05)));

/** A target group's health-check and deregistration settings, read once per run and cluster (two calls). */
export function targetGroupSettings(ctx: RunContext, cluster: string): Promise<TargetGroupSettings> {
  return ctx.store.remember(ctx.runId, `cadence:tg:${cluster}`, () => ctx.traffic.describeTargetGroup(clusterSpec(ctx, cluster).targetGroupArn));
}

export const learnedKey = (cluster: string, what: string) => `cadence:learned:${cluster}:${what}`;

/** Records how long a wait took on this cluster (write-once: the first completion stands). */
export async function learn(ctx: RunContext, cluster: string, what: string, value: Learned): Promise<void> {
  const stored = await ctx.store.remember<Learned>(ctx.runId, learnedKey(cluster, what), async () => value);
  const known = ctx.memory.waits.learned.get(what);
  if (known) (await waitIdle(ctx.clock, known)).set(cluster, stored);
}

/** This run's learned durations of one wait kind, by cluster. */
function learnedInRun(ctx: RunContext, what: string): Promise<Map<string, Learned>> {
  return sharedPromise(ctx.memory.waits.learned, what, ctx.clock, async () => {
    const byCluster = new Map<string, Learned>();
    for (const c of ctx.plan.fleet.clusters) {
      const learned = await ctx.store.recall<Learned>(ctx.runId, learnedKey(c.name, what));
      if (learned) byCluster.set(c.name, learned);
    }
    return byCluster;
  });
}

/** How many earlier runs of the same plan are asked for a prior when this run has none yet. */
const EARLIER_RUNS = 3;

/**
 * The shortest duration learned for the same wait with the same signature: from the clusters of this run
 * first, else from the latest earlier runs of the same plan in the store. The shortest, so a sleep never
 * outlasts the fastest case seen; a slower operation is caught by the one-second looks after it.
 */
export async function prior(ctx: RunContext, cluster: string, what: string, signature: string): Promise<number | undefined> {
  const fromRun = [...(await learnedInRun(ctx, what))].filter(([name, learned]) => name !== cluster && usable(learned, signature)).map(([, learned]) => learned.ms);
  if (fromRun.length) return Math.min(...fromRun);
  return sharedPromise(ctx.memory.waits.earlierPriors, `${what}|${signature}`, ctx.clock, () => priorFromEarlierRuns(ctx, what, signature));
}

async function priorFromEarlierRuns(ctx: RunContext, what: string, signature: string): Promise<number | undefined> {
  const runs = (await ctx.store.listRuns())
    .filter((r) => r.runId !== ctx.runId && r.planName === ctx.plan.name)
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, EARLIER_RUNS);
  const names = ctx.plan.fleet.clusters.map((c) => c.name);
  const earlier: number[] = [];
  for (const run of runs) earlier.push(...(await priorsIn(ctx, run.runId, names, what, signature)));
  return earlier.length ? Math.min(...earlier) : undefined;
}

async function priorsIn(ctx: RunContext, runId: string, clusters: string[], what: string, signature: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of clusters) {
    const learned = await ctx.store.recall<Learned>(runId, learnedKey(name, what));
    if (learned && usable(learned, signature)) out.push(learned.ms);
  }
  return out;
}

const usable = (learned: Learned, signature: string): boolean => learned.signature === signature && Number.isFinite(learned.ms) && learned.ms >= 0;

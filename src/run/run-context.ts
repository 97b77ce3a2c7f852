import type { Logger } from 'pino';
import type { Check, TargetRef } from '../../machines/types.js';
import type { Plan, ClusterSpec } from '../plan/schema.js';
import type { CachePort } from '../ports/cache.js';
import type { Clock } from '../ports/clock.js';
import type { MetricsPort } from '../ports/metrics.js';
import type { ForwardConfig, TrafficLocation, TrafficPort } from '../ports/traffic.js';
import type { JournalKind, RunStore } from '../store/run-store.js';
import type { ProbeResult } from '../probes/probe-result.js';

/** Everything the edge actors of one run share. Built once per process by the engine. */
export interface RunContext {
  runId: string;
  plan: Plan;
  store: RunStore;
  clock: Clock;
  logger: Logger;
  traffic: TrafficPort;
  cache: CachePort;
  metrics: MetricsPort;
  location: TrafficLocation;
  /** Clusters whose machines are running now: their weights are theirs to judge, not another cluster's. */
  inFlight: () => ReadonlySet<string>;
  /** Clusters whose machines ended, and how: a cluster this run finished is expected back in rotation. */
  outcomes: () => ReadonlyMap<string, 'done' | 'held' | 'aborted'>;
  /** Clusters whose machines ended out of rotation (held after removal): the run expects them at weight 0. */
  heldOut: () => ReadonlySet<string>;
  /** Data-plane probes; absent ones are skipped (and the plan review says so). */
  probes: {
    redis?: (cluster: ClusterSpec) => Promise<ProbeResult>;
    canary?: (cluster: ClusterSpec, rule: { headerName: string; headerValue: string }) => Promise<ProbeResult>;
  };
  /** How long after a minute ends CloudWatch may still publish it: younger minutes are not evidence. */
  metricsLagMs: number;
  /** Caller id recorded with operator actions. */
  operator?: string;
}

/** What the world looked like when the run started; recorded once, before any change. */
export interface Baseline {
  forward: ForwardConfig;
  targets: Record<string, TargetRef[]>;
  capturedAt: number;
}

export function clusterSpec(ctx: RunContext, name: string): ClusterSpec {
  const spec = ctx.plan.fleet.clusters.find((c) => c.name === name);
  if (!spec) throw new Error(`cluster ${name} is not in plan ${ctx.plan.name}`);
  return spec;
}

export async function journal(
  ctx: RunContext,
  kind: JournalKind,
  message: string,
  extra: { cluster?: string; data?: Record<string, unknown> } = {},
): Promise<void> {
  await ctx.store.appendJournal(ctx.runId, [{ at: ctx.clock.now(), kind, message, ...extra }]);
}

export async function journalChecks(ctx: RunContext, cluster: string, phase: string, checks: Check[]): Promise<void> {
  if (checks.length === 0) return;
  await ctx.store.appendJournal(
    ctx.runId,
    checks.map((c) => ({
      at: c.at ?? ctx.clock.now(),
      kind: 'check' as const,
      cluster,
      message: `${cluster} ${phase} ${c.name}: ${c.ok ? 'ok' : 'FAILED'} (${c.observed}${c.threshold ? `; expected ${c.threshold}` : ''})${c.message && !c.ok ? ` ${c.message}` : ''}`,
      data: { phase, ...c },
    })),
  );
}

// The baseline never changes once recorded, and it holds every target of the fleet: read from the store
// once per run context (frozen, since every reader shares it), not on every drift check.
const baselines = new WeakMap<RunContext, Promise<Baseline>>();

/** Recorded before the first change of the run: the weights and target lists every restore returns to. */
export function baseline(ctx: RunContext): Promise<Baseline> {
  const known = baselines.get(ctx);
  if (known) return known;
  const reading = ctx.store
    .remember(ctx.runId, 'baseline', async () => {
      const forward = await ctx.traffic.readForwardConfig(ctx.location);
      const targets: Record<string, TargetRef[]> = {};
      for (const c of ctx.plan.fleet.clusters) targets[c.name] = await ctx.traffic.listTargets(c.targetGroupArn);
      return { forward, targets, capturedAt: ctx.clock.now() };
    })
    .then(deepFreeze, (err: unknown) => {
      // A failed read is not kept: the next caller reads again.
      baselines.delete(ctx);
      throw err;
    });
  baselines.set(ctx, reading);
  return reading;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

// A read is asked for many groups' weights (a fleet's preflight asks for every one): indexed once per read.
const weightIndexes = new WeakMap<ForwardConfig, Map<string, number>>();

export function weightOf(forward: ForwardConfig, targetGroupArn: string): number | undefined {
  let index = weightIndexes.get(forward);
  if (!index) {
    index = new Map(forward.targetGroups.map((g) => [g.targetGroupArn, g.weight]));
    weightIndexes.set(forward, index);
  }
  return index.get(targetGroupArn);
}

export function check(name: string, ok: boolean, observed: string, threshold?: string, message?: string): Check {
  return { name, ok, observed, ...(threshold !== undefined ? { threshold } : {}), ...(ok || !message ? {} : { message }) };
}

export const percent = (v: number | undefined) => (v === undefined ? 'no datapoint' : `${Math.round(v * 10) / 10}%`);

// Wait phases: when each began, when the world was ready (world-truth.ts), and when the orchestrator
// noticed. x = noticed - ready is the detection delay; a negative x means the orchestrator moved on
// before the world was ready (it was fooled, or it read no evidence at all).
import type { Plan } from '../../src/plan/schema.js';
import type { SandboxWorld } from '../../src/sandbox/index.js';
import type { JournalEntry } from '../../src/store/run-store.js';
import type { TappedCall } from './world-tap.js';
import {
  cacheOperationReadyAt,
  deregisterDrainReadyAt,
  rampEvidenceAt,
  targetsHealthyAt,
  weightDrainReadyAt,
  weightReadableAt,
  type CacheEventRecord,
} from './world-truth.js';

export const PHASES = ['weight read-back', 'drain', 'cache failover', 'cache modify', 'targets healthy', 'verification window', 'ramp hold'] as const;
export type Phase = (typeof PHASES)[number];

export interface Observation {
  cluster: string;
  phase: Phase;
  /** The instant the phase began: the call (removal, deregistration, cache operation, registration, weight set) or entering verification. */
  startedAt: number;
  noticedAt: number;
}

export interface PhaseSample extends Observation {
  readyAt: number;
  /** noticedAt - readyAt, ms. */
  x: number;
}

export interface TruthContext {
  world: SandboxWorld;
  plan: Plan;
  tap: TappedCall[];
  events: CacheEventRecord[];
  /** Who made the calls being judged (`quiesce` or `baseline`). */
  caller: string;
}

/** Weight of each target group in a ModifyListener / ModifyRule input. */
function weightsIn(call: TappedCall): Record<string, number> {
  const actions = (call.input.DefaultActions ?? call.input.Actions ?? []) as Array<{ Type?: string; ForwardConfig?: { TargetGroups?: Array<{ TargetGroupArn?: string; Weight?: number }> } }>;
  const out: Record<string, number> = {};
  for (const a of actions) for (const g of a.ForwardConfig?.TargetGroups ?? []) if (g.TargetGroupArn) out[g.TargetGroupArn] = g.Weight ?? 1;
  return out;
}

const isWeightCall = (c: TappedCall) => c.ok && (c.command === 'ModifyListener' || c.command === 'ModifyRule');

/** The first call after `from` by `caller` that gives the group a weight above 0 again. */
function nextRaise(ctx: TruthContext, targetGroupArn: string, from: number): number {
  const raise = ctx.tap.find((c) => c.caller === ctx.caller && c.at > from && isWeightCall(c) && (weightsIn(c)[targetGroupArn] ?? 0) > 0);
  return raise?.at ?? ctx.world.now();
}

/** Ready instants for one cluster's observations, in order (verification depends on the phases before it). */
export function judge(ctx: TruthContext, observations: Observation[]): PhaseSample[] {
  const samples: PhaseSample[] = [];
  const worldReady = new Map<string, number>();
  for (const o of observations) {
    const spec = ctx.plan.fleet.clusters.find((c) => c.name === o.cluster)!;
    const tg = spec.targetGroupArn;
    const rg = spec.cache?.replicationGroupId ?? '';
    let readyAt: number | undefined;
    switch (o.phase) {
      case 'weight read-back':
        readyAt = weightReadableAt(ctx.world, o.startedAt);
        break;
      case 'drain':
        if (ctx.plan.drain.mode === 'weight') {
          readyAt = weightDrainReadyAt(ctx.world, tg, { removedAt: o.startedAt, until: nextRaise(ctx, tg, o.startedAt) }, { minimumMs: ctx.plan.drain.minimum, quietMinutes: ctx.plan.drain.quietMinutes });
        } else {
          const dereg = ctx.tap.find((c) => c.caller === ctx.caller && c.ok && c.command === 'DeregisterTargets' && c.input.TargetGroupArn === tg && c.at >= o.startedAt);
          readyAt = dereg ? deregisterDrainReadyAt(ctx.world, tg, dereg.at, o.startedAt, ctx.plan.drain.minimum) : undefined;
        }
        break;
      case 'cache failover':
      case 'cache modify': {
        const members = ctx.world.state.elasticache.replicationGroups[rg]?.members ?? [];
        readyAt = cacheOperationReadyAt(ctx.events, o.phase === 'cache failover' ? 'failover' : 'modify', members, rg, o.startedAt);
        if (readyAt !== undefined) worldReady.set(o.cluster, Math.max(worldReady.get(o.cluster) ?? 0, readyAt));
        break;
      }
      case 'targets healthy':
        readyAt = targetsHealthyAt(ctx.world, tg, o.startedAt);
        worldReady.set(o.cluster, Math.max(worldReady.get(o.cluster) ?? 0, readyAt));
        break;
      case 'verification window':
        readyAt = Math.max(o.startedAt, worldReady.get(o.cluster) ?? 0) + ctx.plan.verify.stableFor;
        break;
      case 'ramp hold':
        readyAt = rampEvidenceAt(ctx.world, o.startedAt, ctx.plan.reactivate.hold);
        break;
    }
    if (readyAt === undefined) throw new Error(`${o.cluster} ${o.phase}: the world never became ready (no matching call or event)`);
    samples.push({ ...o, readyAt, x: o.noticedAt - readyAt });
  }
  return samples;
}

/**
 * What quiesce noticed, from its journal: the first passing check or the transition that ends each
 * phase, paired with the call that began it (from the world's tap).
 */
export function quiesceObservations(plan: Plan, journal: JournalEntry[], tap: TappedCall[], initialWeights: Record<string, number>): Observation[] {
  const out: Observation[] = [];
  for (const spec of plan.fleet.clusters) {
    const c = spec.name;
    const mine = journal.filter((e) => e.cluster === c);
    const transitions = mine.filter((e) => e.kind === 'transition').map((e) => ({ at: e.at, from: String((e.data as { from?: unknown }).from ?? ''), to: String((e.data as { to?: unknown }).to ?? '') }));
    const firstCheck = (name: string, after: number) => mine.find((e) => e.kind === 'check' && e.at >= after && (e.data as { name?: string; ok?: boolean }).name === name && (e.data as { ok?: boolean }).ok)?.at;
    const need = (at: number | undefined, what: string): number => {
      if (at === undefined) throw new Error(`${c}: no journal entry for ${what}`);
      return at;
    };

    // Every change of this cluster's weight that quiesce sent while the cluster was in flight, in order.
    // Outside that window its weight moves only as another cluster's ramp rescales the whole forward
    // action (1/1/1 ramps at 100/50/100): those writes are the other cluster's, read back as its ramp step.
    let weight = initialWeights[spec.targetGroupArn] ?? 1;
    const weightSets: Array<{ at: number; weight: number }> = [];
    const inFlightFrom = transitions[0]?.at ?? Infinity;
    const inFlightTo = transitions.at(-1)?.at ?? -Infinity;
    for (const call of tap) {
      if (call.caller !== 'quiesce' || !isWeightCall(call)) continue;
      if (call.at < inFlightFrom || call.at > inFlightTo) {
        weight = weightsIn(call)[spec.targetGroupArn] ?? weight;
        continue;
      }
      const w = weightsIn(call)[spec.targetGroupArn];
      if (w === undefined || w === weight) continue;
      weight = w;
      weightSets.push({ at: call.at, weight: w });
    }
    for (const set of weightSets) {
      out.push({ cluster: c, phase: 'weight read-back', startedAt: set.at, noticedAt: need(firstCheck(set.weight === 0 ? 'weight' : 'ramp.weight', set.at), `the weight ${set.weight} read back`) });
    }
    const removedAt = weightSets.find((s) => s.weight === 0)?.at;
    if (removedAt === undefined) continue;
    const drainEnd = transitions.find((t) => t.from.startsWith('draining') && !t.to.startsWith('draining'));
    out.push({ cluster: c, phase: 'drain', startedAt: removedAt, noticedAt: need(drainEnd?.at, 'the end of the drain') });

    const rg = spec.cache?.replicationGroupId;
    const cacheCalls = tap.filter((t) => t.caller === 'quiesce' && t.ok && t.input.ReplicationGroupId === rg && (t.command === 'TestFailover' || t.command === 'ModifyReplicationGroup'));
    let callIndex = 0;
    plan.maintenance.forEach((step, index) => {
      if (!('elasticache' in step) || (step.elasticache !== 'failover' && step.elasticache !== 'modify')) return;
      const call = cacheCalls[callIndex++];
      if (!call) throw new Error(`${c}: no ElastiCache call for step ${index + 1}`);
      out.push({ cluster: c, phase: step.elasticache === 'failover' ? 'cache failover' : 'cache modify', startedAt: call.at, noticedAt: need(firstCheck(`step.${index + 1}.${step.elasticache}`, call.at), `step ${index + 1} complete`) });
    });

    const register = tap.find((t) => t.caller === 'quiesce' && t.ok && t.command === 'RegisterTargets' && t.input.TargetGroupArn === spec.targetGroupArn);
    if (register) out.push({ cluster: c, phase: 'targets healthy', startedAt: register.at, noticedAt: need(firstCheck('verify.targets.healthy', register.at), 'targets healthy') });

    const verifyIn = transitions.find((t) => !t.from.startsWith('verifying') && t.to.startsWith('verifying'));
    const verifyOut = transitions.find((t) => t.from.startsWith('verifying') && t.to.startsWith('reactivating'));
    if (verifyIn && verifyOut) out.push({ cluster: c, phase: 'verification window', startedAt: verifyIn.at, noticedAt: verifyOut.at });

    transitions.forEach((set, i) => {
      if (set.from !== 'reactivating.setting' || set.to !== 'reactivating.holding') return;
      const next = transitions.slice(i + 1).find((t) => t.to === 'reactivating.setting' || !t.to.startsWith('reactivating'));
      out.push({ cluster: c, phase: 'ramp hold', startedAt: set.at, noticedAt: need(next?.at, 'the end of a ramp step') });
    });
  }
  return out;
}

/**
 * The time AWS itself needed for one cluster, on its critical path: the drain, each cache operation,
 * the verification window (which includes the targets becoming healthy again) and the ramp holds up to
 * their published evidence. Weight read-back is included (0 unless the world has stale reads).
 */
export function unavoidableMs(samples: PhaseSample[]): number {
  return samples.filter((s) => s.phase !== 'targets healthy').reduce((sum, s) => sum + Math.max(0, s.readyAt - s.startedAt), 0);
}

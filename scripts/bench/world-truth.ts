// When the world was ready, computed from the world itself: its settings (deregistration delay, health
// checks, registration delay, CloudWatch publication delay), its per-minute metric rows, and its
// ElastiCache events read back through DescribeEvents. Never from what the orchestrator believed.
import { DescribeEventsCommand } from '@aws-sdk/client-elasticache';
import { createSandboxClients, type SandboxWorld } from '../../src/sandbox/index.js';

export const MINUTE = 60_000;

export interface CacheEventRecord {
  at: number;
  source: string;
  message: string;
}

/** Every ElastiCache event since `since`, oldest first, through an uncounted client of the world's own. */
export async function cacheEvents(world: SandboxWorld, region: string, since: number): Promise<CacheEventRecord[]> {
  const { elasticache } = createSandboxClients(world, { region, caller: 'bench-truth' });
  const events: CacheEventRecord[] = [];
  let marker: string | undefined;
  do {
    const out = await elasticache.send(new DescribeEventsCommand({ StartTime: new Date(since), EndTime: new Date(world.now() + 1), MaxRecords: 100, ...(marker ? { Marker: marker } : {}) }));
    for (const e of out.Events ?? []) events.push({ at: e.Date?.getTime() ?? 0, source: e.SourceIdentifier ?? '', message: e.Message ?? '' });
    marker = out.Marker;
  } while (marker);
  elasticache.destroy();
  return events.sort((a, b) => a.at - b.at);
}

/** Weight read-back: the modify is readable at once, or after the world's stale-read window. */
export function weightReadableAt(world: SandboxWorld, setAt: number): number {
  return setAt + world.state.settings.elbv2.staleReadsMs;
}

/**
 * Weight-mode drain: the end of the last minute (before the weight came back at `until`) in which the
 * group served a request, plus the quiet minutes the plan asks for, plus CloudWatch's publication delay;
 * never before `drain.minimum` ran out.
 */
export function weightDrainReadyAt(
  world: SandboxWorld,
  targetGroupArn: string,
  window: { removedAt: number; until: number },
  plan: { minimumMs: number; quietMinutes: number },
): number {
  const fromMinute = Math.floor(window.removedAt / MINUTE) * MINUTE;
  let lastBusyEnd = fromMinute;
  for (const [minute, requests] of world.state.metrics.alb[targetGroupArn] ?? []) {
    // Minutes that saw the weight come back are not part of the drain.
    if (minute < fromMinute - MINUTE || minute + MINUTE > window.until) continue;
    if (requests > 0) lastBusyEnd = Math.max(lastBusyEnd, minute + MINUTE);
  }
  const evidence = lastBusyEnd + plan.quietMinutes * MINUTE + world.state.settings.cloudwatch.publishDelayMs;
  return Math.max(evidence, window.removedAt + plan.minimumMs);
}

/** Deregister-mode drain: targets show `draining` for exactly the group's deregistration delay. */
export function deregisterDrainReadyAt(world: SandboxWorld, targetGroupArn: string, deregisteredAt: number, removedAt: number, minimumMs: number): number {
  const seconds = Number(world.state.elbv2.targetGroups[targetGroupArn]?.attributes['deregistration_delay.timeout_seconds'] ?? 300);
  return Math.max(deregisteredAt + seconds * 1000, removedAt + minimumMs);
}

/**
 * Targets registered again are healthy once registration ended (registration delay) and the first
 * `newTargetChecks` checks passed, one every interval from the end of registration.
 */
export function targetsHealthyAt(world: SandboxWorld, targetGroupArn: string, registeredAt: number): number {
  const group = world.state.elbv2.targetGroups[targetGroupArn];
  if (!group) throw new Error(`no target group ${targetGroupArn}`);
  const hc = group.healthCheck;
  return registeredAt + world.state.settings.elbv2.registrationDelayMs + (hc.newTargetChecks - 1) * hc.intervalMs;
}

/**
 * A cache operation is over when ElastiCache says so: a failover once the old primary "Finished
 * recovery" (the switch alone leaves it rebooting), a modify at "Modification ... completed".
 */
export function cacheOperationReadyAt(events: CacheEventRecord[], kind: 'failover' | 'modify', members: string[], replicationGroupId: string, requestedAt: number): number | undefined {
  const after = events.filter((e) => e.at >= requestedAt);
  if (kind === 'failover') return after.find((e) => members.includes(e.source) && /Finished recovery/i.test(e.message))?.at;
  return after.find((e) => e.source === replicationGroupId && /Modification of replication group .* completed/i.test(e.message))?.at;
}

/** A ramp step's evidence is complete once CloudWatch published the minute holding the end of its hold. */
export function rampEvidenceAt(world: SandboxWorld, setAt: number, holdMs: number): number {
  return Math.ceil((setAt + holdMs) / MINUTE) * MINUTE + world.state.settings.cloudwatch.publishDelayMs;
}

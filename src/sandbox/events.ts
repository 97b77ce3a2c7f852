// Scripted events on the virtual clock: instants (manualWeight, memory, versionReported)
// and effects that hold from a start to an optional end (throttle, crashLoop, ...).
import { findLocation, locationWeights, placementsOf } from './fleet-locations.js';
import { changeCondition, conditionOf } from './target-health.js';
import type { ActiveEffect, EventBody, RuleSpec, SandboxService, ScheduledEvent, TargetGroupState, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

export interface EventHost extends WorldCore {
  settleBuckets(service: SandboxService): void;
  /** Set a cluster's weight in a location's forward action (null: the first), as a recorded, audited mutation. */
  setClusterWeight(cluster: string, weight: number, caller: string, location?: string | null): void;
  /** Create a rule on its location's fleet listener, as a recorded, audited CreateRule; null when its priority is taken. */
  addRule(spec: RuleSpec, arnSeed: string, caller: string): string | null;
  /** Delete a rule, as a recorded, audited DeleteRule (nothing when it is gone already). */
  deleteRule(ruleArn: string, caller: string): void;
  recordMutation(service: SandboxService, command: string, resource: string, caller: string): void;
}

function caller(body: EventBody): string {
  return `script:${body.type}`;
}

function serviceOf(body: EventBody): SandboxService {
  switch (body.type) {
    case 'throttle':
    case 'apiFault':
    case 'staleReads':
    case 'slowReads':
      return body.service;
    case 'failoverNoop':
    case 'engineSwitchNoop':
    case 'memory':
    case 'versionReported':
    case 'replicationLag':
      return 'elasticache';
    case 'metricStatus':
      return 'cloudwatch';
    case 'ssmCommandFails':
    case 'ssmAgentSilent':
      return 'ssm';
    case 'ecsCrashLoop':
    case 'ecsImageDeployed':
      return 'ecs';
    default:
      return 'elbv2';
  }
}

function resourceOf(body: EventBody): string {
  if (body.type === 'addRule') return `priority ${body.priority}`;
  if ('cluster' in body) return body.cluster;
  if ('replicationGroupId' in body) return body.replicationGroupId;
  if (body.type === 'apiFault' || body.type === 'slowReads') return body.operation ?? '*';
  if (body.type === 'metricStatus') return body.metric ?? '*';
  return body.service;
}

export function scheduleEvent(state: WorldState, event: ScheduledEvent): void {
  state.events.scheduled.push(event);
  enqueue(state, event.from, event.id, 'start');
  if (event.to !== null) enqueue(state, event.to, event.id, 'end');
}

function enqueue(state: WorldState, at: number, eventId: string, edge: 'start' | 'end' | 'tick'): void {
  const item = { at, seq: state.events.seq++, eventId, edge };
  const queue = state.events.queue;
  let i = queue.length;
  while (i > 0 && (queue[i - 1]!.at > at || (queue[i - 1]!.at === at && queue[i - 1]!.seq > item.seq))) i--;
  queue.splice(i, 0, item);
}

export function nextEventAt(state: WorldState): number {
  return state.events.queue[0]?.at ?? Number.POSITIVE_INFINITY;
}

/** Apply every queued edge due at or before now; returns whether anything happened. */
export function processEvents(host: EventHost): boolean {
  const state = host.state;
  let progressed = false;
  while (state.events.queue.length > 0 && state.events.queue[0]!.at <= host.now()) {
    const item = state.events.queue.shift()!;
    const event = state.events.scheduled.find((e) => e.id === item.eventId);
    if (!event) continue;
    progressed = true;
    if (item.edge === 'start') start(host, event);
    else if (item.edge === 'end') end(host, event);
    else tick(host, event);
  }
  return progressed;
}

/**
 * The cluster's target groups at every location: its instances are registered in each, so an instance
 * that fails fails the health checks of every load balancer that checks it (health checks are per target group:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html).
 */
function groupsOf(host: EventHost, cluster: string): TargetGroupState[] {
  const info = host.state.clusters.find((c) => c.name === cluster);
  if (!info) return [];
  return placementsOf(host.state, info).flatMap((p) => host.targetGroup(p.targetGroupArn) ?? []);
}

/** Re-evaluate every target's condition in a group after marks or crash loops changed. */
export function resettleGroup(host: EventHost, arn: string): void {
  const group = host.targetGroup(arn);
  if (!group) return;
  for (const target of group.targets) changeCondition(target, group.healthCheck, conditionOf(group, target), host.now());
  host.invalidateGroup(arn);
}

function pickTargets(host: EventHost, cluster: string, count: number): string[] {
  const group = groupsOf(host, cluster)[0];
  if (!group) return [];
  return group.targets
    .filter((t) => t.drainUntil === null)
    .slice(0, count)
    .map((t) => `${t.id}:${t.port}`);
}

function setMarks(host: EventHost, cluster: string, keys: string[], mark: string, on: boolean): void {
  for (const group of groupsOf(host, cluster)) {
    for (const target of group.targets) {
      if (!keys.includes(`${target.id}:${target.port}`)) continue;
      target.marks = target.marks.filter((m) => m !== mark);
      if (on) target.marks.push(mark);
    }
    resettleGroup(host, group.arn);
  }
}

function start(host: EventHost, event: ScheduledEvent): void {
  const body = event.body;
  const state = host.state;
  const effect: ActiveEffect = { eventId: event.id, body, targets: [], restore: null, flapping: false };
  // manualWeight and addRule are recorded as the ModifyListener / ModifyRule / CreateRule they stand for.
  if (body.type !== 'manualWeight' && body.type !== 'addRule') {
    host.recordMutation(serviceOf(body), `${body.type}${event.to === null ? '' : ':start'}`, resourceOf(body), caller(body));
  }
  switch (body.type) {
    case 'manualWeight': {
      effect.restore = weightAt(host, body.cluster, body.location ?? null);
      host.setClusterWeight(body.cluster, body.weight, caller(body), body.location ?? null);
      break;
    }
    case 'addRule': {
      effect.restore = host.addRule(body, event.id, caller(body));
      // A priority taken meanwhile (a canary rule, say): AWS would answer PriorityInUse; the script's attempt is recorded.
      if (effect.restore === null) host.recordMutation('elbv2', 'addRule:priority-in-use', resourceOf(body), caller(body));
      break;
    }
    case 'memory': {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg) {
        effect.restore = rg.memoryPercent;
        rg.memoryPercent = body.percent;
      }
      break;
    }
    case 'versionReported': {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg) {
        effect.restore = rg.versionReported;
        rg.versionReported = body.engineVersion;
      }
      break;
    }
    case 'throttle':
      host.settleBuckets(body.service);
      break;
    case 'crashLoop': {
      for (const group of groupsOf(host, body.cluster)) {
        group.crashLoops.push(event.id);
        resettleGroup(host, group.arn);
      }
      break;
    }
    case 'targetUnhealthy':
      effect.targets = pickTargets(host, body.cluster, body.count);
      setMarks(host, body.cluster, effect.targets, event.id, true);
      break;
    case 'targetFlap':
      effect.targets = pickTargets(host, body.cluster, body.count);
      effect.flapping = true;
      setMarks(host, body.cluster, effect.targets, event.id, true);
      scheduleTick(host, event, host.now() + body.periodMs);
      break;
    case 'failoverNoop':
    case 'engineSwitchNoop':
    case 'apiFault':
    case 'staleReads':
    case 'replicationLag':
    case 'slowReads':
    case 'metricStatus':
    // The SSM and ECS effects are read when a command is sent or a deployment starts (ssm-model.ts, ecs-model.ts).
    case 'ssmCommandFails':
    case 'ssmAgentSilent':
    case 'ecsCrashLoop':
    case 'ecsImageDeployed':
      break;
  }
  if (isInstant(body) && event.to === null) return;
  state.events.active.push(effect);
}

/** Instants act once; with a `to` they are undone at the end of the window. */
function isInstant(body: EventBody): boolean {
  return body.type === 'manualWeight' || body.type === 'addRule' || body.type === 'memory' || body.type === 'versionReported';
}

function scheduleTick(host: EventHost, event: ScheduledEvent, at: number): void {
  if (event.to !== null && at >= event.to) return;
  enqueue(host.state, at, event.id, 'tick');
}

function tick(host: EventHost, event: ScheduledEvent): void {
  const effect = host.state.events.active.find((e) => e.eventId === event.id);
  if (!effect || event.body.type !== 'targetFlap') return;
  effect.flapping = !effect.flapping;
  setMarks(host, event.body.cluster, effect.targets, event.id, effect.flapping);
  scheduleTick(host, event, host.now() + event.body.periodMs);
}

function end(host: EventHost, event: ScheduledEvent): void {
  const state = host.state;
  const effect = state.events.active.find((e) => e.eventId === event.id);
  const body = event.body;
  if (!effect) return;
  if (body.type === 'throttle') host.settleBuckets(body.service);
  state.events.active = state.events.active.filter((e) => e !== effect);
  if (body.type !== 'manualWeight' && body.type !== 'addRule') host.recordMutation(serviceOf(body), `${body.type}:end`, resourceOf(body), caller(body));
  switch (body.type) {
    case 'manualWeight':
      if (typeof effect.restore === 'number') host.setClusterWeight(body.cluster, effect.restore, caller(body), body.location ?? null);
      break;
    case 'addRule':
      if (typeof effect.restore === 'string') host.deleteRule(effect.restore, caller(body));
      break;
    case 'memory': {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg && typeof effect.restore === 'number') rg.memoryPercent = effect.restore;
      break;
    }
    case 'versionReported': {
      const rg = state.elasticache.replicationGroups[body.replicationGroupId];
      if (rg) rg.versionReported = typeof effect.restore === 'string' ? effect.restore : null;
      break;
    }
    case 'crashLoop': {
      for (const group of groupsOf(host, body.cluster)) {
        group.crashLoops = group.crashLoops.filter((id) => id !== event.id);
        resettleGroup(host, group.arn);
      }
      break;
    }
    case 'targetUnhealthy':
    case 'targetFlap':
      setMarks(host, body.cluster, effect.targets, event.id, false);
      state.events.queue = state.events.queue.filter((q) => q.eventId !== event.id);
      break;
    default:
      break;
  }
}

/** The cluster's weight at the location (null: the first) before a hand edit, to restore at its end. */
function weightAt(host: EventHost, cluster: string, location: string | null): number | null {
  const info = host.state.clusters.find((c) => c.name === cluster);
  const at = findLocation(host.state, location);
  if (!info || !at) return null;
  const arn = placementsOf(host.state, info).find((p) => p.location === at.name)?.targetGroupArn ?? info.targetGroupArn;
  return locationWeights(host.state, at).get(arn) ?? 0;
}

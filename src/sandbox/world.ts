// The sandbox world: owns the virtual clock, answers SDK commands from its state, steps
// scripted events, cache operations, health and traffic forward in time, and audits.
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { writeFileAtomic } from './atomic-write.js';
import { auditModelMismatch, auditNewCacheOps, auditRotationChange, finalAudit, rotation, type AuditContext } from './audit.js';
import { findLocation, firstLocation, fleetLocations, groupAt, hasSeveralLocations, locationActions, locationListener, locationWeights, placementsOf } from './fleet-locations.js';
import { cloudwatchCommands } from './cloudwatch-model.js';
import type { CommandSpec } from './command-spec.js';
import { FIRST_NODE_GROUP } from './elasticache-node-groups.js';
import { primaryServing, nextOpAt, stepCacheOps } from './elasticache-ops.js';
import { elasticacheCommands } from './elasticache-model.js';
import { elbv2Commands } from './elbv2-model.js';
import { ecsCommands } from './ecs-model.js';
import { ssmCommands } from './ssm-model.js';
import { syntheticSettings } from './elbv2-quotas.js';
import {
  forwardAction,
  forwardGroups,
  nextStickyBreakpoint,
  normalizeActions,
  pruneHistory,
  recordShares,
  referencedTargetGroups,
  routeFor,
  type SimulatedRequest,
} from './elbv2-routing.js';
import { nextEventAt, processEvents, scheduleEvent, type EventHost } from './events.js';
import { closeMinute, MINUTE_MS } from './metrics-recorder.js';
import { nextRandom } from './random.js';
import { scriptedStep, type RunbookLogEntry, type RunbookStepKind, type ScriptedStep } from './runbook-script.js';
import { injectedFault, SandboxUnsupportedError, throttlingError } from './sdk-errors.js';
import type {
  ApiFaultKind,
  ClusterInfo,
  CounterState,
  Mutation,
  RuleSpec,
  SandboxService,
  TargetGroupState,
  Violation,
  WorldState,
} from './state.js';
import { healthAt, restartChecks, summarizeGroup, type GroupSummary } from './target-health.js';
import { settleBuckets, takeToken } from './throttle.js';
import { integrate, perTargetRate, routeRates, type RouteRates } from './traffic-model.js';
import { checkEventTargets, ruleFromSpec } from './world-build.js';
import { listenerRuleArn, parseListenerArn } from './arns.js';
import { stableHex } from './random.js';
import { toScheduledEvent, validateWorldEvent, type WorldEvent } from './world-file.js';

const COMMANDS: Record<SandboxService, Record<string, CommandSpec>> = {
  elbv2: elbv2Commands,
  elasticache: elasticacheCommands,
  cloudwatch: cloudwatchCommands,
  ssm: ssmCommands,
  ecs: ecsCommands,
};

const EVENT_RETENTION_MS = 14 * 86_400_000;

export interface TrafficTotals {
  requests: number;
  failed: number;
  /** Over every location the cluster is at. */
  perCluster: Record<string, { requests: number; failed: number }>;
  /** What arrived at each location and failed there; only in a world of several locations. */
  perLocation?: Record<string, { requests: number; failed: number }>;
}

export interface SimulatedResponse {
  status: number;
  reason: string;
  ruleArn: string | null;
  targetGroupArn: string | null;
  cluster: string | null;
  targetId: string | null;
}

export interface CacheProbe {
  ok: boolean;
  replicationGroupId: string;
  primaryClusterId: string;
  /** Changes when the primary's data is lost: a value written before is gone. */
  dataGeneration: number;
  reason: string | null;
  /** Cluster mode enabled: a write and read through each node group's primary. */
  shards?: Array<{ nodeGroupId: string; slots: string; primaryClusterId: string; ok: boolean; reason: string | null }>;
}

function isWorldState(json: unknown): json is WorldState {
  if (typeof json !== 'object' || json === null) return false;
  const candidate = json as Partial<WorldState>;
  return candidate.format === 'quiesce-sandbox-world' && candidate.version === 1 && typeof candidate.now === 'number';
}

export class SandboxWorld implements EventHost {
  readonly state: WorldState;
  private readonly summaries = new Map<string, GroupSummary>();
  /** The earliest validUntil of all summaries; null when a group changed. Every step asks, a fleet has hundreds. */
  private groupsValidUntil: number | null = null;
  private clusterIndex: { byGroup: Map<string, ClusterInfo>; byCache: Map<string, ClusterInfo> } | null = null;
  private autosaveFile: string | null = null;
  /** Routing while nothing time-dependent is in it; dropped on every routing change. */
  private routeCache: RouteRates | null = null;
  /**
   * Traffic and health gauges are integrated up to here. Between two change points every rate is constant,
   * so the clock's many small moves (one per wake-up of a 200-cluster run) are integrated at once, when
   * something changes or reads them, not group by group at every move.
   */
  private integratedUntil: number;

  constructor(state: WorldState) {
    this.state = state;
    this.integratedUntil = state.now;
  }

  static fromJSON(json: unknown): SandboxWorld {
    if (!isWorldState(json)) throw new TypeError('not a quiesce sandbox world (expected format "quiesce-sandbox-world", version 1)');
    return new SandboxWorld(structuredClone(json));
  }

  toJSON(): WorldState {
    this.integrateToNow();
    return structuredClone(this.state);
  }

  // ---------------------------------------------------------------- clock

  now(): number {
    return this.state.now;
  }

  /** Process everything up to t: scripted events, health, draining, cache operations, traffic, metrics. */
  advanceTo(t: number): void {
    if (!Number.isFinite(t)) throw new RangeError(`advanceTo needs a finite time, got ${t}`);
    if (this.nextInternalAt() <= this.state.now) this.processDue();
    while (this.state.now < t) {
      const internal = this.nextInternalAt();
      const next = Math.min(internal, t);
      if (!(next > this.state.now)) {
        throw new Error(`sandbox scheduling stalled at ${new Date(this.state.now).toISOString()}`);
      }
      if (next === internal) {
        // Something happens at `next` (a minute ends, health or an event changes): integrate up to it with
        // the rates of before, then let it happen.
        this.integrateTo(next);
        this.state.now = next;
        this.processDue();
      } else {
        this.state.now = next;
      }
    }
    this.autosave();
  }

  /**
   * Integrates traffic and gauges over [integratedUntil, to) with the rates of now: nothing changes
   * between the two (a change point is integrated up to before it happens).
   */
  private integrateTo(to: number): void {
    const from = this.integratedUntil;
    if (to <= from) return;
    integrate(this, from, to, this.routeAt((from + to) / 2));
    this.integratedUntil = to;
  }

  /** Before anything reads or changes the traffic counters or the state whole. */
  integrateToNow(): void {
    this.integrateTo(this.state.now);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.state.now + ms);
  }

  /** The next time something scheduled happens in the world, or null if nothing is scheduled. */
  nextChangeAt(): number | null {
    let next = Math.min(nextEventAt(this.state), nextOpAt(this.state.elasticache, this.state.now));
    if (this.groupsValidUntil === null || this.groupsValidUntil <= this.state.now) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const arn of Object.keys(this.state.elbv2.targetGroups)) earliest = Math.min(earliest, this.groupSummary(arn).validUntil);
      this.groupsValidUntil = earliest;
    }
    next = Math.min(next, this.groupsValidUntil);
    return Number.isFinite(next) ? next : null;
  }

  private nextInternalAt(): number {
    let next = Math.min(this.nextChangeAt() ?? Number.POSITIVE_INFINITY, this.state.metrics.minuteStart + MINUTE_MS);
    for (const history of Object.values(this.state.elbv2.sticky)) next = Math.min(next, nextStickyBreakpoint(history, this.state.now));
    return next;
  }

  private routeAt(t: number): RouteRates {
    if (this.routeCache) return this.routeCache;
    const route = routeRates(this.state, t);
    if (route.timeInvariant) this.routeCache = route;
    return route;
  }

  private processDue(): void {
    this.integrateToNow();
    for (let round = 0; ; round++) {
      if (round > 10_000) throw new Error('sandbox events do not settle');
      let progressed = false;
      while (this.state.now >= this.state.metrics.minuteStart + MINUTE_MS) {
        closeMinute(this);
        progressed = true;
      }
      if (processEvents(this)) progressed = true;
      if (stepCacheOps(this, this.state.now)) progressed = true;
      if (!progressed) break;
    }
    for (const [key, snapshot] of Object.entries(this.state.stale)) {
      if (snapshot.until <= this.state.now) delete this.state.stale[key];
    }
    for (const history of Object.values(this.state.elbv2.sticky)) {
      const before = history.changes.length;
      pruneHistory(history, this.state.now);
      if (history.changes.length !== before) this.routeCache = null;
    }
  }

  // ---------------------------------------------------------------- commands

  newRequestId(): string {
    const n = ++this.state.requestSeq;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  }

  /**
   * Answer one SDK command as AWS would, or throw the error AWS would. `caller` is recorded
   * with every mutation: `quiesce` for calls through the SDK clients.
   */
  handle(service: SandboxService, command: string, input: unknown, caller = 'quiesce'): object {
    const spec = COMMANDS[service][command];
    if (!spec) throw new SandboxUnsupportedError(service, command);
    this.processDue();
    const fault = this.pickFault(service, command);
    if (fault?.when === 'before') throw injectedFault(service, fault.kind);
    if (!takeToken(this.state, service, command)) throw throttlingError(service, command);
    const output = spec.mutating
      ? this.mutate(service, command, spec.resource(input), caller, () => spec.run(this, input))
      : spec.run(this, input);
    // Saved before the response is returned: a process killed now finds AWS as it left it.
    if (spec.mutating) this.autosave();
    if (fault?.when === 'after') throw injectedFault(service, fault.kind);
    const slowMs = spec.mutating ? 0 : this.slowReadMs(service, command);
    if (slowMs === 0) return output;
    // A slow read answers with the world as it was when the call arrived, after time has moved on.
    const answer = structuredClone(output);
    this.advanceBy(slowMs);
    return answer;
  }

  private slowReadMs(service: SandboxService, command: string): number {
    let ms = 0;
    for (const { body } of this.state.events.active) {
      if (body.type !== 'slowReads' || body.service !== service) continue;
      if (body.operation === null || body.operation === command) ms = Math.max(ms, body.seconds * 1000);
    }
    return Math.round(ms);
  }

  private pickFault(service: SandboxService, command: string): { kind: ApiFaultKind; when: 'before' | 'after' } | null {
    for (const effect of this.state.events.active) {
      const body = effect.body;
      if (body.type !== 'apiFault' || body.service !== service) continue;
      if (body.operation !== null && body.operation !== command) continue;
      if (body.rate >= 1 || this.random() < body.rate) return { kind: body.kind, when: body.when };
    }
    return null;
  }

  private mutate(service: SandboxService, command: string, resource: string, caller: string, run: () => object): object {
    // Traffic so far flowed the way it did before this change.
    this.integrateToNow();
    const before = rotation(this.state);
    const opsBefore = new Set(this.state.elasticache.ops.map((op) => op.id));
    const output = run();
    this.recordMutation(service, command, resource, caller);
    const ctx = { caller, command };
    auditRotationChange(this, before, ctx);
    auditNewCacheOps(this, opsBefore, ctx);
    return output;
  }

  /** A call that does not fit the SDK's model (attach.ts): audited, and saved at once like a mutation. */
  recordModelMismatch(ctx: AuditContext, message: string): void {
    auditModelMismatch(this, ctx, message);
    this.autosave();
  }

  recordMutation(service: SandboxService, command: string, resource: string, caller: string): void {
    this.state.audit.mutations.push({ at: this.state.now, service, command, resource, caller });
  }

  // ---------------------------------------------------------------- WorldCore

  random(): number {
    const next = nextRandom(this.state.rngState);
    this.state.rngState = next.state;
    return next.value;
  }

  randomHex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  targetGroup(arn: string): TargetGroupState | undefined {
    return Object.hasOwn(this.state.elbv2.targetGroups, arn) ? this.state.elbv2.targetGroups[arn] : undefined;
  }

  groupSummary(arn: string): GroupSummary {
    const now = this.state.now;
    const cached = this.summaries.get(arn);
    if (cached && cached.validUntil > now) return cached;
    const group = this.targetGroup(arn);
    if (!group) {
      return { registered: 0, healthy: 0, unhealthy: 0, initial: 0, routable: 0, routableCrash: 0, routableError: 0, validUntil: Number.POSITIVE_INFINITY };
    }
    // Draining ends: the target is gone.
    if (group.targets.some((t) => t.drainUntil !== null && t.drainUntil <= now)) {
      group.targets = group.targets.filter((t) => t.drainUntil === null || t.drainUntil > now);
    }
    const summary = summarizeGroup(group, now);
    this.summaries.set(arn, summary);
    return summary;
  }

  invalidateGroup(arn: string): void {
    this.summaries.delete(arn);
    this.groupsValidUntil = null;
  }

  routingChanged(): void {
    this.routeCache = null;
    const elbv2 = this.state.elbv2;
    const now = this.state.now;
    const used = referencedTargetGroups(elbv2);
    for (const group of Object.values(elbv2.targetGroups)) {
      const isUsed = used.has(group.arn);
      if (isUsed === group.used) continue;
      group.used = isUsed;
      // Health checks run only for groups a rule uses; a group taken into use starts over.
      for (const target of group.targets) {
        if (target.drainUntil !== null) continue;
        if (isUsed) restartChecks(target, now, this.state.settings.elbv2.registrationDelayMs);
        else target.checksFrom = null;
      }
      this.invalidateGroup(group.arn);
    }
    const owners: Array<[string, Action[]]> = [
      ...elbv2.listeners.map((l): [string, Action[]] => [l.arn, l.defaultActions]),
      ...elbv2.rules.map((r): [string, Action[]] => [r.arn, r.actions]),
    ];
    const live = new Set<string>();
    for (const [owner, actions] of owners) {
      const action = forwardAction(actions);
      if (!action) continue;
      live.add(owner);
      elbv2.sticky[owner] = recordShares(elbv2.sticky[owner], action, now);
    }
    for (const owner of Object.keys(elbv2.sticky)) if (!live.has(owner)) delete elbv2.sticky[owner];
  }

  recordDrainCut(targetGroupArn: string, delayMs: number): void {
    this.integrateToNow();
    const rate = perTargetRate(this, targetGroupArn, this.routeAt(this.state.now));
    const lost = (rate * Math.max(0, this.state.settings.traffic.requestDurationMs - delayMs)) / 1000;
    if (lost <= 0) return;
    const bump = (c: CounterState): void => {
      c.elb5xx += lost;
      c.failed += lost;
    };
    bump((this.state.traffic.perGroup[targetGroupArn] ??= { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 }));
    const lbArn = this.state.elbv2.targetGroups[targetGroupArn]?.loadBalancerArn;
    if (lbArn) bump((this.state.traffic.perLoadBalancer[lbArn] ??= { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 }));
    // Counted at the location(s) whose requests were in flight, in proportion to what each sends the group.
    const route = this.routeAt(this.state.now);
    const total = route.rates.get(targetGroupArn) ?? 0;
    for (const here of route.locations) {
      const part = here.rates.get(targetGroupArn) ?? 0;
      if (part <= 0 || total <= 0) continue;
      const c = ((this.state.traffic.perLocation ??= {})[here.location] ??= { requests: 0, failed: 0, target5xx: 0, elb5xx: 0 });
      c.elb5xx += (lost * part) / total;
      c.failed += (lost * part) / total;
    }
  }

  private index(): { byGroup: Map<string, ClusterInfo>; byCache: Map<string, ClusterInfo> } {
    if (!this.clusterIndex) {
      const byGroup = new Map<string, ClusterInfo>();
      const byCache = new Map<string, ClusterInfo>();
      for (const c of this.state.clusters) {
        for (const p of placementsOf(this.state, c)) byGroup.set(p.targetGroupArn, c);
        if (c.replicationGroupId) byCache.set(c.replicationGroupId, c);
      }
      this.clusterIndex = { byGroup, byCache };
    }
    return this.clusterIndex;
  }

  clusterOfTargetGroup(arn: string): ClusterInfo | undefined {
    return this.index().byGroup.get(arn);
  }

  clusterOfReplicationGroup(id: string): ClusterInfo | undefined {
    return this.index().byCache.get(id);
  }

  private staleWindowMs(service: 'elbv2' | 'elasticache'): number {
    let window = this.state.settings[service].staleReadsMs;
    for (const effect of this.state.events.active) {
      if (effect.body.type === 'staleReads' && effect.body.service === service) window = effect.body.seconds * 1000;
    }
    return window;
  }

  /** `value` is a copy taken only when stale reads are on: a fleet's listener is a large clone per change. */
  rememberStale(service: 'elbv2' | 'elasticache', key: string, value: () => unknown): void {
    const window = this.staleWindowMs(service);
    if (window <= 0) return;
    const until = this.state.now + window;
    const existing = this.state.stale[key];
    // Readers keep seeing the oldest unexpired view until the newest change has propagated.
    if (existing && existing.until > this.state.now) existing.until = until;
    else this.state.stale[key] = { until, value: value() };
  }

  staleValue<T>(key: string): T | undefined {
    const snapshot = this.state.stale[key];
    return snapshot && snapshot.until > this.state.now ? (snapshot.value as T) : undefined;
  }

  cacheEvent(sourceType: 'replication-group' | 'cache-cluster', sourceId: string, message: string): void {
    const cache = this.state.elasticache;
    cache.events.push({ seq: cache.eventSeq++, at: this.state.now, sourceId, sourceType, message });
    const oldest = this.state.now - EVENT_RETENTION_MS;
    while (cache.events.length > 0 && cache.events[0]!.at < oldest) cache.events.shift();
  }

  failoverIsNoop(replicationGroupId: string, nodeGroupId = FIRST_NODE_GROUP): boolean {
    return this.state.events.active.some(
      (e) => e.body.type === 'failoverNoop' && e.body.replicationGroupId === replicationGroupId && (e.body.nodeGroupId ?? nodeGroupId) === nodeGroupId,
    );
  }

  settleBuckets(service: SandboxService): void {
    settleBuckets(this.state, service);
  }

  /** A hand edit of the cluster's weight at one location (null: the first), as the ModifyListener or ModifyRule it is. */
  setClusterWeight(cluster: string, weight: number, caller: string, locationName: string | null = null): void {
    const info = this.state.clusters.find((c) => c.name === cluster);
    if (!info) throw new RangeError(`no such cluster: ${cluster}`);
    const location = findLocation(this.state, locationName);
    if (!location) throw new RangeError(`no such location: ${String(locationName)}`);
    const groupArn = groupAt(this.state, info, location.name);
    if (!groupArn) throw new RangeError(`cluster ${cluster} has no target group at location ${location.name}`);
    const rule = location.ruleArn ? this.state.elbv2.rules.find((r) => r.arn === location.ruleArn) : undefined;
    const listener = locationListener(this.state, location);
    const owner = rule ?? listener;
    if (!owner) return;
    const command = rule ? 'ModifyRule' : 'ModifyListener';
    this.mutate('elbv2', command, owner.arn, caller, () => {
      this.rememberStale('elbv2', rule ? `rule:${owner.arn}` : `listener:${owner.arn}`, () => structuredClone(owner));
      const actions = structuredClone(locationActions(this.state, location));
      const forward = forwardAction(actions);
      if (!forward) return {};
      const groups = forwardGroups(forward);
      const tuples = groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.arn === groupArn ? weight : g.weight }));
      // A hand edit can also add the group back to the action.
      if (!groups.some((g) => g.arn === groupArn)) tuples.push({ TargetGroupArn: groupArn, Weight: weight });
      forward.ForwardConfig = { ...forward.ForwardConfig, TargetGroups: tuples };
      delete forward.TargetGroupArn;
      const normalized = normalizeActions(actions);
      if (rule) rule.actions = normalized;
      else if (listener) listener.defaultActions = normalized;
      this.routingChanged();
      return {};
    });
  }

  addRule(spec: RuleSpec, arnSeed: string, caller: string): string | null {
    const location = findLocation(this.state, spec.location ?? null);
    const listener = location ? locationListener(this.state, location) : undefined;
    const parts = listener ? parseListenerArn(listener.arn) : null;
    if (!listener || !parts || this.state.elbv2.rules.some((r) => r.listenerArn === listener.arn && r.priority === spec.priority)) return null;
    const rule = ruleFromSpec(this.state, spec, listenerRuleArn(parts, stableHex(`${listener.arn}:${arnSeed}`, 16)), 'addRule');
    this.mutate('elbv2', 'CreateRule', listener.arn, caller, () => {
      this.state.elbv2.rules.push(rule);
      this.routingChanged();
      return {};
    });
    return rule.arn;
  }

  deleteRule(ruleArn: string, caller: string): void {
    if (!this.state.elbv2.rules.some((r) => r.arn === ruleArn)) return;
    this.mutate('elbv2', 'DeleteRule', ruleArn, caller, () => {
      this.state.elbv2.rules = this.state.elbv2.rules.filter((r) => r.arn !== ruleArn);
      this.routingChanged();
      return {};
    });
  }

  // ---------------------------------------------------------------- public observations

  /** Add a scripted event; its times are offsets from the world's start, as in a world file. */
  schedule(event: WorldEvent): void {
    const valid = validateWorldEvent(event);
    const scheduled = toScheduledEvent(valid, `event-${this.state.events.scheduled.length + 1}`, this.state.startedAt);
    checkEventTargets(this.state, scheduled.body, 'event');
    scheduleEvent(this.state, scheduled);
    this.processDue();
  }

  get violations(): Violation[] {
    return this.state.audit.violations;
  }

  get mutations(): Mutation[] {
    return this.state.audit.mutations;
  }

  get traffic(): TrafficTotals {
    this.integrateToNow();
    let requests = this.state.traffic.unrouted.requests;
    let failed = this.state.traffic.unrouted.failed;
    for (const c of Object.values(this.state.traffic.perGroup)) {
      requests += c.requests;
      failed += c.failed;
    }
    const perCluster: TrafficTotals['perCluster'] = {};
    for (const cluster of this.state.clusters) {
      let r = 0;
      let f = 0;
      for (const p of placementsOf(this.state, cluster)) {
        const c = this.state.traffic.perGroup[p.targetGroupArn];
        r += c?.requests ?? 0;
        f += c?.failed ?? 0;
      }
      perCluster[cluster.name] = { requests: Math.floor(r), failed: Math.floor(f) };
    }
    const totals: TrafficTotals = { requests: Math.floor(requests), failed: Math.floor(failed), perCluster };
    if (hasSeveralLocations(this.state)) {
      totals.perLocation = {};
      for (const location of fleetLocations(this.state)) {
        const c = this.state.traffic.perLocation?.[location.name];
        totals.perLocation[location.name] = { requests: Math.floor(c?.requests ?? 0), failed: Math.floor(c?.failed ?? 0) };
      }
    }
    return totals;
  }

  /** How the world file scripts this runbook step (a command or webhook the rehearsal does not run). */
  scriptedRunbookStep(ref: { cluster: string; step: number; kind: RunbookStepKind }): ScriptedStep {
    return scriptedStep(this.state.settings.runbook, ref);
  }

  /** Notes a runbook step rehearsed here, simulated or run for real; saved with the world. */
  noteRunbookStep(entry: RunbookLogEntry): void {
    (this.state.runbookLog ??= []).push(entry);
    this.autosave();
  }

  get runbookLog(): readonly RunbookLogEntry[] {
    return this.state.runbookLog ?? [];
  }

  /** The synthetic settings in force, each named as a topology AWS does not allow; empty for a faithful world. */
  get synthetic(): string[] {
    return syntheticSettings(this.state.settings);
  }

  /** Each plan cluster's weight in the first location's forward action (0 when absent). */
  weights(): Record<string, number> {
    return this.weightsAt(firstLocation(this.state).name);
  }

  /** Each plan cluster's weight in the named location's forward action (0 when absent or not placed there). */
  weightsAt(locationName: string): Record<string, number> {
    const location = findLocation(this.state, locationName);
    if (!location) throw new RangeError(`no such location: ${locationName}`);
    const weights = locationWeights(this.state, location);
    const out: Record<string, number> = {};
    for (const cluster of this.state.clusters) {
      const arn = groupAt(this.state, cluster, location.name);
      out[cluster.name] = arn === undefined ? 0 : (weights.get(arn) ?? 0);
    }
    return out;
  }

  /** Per location, the weight of each cluster placed there; only for a world of several locations. */
  weightsByLocation(): Record<string, Record<string, number>> | undefined {
    if (!hasSeveralLocations(this.state)) return undefined;
    const out: Record<string, Record<string, number>> = {};
    for (const name of this.locations) {
      const all = this.weightsAt(name);
      out[name] = Object.fromEntries(this.state.clusters.filter((c) => groupAt(this.state, c, name) !== undefined).map((c) => [c.name, all[c.name]!]));
    }
    return out;
  }

  /** The location whose fleet listener this is; null when no location's (a request there goes to the first). */
  locationOfListener(listenerArn: string): string | null {
    return fleetLocations(this.state).find((l) => l.listenerArn === listenerArn)?.name ?? null;
  }

  /** The fleet's locations by name, in the plan's order. */
  get locations(): string[] {
    return fleetLocations(this.state).map((l) => l.name);
  }

  /** Call at the end of a run: reports every cluster whose target list differs from the start. */
  finalAudit(): Violation[] {
    return finalAudit(this);
  }

  /**
   * One request through the load balancer, e.g. an HTTP canary carrying the header a canary
   * rule matches. Choices among groups and targets use the world's seeded generator.
   */
  simulateRequest(request: SimulatedRequest = {}, locationName: string | null = null): SimulatedResponse {
    const location = findLocation(this.state, locationName);
    if (!location) throw new RangeError(`no such location: ${String(locationName)}`);
    const listener = locationListener(this.state, location);
    const none = { ruleArn: null, targetGroupArn: null, cluster: null, targetId: null };
    if (!listener) return { status: 503, reason: 'the fleet listener does not exist', ...none };
    const route = routeFor(this.state.elbv2, listener, request);
    const action = route.actions.find((a) => a.Type === 'forward' || a.Type === 'fixed-response' || a.Type === 'redirect');
    if (!action) return { status: 503, reason: 'no routing action', ...none, ruleArn: route.ruleArn };
    if (action.Type === 'fixed-response') {
      return { status: Number(action.FixedResponseConfig?.StatusCode ?? 503), reason: 'fixed response', ...none, ruleArn: route.ruleArn };
    }
    if (action.Type === 'redirect') {
      return { status: action.RedirectConfig?.StatusCode === 'HTTP_301' ? 301 : 302, reason: 'redirect', ...none, ruleArn: route.ruleArn };
    }
    const groups = forwardGroups(action).filter((g) => g.weight > 0);
    const total = groups.reduce((sum, g) => sum + g.weight, 0);
    if (total === 0) return { status: 503, reason: 'every target group has weight 0', ...none, ruleArn: route.ruleArn };
    let pick = this.random() * total;
    const chosen = groups.find((g) => (pick -= g.weight) < 0) ?? groups[groups.length - 1]!;
    const group = this.state.elbv2.targetGroups[chosen.arn];
    const cluster = this.clusterOfTargetGroup(chosen.arn)?.name ?? null;
    const base = { ruleArn: route.ruleArn, targetGroupArn: chosen.arn, cluster, targetId: null };
    this.groupSummary(chosen.arn);
    const live = group?.targets.filter((t) => t.drainUntil === null) ?? [];
    if (!group || live.length === 0) return { status: 503, reason: 'no registered targets', ...base };
    const healthy = live.filter((t) => group.used && t.checksFrom !== null && healthAt(t, group.healthCheck, this.state.now).state === 'healthy');
    const routable = healthy.length > 0 ? healthy : live;
    const target = routable[Math.floor(this.random() * routable.length)] ?? routable[0]!;
    const hit = { ...base, targetId: target.id };
    if (target.condition === 'crash') return { status: 502, reason: 'target is not answering', ...hit };
    if (target.condition === 'error5xx') return { status: 500, reason: 'target answered 500', ...hit };
    const info = this.clusterOfTargetGroup(chosen.arn);
    if (info?.replicationGroupId && !primaryServing(this.state.elasticache, info.replicationGroupId, this.state.now)) {
      return { status: 500, reason: 'the cache has no healthy primary', ...hit };
    }
    return { status: 200, reason: 'ok', ...hit };
  }

  /** A write and read through the replication group's primary endpoint. */
  probeCache(replicationGroupId: string): CacheProbe {
    const groups = this.state.elasticache.replicationGroups;
    const rg = Object.hasOwn(groups, replicationGroupId) ? groups[replicationGroupId] : undefined;
    if (!rg) throw new RangeError(`no such replication group: ${replicationGroupId}`);
    const cache = this.state.elasticache;
    const why = (ok: boolean) => (ok ? null : rg.memoryPercent >= 100 ? 'OOM command not allowed when used memory > maxmemory' : 'no healthy primary');
    const shards = rg.nodeGroups?.map((g) => {
      const ok = primaryServing(cache, replicationGroupId, this.state.now, g.id);
      return { nodeGroupId: g.id, slots: g.slots, primaryClusterId: g.primaryClusterId, ok, reason: why(ok) };
    });
    const ok = shards ? shards.every((s) => s.ok) : primaryServing(cache, replicationGroupId, this.state.now);
    return {
      ok,
      replicationGroupId,
      primaryClusterId: rg.primaryClusterId,
      dataGeneration: rg.dataGeneration,
      reason: shards ? (shards.find((s) => !s.ok)?.reason ?? null) : why(ok),
      ...(shards ? { shards } : {}),
    };
  }

  // ---------------------------------------------------------------- persistence

  /** Save to `file` after every mutating command and every advance (null turns it off). */
  setAutosave(file: string | null): void {
    this.autosaveFile = file;
    this.autosave();
  }

  private autosave(): void {
    if (!this.autosaveFile) return;
    this.integrateToNow();
    writeFileAtomic(this.autosaveFile, JSON.stringify(this.state));
  }
}

// CachePort over the ElastiCache API. Start and observe are separate: start* and modify return once
// AWS accepted the request; observe* read the group, its members and its events and decide from that
// evidence alone (see src/cache/elasticache-evidence.ts). Every call goes through the step's retry budget.
import {
  BatchApplyUpdateActionCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUpdateActionsCommand,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  TestFailoverCommand,
  type CacheCluster,
  type DescribeUpdateActionsMessage,
  type ElastiCacheClient,
  type ReplicationGroup,
  type SourceType,
  type UpdateAction,
  type UpdateActionStatus,
} from '@aws-sdk/client-elasticache';
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { CacheEvent, CachePort, ModifyRequest, ReplicationGroupView, UpdateActionView } from '../ports/cache.js';
import { AwsCallError, RefusedError, UnexpectedResponseError } from '../errors.js';
import { redactedLine } from '../one-line.js';
import { createAwsCaller, type RetryBudget } from '../aws/retry-budget.js';
import { silentLogger } from '../logger.js';
import { memberClusterIds, toReplicationGroupView } from './elasticache-view.js';
import { engineVersionMatches } from '../plan/engine-version.js';
import { judgeFailover, judgeModify, judgeReboot, judgeServiceUpdate, modifyMismatches, serviceUpdateRefusal } from '../cache/elasticache-evidence.js';
import { promotionRefusal } from '../cache/node-group-evidence.js';
import { SharedReads, SHARED_READ_MS } from './shared-reads.js';
import { engineVersionFamily, notAReplicationGroup, parameterGroupFamily } from './elasticache-engine-reads.js';

export interface ElastiCacheCacheOptions {
  client: ElastiCacheClient;
  clock: Clock;
  budget: RetryBudget;
  logger?: Logger;
  /** Describes of a group younger than this, with no write of ours since, are shared (one read per look). */
  sharedReadMs?: number;
}

/** Update action statuses that mean "something is happening or about to" for preflight. */
const IN_PROGRESS_STATUSES: UpdateActionStatus[] = ['in-progress', 'scheduling', 'stopping', 'waiting-to-start'];
/** Statuses where applying again would duplicate work already underway or done. */
const ALREADY_APPLIED = new Set(['complete', 'in-progress', 'waiting-to-start', 'scheduling']);

export function createElastiCacheCache(options: ElastiCacheCacheOptions): CachePort {
  const { client } = options;
  const logger = options.logger ?? silentLogger;
  const call = createAwsCaller(options.clock, options.budget, 'ElastiCache', logger);
  // A look's full read, the next step's intent and its request all describe the group within a second.
  const shared = new SharedReads(options.clock, options.sharedReadMs ?? SHARED_READ_MS);

  async function describeGroup(replicationGroupId: string): Promise<ReplicationGroup> {
    const out = await call('DescribeReplicationGroups', replicationGroupId, () =>
      client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId })),
    ).catch((err: unknown) => notAReplicationGroup(client, call, replicationGroupId, err));
    const rg = out.ReplicationGroups?.find((g) => g.ReplicationGroupId === replicationGroupId);
    if (!rg) throw new UnexpectedResponseError(`DescribeReplicationGroups returned no group ${replicationGroupId}`);
    return rg;
  }

  async function describeCluster(cacheClusterId: string): Promise<CacheCluster> {
    const out = await call('DescribeCacheClusters', cacheClusterId, () =>
      client.send(new DescribeCacheClustersCommand({ CacheClusterId: cacheClusterId, ShowCacheNodeInfo: true })),
    );
    const cluster = out.CacheClusters?.find((c) => c.CacheClusterId === cacheClusterId);
    if (!cluster) throw new UnexpectedResponseError(`DescribeCacheClusters returned no cluster ${cacheClusterId}`);
    return cluster;
  }

  // ElastiCache has no filter by group: the members come from one listing of the account's clusters (100
  // a page, read until every member is found), or one call per member once a listing took more pages
  // than that (an account with many clusters).
  // Whether listing the account's clusters beats one describe per member, learned separately for one
  // group's members and for a whole fleet's: a 3-member group in a big account stops paying long before
  // a fleet of hundreds does.
  const groupListing = { pays: true };
  const fleetListing = { pays: true };

  /**
   * What the view and the reboot read of a member, and nothing else: a listing's pages are held until the
   * last one arrives (six for a fleet of 200 groups), so the rest of each cluster's description is let go at once.
   */
  const memberFields = (c: CacheCluster): CacheCluster => ({
    CacheClusterId: c.CacheClusterId,
    ReplicationGroupId: c.ReplicationGroupId,
    CacheClusterStatus: c.CacheClusterStatus,
    Engine: c.Engine,
    EngineVersion: c.EngineVersion,
    CacheNodeType: c.CacheNodeType,
    PreferredAvailabilityZone: c.PreferredAvailabilityZone,
    ...(c.CacheParameterGroup ? { CacheParameterGroup: { CacheParameterGroupName: c.CacheParameterGroup.CacheParameterGroupName, ParameterApplyStatus: c.CacheParameterGroup.ParameterApplyStatus } } : {}),
    ...(c.PendingModifiedValues ? { PendingModifiedValues: c.PendingModifiedValues } : {}),
    ...(c.CacheNodes ? { CacheNodes: c.CacheNodes } : {}),
  });

  async function membersOf(replicationGroupId: string, ids: string[], listing = groupListing): Promise<CacheCluster[]> {
    const found = new Map<string, CacheCluster>();
    if (ids.length > 1 && listing.pays) {
      const wanted = new Set(ids);
      let marker: string | undefined;
      let pages = 0;
      do {
        const out = await call('DescribeCacheClusters', replicationGroupId, () =>
          // Without node info: status and pending changes are the cluster's own fields, and a fleet's listing
          // with every node's endpoint is several times the size (only a reboot needs node ids: described by id).
          client.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: false, MaxRecords: 100, ...(marker ? { Marker: marker } : {}) })),
        );
        pages++;
        for (const c of out?.CacheClusters ?? []) if (c.CacheClusterId && wanted.has(c.CacheClusterId)) found.set(c.CacheClusterId, memberFields(c));
        marker = out?.Marker;
      } while (marker && found.size < wanted.size);
      if (pages > ids.length) listing.pays = false;
    }
    // Sequential, to stay gentle on the rate limit; a member the listing did not show is asked for by name.
    const clusters: CacheCluster[] = [];
    for (const id of ids) clusters.push(found.get(id) ?? (await describeCluster(id)));
    return clusters;
  }

  type Loaded = { rg: ReplicationGroup; clusters: CacheCluster[]; view: ReplicationGroupView };
  const loadedKey = (replicationGroupId: string) => `group|${replicationGroupId}`;

  function load(replicationGroupId: string): Promise<Loaded> {
    return shared.read(loadedKey(replicationGroupId), async () => {
      const rg = await describeGroup(replicationGroupId);
      const clusters = await membersOf(replicationGroupId, memberClusterIds(rg));
      return { rg, clusters, view: toReplicationGroupView(rg, clusters) };
    });
  }

  // Several groups at once (preflight looks at the whole fleet): one listing of the groups and one of the
  // clusters, while listing pays; otherwise one load per group.
  let groupListingPays = true;

  function loadMany(ids: readonly string[]): Promise<Loaded[]> {
    const unique = [...new Set(ids)];
    if (unique.length < 2 || !groupListingPays) return Promise.all(unique.map(load));
    // The preflights of one moment ask for the same groups (every cluster in rotation): one listing serves
    // them, each caller's answer in its own order.
    const listing = shared.read(`many|${[...unique].sort().join(',')}`, () => listMany(unique));
    return listing.then((byId) => unique.map((id) => byId.get(id)!));
  }

  /** Every group asked for, by id. */
  async function listMany(unique: string[]): Promise<Map<string, Loaded>> {
    // Counted from when the listing was sent, as every shared read is.
    const sentAt = options.clock.now();
    const wanted = new Set(unique);
    const groups = new Map<string, ReplicationGroup>();
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await call('DescribeReplicationGroups', unique.join(','), () =>
        client.send(new DescribeReplicationGroupsCommand({ MaxRecords: 100, ...(marker ? { Marker: marker } : {}) })),
      );
      pages++;
      for (const g of out.ReplicationGroups ?? []) if (g.ReplicationGroupId && wanted.has(g.ReplicationGroupId)) groups.set(g.ReplicationGroupId, g);
      marker = out.Marker;
    } while (marker && groups.size < wanted.size);
    if (pages > unique.length) groupListingPays = false;
    const listed = unique.filter((id) => groups.has(id));
    const members = await membersOf(listed.join(','), listed.flatMap((id) => memberClusterIds(groups.get(id)!)), fleetListing);
    const byId = new Map(members.map((c) => [c.CacheClusterId, c]));
    const out = new Map<string, Loaded>();
    for (const id of unique) {
      const rg = groups.get(id);
      // A group the listing did not show is described by name (which answers ReplicationGroupNotFound).
      if (!rg) {
        out.set(id, await load(id));
        continue;
      }
      const clusters = memberClusterIds(rg).map((m) => byId.get(m)).filter((c): c is CacheCluster => c !== undefined);
      const loaded = { rg, clusters, view: toReplicationGroupView(rg, clusters) };
      shared.seed(loadedKey(id), sentAt, loaded);
      out.set(id, loaded);
    }
    return out;
  }

  async function eventsOf(sourceType: SourceType, sourceIdentifier: string, sinceMs: number): Promise<CacheEvent[]> {
    const events: CacheEvent[] = [];
    let marker: string | undefined;
    do {
      const out = await call('DescribeEvents', sourceIdentifier, () =>
        client.send(
          new DescribeEventsCommand({
            SourceType: sourceType,
            SourceIdentifier: sourceIdentifier,
            StartTime: new Date(sinceMs),
            MaxRecords: 100,
            ...(marker ? { Marker: marker } : {}),
          }),
        ),
      );
      for (const e of out.Events ?? []) {
        events.push({ date: e.Date?.getTime() ?? 0, message: e.Message ?? '', sourceIdentifier: e.SourceIdentifier ?? sourceIdentifier });
      }
      marker = out.Marker;
    } while (marker);
    return events;
  }

  /** Every event since `sinceMs` whose source is one of `ids`: one unfiltered read (AWS pages by 100). */
  async function eventsFrom(ids: readonly string[], sinceMs: number): Promise<CacheEvent[]> {
    const wanted = new Set(ids);
    const events: CacheEvent[] = [];
    let marker: string | undefined;
    do {
      const out = await call('DescribeEvents', ids.join(','), () =>
        client.send(new DescribeEventsCommand({ StartTime: new Date(sinceMs), MaxRecords: 100, ...(marker ? { Marker: marker } : {}) })),
      );
      for (const e of out.Events ?? []) {
        if (!wanted.has(e.SourceIdentifier ?? '')) continue;
        events.push({ date: e.Date?.getTime() ?? 0, message: e.Message ?? '', sourceIdentifier: e.SourceIdentifier ?? '' });
      }
      marker = out.Marker;
    } while (marker);
    return events.sort((a, b) => a.date - b.date);
  }

  /** Failover and reboot events may be attributed to the group or to a member cluster: read both. */
  async function eventsFor(rg: ReplicationGroup, sinceMs: number): Promise<CacheEvent[]> {
    const id = rg.ReplicationGroupId ?? '';
    const all = await eventsOf('replication-group', id, sinceMs);
    for (const member of memberClusterIds(rg)) all.push(...(await eventsOf('cache-cluster', member, sinceMs)));
    const seen = new Set<string>();
    return all
      .filter((e) => {
        const key = `${e.date}|${e.sourceIdentifier}|${e.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => a.date - b.date);
  }

  async function updateActions(input: DescribeUpdateActionsMessage, resource: string): Promise<UpdateAction[]> {
    const actions: UpdateAction[] = [];
    let marker: string | undefined;
    do {
      const out = await call('DescribeUpdateActions', resource, () =>
        client.send(new DescribeUpdateActionsCommand({ ...input, ...(marker ? { Marker: marker } : {}) })),
      );
      actions.push(...(out.UpdateActions ?? []));
      marker = out.Marker;
    } while (marker);
    return actions;
  }

  async function updateActionStatus(replicationGroupId: string, serviceUpdateName: string): Promise<string | undefined> {
    const actions = await updateActions(
      { ServiceUpdateName: serviceUpdateName, ReplicationGroupIds: [replicationGroupId] },
      replicationGroupId,
    );
    return actions.find((a) => a.ReplicationGroupId === replicationGroupId && a.ServiceUpdateName === serviceUpdateName)
      ?.UpdateActionStatus;
  }

  const port: CachePort = {
    async describe(replicationGroupId) {
      return (await load(replicationGroupId)).view;
    },

    async describeMany(replicationGroupIds) {
      return (await loadMany(replicationGroupIds)).map((l) => l.view);
    },

    async events(replicationGroupId, sinceMs) {
      return eventsFor(await describeGroup(replicationGroupId), sinceMs);
    },

    recentEvents: eventsFrom,

    async startFailover(replicationGroupId, request) {
      if (request.method === 'test-failover') {
        // Not idempotent by nature (a second call fails over again): the caller records intent first.
        await shared.write(() => call('TestFailover', replicationGroupId, () =>
          client.send(new TestFailoverCommand({ ReplicationGroupId: replicationGroupId, NodeGroupId: request.nodeGroupId })),
        ));
        return;
      }
      const { view } = await load(replicationGroupId);
      if (!view.members.some((m) => m.cacheClusterId === request.primaryClusterId)) {
        throw new RefusedError(`${request.primaryClusterId} is not a member of ${replicationGroupId}`);
      }
      if (view.clusterMode === 'enabled') throw new RefusedError(promotionRefusal(request.primaryClusterId, replicationGroupId));
      if (Object.values(view.primaries).includes(request.primaryClusterId)) {
        logger.info({ replicationGroupId, primaryClusterId: request.primaryClusterId }, 'already primary; nothing sent');
        return;
      }
      // ElastiCache refuses the promotion while Multi-AZ with automatic failover is on (preflight checks it;
      // somebody may have turned it on since): refused here with the reason, nothing sent.
      if (view.automaticFailover !== 'disabled' || (view.multiAZ !== undefined && view.multiAZ !== 'disabled')) {
        throw new RefusedError(
          `promotion of ${request.primaryClusterId} refused: ElastiCache does not promote a replica while Multi-AZ with automatic failover is enabled on ${replicationGroupId} (AutomaticFailover ${view.automaticFailover}, MultiAZ ${view.multiAZ ?? 'not reported'})`,
        );
      }
      await shared.write(() => call('ModifyReplicationGroup', replicationGroupId, () =>
        client.send(
          new ModifyReplicationGroupCommand({
            ReplicationGroupId: replicationGroupId,
            PrimaryClusterId: request.primaryClusterId,
            ApplyImmediately: true,
          }),
        ),
      ));
    },

    async observeFailover(replicationGroupId, since, knownEvents) {
      const { rg, view } = await load(replicationGroupId);
      const events = knownEvents ?? (await eventsFor(rg, since.requestedAt));
      return judgeFailover(view, events, since);
    },

    async modify(replicationGroupId, request) {
      const changes = definedChanges(request);
      if (Object.keys(changes).length === 0) throw new RefusedError(`modify ${replicationGroupId}: nothing requested`);
      const { view } = await load(replicationGroupId);
      // Idempotent: a resumed run does not resend a change that is already live or already on its way.
      if (modifyMismatches(view, request).length === 0 || requestedAlreadyPending(view, changes)) {
        logger.info({ replicationGroupId, request: changes }, 'requested values already live or pending; nothing sent');
        return;
      }
      // ApplyImmediately defaults to false, which would park the change until the maintenance window.
      await shared.write(() => call('ModifyReplicationGroup', replicationGroupId, () =>
        client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: replicationGroupId, ...changes, ApplyImmediately: true })),
      ));
    },

    async observeModify(replicationGroupId, request) {
      const { view } = await load(replicationGroupId);
      return judgeModify(view, request);
    },

    async reboot(replicationGroupId, cacheClusterIds) {
      if (cacheClusterIds.length === 0) throw new RefusedError(`reboot ${replicationGroupId}: no cache clusters named`);
      const { clusters, view } = await load(replicationGroupId);
      if (view.clusterMode === 'enabled') {
        throw new RefusedError(
          `reboot refused: ${replicationGroupId} has cluster mode enabled, and RebootCacheCluster supports cluster mode disabled only`,
        );
      }
      for (const id of cacheClusterIds) {
        const cluster = clusters.find((c) => c.CacheClusterId === id);
        if (!cluster) throw new RefusedError(`reboot refused: ${id} is not a member of ${replicationGroupId}`);
        if (cluster.CacheClusterStatus === 'rebooting cluster nodes') {
          logger.info({ replicationGroupId, cacheClusterId: id }, 'already rebooting; nothing sent');
          continue;
        }
        const nodes = cluster.CacheNodes ?? (await describeCluster(id)).CacheNodes ?? [];
        const nodeIds = nodes.map((n) => n.CacheNodeId).filter((n): n is string => !!n);
        if (nodeIds.length === 0) throw new UnexpectedResponseError(`DescribeCacheClusters reported no cache nodes for ${id}`);
        await shared.write(() => call('RebootCacheCluster', id, () =>
          client.send(new RebootCacheClusterCommand({ CacheClusterId: id, CacheNodeIdsToReboot: nodeIds })),
        ));
      }
    },

    async observeReboot(replicationGroupId, cacheClusterIds, requestedAt) {
      const { rg, view } = await load(replicationGroupId);
      const events = await eventsFor(rg, requestedAt);
      return judgeReboot(view, cacheClusterIds, events, requestedAt);
    },

    updateActionStatus,

    parameterGroupFamily: (name) => parameterGroupFamily(client, call, name),
    engineVersionFamily: (engine, engineVersion) => engineVersionFamily(client, call, engine, engineVersion),

    async applyServiceUpdate(replicationGroupId, serviceUpdateName) {
      const status = await updateActionStatus(replicationGroupId, serviceUpdateName);
      const refusal = serviceUpdateRefusal(replicationGroupId, serviceUpdateName, status);
      if (refusal !== undefined) throw new RefusedError(refusal);
      if (status !== undefined && ALREADY_APPLIED.has(status)) {
        logger.info({ replicationGroupId, serviceUpdateName, status }, 'service update already applied or underway; nothing sent');
        return;
      }
      const out = await shared.write(() => call('BatchApplyUpdateAction', replicationGroupId, () =>
        client.send(new BatchApplyUpdateActionCommand({ ReplicationGroupIds: [replicationGroupId], ServiceUpdateName: serviceUpdateName })),
      )).catch((err: unknown) => {
        // The update vanished (or was never there) between the read above and this call: a refusal with
        // the name to check, not a bare API error.
        if (err instanceof AwsCallError && err.code === 'ServiceUpdateNotFoundFault') {
          throw new RefusedError(`service update ${serviceUpdateName} does not exist (BatchApplyUpdateAction answered ServiceUpdateNotFoundFault): check its name in the plan`, { cause: err });
        }
        throw err;
      });
      const unprocessed = out.UnprocessedUpdateActions ?? [];
      const first = unprocessed[0];
      // A partial failure arrives inside a 200 response: it is a failure all the same.
      if (first) {
        throw new AwsCallError({
          service: 'ElastiCache',
          operation: 'BatchApplyUpdateAction',
          resource: `${replicationGroupId} (${serviceUpdateName})`,
          code: first.ErrorType ?? 'UnprocessedUpdateAction',
          classification: 'fatal',
          attempts: out.$metadata?.attempts ?? 1,
          awsMessage: redactedLine(
            unprocessed
              .map((u) => `${u.ReplicationGroupId ?? u.CacheClusterId ?? '?'} unprocessed: ${u.ErrorMessage ?? u.ErrorType ?? 'no reason given'}`)
              .join('; '),
          ),
        });
      }
    },

    async observeServiceUpdate(replicationGroupId, serviceUpdateName) {
      const status = await updateActionStatus(replicationGroupId, serviceUpdateName);
      const { view } = await load(replicationGroupId);
      return judgeServiceUpdate(view, serviceUpdateName, status);
    },

    async updateActionsInProgress(replicationGroupId): Promise<UpdateActionView[]> {
      const actions = await updateActions(
        { ReplicationGroupIds: [replicationGroupId], UpdateActionStatus: IN_PROGRESS_STATUSES },
        replicationGroupId,
      );
      return actions
        .filter((a) => (a.ReplicationGroupId ?? replicationGroupId) === replicationGroupId)
        .filter((a) => a.UpdateActionStatus !== undefined && IN_PROGRESS_STATUSES.includes(a.UpdateActionStatus))
        .map((a) => ({
          serviceUpdateName: a.ServiceUpdateName ?? '',
          replicationGroupId,
          status: a.UpdateActionStatus ?? 'unknown',
        }));
    },
  };
  return port;
}

function definedChanges(request: ModifyRequest): { Engine?: string; EngineVersion?: string; CacheNodeType?: string; CacheParameterGroupName?: string } {
  return {
    ...(request.engine !== undefined ? { Engine: request.engine } : {}),
    ...(request.engineVersion !== undefined ? { EngineVersion: request.engineVersion } : {}),
    ...(request.cacheNodeType !== undefined ? { CacheNodeType: request.cacheNodeType } : {}),
    ...(request.cacheParameterGroupName !== undefined ? { CacheParameterGroupName: request.cacheParameterGroupName } : {}),
  };
}

const versionIs = (requested: string, shown: unknown): boolean => typeof shown === 'string' && engineVersionMatches(requested, shown);

/** Every member shows each requested value either live or as its pending value. */
function requestedAlreadyPending(view: ReplicationGroupView, changes: ReturnType<typeof definedChanges>): boolean {
  // An engine switch sends its parameter group in the same call: its version pending stands for all of it.
  if ((changes.CacheParameterGroupName !== undefined && changes.Engine === undefined) || view.members.length === 0) return false;
  return view.members.every((m) => {
    const pending = m.pendingModifiedValues ?? {};
    const pendingVersion = changes.EngineVersion !== undefined && versionIs(changes.EngineVersion, pending['EngineVersion']);
    const engineOk = changes.EngineVersion === undefined || versionIs(changes.EngineVersion, m.engineVersion) || pendingVersion;
    // PendingModifiedValues has no Engine: an engine switch on its way shows as its version pending.
    const switchOk = changes.Engine === undefined || (m.engine === changes.Engine && versionIs(changes.EngineVersion ?? '', m.engineVersion)) || pendingVersion;
    const typeOk = changes.CacheNodeType === undefined || m.cacheNodeType === changes.CacheNodeType || pending['CacheNodeType'] === changes.CacheNodeType;
    return engineOk && switchOk && typeOk;
  });
}

/** ElastiCache, narrowed to what quiesce needs. Start an operation and observe its completion separately. */

export interface CacheMember {
  cacheClusterId: string;
  nodeGroupId: string;
  role: 'primary' | 'replica' | 'unknown';
  status: string;
  /** `redis` or `valkey`, as DescribeCacheClusters reports it for this member. */
  engine?: string;
  engineVersion?: string;
  cacheNodeType?: string;
  cacheParameterGroupName?: string;
  availabilityZone?: string;
  /** Member-level pending changes (engine version, node type live here, not on the group); `{}` when none. */
  pendingModifiedValues?: Record<string, unknown>;
}

export interface ReplicationGroupView {
  replicationGroupId: string;
  status: string;
  clusterMode: 'enabled' | 'disabled';
  members: CacheMember[];
  /** The node groups (shards) in AWS's order, with their keyspace when AWS gives it (cluster mode enabled). */
  nodeGroups: Array<{ nodeGroupId: string; slots?: string; memberIds: string[] }>;
  /**
   * cache cluster id of the primary per node group (cluster mode disabled: one entry). Undefined for every
   * node group of a cluster mode enabled group: AWS reports CurrentRole for cluster mode disabled only.
   */
  primaries: Record<string, string | undefined>;
  pendingModifiedValues: Record<string, unknown>;
  engine?: string;
  /** Version strings as AWS reports them, per member; never parsed as numbers. */
  engineVersions: string[];
  cacheNodeTypes: string[];
  cacheParameterGroupNames: string[];
  automaticFailover: string;
  multiAZ?: string;
  /** The primary endpoint; for a cluster mode enabled group, the configuration endpoint. */
  primaryEndpoint?: { address: string; port: number };
  transitEncryption: boolean;
  authTokenEnabled: boolean;
}

export interface CacheEvent {
  date: number;
  message: string;
  sourceIdentifier: string;
}

export type FailoverRequest =
  | { method: 'test-failover'; nodeGroupId: string }
  | { method: 'primary-cluster-id'; primaryClusterId: string };

export interface ModifyRequest {
  /** An engine switch (Redis OSS to Valkey): always with `engineVersion`. */
  engine?: string;
  engineVersion?: string;
  cacheNodeType?: string;
  cacheParameterGroupName?: string;
}

/** The verdict of one observation of a long operation; `failed` is terminal. */
export type OperationVerdict =
  /** `moved`: for a failover, the node group's primary before (when known) and after. */
  | { status: 'complete'; evidence: string[]; moved?: { from?: string; to: string } }
  | { status: 'not-yet'; waitingFor: string; evidence: string[] }
  | { status: 'failed'; reason: string; evidence: string[] };

export interface UpdateActionView {
  serviceUpdateName: string;
  replicationGroupId: string;
  status: string;
}

export interface CachePort {
  describe(replicationGroupId: string): Promise<ReplicationGroupView>;
  /** Several groups, in the order asked: one listing of the groups and one of their members where that pays. */
  describeMany(replicationGroupIds: readonly string[]): Promise<ReplicationGroupView[]>;
  events(replicationGroupId: string, sinceMs: number): Promise<CacheEvent[]>;
  /**
   * The cheap probe of a wait loop: events since `sinceMs` whose source is one of `sourceIds`, read with
   * one DescribeEvents per page and no source filter (the group's and its members' events at once).
   */
  recentEvents(sourceIds: readonly string[], sinceMs: number): Promise<CacheEvent[]>;

  startFailover(replicationGroupId: string, request: FailoverRequest): Promise<void>;
  /** Complete only when the primary changed, the event log shows the failover, status is available and nothing is pending. */
  observeFailover(
    replicationGroupId: string,
    since: { previousPrimary: string; nodeGroupId: string; requestedAt: number; expectedPrimary?: string },
    /** The events since `requestedAt` of the group and its members when the caller just read them. */
    knownEvents?: readonly CacheEvent[],
  ): Promise<OperationVerdict>;

  /** Always sends ApplyImmediately: true. */
  modify(replicationGroupId: string, request: ModifyRequest): Promise<void>;
  /** Complete only when status is available, nothing is pending, and each requested value equals the live one exactly. */
  observeModify(replicationGroupId: string, request: ModifyRequest): Promise<OperationVerdict>;

  /** Cluster mode disabled only; refuses otherwise. */
  reboot(replicationGroupId: string, cacheClusterIds: string[]): Promise<void>;
  observeReboot(replicationGroupId: string, cacheClusterIds: string[], requestedAt: number): Promise<OperationVerdict>;

  /** Any UnprocessedUpdateActions entry is a failure (thrown), never a warning. */
  applyServiceUpdate(replicationGroupId: string, serviceUpdateName: string): Promise<void>;
  observeServiceUpdate(replicationGroupId: string, serviceUpdateName: string): Promise<OperationVerdict>;
  /** The status of one update action on the group; undefined when there is none (an unknown update, or one that does not apply). */
  updateActionStatus(replicationGroupId: string, serviceUpdateName: string): Promise<string | undefined>;
  /** Update actions currently in progress (or scheduling/stopping) for the group. */
  updateActionsInProgress(replicationGroupId: string): Promise<UpdateActionView[]>;

  /** A cache parameter group's family (e.g. `valkey8`); undefined when no group has that name. */
  parameterGroupFamily(name: string): Promise<string | undefined>;
  /** The parameter group family of an engine version ElastiCache offers; undefined when it offers no such version. */
  engineVersionFamily(engine: string, engineVersion: string): Promise<string | undefined>;
}

import type { RunRecord, RunStatus } from '../store/run-store.js';

// A run told as an incident report: neutral data built from the run record and its journal, rendered
// by markdown.ts (quiesce report) and by the review page. Times are ms epoch on the run's clock
// (virtual in a sandbox), except items marked `clock: 'wall'`.

export interface RunReport {
  runId: string;
  planName: string;
  status: RunStatus;
  reason?: string;
  target: RunRecord['target'];
  /** Every location of a fleet at several (listener, and rule when a rule's forward action is weighted); absent for one. */
  locations?: Array<{ name: string; listenerArn: string; ruleArn?: string }>;
  /** Sandbox runs keep virtual time: say so wherever times are shown. */
  clock: 'aws' | 'sandbox';
  startedAt?: number;
  /** When the run ended; absent while it is paused or running. */
  endedAt?: number;
  /** The last time on the run's clock the journal knows of (the end, or "so far"). */
  lastAt?: number;
  durationMs?: number;
  people: {
    /** `pid@host` (CLI) or the request id (Lambda) of each process that started or resumed the run. */
    drivers: Array<{ at: number; by: string; resumed: boolean }>;
    approvals: Array<{ at: number; by: string }>;
    aborts: Array<{ at: number; by: string; reason?: string; clock?: 'wall' }>;
    /** Held clusters taken back through verification (quiesce reinstate). */
    reinstatements: Array<{ at: number; by: string; cluster: string }>;
  };
  clusters: ClusterSummary[];
  timeline: TimelineItem[];
  /** Drifts, failed checks, holds, errors, out-of-band changes, violations: what a reader must not miss. */
  findings: string[];
  sandbox?: SandboxSummary;
}

/** What an operator did: approve a pause (or record an approval for the run's driver), abort, reinstate a held cluster. */
export type OperatorAction = 'approve' | 'approve-request' | 'abort' | 'reinstate' | 'reinstate-request';

export interface ClusterSummary {
  name: string;
  /** Top-level state (`done`, `held`, `paused`, `draining`...), or `pending` if the cluster never started. */
  state: string;
  /** The exact state the journal last recorded, e.g. `draining.checking`. */
  current?: string;
  reason?: string;
  startedAt?: number;
  endedAt?: number;
  /** Time in each top-level state, in the order first entered; re-entries are summed. */
  phases: Array<{ phase: string; ms: number }>;
  /** Every state recorded for the cluster, in order of first visit (dotted ids). */
  visited: string[];
  checks: { total: number; failed: number };
  /**
   * The node groups (shards) of a cluster mode enabled group that a failover step moves one at a time, in
   * order, as the last such step left them; absent for any other cluster.
   */
  shards?: ShardSummary[];
}

export interface ShardSummary {
  nodeGroupId: string;
  /** `requested`: TestFailover sent, no completed move recorded (still running, or it never happened). */
  state: 'moved' | 'requested' | 'not started';
  from?: string;
  to?: string;
}

export type CheckStatus = 'ok' | 'not yet' | 'failed';

export interface CheckRow {
  name: string;
  status: CheckStatus;
  observed: string;
  threshold?: string;
  message?: string;
  /** How many identical observations this row stands for, and when the last was made. */
  count: number;
  lastAt: number;
}

export interface WeightChange {
  group: string;
  targetGroupArn: string;
  before: number | null;
  after: number | null;
}

export interface DriftDiff {
  summary: string;
  weights: Array<{ group: string; targetGroupArn: string; expected: number | null; live: number | null }>;
  targetsAppeared: Array<{ group: string; targets: string[] }>;
  targetsVanished: Array<{ group: string; targets: string[] }>;
  /** Rules besides the fleet's sending traffic to a group that must be out of rotation. */
  routes: Array<{ group: string; rule: string; weight: number }>;
}

interface Base {
  at: number;
  /** Journal sequence number; absent for items taken from the sandbox's audit. */
  seq?: number;
  /** The time was taken from the wall clock, not the run's (an abort requested from the CLI during a sandbox run). */
  clock?: 'wall';
  cluster?: string;
  /** The location (of a fleet at several) the entry is about, as the engine journaled it. */
  location?: string;
}

export type TimelineItem = Base &
  (
    | { kind: 'run'; event: 'started' | 'resumed' | 'paused' | 'ended'; message: string; status?: string }
    | { kind: 'phase'; cluster: string; from: string | null; to: string; state: string; reason?: string }
    | {
        kind: 'call';
        /** `ModifyListener`, `ModifyRule`, `DeregisterTargets`, `RegisterTargets`, `TestFailover`, `CreateRule`, `command`, ... */
        call: string;
        /** False when quiesce found the change already made and sent nothing. */
        changed: boolean;
        message: string;
        weights?: WeightChange[];
        /** Target groups of a large forward config that the call left as they were, not journaled one by one. */
        unchangedGroups?: number;
        /** Target groups of a large forward config that a ramp only rescaled (every weight times the same factor). */
        rescaledGroups?: number;
        /** A weight change that ramps (percent of the cluster's share) or ends a ramp, and the scale of every weight before and after. */
        ramp?: { percent: number; scaleBefore: number; scaleAfter: number };
        targets?: { before: string[]; after: string[] };
        /** `change`: an engine switch, from the engine recorded before it ("redis 7.1.0 → valkey 8.0"). */
        cache?: { operation: string; replicationGroupId?: string; request: Record<string, string>; change?: string };
      }
    | { kind: 'intent'; message: string }
    | { kind: 'checks'; cluster: string; phase: string; checks: CheckRow[] }
    | { kind: 'drift'; cluster: string; diff: DriftDiff }
    | { kind: 'operator'; action: OperatorAction; by: string; reason?: string; message: string }
    | { kind: 'error'; message: string }
    | { kind: 'note'; message: string }
    | { kind: 'out-of-band'; command: string; resource: string; caller: string }
    | { kind: 'violation'; violation: string; message: string }
  );

export interface SandboxSummary {
  /** False while the run has not ended: the figures are the world's so far, before the final audit. */
  final: boolean;
  /** Absent when neither the run record nor the world beside it could tell. */
  traffic?: { requests: number; failed: number; perCluster?: Record<string, { requests: number; failed: number }> };
  violations: Array<{ kind: string; message: string; at?: number }>;
  weights?: Record<string, number>;
  mutations?: number;
  /** Changes the sandbox saw from anyone but quiesce, such as a weight changed by hand mid-run. */
  outOfBand: Array<{ at: number; command: string; resource: string; caller: string }>;
  /** Why the world could not be read, when it could not. */
  problem?: string;
  /** The world's synthetic settings, each named as a topology AWS does not allow. */
  synthetic?: string[];
}

/** What the sandbox world beside a run knows: read by the CLI from the run's world.json. */
export interface WorldAudit {
  traffic: { requests: number; failed: number; perCluster?: Record<string, { requests: number; failed: number }> };
  violations: Array<{ kind: string; message: string; at?: number }>;
  weights: Record<string, number>;
  mutations: Array<{ at: number; command: string; resource: string; caller: string }>;
  synthetic?: string[];
}

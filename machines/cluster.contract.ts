// The contract between the cluster machine and the edge that provides its actors.
// Types only: the machine stays pure and the edge can be swapped (AWS, sandbox, tests).
import type { Check, Drift, DrainMode, Millis, TargetRef } from './types.js';

export type StepKind = 'elasticache' | 'command' | 'http' | 'ssm' | 'ecs' | 'approval';

export interface ClusterMachineInput {
  name: string;
  drainMode: DrainMode;
  /** Kind and label of each maintenance step, in order; details stay at the edge. */
  steps: Array<{ kind: StepKind; label: string; timeoutMs: Millis }>;
  drain: { minimumMs: Millis; timeoutMs: Millis };
  verify: { stableForMs: Millis; timeoutMs: Millis };
  reactivate: { ramp: number[]; holdMs: Millis };
  /** How long a weight may take to read back before it counts as drift. */
  readBackTimeoutMs: Millis;
  /** Poll interval when an observation gives no better hint. */
  pollMs: Millis;
}

export interface ClusterRef {
  cluster: string;
}

/** Every actor output carries the time of its observation: the machine has no clock of its own. */
export interface Stamped {
  at: Millis;
  checks?: Check[];
}

export interface PreflightOutput extends Stamped {
  passed: boolean;
  reason?: string;
  /** The cluster's weight as captured when the run started: what reactivation restores. */
  originalWeight: number;
}

export interface DriftOutput extends Stamped {
  drift: Drift | null;
}

export type WeightPurpose = 'remove' | 'ramp' | 'rollback' | 'secure';

/**
 * The machine says which share of its traffic the cluster gets: 0 (out of rotation) or a ramp step's
 * percent of its share before maintenance. The edge turns that into weights (scaled for resolution when
 * the weights are small, and back to the exact originals at the end).
 */
export interface SetWeightInput extends ClusterRef {
  percent: number;
  purpose: WeightPurpose;
}

export interface SetWeightOutput extends Stamped {
  /** The cluster's own weight before and after the change. */
  before: number;
  after: number;
  changed: boolean;
}

export interface TargetsOutput extends Stamped {
  targets: TargetRef[];
}

/**
 * The verdict of one observation. `done`: the awaited condition holds now. `not-yet`: keep waiting.
 * `failed`: it can no longer hold (permanent). `drift`: the world differs from what quiesce set.
 */
export interface ObserveOutput extends Stamped {
  status: 'done' | 'not-yet' | 'failed' | 'drift';
  reason?: string;
  drift?: Drift;
  /** When the world's own schedule makes the next change possible; the machine waits until then. */
  recheckAt?: Millis;
}

export interface ObserveDrainInput extends ClusterRef {
  mode: DrainMode;
  removedAt: Millis;
  minimumMs: Millis;
}

export interface StepInput extends ClusterRef {
  stepIndex: number;
}

export interface ObserveStepInput extends StepInput {
  startedAt: Millis;
}

export interface VerifyInput extends ClusterRef {
  /** Weight expected at the load balancer while verifying: 0, the cluster is still out of rotation. */
  expectedWeight: number;
  maintenanceRan: boolean;
}

export interface ObserveRampInput extends ClusterRef {
  /** The ramp step's percent of the cluster's share before maintenance. */
  percent: number;
  since: Millis;
}

export interface RegisterInput extends ClusterRef {
  targets: TargetRef[];
}

export interface SecureInput extends ClusterRef {
  /** Targets to register again (deregister mode), so a held cluster never loses its target list. */
  targets: TargetRef[] | undefined;
}

export interface ClusterOutput {
  outcome: 'done' | 'held' | 'aborted';
  reason?: string;
  /** False while the cluster is out of rotation (held clusters after removal). */
  inRotation: boolean;
}

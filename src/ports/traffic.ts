import type { TargetRef } from '../../machines/types.js';

/** Where the weighted forward action lives: the listener's default action, or one rule. */
export interface TrafficLocation {
  listenerArn: string;
  ruleArn?: string;
}

export interface WeightedGroup {
  targetGroupArn: string;
  weight: number;
}

export interface ForwardConfig {
  targetGroups: WeightedGroup[];
  stickiness: { enabled: boolean; durationSeconds?: number };
}

export type TargetHealthState =
  | 'initial'
  | 'healthy'
  | 'unhealthy'
  | 'unhealthy.draining'
  | 'unused'
  | 'draining'
  | 'unavailable';

export interface TargetHealth {
  target: TargetRef;
  state: TargetHealthState;
  reason?: string;
  description?: string;
}

export interface TargetGroupSettings {
  targetGroupArn: string;
  loadBalancerArns: string[];
  targetType: string;
  deregistrationDelaySeconds: number;
  healthCheck: {
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    matcher?: string;
    path?: string;
  };
  /** Target-group-level stickiness (lb_cookie / app_cookie), distinct from forward-action group stickiness. */
  stickiness: { enabled: boolean; type?: string; durationSeconds?: number };
}

/** A read-back verdict: set and verify are separate calls, and a stale read is "not yet", never success. */
export type WeightVerdict =
  | { status: 'ok'; live: number }
  | { status: 'not-yet'; live: number | null; expected: number };

/**
 * How long a weight change may take to read back. ELBv2 reads are eventually consistent: until then a
 * read that differs is stale; after it, the read is the world (someone else's change). The cluster
 * machine's read-back, the adapter's wait for its own last write and securing's wait for weight 0 share it.
 */
export const READ_BACK_TIMEOUT_MS = 120_000;
/** The pauses between reads while a change has not read back yet. */
export const READ_BACK_POLL_MS: readonly number[] = [1_000, 2_000, 4_000, 5_000];

// A read is asked for many groups' weights (a fleet's preflight asks for every one): indexed once per read.
// Keyed by the read itself, which nobody changes: a memo of a pure function, not state of a run.
const weightIndexes = new WeakMap<ForwardConfig, Map<string, number>>();

/** A group's weight in a read of the forward config; undefined when the group is not in it. */
export function weightOf(forward: ForwardConfig, targetGroupArn: string): number | undefined {
  let index = weightIndexes.get(forward);
  if (!index) {
    index = new Map(forward.targetGroups.map((g) => [g.targetGroupArn, g.weight]));
    weightIndexes.set(forward, index);
  }
  return index.get(targetGroupArn);
}

/** A group's weight in a read of the forward config, judged against the weight set: a stale read is "not yet". */
export function weightVerdict(forward: ForwardConfig, targetGroupArn: string, weight: number): WeightVerdict {
  const live = forward.targetGroups.find((g) => g.targetGroupArn === targetGroupArn)?.weight ?? null;
  return live === weight ? { status: 'ok', live } : { status: 'not-yet', live, expected: weight };
}

/**
 * The tag quiesce puts on every canary rule it creates; its value names the run and the cluster. The
 * deployed policy lets quiesce delete only rules carrying it (src/plan/permissions.ts).
 */
export const CANARY_RULE_TAG = 'quiesce:canary';

/**
 * One rule of a listener, the default rule included, as routing and the canary judge it. Rules are
 * evaluated by priority, lowest first, the default rule last:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html
 */
export interface ListenerRule {
  ruleArn: string;
  listenerArn: string;
  /** null for the listener's default rule. */
  priority: number | null;
  /** The forward action as read (groups at weight 0 included); null when the rule does not forward. */
  forward: ForwardConfig | null;
  /** Its http-header conditions; `otherConditions` counts the rest. */
  headerConditions: Array<{ name: string; values: string[] }>;
  otherConditions: number;
  /** Number of actions (a canary rule has exactly one). */
  actions: number;
  /** Its CANARY_RULE_TAG value; read only for rules shaped like a canary rule (one header condition, one forward to one group). */
  canaryTag?: string;
}

export interface CanaryRule {
  ruleArn: string;
  priority: number;
  headerName: string;
  headerValue: string;
  targetGroupArn: string;
  /** Its CANARY_RULE_TAG value, if it has one. */
  tag?: string;
}

/** A precondition of a weight change, judged on the live forward the change will be written over. */
export type WeightGuard = (live: ForwardConfig) => Promise<void>;

/**
 * Decides the weights of a change on the live forward it will be written over: every group to set (the
 * others keep theirs), or a throw to refuse. A ramp rescales the other groups along with its own.
 */
export type WeightPlanner = (live: ForwardConfig) => Promise<Record<string, number>>;

export interface WeightChange {
  changed: boolean;
  before: ForwardConfig;
  after: ForwardConfig;
}

/** The ALB, narrowed to what quiesce needs. Implementations are idempotent: setting what is set sends nothing. */
export interface TrafficPort {
  readForwardConfig(location: TrafficLocation): Promise<ForwardConfig>;
  /**
   * The forward configs of many locations, in their order: one DescribeListeners for the default actions
   * of up to 20 listeners, one DescribeRules for up to 20 rules (a fleet's look across its listeners).
   */
  readForwardConfigs(locations: readonly TrafficLocation[]): Promise<ForwardConfig[]>;
  /**
   * Changes one group's weight, keeps every other weight and the stickiness as they are. `guard` runs on
   * the very read the write is built on, with no other weight change of this process in between: it
   * refuses (throws) or lets the write go. Checks that must hold when the weight changes go there.
   */
  setWeight(location: TrafficLocation, targetGroupArn: string, weight: number, guard?: WeightGuard): Promise<WeightChange>;
  /**
   * Changes `targetGroupArn`'s weight and any other group's `plan` decides, in one ModifyListener or
   * ModifyRule (AWS replaces the whole action list anyway), keeping the stickiness as it is. `plan` runs on
   * the read the write is built on, under the same lock as `setWeight`'s guard. Nothing is sent when every
   * planned weight is already live.
   */
  setWeights(location: TrafficLocation, targetGroupArn: string, plan: WeightPlanner): Promise<WeightChange>;
  verifyWeight(location: TrafficLocation, targetGroupArn: string, weight: number): Promise<WeightVerdict>;

  /** Every target currently registered (any state but unused/NotRegistered). */
  listTargets(targetGroupArn: string): Promise<TargetRef[]>;
  describeTargetHealth(targetGroupArn: string, targets?: TargetRef[]): Promise<TargetHealth[]>;
  /** The caller must have persisted `targets` before calling: this is the point of no return. */
  deregisterTargets(targetGroupArn: string, targets: TargetRef[]): Promise<void>;
  registerTargets(targetGroupArn: string, targets: TargetRef[]): Promise<void>;
  describeTargetGroup(targetGroupArn: string): Promise<TargetGroupSettings>;

  /** DNS name of the load balancer behind a listener, for the HTTP canary. */
  loadBalancerDnsName(listenerArn: string): Promise<string>;
  /** Every listener of the load balancer `listenerArn` belongs to, `listenerArn` included (one DescribeListeners). */
  listenersOf(listenerArn: string): Promise<string[]>;
  /**
   * Every rule of these listeners, default rules included: one DescribeRules each, and DescribeTags only
   * for rules shaped like a canary rule (normally none).
   */
  readRules(listenerArns: readonly string[]): Promise<ListenerRule[]>;
  /**
   * Forwards requests carrying `headerName: headerValue` to one group, tagged CANARY_RULE_TAG = `tag`, at
   * a free priority ahead of every rule that could take such a request; refuses when there is none. A
   * rule already carrying the tag is this caller's (an earlier attempt that took effect): it is reused.
   */
  createCanaryRule(
    listenerArn: string,
    spec: { targetGroupArn: string; headerName: string; headerValue: string; tag: string },
  ): Promise<CanaryRule>;
  deleteCanaryRule(ruleArn: string): Promise<void>;
}

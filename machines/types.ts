// Domain types shared by the pure machines and the edge. No runtime imports here:
// machines stay free of SDKs, fs and clocks.

/** Milliseconds since the Unix epoch, on whatever clock the edge runs (real or virtual). */
export type Millis = number;

/** One observation made by a check, kept as evidence in the journal and reports. */
export interface Check {
  /** Stable identifier, e.g. `preflight.memory`, `verify.targets.healthy`. */
  name: string;
  ok: boolean;
  /** What was observed, human-readable (e.g. `"87.5%"`, `"3/3 healthy"`). */
  observed: string;
  /** The threshold or expectation the observation was compared with. */
  threshold?: string;
  /** One line explaining a failure; absent when ok. */
  message?: string;
  at?: Millis;
}

/** A precise difference between what quiesce expects at the load balancer and what is live. */
/** A rule other than the fleet's that forwards to a target group (the default rule of a listener has priority null). */
export interface OtherRoute {
  targetGroupArn: string;
  ruleArn: string;
  listenerArn: string;
  priority: number | null;
  weight: number;
}

export interface Drift {
  weights: Array<{ targetGroupArn: string; expected: number | null; live: number | null }>;
  targetsAppeared: Array<{ targetGroupArn: string; targets: string[] }>;
  targetsVanished: Array<{ targetGroupArn: string; targets: string[] }>;
  /** Rules besides the fleet's sending traffic (weight above 0) to a group that must be out of rotation. */
  routes?: OtherRoute[];
  /** One line summarising the diff, for reasons and logs. */
  summary: string;
  /** The location it was found at, in a fleet at several. */
  location?: string;
}

export interface TargetRef {
  id: string;
  port?: number;
  /** Only for an `ip` target (an IP address id): AWS does not support one for instance targets. */
  availabilityZone?: string;
}

export type DrainMode = 'weight' | 'deregister';

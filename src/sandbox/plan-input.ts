// The part of a quiesce plan the sandbox needs to build a world. The real plan type is a
// superset; this stays structural so the sandbox does not depend on the plan module.

export interface SandboxPlanCluster {
  name: string;
  /** Its target group at its first location. */
  targetGroupArn: string;
  cache?: { replicationGroupId: string };
  /** Its target group at each location it is at; absent: one, at the first location. */
  placements?: ReadonlyArray<{ location: string; targetGroupArn: string }>;
}

export interface SandboxPlanLocation {
  name: string;
  listenerArn: string;
  ruleArn?: string;
}

export interface SandboxPlan {
  region: string;
  fleet: {
    /** The first location's listener (a plan of one listener has only this). */
    listenerArn: string;
    /** When set, the fleet's weighted forward lives in this rule instead of the listener's default action. */
    ruleArn?: string;
    /** Every listener (and rule) holding the fleet; absent: one, listenerArn and ruleArn, named after its load balancer. */
    locations?: ReadonlyArray<SandboxPlanLocation>;
    clusters: SandboxPlanCluster[];
  };
  capacity?: { maxOutOfService?: number; minActiveClusters?: number };
  /** Its ecs steps name the ECS services the world holds (one per plan cluster); other steps are not read. */
  maintenance?: ReadonlyArray<object>;
}

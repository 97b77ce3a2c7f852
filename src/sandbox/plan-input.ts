// The part of a quiesce plan the sandbox needs to build a world. The real plan type is a
// superset; this stays structural so the sandbox does not depend on the plan module.

export interface SandboxPlanCluster {
  name: string;
  targetGroupArn: string;
  cache?: { replicationGroupId: string };
}

export interface SandboxPlan {
  region: string;
  fleet: {
    listenerArn: string;
    /** When set, the fleet's weighted forward lives in this rule instead of the listener's default action. */
    ruleArn?: string;
    clusters: SandboxPlanCluster[];
  };
  capacity?: { maxOutOfService?: number; minActiveClusters?: number };
  /** Its ecs steps name the ECS services the world holds (one per plan cluster); other steps are not read. */
  maintenance?: ReadonlyArray<object>;
}

/**
 * ECS service deployments, narrowed to what a maintenance step needs. Starting a deployment and reading
 * it back are separate: a deployment is done when the primary deployment reads COMPLETED and every running
 * task runs exactly what was asked (src/compute/ecs-evidence.ts), never because UpdateService answered.
 */

export interface ServiceRef {
  /** ECS cluster name or ARN. */
  cluster: string;
  service: string;
}

export interface DeploymentView {
  id: string;
  /** PRIMARY (the newest), ACTIVE (older ones still running tasks) or INACTIVE. */
  status: string;
  taskDefinition: string;
  /** IN_PROGRESS, COMPLETED or FAILED; absent for services that do not use rolling updates. */
  rolloutState?: string;
  rolloutStateReason?: string;
  desiredCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
}

export interface ServiceView {
  serviceArn: string;
  status: string;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  deployments: DeploymentView[];
  /** Whether the service's deployment circuit breaker rolls back a failed deployment. */
  circuitBreaker?: { enable: boolean; rollback: boolean };
  /** The service's latest events (newest first): what a hold reason quotes. */
  events: Array<{ at: number; message: string }>;
}

export interface TaskView {
  taskArn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  /** Each container's image as the task runs it, by container name. */
  containers: Array<{ name: string; image: string }>;
}

export interface DeploymentPort {
  describeService(ref: ServiceRef): Promise<ServiceView>;
  /** UpdateService with a task definition, or a new deployment of the current one. */
  update(ref: ServiceRef, request: { taskDefinition?: string; forceNewDeployment: boolean }): Promise<ServiceView>;
  /** The service's tasks whose desired status is RUNNING, described. */
  runningTasks(ref: ServiceRef): Promise<TaskView[]>;
}

// Whether an ECS deployment is done, judged from the service and its running tasks. Pure.
// Done when the deployment quiesce started is the PRIMARY one with rolloutState COMPLETED
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html) AND every running task
// runs exactly the task definition revision asked and, when the step names one, exactly that image: an
// identity gate compared as strings, so a tag "1.20" never matches "1.2" (seed 001). A FAILED deployment
// (the circuit breaker, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html)
// or one replaced by a rollback ends the step with the reason.
import type { OperationVerdict } from '../ports/cache.js';
import type { ServiceView, TaskView } from '../ports/deployments.js';

/** `family:revision` of a task definition given as that or as its ARN. */
export function taskDefinitionKey(ref: string): string {
  const at = ref.indexOf('task-definition/');
  return at === -1 ? ref : ref.slice(at + 'task-definition/'.length);
}

export interface DeploymentAsked {
  deploymentId: string;
  /** family:revision every task must run. */
  taskDefinition: string;
  image?: string | undefined;
}

export function judgeDeployment(service: ServiceView, tasks: readonly TaskView[] | undefined, asked: DeploymentAsked): OperationVerdict {
  const ours = service.deployments.find((d) => d.id === asked.deploymentId);
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  const latestEvent = service.events[0]?.message;
  const evidence = [
    `deployments: ${service.deployments.map((d) => `${d.id} ${d.status} ${taskDefinitionKey(d.taskDefinition)} ${d.rolloutState ?? 'no rolloutState'}`).join('; ')}`,
  ];
  if (ours?.rolloutState === 'FAILED') {
    const rollback = primary && primary.id !== ours.id ? `; rolled back to ${taskDefinitionKey(primary.taskDefinition)} (${primary.id})` : '';
    return { status: 'failed', reason: `ECS deployment ${ours.id} of ${taskDefinitionKey(ours.taskDefinition)} FAILED: ${ours.rolloutStateReason ?? 'no reason given'}${rollback}${latestEvent ? `; last event: ${latestEvent}` : ''}`, evidence };
  }
  if (!ours || primary?.id !== ours.id) {
    const now = primary ? `${primary.id} (${taskDefinitionKey(primary.taskDefinition)}) is primary` : 'no deployment is primary';
    return { status: 'failed', reason: `ECS deployment ${asked.deploymentId} is no longer the service's primary deployment: ${now}${latestEvent ? `; last event: ${latestEvent}` : ''}`, evidence };
  }
  if (ours.rolloutState !== 'COMPLETED') {
    return { status: 'not-yet', waitingFor: `deployment ${ours.id} to reach COMPLETED (${ours.rolloutState ?? 'no rolloutState'}: ${ours.runningCount}/${ours.desiredCount} running, ${ours.failedTasks} failed)`, evidence };
  }
  if (tasks === undefined) return { status: 'not-yet', waitingFor: 'the running tasks', evidence };
  const wantTd = taskDefinitionKey(asked.taskDefinition);
  evidence.push(`running tasks: ${tasks.map((t) => `${taskDefinitionKey(t.taskDefinitionArn)} [${t.containers.map((c) => c.image).join(', ')}]`).join('; ') || 'none'}`);
  if (asked.image !== undefined) {
    const wrong = tasks.filter((t) => !t.containers.some((c) => c.image === asked.image));
    if (wrong.length > 0) {
      const seen = [...new Set(wrong.flatMap((t) => t.containers.map((c) => `"${c.image}"`)))].join(', ');
      return { status: 'failed', reason: `${wrong.length} of ${tasks.length} running tasks run image ${seen}, not "${asked.image}" (compared as strings)`, evidence };
    }
  }
  const oldRevision = tasks.filter((t) => taskDefinitionKey(t.taskDefinitionArn) !== wantTd);
  if (tasks.length === 0 || tasks.length < service.desiredCount || oldRevision.length > 0) {
    return { status: 'not-yet', waitingFor: `every running task on ${wantTd} (${tasks.length - oldRevision.length}/${service.desiredCount})`, evidence };
  }
  return { status: 'complete', evidence };
}

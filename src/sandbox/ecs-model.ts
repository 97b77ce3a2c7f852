// ECS service deployments: DescribeServices, UpdateService, ListTasks, DescribeTasks. The world's services
// are those the plan's ecs steps name (one per plan cluster, world-build.ts). A deployment's course is fixed
// when it starts, from the world's events then active (a crash loop, an image other than the one asked);
// its transitions are applied in time order whenever the service is read or changed.
//
// Followed:
// - rolloutState: "When a service deployment is started, it begins in an IN_PROGRESS state. When the service
//   reaches a steady state, the deployment transitions to a COMPLETED state. If the service fails to reach a
//   steady state and circuit breaker is turned on, the deployment transitions to a FAILED state. A deployment
//   in FAILED state doesn't launch any new tasks." (Deployment,
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html)
// - the circuit breaker: with rollback on, "the service is rolled back to the last deployment that completed
//   successfully" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html);
//   it fails a deployment after a threshold of failed tasks, "0.5 * desired task count", at least 3 and at
//   most 200 (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html).
// Not documented, so the sandbox's own: how long a deployment takes (`ecs.deployment`), how often a
// crash-looping task is replaced (`ecs.taskFailure`), the wording of rolloutStateReason and service events,
// and the pace at which old tasks give way to new ones (here: all at the deployment's completion).
import {
  ClientException,
  ClusterNotFoundException,
  ServiceNotFoundException,
  type DescribeServicesRequest,
  type DescribeTasksRequest,
  type ListTasksRequest,
  type Service,
  type Task,
  type UpdateServiceRequest,
} from '@aws-sdk/client-ecs';
import { command, paginate, type CommandSpec } from './command-spec.js';
import { stableHex } from './random.js';
import { sdkError, validationError } from './sdk-errors.js';
import type { EcsDeploymentState, EcsServiceState, WorldState } from './state.js';
import type { WorldCore } from './world-core.js';

const arn = (state: WorldState, resource: string) => `arn:aws:ecs:${state.region}:${state.accountId}:${resource}`;
const nameOf = (ref: string, kind: 'cluster' | 'service') => (ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref) || (kind === 'cluster' ? 'default' : '');
/** `family:revision` of a task definition given as that or as its ARN. */
export const taskDefinitionKey = (ref: string) => (ref.startsWith('arn:') ? ref.slice(ref.indexOf('task-definition/') + 'task-definition/'.length) : ref);

export function circuitBreakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desired)));
}

function findService(state: WorldState, clusterRef: string | undefined, serviceRef: string | undefined): EcsServiceState {
  const cluster = nameOf(clusterRef ?? 'default', 'cluster');
  if (!Object.values(state.ecs.services).some((s) => s.clusterName === cluster)) throw sdkError(ClusterNotFoundException, 'Cluster not found.');
  const service = state.ecs.services[`${cluster}/${nameOf(serviceRef ?? '', 'service')}`];
  if (!service) throw sdkError(ServiceNotFoundException, 'Service not found.');
  return service;
}

function event(state: WorldState, s: EcsServiceState, at: number, message: string): void {
  s.events.unshift({ id: stableHex(`${s.serviceName}:${at}:${s.events.length}`, 32), at, message: `(service ${s.serviceName}) ${message}` });
}

/** Applies every transition due by `now`, in time order: completions, circuit-breaker failures, rollbacks. */
function settle(state: WorldState, s: EcsServiceState, now: number): void {
  for (;;) {
    const primary = s.deployments[0];
    if (!primary) return;
    if (primary.completesAt !== null && primary.completesAt <= now && s.deployments.length > 1) {
      s.stable = { taskDefinition: primary.taskDefinition, image: primary.image };
      s.deployments = [primary];
      event(state, s, primary.completesAt, 'has reached a steady state.');
      continue;
    }
    if (primary.failsAt !== null && primary.failsAt <= now && primary.completesAt === null) {
      const at = primary.failsAt;
      primary.failsAt = null;
      primary.completesAt = null;
      primary.failed = true;
      event(state, s, at, `(deployment ${primary.id}) deployment failed: tasks failed to start.`);
      if (state.settings.ecs.circuitBreaker.rollback) {
        const rollback: EcsDeploymentState = {
          id: deploymentId(state),
          taskDefinition: s.stable.taskDefinition,
          image: s.stable.image,
          createdAt: at,
          completesAt: at + state.settings.ecs.deploymentMs,
          failsAt: null,
          failed: false,
          rollbackOf: primary.id,
        };
        s.deployments.unshift(rollback);
        event(state, s, at, `(deployment ${rollback.id}) rolling back to the last completed deployment.`);
      }
      continue;
    }
    return;
  }
}

function deploymentId(state: WorldState): string {
  state.ecs.seq += 1;
  return `ecs-svc/${String(7_000_000_000_000_000_000n + BigInt(state.ecs.seq)).slice(0, 19)}`;
}

const isFailed = (d: EcsDeploymentState) => d.failed;

function rolloutOf(d: EcsDeploymentState, now: number): { rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED'; rolloutStateReason: string } {
  if (isFailed(d)) return { rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' };
  if (d.completesAt !== null && d.completesAt <= now) return { rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment completed.' };
  if (d.rollbackOf) return { rolloutState: 'IN_PROGRESS', rolloutStateReason: `ECS deployment circuit breaker: rolling back to the last completed deployment after ${d.rollbackOf} failed.` };
  return { rolloutState: 'IN_PROGRESS', rolloutStateReason: 'ECS deployment in progress.' };
}

/** The deployment whose tasks run now: the primary once complete, else the last one that completed. */
function serving(s: EcsServiceState, now: number): { id: string; taskDefinition: string; image: string } {
  const primary = s.deployments[0];
  if (primary && primary.completesAt !== null && primary.completesAt <= now) return primary;
  return { id: `stable:${s.stable.taskDefinition}`, ...s.stable };
}

/** Tasks of a deployment that failed to start: one per `ecs.taskFailure` while it crash-loops, the threshold once failed. */
function failedTasks(state: WorldState, s: EcsServiceState, d: EcsDeploymentState, now: number): number {
  if (d.failed) return circuitBreakerThreshold(s.desiredCount);
  if (d.completesAt !== null) return 0;
  return Math.floor(Math.max(0, now - d.createdAt) / state.settings.ecs.taskFailureMs);
}

function serviceOut(state: WorldState, s: EcsServiceState, now: number): Service {
  const running = s.desiredCount;
  return {
    serviceArn: arn(state, `service/${s.clusterName}/${s.serviceName}`),
    serviceName: s.serviceName,
    clusterArn: arn(state, `cluster/${s.clusterName}`),
    status: 'ACTIVE',
    desiredCount: s.desiredCount,
    runningCount: running,
    pendingCount: 0,
    launchType: 'FARGATE',
    taskDefinition: arn(state, `task-definition/${s.deployments[0]?.taskDefinition ?? s.stable.taskDefinition}`),
    deploymentConfiguration: { deploymentCircuitBreaker: { ...state.settings.ecs.circuitBreaker }, maximumPercent: 200, minimumHealthyPercent: 100 },
    deployments: s.deployments.map((d, i) => {
      const servingNow = serving(s, now).id === d.id;
      return {
        id: d.id,
        status: i === 0 ? 'PRIMARY' : 'ACTIVE',
        taskDefinition: arn(state, `task-definition/${d.taskDefinition}`),
        desiredCount: s.desiredCount,
        pendingCount: 0,
        runningCount: servingNow || (i > 0 && !isFailed(d)) ? s.desiredCount : 0,
        failedTasks: failedTasks(state, s, d, now),
        createdAt: new Date(d.createdAt),
        updatedAt: new Date(now),
        launchType: 'FARGATE',
        ...rolloutOf(d, now),
      };
    }),
    events: s.events.map((e) => ({ id: e.id, createdAt: new Date(e.at), message: e.message })),
    createdAt: new Date(s.createdAt),
  };
}

function taskArnsOf(state: WorldState, s: EcsServiceState, now: number): string[] {
  const d = serving(s, now);
  return Array.from({ length: s.desiredCount }, (_, i) => arn(state, `task/${s.clusterName}/${stableHex(`${s.clusterName}/${s.serviceName}/${d.id}/${i}`, 32)}`));
}

function describeServices(core: WorldCore, input: DescribeServicesRequest) {
  const state = core.state;
  const services: Service[] = [];
  const failures: Array<{ arn: string; reason: string }> = [];
  for (const ref of input.services ?? []) {
    try {
      const s = findService(state, input.cluster, ref);
      settle(state, s, core.now());
      services.push(serviceOut(state, s, core.now()));
    } catch (err) {
      // DescribeServices reports an unknown service as a failure, not an error.
      if (!(err instanceof ServiceNotFoundException)) throw err;
      failures.push({ arn: arn(state, `service/${nameOf(input.cluster ?? 'default', 'cluster')}/${nameOf(ref, 'service')}`), reason: 'MISSING' });
    }
  }
  return { services, failures };
}

function updateService(core: WorldCore, input: UpdateServiceRequest) {
  const state = core.state;
  const s = findService(state, input.cluster, input.service);
  const now = core.now();
  settle(state, s, now);
  const current = s.deployments[0]?.taskDefinition ?? s.stable.taskDefinition;
  let taskDefinition = current;
  if (input.taskDefinition !== undefined) {
    taskDefinition = taskDefinitionKey(input.taskDefinition);
    if (!/:\d+$/.test(taskDefinition)) throw validationError('ecs', 'the sandbox takes a task definition as family:revision or its ARN');
    if (!Object.hasOwn(state.ecs.taskDefinitions, taskDefinition)) throw sdkError(ClientException, 'TaskDefinition not found.');
  }
  // The same task definition without forceNewDeployment starts nothing.
  if (taskDefinition === current && !input.forceNewDeployment) return { service: serviceOut(state, s, now) };
  const planCluster = s.planCluster;
  let image = state.ecs.taskDefinitions[taskDefinition]!.image;
  let crashLoop = false;
  for (const { body } of state.events.active) {
    if (!('cluster' in body) || body.cluster !== planCluster) continue;
    if (body.type === 'ecsImageDeployed') image = body.image;
    if (body.type === 'ecsCrashLoop') crashLoop = true;
  }
  const breaker = state.settings.ecs.circuitBreaker;
  const d: EcsDeploymentState = {
    id: deploymentId(state),
    taskDefinition,
    image,
    createdAt: now,
    completesAt: crashLoop ? null : now + state.settings.ecs.deploymentMs,
    failsAt: crashLoop && breaker.enable ? now + circuitBreakerThreshold(s.desiredCount) * state.settings.ecs.taskFailureMs : null,
    failed: false,
    rollbackOf: null,
  };
  // Older deployments still in progress stay ACTIVE until the new one completes.
  s.deployments.unshift(d);
  event(state, s, now, `(deployment ${d.id}) deployment started.`);
  return { service: serviceOut(state, s, now) };
}

function listTasks(core: WorldCore, input: ListTasksRequest) {
  const state = core.state;
  if (!input.serviceName) throw validationError('ecs', 'the sandbox lists tasks by serviceName only');
  const s = findService(state, input.cluster, input.serviceName);
  settle(state, s, core.now());
  const arns = input.desiredStatus === 'STOPPED' ? [] : taskArnsOf(state, s, core.now());
  const page = paginate(arns, input.nextToken, input.maxResults ?? 100, () => sdkError(ClientException, 'Invalid nextToken'));
  return { taskArns: page.items, ...(page.next ? { nextToken: page.next } : {}) };
}

function describeTasks(core: WorldCore, input: DescribeTasksRequest) {
  const state = core.state;
  const now = core.now();
  const cluster = nameOf(input.cluster ?? 'default', 'cluster');
  const tasks: Task[] = [];
  const failures: Array<{ arn: string; reason: string }> = [];
  for (const ref of input.tasks ?? []) {
    let found: Task | undefined;
    for (const s of Object.values(state.ecs.services).filter((x) => x.clusterName === cluster)) {
      settle(state, s, now);
      const d = serving(s, now);
      if (!taskArnsOf(state, s, now).includes(ref)) continue;
      found = {
        taskArn: ref,
        clusterArn: arn(state, `cluster/${cluster}`),
        taskDefinitionArn: arn(state, `task-definition/${d.taskDefinition}`),
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        group: `service:${s.serviceName}`,
        launchType: 'FARGATE',
        containers: [{ name: s.serviceName, image: d.image, lastStatus: 'RUNNING', taskArn: ref }],
      };
    }
    if (found) tasks.push(found);
    else failures.push({ arn: ref, reason: 'MISSING' });
  }
  return { tasks, failures };
}

export const ecsCommands: Record<string, CommandSpec> = {
  DescribeServices: command<DescribeServicesRequest>(false, describeServices),
  UpdateService: command<UpdateServiceRequest>(true, updateService, (i) => `${i.cluster ?? 'default'}/${i.service ?? ''}`),
  ListTasks: command<ListTasksRequest>(false, listTasks),
  DescribeTasks: command<DescribeTasksRequest>(false, describeTasks),
};

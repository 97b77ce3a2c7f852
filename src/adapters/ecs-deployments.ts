// DeploymentPort over the ECS API: DescribeServices, UpdateService, ListTasks and DescribeTasks (100 tasks
// a call). Every call goes through the step's retry budget; errors are classified in src/aws/classify.ts.
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import type { Logger } from 'pino';
import { UnexpectedResponseError } from '../errors.js';
import { createAwsCaller, type RetryBudget } from '../aws/retry-budget.js';
import { silentLogger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { DeploymentPort, ServiceRef, ServiceView, TaskView } from '../ports/deployments.js';

export interface EcsDeploymentsOptions {
  client: ECSClient;
  clock: Clock;
  budget: RetryBudget;
  logger?: Logger;
}

const EVENTS_KEPT = 5;

export function createEcsDeployments(options: EcsDeploymentsOptions): DeploymentPort {
  const { client } = options;
  const call = createAwsCaller(options.clock, options.budget, 'ECS', options.logger ?? silentLogger);
  const label = (ref: ServiceRef) => `${ref.cluster}/${ref.service}`;

  return {
    async describeService(ref) {
      const out = await call('DescribeServices', label(ref), () => client.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] })));
      const failure = out.failures?.[0];
      if (failure) throw new UnexpectedResponseError(`DescribeServices ${label(ref)}: ${failure.reason ?? 'failed'}${failure.detail ? ` (${failure.detail})` : ''}`);
      const service = out.services?.[0];
      if (!service) throw new UnexpectedResponseError(`DescribeServices returned no service ${label(ref)}`);
      return serviceView(service);
    },

    async update(ref, request) {
      const out = await call('UpdateService', label(ref), () =>
        client.send(
          new UpdateServiceCommand({
            cluster: ref.cluster,
            service: ref.service,
            ...(request.taskDefinition ? { taskDefinition: request.taskDefinition } : {}),
            forceNewDeployment: request.forceNewDeployment,
          }),
        ),
      );
      if (!out.service) throw new UnexpectedResponseError(`UpdateService ${label(ref)} answered without the service`);
      return serviceView(out.service);
    },

    async runningTasks(ref) {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const out = await call('ListTasks', label(ref), () =>
          client.send(new ListTasksCommand({ cluster: ref.cluster, serviceName: ref.service, desiredStatus: 'RUNNING', ...(token ? { nextToken: token } : {}) })),
        );
        arns.push(...(out.taskArns ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
      const tasks: TaskView[] = [];
      for (let i = 0; i < arns.length; i += 100) {
        const batch = arns.slice(i, i + 100);
        const out = await call('DescribeTasks', label(ref), () => client.send(new DescribeTasksCommand({ cluster: ref.cluster, tasks: batch })));
        if (out.failures?.length) {
          // A task listed a moment ago and gone now (stopped meanwhile) is not evidence either way: read again next look.
          const reasons = out.failures.map((f) => `${f.arn ?? '?'}: ${f.reason ?? 'failed'}`).join('; ');
          throw new UnexpectedResponseError(`DescribeTasks ${label(ref)}: ${reasons}`);
        }
        for (const t of out.tasks ?? []) {
          tasks.push({
            taskArn: t.taskArn ?? '',
            taskDefinitionArn: t.taskDefinitionArn ?? '',
            lastStatus: t.lastStatus ?? 'unknown',
            containers: (t.containers ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' })),
          });
        }
      }
      return tasks;
    },
  };
}

function serviceView(s: Service): ServiceView {
  const breaker = s.deploymentConfiguration?.deploymentCircuitBreaker;
  return {
    serviceArn: s.serviceArn ?? '',
    status: s.status ?? 'unknown',
    taskDefinition: s.taskDefinition ?? '',
    desiredCount: s.desiredCount ?? 0,
    runningCount: s.runningCount ?? 0,
    deployments: (s.deployments ?? []).map((d) => ({
      id: d.id ?? '',
      status: d.status ?? 'unknown',
      taskDefinition: d.taskDefinition ?? '',
      ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
      ...(d.rolloutStateReason ? { rolloutStateReason: d.rolloutStateReason } : {}),
      desiredCount: d.desiredCount ?? 0,
      runningCount: d.runningCount ?? 0,
      failedTasks: d.failedTasks ?? 0,
      createdAt: d.createdAt?.getTime() ?? 0,
    })),
    ...(breaker ? { circuitBreaker: { enable: breaker.enable ?? false, rollback: breaker.rollback ?? false } } : {}),
    events: (s.events ?? []).slice(0, EVENTS_KEPT).map((e) => ({ at: e.createdAt?.getTime() ?? 0, message: e.message ?? '' })),
  };
}

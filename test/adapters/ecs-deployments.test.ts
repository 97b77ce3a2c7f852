import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { createEcsDeployments } from '../../src/adapters/ecs-deployments.js';
import { AwsCallError, UnexpectedResponseError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { awsServiceError } from '../helpers/aws-fixtures.js';

const ecs = mockClient(ECSClient);
const client = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const budget = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 };
const port = () => createEcsDeployments({ client, clock: new ManualClock(Date.UTC(2026, 5, 1), { autoAdvance: true }), budget });
const ref = { cluster: 'payments', service: 'api-blue' };
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:20';

beforeEach(() => ecs.reset());

describe('createEcsDeployments', () => {
  it('updates the service with the task definition and reads its deployments back', async () => {
    ecs.on(UpdateServiceCommand).resolves({ service: { serviceArn: 's', taskDefinition: TD, deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: TD, rolloutState: 'IN_PROGRESS', createdAt: new Date(5) }] } });
    const view = await port().update(ref, { taskDefinition: 'payments-api:20', forceNewDeployment: false });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'payments', service: 'api-blue', taskDefinition: 'payments-api:20', forceNewDeployment: false });
    expect(view.deployments).toEqual([{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: TD, rolloutState: 'IN_PROGRESS', desiredCount: 0, runningCount: 0, failedTasks: 0, createdAt: 5 }]);
  });

  it('a 500 ServerException is retried; a missing service is a DescribeServices failure, said in one line', async () => {
    ecs.on(DescribeServicesCommand).rejectsOnce(awsServiceError({ name: 'ServerException', status: 500 })).resolves({ services: [], failures: [{ arn: 'arn:svc', reason: 'MISSING' }] });
    await expect(port().describeService(ref)).rejects.toThrow(new UnexpectedResponseError('DescribeServices payments/api-blue: MISSING'));
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 2);
  });

  it('a ClientException is fatal', async () => {
    ecs.on(UpdateServiceCommand).rejects(awsServiceError({ name: 'ClientException', status: 400 }));
    await expect(port().update(ref, { forceNewDeployment: true })).rejects.toMatchObject({ classification: 'fatal', code: 'ClientException' });
    await expect(port().update(ref, { forceNewDeployment: true })).rejects.toBeInstanceOf(AwsCallError);
  });

  it('lists every page of running tasks and describes them with their images', async () => {
    ecs.on(ListTasksCommand).resolvesOnce({ taskArns: ['t1'], nextToken: 'n' }).resolves({ taskArns: ['t2'] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 't1', taskDefinitionArn: TD, lastStatus: 'RUNNING', containers: [{ name: 'api', image: 'repo/api:1.20' }] }, { taskArn: 't2', taskDefinitionArn: TD, lastStatus: 'RUNNING', containers: [{ name: 'api', image: 'repo/api:1.2' }] }] });
    const tasks = await port().runningTasks(ref);
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, { cluster: 'payments', serviceName: 'api-blue', desiredStatus: 'RUNNING' });
    expect(ecs).toHaveReceivedCommandWith(DescribeTasksCommand, { cluster: 'payments', tasks: ['t1', 't2'] });
    expect(tasks.map((t) => t.containers[0]!.image)).toEqual(['repo/api:1.20', 'repo/api:1.2']);
  });
});

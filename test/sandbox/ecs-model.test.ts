import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { planSchema } from '../../src/plan/schema.js';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile } from '../../src/sandbox/index.js';
import { planDoc } from '../e2e/deep-checks-harness.js';

// ECS deployments in the sandbox, through the real ECSClient: rolloutState as
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html describes it.
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments';
function setup(worldText = '') {
  const plan = planSchema.parse(planDoc({ maintenance: [{ ecs: 'deploy', cluster: 'payments', service: 'api-{cluster}', taskDefinition: 'payments-api:20', image: `${IMAGE}:1.20` }] }));
  const world = defaultWorldFromPlan(plan, parseWorldFile(worldText, 'world.yaml'), 'world.yaml');
  const { ecs } = createSandboxClients(world, { region: 'us-east-1' });
  const service = async (name = 'api-blue') => (await ecs.send(new DescribeServicesCommand({ cluster: 'payments', services: [name] }))).services![0]!;
  const images = async (name = 'api-blue') => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'payments', serviceName: name, desiredStatus: 'RUNNING' }))).taskArns!;
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'payments', tasks: arns }))).tasks!;
    return tasks.map((t) => `${t.taskDefinitionArn!.split('/').at(-1)} ${t.containers![0]!.image}`);
  };
  return { world, ecs, service, images };
}

describe('sandbox ECS deployments', () => {
  it('a deployment goes IN_PROGRESS -> COMPLETED, and then every task runs the new revision and image', async () => {
    const { world, ecs, service, images } = setup();
    expect(await images()).toEqual(Array(3).fill(`payments-api:19 payments-api:r19`));
    await ecs.send(new UpdateServiceCommand({ cluster: 'payments', service: 'api-blue', taskDefinition: 'payments-api:20' }));
    expect((await service()).deployments!.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'IN_PROGRESS'], ['ACTIVE', 'COMPLETED']]);
    world.advanceBy(181_000);
    expect((await service()).deployments!.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']]);
    expect(await images()).toEqual(Array(3).fill(`payments-api:20 ${IMAGE}:1.20`));
    expect(world.violations).toEqual([]);
  });

  it('a crash loop trips the circuit breaker after max(3, half the desired count) failed tasks, then rolls back', async () => {
    const { world, ecs, service, images } = setup('events:\n  - { at: "0s", ecsCrashLoop: { cluster: blue } }\n');
    await ecs.send(new UpdateServiceCommand({ cluster: 'payments', service: 'api-blue', taskDefinition: 'payments-api:20' }));
    world.advanceBy(60_000);
    expect((await service()).deployments![0]).toMatchObject({ rolloutState: 'IN_PROGRESS', failedTasks: 2 });
    world.advanceBy(31_000);
    const failed = await service();
    expect(failed.deployments!.map((d) => [d.taskDefinition!.split('/').at(-1), d.status, d.rolloutState])).toEqual([
      ['payments-api:19', 'PRIMARY', 'IN_PROGRESS'],
      ['payments-api:20', 'ACTIVE', 'FAILED'],
      ['payments-api:19', 'ACTIVE', 'COMPLETED'],
    ]);
    expect(failed.deployments![1]!.rolloutStateReason).toMatch(/circuit breaker/);
    world.advanceBy(181_000);
    expect((await service()).deployments!.map((d) => d.rolloutState)).toEqual(['COMPLETED']);
    expect(await images()).toEqual(Array(3).fill('payments-api:19 payments-api:r19'));
  });

  it('an image deployed as "1.2" when "1.20" was asked runs "1.2" (seed 001)', async () => {
    const { world, ecs, images } = setup(`events:\n  - { at: "0s", ecsImageDeployed: { cluster: blue, image: "${IMAGE}:1.2" } }\n`);
    await ecs.send(new UpdateServiceCommand({ cluster: 'payments', service: 'api-blue', taskDefinition: 'payments-api:20' }));
    world.advanceBy(181_000);
    expect(await images()).toEqual(Array(3).fill(`payments-api:20 ${IMAGE}:1.2`));
  });

  it('an unknown service is a failure in DescribeServices and ServiceNotFoundException in UpdateService', async () => {
    const { ecs } = setup();
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'payments', services: ['nope'] }));
    expect(out.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/payments/nope', reason: 'MISSING' }]);
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'payments', service: 'nope', forceNewDeployment: true }))).rejects.toMatchObject({ name: 'ServiceNotFoundException' });
  });
});

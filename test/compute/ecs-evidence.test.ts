import { describe, expect, it } from 'vitest';
import { judgeDeployment, taskDefinitionKey } from '../../src/compute/ecs-evidence.js';
import type { DeploymentView, ServiceView, TaskView } from '../../src/ports/deployments.js';

const TD = (rev: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/api:${rev}`;
const dep = (id: string, status: string, rev: number, rolloutState: string, rolloutStateReason?: string): DeploymentView => ({
  id, status, taskDefinition: TD(rev), rolloutState, ...(rolloutStateReason ? { rolloutStateReason } : {}), desiredCount: 2, runningCount: 2, failedTasks: 0, createdAt: 0,
});
const service = (deployments: DeploymentView[]): ServiceView => ({ serviceArn: 's', status: 'ACTIVE', taskDefinition: deployments[0]!.taskDefinition, desiredCount: 2, runningCount: 2, deployments, events: [{ at: 1, message: '(service api) has reached a steady state.' }] });
const task = (rev: number, image: string): TaskView => ({ taskArn: `t-${rev}-${image}`, taskDefinitionArn: TD(rev), lastStatus: 'RUNNING', containers: [{ name: 'api', image }] });
const asked = { deploymentId: 'd-new', taskDefinition: 'api:20', image: 'repo/api:1.20' };

describe('judgeDeployment', () => {
  it('done when the deployment is primary and COMPLETED and every task runs the revision and image', () => {
    const s = service([dep('d-new', 'PRIMARY', 20, 'COMPLETED')]);
    expect(judgeDeployment(s, [task(20, 'repo/api:1.20'), task(20, 'repo/api:1.20')], asked).status).toBe('complete');
  });

  it('the identity gate: "1.2" is not "1.20", and an old revision still running is waited for', () => {
    const s = service([dep('d-new', 'PRIMARY', 20, 'COMPLETED')]);
    expect(judgeDeployment(s, [task(20, 'repo/api:1.2'), task(20, 'repo/api:1.20')], asked)).toMatchObject({ status: 'failed', reason: '1 of 2 running tasks run image "repo/api:1.2", not "repo/api:1.20" (compared as strings)' });
    expect(judgeDeployment(s, [task(20, 'repo/api:1.20'), task(19, 'repo/api:1.20')], asked).status).toBe('not-yet');
    expect(judgeDeployment(s, [task(20, 'repo/api:1.20')], asked).status).toBe('not-yet');
  });

  it('a FAILED deployment, or one a rollback replaced, fails with the reason', () => {
    const failed = service([dep('d-back', 'PRIMARY', 19, 'IN_PROGRESS'), dep('d-new', 'ACTIVE', 20, 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.')]);
    expect(judgeDeployment(failed, undefined, asked)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^ECS deployment d-new of api:20 FAILED: ECS deployment circuit breaker: tasks failed to start\.; rolled back to api:19 \(d-back\)/) });
    const replaced = service([dep('d-other', 'PRIMARY', 21, 'IN_PROGRESS'), dep('d-new', 'ACTIVE', 20, 'IN_PROGRESS')]);
    expect(judgeDeployment(replaced, undefined, asked)).toMatchObject({ status: 'failed', reason: expect.stringContaining('is no longer the service\'s primary deployment: d-other (api:21) is primary') });
    expect(judgeDeployment(service([dep('d-new', 'PRIMARY', 20, 'IN_PROGRESS')]), undefined, asked).status).toBe('not-yet');
  });

  it('reads a task definition given as an ARN or as family:revision', () => {
    expect(taskDefinitionKey(TD(20))).toBe('api:20');
    expect(taskDefinitionKey('api:20')).toBe('api:20');
  });
});

import { ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, minutes, tgArn, twoClusters } from './fixtures.js';

const BLUE = tgArn('blue', 1);
const GREEN = tgArn('green', 2);

function setup() {
  const world = defaultWorldFromPlan(twoClusters());
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

const weights = (blue: number, green: number) =>
  new ModifyListenerCommand({
    ListenerArn: LISTENER_ARN,
    DefaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: blue },
            { TargetGroupArn: GREEN, Weight: green },
          ],
        },
      },
    ],
  });

describe('audit', () => {
  it('records no violation for a clean maintenance cycle', async () => {
    const { world, elbv2, elasticache } = setup();
    await elbv2.send(weights(0, 1));
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.1', ApplyImmediately: true }));
    world.advanceBy(minutes(16));
    await elbv2.send(weights(1, 1));
    expect(world.violations).toEqual([]);
    expect(world.finalAudit()).toEqual([]);
    expect(world.traffic.failed).toBe(0);
  });

  it('flags a weight raised while the cache is still modifying', async () => {
    const { world, elbv2, elasticache } = setup();
    await elbv2.send(weights(0, 1));
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.1', ApplyImmediately: true }));
    world.advanceBy(minutes(5));
    await elbv2.send(weights(1, 1));
    expect(world.violations).toHaveLength(1);
    expect(world.violations[0]).toMatchObject({ kind: 'unsafe-reactivation', cluster: 'blue', caller: 'quiesce', command: 'ModifyListener' });
    expect(world.violations[0]?.message).toContain('replication group status is modifying');
    // And the traffic shows why: blue fails until the modify ends.
    world.advanceBy(minutes(11));
    expect(world.traffic.perCluster.blue?.failed).toBe(60_000);
  });

  it('flags targets registered back while the weight is up and they are not healthy yet', async () => {
    const { world, elbv2 } = setup();
    const ids = ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: BLUE }))).TargetHealthDescriptions ?? []).map((d) => ({
      Id: d.Target?.Id ?? '',
    }));
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: BLUE, Targets: ids }));
    world.advanceBy(minutes(5));
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: BLUE, Targets: ids }));
    expect(world.violations.map((v) => [v.kind, v.command])).toEqual([['unsafe-reactivation', 'RegisterTargets']]);
    expect(world.violations[0]?.message).toContain('0/3 targets healthy');
  });

  it('flags more clusters out of rotation than maxOutOfService', async () => {
    const { world, elbv2 } = setup();
    await elbv2.send(weights(0, 1));
    expect(world.violations).toEqual([]);
    await elbv2.send(weights(0, 0));
    expect(world.violations.map((v) => v.kind)).toEqual(['too-many-out-of-service', 'too-few-active']);
    expect(world.violations[0]?.cluster).toBe('green');
  });

  it('records the caller of clients that play somebody else', async () => {
    const { world, elbv2 } = setup();
    const operator = createSandboxClients(world, { region: REGION, caller: 'operator' });
    await elbv2.send(weights(0, 1));
    await operator.elbv2.send(weights(0, 0));
    expect(world.mutations.map((m) => m.caller)).toEqual(['quiesce', 'operator']);
    expect(world.violations[0]).toMatchObject({ kind: 'too-many-out-of-service', caller: 'operator' });
  });

  it('reports a lost target list at the end of the run', async () => {
    const { world, elbv2 } = setup();
    const first = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: GREEN }))).TargetHealthDescriptions?.[0];
    const id = first?.Target?.Id ?? '';
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: GREEN, Targets: [{ Id: id }] }));
    world.advanceBy(minutes(10));
    const found = world.finalAudit();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'target-list-changed', cluster: 'green' });
    expect(found[0]?.message).toContain(`missing ${id}:80`);
    expect(world.violations).toContainEqual(found[0]);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeReplicationGroupsCommand, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, loadWorld, saveWorld, SandboxWorld } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, minutes, seconds, tgArn, twoClusters } from './fixtures.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-sandbox-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const primaryOf = async (world: SandboxWorld) => {
  const { elasticache } = createSandboxClients(world, { region: REGION });
  const out = await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'blue-cache' }));
  return out.ReplicationGroups?.[0]?.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary')?.CacheClusterId;
};

describe('persistence', () => {
  it('round-trips a world in the middle of a failover', async () => {
    const world = defaultWorldFromPlan(twoClusters(), { events: [{ from: '1m', to: '20m', crashLoop: { cluster: 'green' } }] });
    const { elasticache } = createSandboxClients(world, { region: REGION });
    await elasticache.send(new TestFailoverCommand({ ReplicationGroupId: 'blue-cache', NodeGroupId: '0001' }));
    world.advanceBy(seconds(30));
    const file = join(dir, 'world.json');
    saveWorld(world, file);
    const resumed = loadWorld(file);
    expect(resumed.toJSON()).toEqual(world.toJSON());
    // Reads change the world a little too (request ids, token buckets): do the same on both.
    expect(await primaryOf(resumed)).toBe('blue-cache-001');
    expect(await primaryOf(world)).toBe('blue-cache-001');

    world.advanceBy(minutes(15));
    resumed.advanceBy(minutes(15));
    expect(await primaryOf(resumed)).toBe('blue-cache-002');
    expect(await primaryOf(world)).toBe('blue-cache-002');
    expect(resumed.toJSON()).toEqual(world.toJSON());
    expect(resumed.traffic).toEqual(world.traffic);
  });

  it('autosaves before a mutating command returns, so a killed run finds AWS as it left it', async () => {
    const file = join(dir, 'autosave.json');
    const world = defaultWorldFromPlan(twoClusters());
    world.setAutosave(file);
    const { elbv2 } = createSandboxClients(world, { region: REGION });
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: LISTENER_ARN,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: tgArn('blue', 1), Weight: 0 },
                { TargetGroupArn: tgArn('green', 2), Weight: 1 },
              ],
            },
          },
        ],
      }),
    );
    // The process "dies" here; a new one loads the file.
    const resumed = SandboxWorld.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
    expect(resumed.weights()).toEqual({ blue: 0, green: 1 });
    expect(resumed.mutations.map((m) => m.command)).toEqual(['ModifyListener']);
    world.advanceBy(minutes(1));
    expect(loadWorld(file).now()).toBe(world.now());
  });

  it('is deterministic: the same plan, file and calls give the same world', () => {
    const build = () => {
      const world = defaultWorldFromPlan(twoClusters(), { seed: 42, events: [{ from: '0s', to: '5m', targetFlap: { cluster: 'blue', count: 1 } }] });
      world.advanceBy(minutes(30));
      return world.toJSON();
    };
    expect(build()).toEqual(build());
  });

  it('refuses JSON that is not a sandbox world', () => {
    expect(() => SandboxWorld.fromJSON({ hello: 'world' })).toThrow(/not a quiesce sandbox world/);
  });
});

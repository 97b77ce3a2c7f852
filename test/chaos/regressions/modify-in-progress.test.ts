import { DescribeCacheClustersCommand, ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createElastiCacheCache } from '../../../src/adapters/elasticache-cache.js';
import { DEFAULT_RETRY_BUDGET } from '../../../src/aws/retry-budget.js';
import { VirtualClock } from '../../../src/connect/virtual-clock.js';
import { createSandboxClients, defaultWorldFromPlan } from '../../../src/sandbox/index.js';
import { planOf } from '../../sandbox/fixtures.js';

// Found by the crash sweep: killed right after it requested a modify, a resumed run requested it again,
// got InvalidReplicationGroupState (the group was modifying) and held the cluster. AWS documents
// PendingModifiedValues as settings "applied in the future, or that are currently being applied"; the
// sandbox showed nothing pending during an immediate modify, so the resend looked necessary.

function setup() {
  const world = defaultWorldFromPlan(planOf(['blue', 'green']));
  const { elasticache } = createSandboxClients(world, { region: 'eu-west-1' });
  const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
  const cache = createElastiCacheCache({ client: elasticache, clock, budget: DEFAULT_RETRY_BUDGET, logger: pino({ level: 'silent' }) });
  return { world, elasticache, cache };
}

const pendingOf = async (client: ReturnType<typeof setup>['elasticache']) =>
  ((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters ?? []).filter((c) => c.ReplicationGroupId === 'blue-cache').map((c) => c.PendingModifiedValues);

describe('a modify in progress', () => {
  it('shows the version it is applying in PendingModifiedValues until it completes', async () => {
    const { world, elasticache } = setup();
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.1', ApplyImmediately: true }));
    expect(await pendingOf(elasticache)).toEqual([{ EngineVersion: '7.1' }, { EngineVersion: '7.1' }, { EngineVersion: '7.1' }]);
    world.advanceBy(16 * 60_000);
    expect(await pendingOf(elasticache)).toEqual([{}, {}, {}]);
  });

  it('is not requested again by a resumed run: the second modify sends nothing and the first completes', async () => {
    const { world, cache } = setup();
    await cache.modify('blue-cache', { engineVersion: '7.1' });
    world.advanceBy(60_000);
    await cache.modify('blue-cache', { engineVersion: '7.1' });
    expect(world.mutations.filter((m) => m.command === 'ModifyReplicationGroup')).toHaveLength(1);
    world.advanceBy(15 * 60_000);
    expect((await cache.observeModify('blue-cache', { engineVersion: '7.1' })).status).toBe('complete');
  });
});

import { describe, expect, it } from 'vitest';
import { nodeGroupPrimaryFromEvents } from '../../src/cache/node-group-evidence.js';
import type { CacheEvent, ReplicationGroupView } from '../../src/ports/cache.js';

// Where a node group's primary went, by the failover events naming its own nodes (AWS reports no role per
// member of a cluster mode enabled group).

const view = {
  replicationGroupId: 'rg',
  nodeGroups: [
    { nodeGroupId: '0001', slots: '0-8191', memberIds: ['rg-0001-001', 'rg-0001-002'] },
    { nodeGroupId: '0002', slots: '8192-16383', memberIds: ['rg-0002-001', 'rg-0002-002'] },
  ],
} as Pick<ReplicationGroupView, 'replicationGroupId' | 'nodeGroups'> as ReplicationGroupView;

const event = (date: number, message: string): CacheEvent => ({ date, message, sourceIdentifier: 'rg' });

describe('nodeGroupPrimaryFromEvents', () => {
  it("takes the completion naming one of the node group's own nodes since the request, not another node group's", () => {
    const events = [
      event(50, 'Failover from primary node rg-0002-001 to replica node rg-0002-002 completed'),
      event(150, 'Failover from primary node rg-0001-001 to replica node rg-0001-002 completed'),
      event(160, 'Failover from primary node rg-0002-002 to replica node rg-0002-001 completed'),
    ];
    expect(nodeGroupPrimaryFromEvents(view, events, { nodeGroupId: '0001', requestedAt: 100 })).toEqual({ from: 'rg-0001-001', to: 'rg-0001-002', completions: [events[1]] });
    expect(nodeGroupPrimaryFromEvents(view, events, { nodeGroupId: '0002', requestedAt: 100 })).toMatchObject({ from: 'rg-0002-002', to: 'rg-0002-001' });
  });

  it('is undefined before any completion of its own, and reads the older message without a "from"', () => {
    expect(nodeGroupPrimaryFromEvents(view, [event(150, 'Test Failover API called for node group 0001')], { nodeGroupId: '0001', requestedAt: 100 })).toBeUndefined();
    expect(nodeGroupPrimaryFromEvents(view, [event(150, 'Failover to replica node rg-0001-002 completed')], { nodeGroupId: '0001', requestedAt: 100 })).toMatchObject({ to: 'rg-0001-002' });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { crashAt, referenceRun, type Reference, type SweepFixture } from '../chaos/crash-sweep.js';

// A Redis OSS to Valkey switch killed around its ModifyReplicationGroup (a real CLI process SIGKILLed
// right after the journal append), then `quiesce resume`: the same end as the uncrashed run, the Modify
// sent once per group. The switch names its Valkey parameter group, which a resend would carry to a
// group already modifying (ElastiCache refuses it: InvalidReplicationGroupState).

const VALKEY: SweepFixture = { plan: 'examples/valkey.plan.yaml', world: 'examples/valkey.world.yaml' };
let reference: Reference;

beforeAll(async () => {
  reference = await referenceRun(VALKEY);
}, 120_000);

describe('an engine switch across a crash', () => {
  it('killed right before and right after the Modify: resume ends as the uncrashed run, one Modify per group', async () => {
    expect(reference.end.status).toBe('done');
    const points = reference.points.filter((p) => p.message.startsWith('blue: start step 1') || p.message.startsWith('blue: ElastiCache modify requested on payments-blue: redis 7.1.0 → valkey 8.0'));
    expect(points.map((p) => p.kind)).toEqual(['intent', 'effect']);
    for (const point of points) {
      const result = await crashAt(reference, point, VALKEY);
      expect(result.problems, `after #${point.seq} (${point.message})`).toEqual([]);
      expect(result.diedAfter).toBe(point.seq);
    }
  }, 300_000);
});

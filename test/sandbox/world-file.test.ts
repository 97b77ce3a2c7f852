import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTargetGroupAttributesCommand, DescribeTargetHealthCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeCacheClustersCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile, SandboxWorld, WorldFileError } from '../../src/sandbox/index.js';
import { LISTENER_ARN, planOf, REGION, tgArn, twoClusters } from './fixtures.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { ROOT } from '../chaos/child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../chaos/crash-sweep.js';

const docs = readFileSync(new URL('../../docs/sandbox.md', import.meta.url), 'utf8');

function errorOf(text: string): string {
  try {
    parseWorldFile(text, 'world.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(WorldFileError);
    return (error as Error).message;
  }
  throw new Error('expected the world file to be rejected');
}

describe('world files', () => {
  it('accepts the example in docs/sandbox.md and builds its world', async () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    expect(example).toContain('events:');
    const file = parseWorldFile(example, 'docs/sandbox.md');
    const world = defaultWorldFromPlan(twoClusters(), file);
    const { elbv2, elasticache } = createSandboxClients(world, { region: REGION });
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn('blue', 1) }));
    expect(health.TargetHealthDescriptions).toHaveLength(5);
    const attributes = await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn('green', 2) }));
    expect(attributes.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '60' });
    const clusters = await elasticache.send(new DescribeCacheClustersCommand({}));
    expect(clusters.CacheClusters?.find((c) => c.ReplicationGroupId === 'green-cache')?.EngineVersion).toBe('6.2.6');
    world.advanceBy(3_600_000);
    expect(world.violations).toEqual([]);
  });

  it('rejects an unknown key with one line naming it', () => {
    expect(errorOf('elbv2:\n  stickyness: { enabled: true }\n')).toBe('world.yaml: unknown key "stickyness" in elbv2');
    expect(errorOf('clusters:\n  blue: { targetz: 3 }\n')).toBe('world.yaml: unknown key "targetz" in clusters.blue');
  });

  it('rejects an unquoted engine version, quoting it as written', () => {
    expect(errorOf('defaults:\n  cache: { engineVersion: 6.20 }\n')).toBe(
      'world.yaml: defaults.cache.engineVersion: engine version 6.20 is a YAML number; quote it: "6.20"',
    );
    expect(errorOf('elasticache:\n  engineVersions: { redis: ["7.0", 7.1] }\n')).toBe(
      'world.yaml: elasticache.engineVersions.redis[1]: engine version 7.1 is a YAML number; quote it: "7.1"',
    );
  });

  it('rejects durations without a unit and events without exactly one kind', () => {
    expect(errorOf('elasticache:\n  timings: { failover: 90 }\n')).toBe(
      'world.yaml: elasticache.timings.failover: expected a duration with a unit, e.g. "90s", "5m", "1h"',
    );
    expect(errorOf('events:\n  - { at: 1m }\n')).toContain('an event needs exactly one of manualWeight');
    expect(errorOf('events:\n  - { at: 1m, from: 2m, crashLoop: { cluster: blue } }\n')).toContain('either "at" or "from"');
  });

  it('rejects events that name clusters the plan does not have', () => {
    expect(() => defaultWorldFromPlan(twoClusters(), { events: [{ at: '1m', crashLoop: { cluster: 'purple' } }] })).toThrow(
      'world file: events[0]: crashLoop: no such cluster "purple"',
    );
    expect(() => defaultWorldFromPlan(twoClusters(), { clusters: { purple: { targets: 1 } } })).toThrow(
      'world file: clusters.purple: no such cluster in the plan',
    );
  });
});

describe('target groups per forward action (ALB quota: 5, not adjustable)', () => {
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
  const six = () => planOf(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
  const forwardToAll = (plan: ReturnType<typeof six>) =>
    new ModifyListenerCommand({
      ListenerArn: LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: plan.fleet.clusters.map((c) => ({ TargetGroupArn: c.targetGroupArn, Weight: 1 })) } }],
    });

  it('refuses to build a world whose forward action would hold more than 5 target groups', () => {
    expect(defaultWorldFromPlan(planOf(['c1', 'c2', 'c3', 'c4', 'c5'])).synthetic).toEqual([]);
    expect(() => defaultWorldFromPlan(six(), {}, 'world.yaml')).toThrow(
      new WorldFileError(
        'plan: 6 clusters share one forward action; AWS allows at most 5 target groups per forward action (quota "Target groups per action", not adjustable); world.yaml may raise it with elbv2.syntheticTargetGroupsPerForward, a topology AWS does not allow',
      ),
    );
  });

  it('builds it only with the synthetic setting, which the world names as a topology AWS does not allow', async () => {
    const plan = six();
    const world = defaultWorldFromPlan(plan, { elbv2: { syntheticTargetGroupsPerForward: 6 } });
    expect(world.synthetic).toEqual([
      'elbv2.syntheticTargetGroupsPerForward 6: up to 6 target groups in one forward action, a topology AWS does not allow (AWS: at most 5)',
    ]);
    const { elbv2 } = createSandboxClients(world, { region: REGION });
    await elbv2.send(forwardToAll(plan));
    expect(Object.values(world.weights())).toEqual([1, 1, 1, 1, 1, 1]);
    // The setting survives a save and a load: a resumed run still says what it ran against.
    expect(SandboxWorld.fromJSON(JSON.parse(JSON.stringify(world.toJSON()))).synthetic).toEqual(world.synthetic);
    // ...and allows what it says, no more.
    expect(() => defaultWorldFromPlan(planOf(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']), { elbv2: { syntheticTargetGroupsPerForward: 6 } }, 'stress.yaml')).toThrow(
      'plan: 7 clusters share one forward action; stress.yaml allows at most 6 (elbv2.syntheticTargetGroupsPerForward)',
    );
  });

  it('takes the synthetic setting only above AWS\'s 5, and no longer knows the old key', () => {
    expect(errorOf('elbv2: { syntheticTargetGroupsPerForward: 5 }\n')).toBe(
      'world.yaml: elbv2.syntheticTargetGroupsPerForward: only raises AWS\'s limit of 5 target groups per forward action, as a synthetic stress setting (a topology AWS does not allow): use 6 or more, or leave it out',
    );
    expect(errorOf('elbv2: { maxTargetGroupsPerForward: 5 }\n')).toBe('world.yaml: unknown key "maxTargetGroupsPerForward" in elbv2');
  });
});

// Found by the hostile inputs: names that are also properties of Object.prototype. A memory event on
// replication group "__proto__" passed the world's "does it exist" check (a plain lookup found
// Object.prototype) and wrote memoryPercent onto every object of the process.

describe('names that are also Object.prototype properties', () => {
  it('an event naming replication group "__proto__" is refused, and pollutes nothing', () => {
    const plan = loadPlanFile(join(ROOT, CRASH_SWEEP_FIXTURE.plan));
    const file = parseWorldFile('events:\n  - { at: "-2m", memory: { replicationGroupId: __proto__, percent: 85 } }\n', 'w.yaml');
    expect(() => defaultWorldFromPlan(plan, file, 'w.yaml')).toThrow(WorldFileError);
    expect(() => defaultWorldFromPlan(plan, file, 'w.yaml')).toThrow(/no such replication group "__proto__"/);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).memoryPercent).toBeUndefined();
  });
});

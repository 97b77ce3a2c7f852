import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { createRun, driveRun, lockedListeners } from '../../src/run/engine.js';
import { LockHeldError } from '../../src/run/errors.js';
import { allLocations, locationCount, locationsOf } from '../../src/run/locations.js';
import type { RunContext } from '../../src/run/run-context.js';
import { createMemoryStore } from '../../src/store/memory-store.js';

// One lock per listener a plan acts on, all taken in one fixed order: two plans that share listeners wait
// on the same first one, so neither can hold one while waiting for the other's (no deadlock).

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const listener = (lb: string, id: string) => `${ARN}:listener/app/${lb}/${id.padStart(16, '0')}/${id.padStart(16, '1')}`;
const group = (name: string, id: string) => `${ARN}:targetgroup/${name}/${id.padStart(16, '0')}`;
const EXTERNAL = listener('zz-ext', 'a1');
const INTERNAL = listener('aa-int', 'a2');

const plan = parsePlan(
  `version: 1
name: two
region: us-east-1
fleet:
  locations:
    - name: external
      listenerArn: ${EXTERNAL}
      clusters:
        - { name: blue, targetGroupArn: ${group('ext-blue', 'b1')} }
        - { name: green, targetGroupArn: ${group('ext-green', 'b2')} }
    - name: internal
      listenerArn: ${INTERNAL}
      clusters:
        - { name: blue, targetGroupArn: ${group('int-blue', 'c1')} }
        - { name: green, targetGroupArn: ${group('int-green', 'c2')} }
maintenance:
  - { command: [./patch.sh] }
`,
  'plan.yaml',
);

describe('locks per listener', () => {
  it('names every listener of the plan once, sorted, whatever the order of the locations', () => {
    expect(lockedListeners({ listenerArn: plan.fleet.listenerArn, plan })).toEqual([INTERNAL, EXTERNAL].sort());
    expect(lockedListeners({ listenerArn: plan.fleet.listenerArn, plan })[0]).toBe(INTERNAL);
  });

  it('a run another run holds one listener of is refused with the holder named, and lets go of the ones it took', async () => {
    const store = createMemoryStore();
    const logger = pino({ level: 'silent' });
    // Another run holds the second listener in the order only.
    const held = await store.acquireLock(EXTERNAL, 'other', 'someone', 60_000, Date.now());
    expect(held.acquired).toBe(true);
    await createRun({ store }, { runId: 'mine', plan, target: { kind: 'sandbox' }, now: 0 });
    let connected = false;
    const connect = async () => {
      connected = true;
      throw new Error('not reached');
    };
    const refused = await driveRun({ store, logger, connect, owner: 'me' }, 'mine', { until: 'end' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as Error).message).toContain(`another run holds the lock on ${EXTERNAL}: run other`);
    expect(connected).toBe(false);
    // The first listener it took is free again for anyone.
    expect((await store.acquireLock(INTERNAL, 'third', 'x', 60_000, Date.now())).acquired).toBe(true);
  });

  it('a run whose plan has one listener locks just that one, as before', () => {
    const single = parsePlan(
      `version: 1
name: one
region: us-east-1
fleet:
  listenerArn: ${EXTERNAL}
  clusters:
    - { name: blue, targetGroupArn: ${group('ext-blue', 'b1')} }
    - { name: green, targetGroupArn: ${group('ext-green', 'b2')} }
maintenance:
  - { command: [./patch.sh] }
`,
      'plan.yaml',
    );
    expect(lockedListeners({ listenerArn: single.fleet.listenerArn, plan: single })).toEqual([EXTERNAL]);
  });
});

describe('a run recorded before plans had locations', () => {
  // Its plan has no `locations` and its clusters no `placements`: it is one location, its listener's.
  const { locations: _, ...fleet } = plan.fleet;
  const old = { ...plan, fleet: { ...fleet, listenerArn: EXTERNAL, clusters: plan.fleet.clusters.map(({ placements: __, ...c }) => c) } } as unknown as typeof plan;

  it('locks its one listener', () => {
    expect(lockedListeners({ listenerArn: EXTERNAL, plan: old })).toEqual([EXTERNAL]);
  });

  it('is worked on through its own context, as one location', () => {
    const ctx = { plan: old } as unknown as RunContext;
    expect(locationCount(old)).toBe(1);
    expect(locationsOf(ctx, 'blue')).toHaveLength(1);
    expect(locationsOf(ctx, 'blue')[0]).toBe(ctx);
    expect(allLocations(ctx)[0]).toBe(ctx);
  });
});

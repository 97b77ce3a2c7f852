import { beforeAll, describe, expect, it } from 'vitest';
import { crashAt, pool, referenceRun, testSubset, type CrashResult, type Reference } from './crash-sweep.js';

// Issue 8.1 inside `npm test`: a fixed subset of the crash points (see testSubset); `npm run chaos` runs
// all of them (docs/reliability.md).

let reference: Reference;

beforeAll(async () => {
  reference = await referenceRun();
}, 120_000);

describe('crash sweep (subset)', () => {
  it('the reference run ends done, with every cluster back as it was and zero violations', () => {
    expect(reference.end.status).toBe('done');
    expect(reference.end.world.violations).toEqual([]);
    for (const [name, initial] of Object.entries(reference.initial.clusters)) {
      expect(reference.end.world.clusters[name]?.weight).toBe(initial.weight);
      expect(reference.end.world.clusters[name]?.targets).toEqual(initial.targets);
    }
    expect(reference.points.length).toBeGreaterThan(100);
  });

  it('SIGKILL after each selected journal append, then resume: the same end as the uncrashed run', async () => {
    const points = testSubset(reference.points);
    expect(points.filter((p) => p.kind === 'intent').length).toBeGreaterThanOrEqual(21);
    const results: CrashResult[] = await pool(points, 2, (p) => crashAt(reference, p));
    const failures = results.filter((r) => r.problems.length > 0).map((r) => `after #${r.point.seq} (${r.point.kind}: ${r.point.message}): ${r.problems.join('; ')}`);
    expect(failures).toEqual([]);
    expect(results.every((r) => r.diedAfter === r.point.seq)).toBe(true);
    console.log(`crash sweep subset: ${results.length} of ${reference.points.length} crash points, all resumed to the reference end`);
  }, 600_000);
});

// A fleet at several locations: a crash between the weight change at one load balancer and the other, or
// between a location's baseline and the next's, must resume to the same end at both.
const LOCATIONS = { plan: 'examples/two-balancers.plan.yaml', world: 'examples/two-balancers.world.yaml' };

describe('crash sweep at two load balancers (subset)', () => {
  it('SIGKILL right after each weight change at either location, then resume: the same end, every weight back at both', async () => {
    const locations = await referenceRun(LOCATIONS);
    expect(locations.end.status).toBe('done');
    expect(locations.end.world.weightsByLocation).toEqual({ external: { blue: 1, green: 1, gray: 1 }, internal: { blue: 1, green: 1, gray: 1 } });
    // Every weight change at the internal location, and the intent before each at the external one.
    const points = locations.points.filter((p) => (p.kind === 'effect' && / at internal/.test(p.message)) || (p.kind === 'intent' && / at external/.test(p.message)));
    expect(points.length).toBeGreaterThanOrEqual(18);
    const results = await pool(points, 2, (p) => crashAt(locations, p, LOCATIONS));
    const failures = results.filter((r) => r.problems.length > 0).map((r) => `after #${r.point.seq} (${r.point.kind}: ${r.point.message}): ${r.problems.join('; ')}`);
    expect(failures).toEqual([]);
    expect(results.every((r) => r.diedAfter === r.point.seq)).toBe(true);
  }, 600_000);
});

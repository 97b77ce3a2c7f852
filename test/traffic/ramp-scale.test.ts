import { describe, expect, it } from 'vitest';
import { expectedInFull, expectedShare, planShare, rampScale, scaleInForce, shareWeight, type GroupRole, type ShareModel } from '../../src/traffic/ramp-scale.js';

const BLUE = 'tg/blue';
const GREEN = 'tg/green';
const GRAY = 'tg/gray';

const forward = (weights: Record<string, number>) => ({ targetGroups: Object.entries(weights).map(([targetGroupArn, weight]) => ({ targetGroupArn, weight })) });

function model(originals: Record<string, number>, roles: Record<string, GroupRole> = {}): ShareModel {
  const map = new Map(Object.entries(originals));
  return { originals: map, scale: rampScale(map.values()), roles: new Map(Object.entries(roles)) };
}

describe('rampScale', () => {
  it('is as large as 999 allows for the largest weight, at most 100, at least 1', () => {
    expect(rampScale([1, 1, 1])).toBe(100);
    expect(rampScale([9, 1])).toBe(100);
    expect(rampScale([10, 10])).toBe(99);
    expect(rampScale([3, 250])).toBe(3);
    expect(rampScale([500, 1])).toBe(1);
    expect(rampScale([0, 0])).toBe(1);
  });
});

describe('shareWeight', () => {
  it('is the percent of the scaled original, never 0 while ramping, the full scaled weight at 100', () => {
    expect([10, 50, 100].map((p) => shareWeight(1, p, 100))).toEqual([10, 50, 100]);
    expect(shareWeight(1, 1, 3)).toBe(1);
    expect(shareWeight(7, 0, 100)).toBe(0);
    expect(shareWeight(0, 50, 100)).toBe(0);
  });
});

describe('a ramp at 1/1/1: blue ramps, green and gray keep their shares, the end is exactly 1/1/1', () => {
  const m = model({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 });

  it('each step writes the scaled config in one go, and the last one the originals', () => {
    let live = forward({ [BLUE]: 0, [GREEN]: 1, [GRAY]: 1 });
    const seen: Array<Record<string, number>> = [];
    for (const percent of [10, 50, 100]) {
      const plan = planShare(live, m, BLUE, percent);
      live = forward({ ...Object.fromEntries(live.targetGroups.map((g) => [g.targetGroupArn, g.weight])), ...plan.weights });
      seen.push(Object.fromEntries(live.targetGroups.map((g) => [g.targetGroupArn, g.weight])));
      // The read-back: blue at its percent, at the scale the others show.
      expect(expectedShare(live, m, BLUE, percent).weight).toBe(live.targetGroups[0]!.weight);
    }
    expect(seen).toEqual([
      { [BLUE]: 10, [GREEN]: 100, [GRAY]: 100 },
      { [BLUE]: 50, [GREEN]: 100, [GRAY]: 100 },
      { [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 },
    ]);
  });

  it('a rollback mid-ramp puts blue at 0 and the others back to their originals', () => {
    const plan = planShare(forward({ [BLUE]: 50, [GREEN]: 100, [GRAY]: 100 }), m, BLUE, 0);
    expect(plan.weights).toEqual({ [BLUE]: 0, [GREEN]: 1, [GRAY]: 1 });
    expect(plan).toMatchObject({ k: 1, kBefore: 100 });
  });

  it('a resumed step finds its own scaled config and plans exactly it again (nothing to send)', () => {
    const live = forward({ [BLUE]: 10, [GREEN]: 100, [GRAY]: 100 });
    expect(planShare(live, m, BLUE, 10).weights).toEqual({ [BLUE]: 10 });
    expect(scaleInForce(live, m, BLUE)).toEqual({ k: 100, basis: 'steady' });
  });

  it('a steady group changed by hand is carried along (its share kept), left to the drift checks to report', () => {
    // Gray set to 2 by hand before blue's ramp: it stays twice green's share through the ramp and after it.
    let live = forward({ [BLUE]: 0, [GREEN]: 1, [GRAY]: 2 });
    const apply = (weights: Record<string, number>) => (live = forward({ ...Object.fromEntries(live.targetGroups.map((g) => [g.targetGroupArn, g.weight])), ...weights }));
    apply(planShare(live, m, BLUE, 10).weights);
    expect(live).toEqual(forward({ [BLUE]: 10, [GREEN]: 100, [GRAY]: 200 }));
    apply(planShare(live, m, BLUE, 100).weights);
    expect(live).toEqual(forward({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 2 }));
    // The next cluster's drift check before it leaves rotation names it.
    expect(expectedInFull(live, m, GREEN).weights).toEqual({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 });
  });

  it('mid-ramp the scale can only be k: a forward put back to 1/1/1 by hand reads blue at 1 where 10 is expected', () => {
    const reset = forward({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 });
    expect(expectedShare(reset, m, BLUE, 10)).toEqual({ weight: 10, k: 100 });
    // At 100% either scale is the run's: the one the steady groups show.
    expect(expectedShare(reset, m, BLUE, 100)).toEqual({ weight: 1, k: 1 });
    // Had only the others been put back, the next step rescales them again: the ramp heals.
    expect(planShare(forward({ [BLUE]: 10, [GREEN]: 1, [GRAY]: 1 }), m, BLUE, 50).weights).toEqual({ [BLUE]: 50, [GREEN]: 100, [GRAY]: 100 });
  });

  it('a steady cluster taken out by hand (weight 0) stays at 0 and does not hide the scale', () => {
    const live = forward({ [BLUE]: 0, [GREEN]: 1, [GRAY]: 0 });
    expect(planShare(live, m, BLUE, 10).weights).toEqual({ [BLUE]: 10, [GREEN]: 100 });
    expect(scaleInForce(forward({ [BLUE]: 50, [GREEN]: 100, [GRAY]: 0 }), m, BLUE)).toEqual({ k: 100, basis: 'steady' });
    // Before the next cluster leaves rotation, the drift check still names it.
    expect(expectedInFull(forward({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 0 }), m, GREEN).weights).toEqual({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 });
  });

  it('the last steady group taken out by hand mid-ramp: the scale shows in blue itself, and at 100% either is the run\'s', () => {
    expect(scaleInForce(forward({ [BLUE]: 50, [GREEN]: 0, [GRAY]: 0 }), m, BLUE)).toEqual({ k: 100, basis: 'mid-ramp' });
    expect(expectedShare(forward({ [BLUE]: 100, [GREEN]: 0, [GRAY]: 0 }), m, BLUE, 100).weight).toBe(100);
    expect(expectedShare(forward({ [BLUE]: 1, [GREEN]: 0, [GRAY]: 0 }), m, BLUE, 100).weight).toBe(1);
  });

  it('a held cluster is expected at 0 and stays there; a group added by hand keeps its share with the others', () => {
    const held = model({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 }, { [GRAY]: 'out' });
    const live = forward({ [BLUE]: 0, [GREEN]: 1, [GRAY]: 0, 'tg/other': 4 });
    expect(planShare(live, held, BLUE, 10).weights).toEqual({ [BLUE]: 10, [GREEN]: 100, 'tg/other': 400 });
    expect(expectedInFull(forward({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 0 }), held, BLUE).weights).toEqual({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 0 });
  });
});

describe('two clusters ramping at once (maxOutOfService 2) on one forward', () => {
  const originals = { [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 };
  const asBlue = model(originals, { [GREEN]: 'moving' });
  const asGreen = model(originals, { [BLUE]: 'moving' });
  const apply = (live: ReturnType<typeof forward>, weights: Record<string, number>) =>
    forward({ ...Object.fromEntries(live.targetGroups.map((g) => [g.targetGroupArn, g.weight])), ...weights });

  it('neither corrupts the other: each keeps its percent, gray its share, and the last to finish restores 1/1/1', () => {
    let live = forward({ [BLUE]: 0, [GREEN]: 0, [GRAY]: 1 });
    live = apply(live, planShare(live, asBlue, BLUE, 10).weights);
    expect(live).toEqual(forward({ [BLUE]: 10, [GREEN]: 0, [GRAY]: 100 }));
    live = apply(live, planShare(live, asGreen, GREEN, 50).weights);
    expect(live).toEqual(forward({ [BLUE]: 10, [GREEN]: 50, [GRAY]: 100 }));
    // Blue finishes first: the scale stays, since green is mid-ramp; green's weight is untouched.
    live = apply(live, planShare(live, asBlue, BLUE, 100).weights);
    expect(live).toEqual(forward({ [BLUE]: 100, [GREEN]: 50, [GRAY]: 100 }));
    expect(expectedShare(live, asGreen, GREEN, 50).weight).toBe(50);
    expect(expectedShare(live, asBlue, BLUE, 100).weight).toBe(100);
    // Green finishes: no one mid-ramp, blue (at its full share) and gray go back with it to the originals.
    live = apply(live, planShare(live, asGreen, GREEN, 100).weights);
    expect(live).toEqual(forward({ [BLUE]: 1, [GREEN]: 1, [GRAY]: 1 }));
  });

  it('a cluster taken out while another ramps leaves that ramp as it is', () => {
    const live = forward({ [BLUE]: 10, [GREEN]: 100, [GRAY]: 100 });
    expect(planShare(live, asGreen, GREEN, 0).weights).toEqual({ [GREEN]: 0 });
  });

  it('with only an in-flight cluster beside it (not yet out), that one is rescaled like any other', () => {
    const all = model({ [BLUE]: 1, [GREEN]: 1 }, { [GREEN]: 'moving' });
    expect(planShare(forward({ [BLUE]: 0, [GREEN]: 1 }), all, BLUE, 10)).toEqual({ weights: { [BLUE]: 10, [GREEN]: 100 }, k: 100, kBefore: 1 });
  });
});

describe('weights that already have resolution', () => {
  it('are scaled to what 999 allows, and end on their originals', () => {
    const m = model({ [BLUE]: 10, [GREEN]: 10 });
    expect(planShare(forward({ [BLUE]: 0, [GREEN]: 10 }), m, BLUE, 50).weights).toEqual({ [BLUE]: 495, [GREEN]: 990 });
    expect(planShare(forward({ [BLUE]: 495, [GREEN]: 990 }), m, BLUE, 100).weights).toEqual({ [BLUE]: 10, [GREEN]: 10 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeEngineVersionRule, engineVersionMatches } from '../../src/plan/engine-version.js';

const SEED = 15;
const part = fc.nat({ max: 30 }).map(String);
const numeric = fc.stringMatching(/^[0-9]{1,3}$/);

describe('engineVersionMatches', () => {
  it.each([
    ['7.1', '7.1.0', true],
    ['6.2', '6.2.6', true],
    ['8.0', '8.0.1', true],
    ['7.1', '7.1', true],
    ['7.1.2', '7.1.2', true],
    ['7.1', '7.10', false],
    ['7.1', '7.10.0', false],
    ['1.2', '1.20', false],
    ['1.2', '1.20.1', false],
    ['7.1', '7.1.0.1', false],
    ['7.1', '7.1.x', false],
    ['7.1', '7.1.', false],
    ['7.1', '7.1.0-rc1', false],
    ['7.1', '7.11', false],
    ['7.1', '17.1.0', false],
    ['7.1.0', '7.1.1', false],
    ['7.1.0', '7.1', false],
    ['6.x', '6.2.6', false],
    ['7.1', '7.0.7', false],
  ])('requested %j, live %j: %s', (requested, live, expected) => {
    expect(engineVersionMatches(requested, live)).toBe(expected);
  });

  it('a version always matches itself', () => {
    fc.assert(
      fc.property(fc.string(), (v) => engineVersionMatches(v, v)),
      { seed: SEED },
    );
  });

  it('MAJOR.MINOR matches MAJOR.MINOR.PATCH for every numeric patch', () => {
    fc.assert(
      fc.property(part, part, numeric, (major, minor, patch) => engineVersionMatches(`${major}.${minor}`, `${major}.${minor}.${patch}`)),
      { seed: SEED },
    );
  });

  it('a requested version never matches a live one that extends a part without a dot (7.1 vs 7.10, 7.10.x)', () => {
    fc.assert(
      fc.property(part, part, fc.stringMatching(/^[0-9]{1,2}$/), fc.option(numeric, { nil: undefined }), (major, minor, more, patch) => {
        const live = `${major}.${minor}${more}${patch === undefined ? '' : `.${patch}`}`;
        return !engineVersionMatches(`${major}.${minor}`, live);
      }),
      { seed: SEED },
    );
  });

  it('never matches when the major or minor part differs as a string', () => {
    fc.assert(
      fc.property(numeric, numeric, numeric, numeric, numeric, (major, minor, otherMajor, otherMinor, patch) => {
        fc.pre(major !== otherMajor || minor !== otherMinor);
        return !engineVersionMatches(`${major}.${minor}`, `${otherMajor}.${otherMinor}.${patch}`) && !engineVersionMatches(`${major}.${minor}`, `${otherMajor}.${otherMinor}`);
      }),
      { seed: SEED },
    );
  });

  it('a requested three-part version matches only itself', () => {
    fc.assert(
      fc.property(part, part, numeric, fc.string({ maxLength: 12 }), (major, minor, patch, live) => {
        const requested = `${major}.${minor}.${patch}`;
        return engineVersionMatches(requested, live) === (live === requested);
      }),
      { seed: SEED },
    );
  });

  it('a live version that is not exactly the requested one plus ".<digits>" never matches a two-part request', () => {
    fc.assert(
      fc.property(part, part, fc.string({ maxLength: 12 }), (major, minor, live) => {
        const requested = `${major}.${minor}`;
        const patchOf = live.startsWith(`${requested}.`) ? live.slice(requested.length + 1) : undefined;
        const expected = live === requested || (patchOf !== undefined && /^[0-9]+$/.test(patchOf));
        return engineVersionMatches(requested, live) === expected;
      }),
      { seed: SEED },
    );
  });
});

describe('describeEngineVersionRule', () => {
  it('names the patch only where one is accepted', () => {
    expect(describeEngineVersionRule('7.1')).toBe('"7.1" or "7.1.N"');
    expect(describeEngineVersionRule('7.1.2')).toBe('"7.1.2" exactly');
    expect(describeEngineVersionRule('6.x')).toBe('"6.x" exactly');
  });
});

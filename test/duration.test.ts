import { describe, expect, it } from 'vitest';
import { formatDuration, isOffset, isWorldDuration, parseDuration, parseOffset, parseWorldDuration } from '../src/duration.js';

// One notation, two dialects: a plan's durations are whole numbers with white space around allowed; a
// world file's may be decimals, with nothing around, and its event times may be negative (history).

describe('plan durations', () => {
  it('read whole numbers of each unit, summed, with white space around', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration(' 15m ')).toBe(900_000);
  });

  it('refuse bare numbers, decimals, negatives, inner spaces and unknown units', () => {
    for (const text of ['15', '1.5h', '-5s', '1h 30m', '15M', 'ms', '']) expect(parseDuration(text), text).toBeUndefined();
  });
});

describe('world-file durations', () => {
  it('also read decimals, rounded to whole milliseconds', () => {
    expect(parseWorldDuration('1.5s')).toBe(1_500);
    expect(parseWorldDuration('0.0015s')).toBe(2);
    expect(parseWorldDuration('1h30m')).toBe(5_400_000);
    expect(isWorldDuration('0.5m')).toBe(true);
  });

  it('refuse white space around, and anything without a unit, with a RangeError', () => {
    expect(isWorldDuration(' 90s')).toBe(false);
    expect(() => parseWorldDuration('90')).toThrow(RangeError);
    expect(() => parseWorldDuration(' 90s')).toThrow(/not a duration: " 90s"/);
  });

  it('take offsets before the run start as negative times', () => {
    expect(parseOffset('-5m')).toBe(-300_000);
    expect(parseOffset('90s')).toBe(90_000);
    expect(isOffset('-1.5s')).toBe(true);
    expect(isOffset('--5m')).toBe(false);
  });
});

describe('formatDuration', () => {
  it('writes hours, minutes and seconds, or milliseconds when not whole seconds', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-300_000)).toBe('-5m');
  });

  it('writes what both dialects read back', () => {
    for (const ms of [0, 1, 999, 1_000, 61_500, 3_600_000, 5_400_000, 90_061_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
      expect(parseOffset(formatDuration(ms))).toBe(ms);
      if (ms > 0) expect(parseOffset(formatDuration(-ms))).toBe(-ms);
    }
  });
});

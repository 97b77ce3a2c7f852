import { describe, expect, it } from 'vitest';
import { check, percent } from '../../src/run/checks.js';

// A check as the machines and the journal record it.

describe('check', () => {
  it('a passing check carries no message, even when given one', () => {
    expect(check('verify.memory', true, '42%', '<= 80%', 'memory too high')).toEqual({ name: 'verify.memory', ok: true, observed: '42%', threshold: '<= 80%' });
  });

  it('a failing check carries its message', () => {
    expect(check('verify.memory', false, '91%', '<= 80%', 'memory too high')).toEqual({ name: 'verify.memory', ok: false, observed: '91%', threshold: '<= 80%', message: 'memory too high' });
  });

  it('leaves out a threshold or message it was not given (no undefined keys in the journal)', () => {
    const failed = check('canary', false, '2 of 5 failed');
    expect(failed).toEqual({ name: 'canary', ok: false, observed: '2 of 5 failed' });
    expect(Object.keys(failed)).toEqual(['name', 'ok', 'observed']);
    expect(Object.keys(check('canary', false, 'x', undefined, ''))).toEqual(['name', 'ok', 'observed']);
    // An empty threshold is still one.
    expect(check('canary', true, 'x', '')).toHaveProperty('threshold', '');
  });
});

describe('percent', () => {
  it('one decimal, rounded; no reading says so', () => {
    expect(percent(42)).toBe('42%');
    expect(percent(42.25)).toBe('42.3%');
    expect(percent(42.24)).toBe('42.2%');
    expect(percent(0)).toBe('0%');
    expect(percent(undefined)).toBe('no datapoint');
  });
});

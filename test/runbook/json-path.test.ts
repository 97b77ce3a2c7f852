import { describe, expect, it } from 'vitest';
import { getJsonPath } from '../../src/runbook/json-path.js';

describe('getJsonPath', () => {
  it('walks objects and arrays', () => {
    const doc = { a: { b: [{ c: 0 }, { c: false }] } };
    expect(getJsonPath(doc, 'a.b.1.c')).toEqual({ found: true, value: false });
    expect(getJsonPath(doc, 'a.b.2.c')).toEqual({ found: false });
    expect(getJsonPath(doc, 'a.x')).toEqual({ found: false });
    expect(getJsonPath(doc, 'a.b.length')).toEqual({ found: false });
    expect(getJsonPath({ toString: 1 }, 'constructor')).toEqual({ found: false });
  });
});

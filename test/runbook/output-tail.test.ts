import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../src/runbook/output-tail.js';

describe('OutputTail', () => {
  it('keeps the last bytes and says when it dropped some', () => {
    const tail = new OutputTail(8);
    tail.push(Buffer.from('abcdef'));
    expect(tail.truncated).toBe(false);
    tail.push(Buffer.from('ghijkl'));
    tail.push(Buffer.from('mn'));
    expect(tail.text()).toBe('ghijklmn');
    expect(tail.truncated).toBe(true);
    expect(tail.totalBytes).toBe(14);
  });
});

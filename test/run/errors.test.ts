import { describe, expect, it } from 'vitest';
import { QuiesceError } from '../../src/errors.js';
import { LockHeldError } from '../../src/run/errors.js';

// The engine's errors the CLI and the Lambda tell apart (exit 4 for a held lock; their names are checked
// with every other error's in test/error-names.test.ts).

describe('LockHeldError', () => {
  it('names the listener, the run holding it, its owner and when its lease ends, and keeps the holder for the caller', () => {
    const holder = { runId: 'run-7', owner: 'alice@host-1', expiresAt: Date.UTC(2026, 0, 6, 9, 30) };
    const err = new LockHeldError(holder, 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments/abc/def');
    expect(err.message).toBe('another run holds the lock on arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments/abc/def: run run-7 (alice@host-1), lease until 2026-01-06T09:30:00.000Z');
    expect(err.holder).toBe(holder);
    expect(err).toBeInstanceOf(QuiesceError);
  });
});

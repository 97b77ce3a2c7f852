import { describe, expect, it } from 'vitest';
import { backoffMs, newFirstContact, withRetryBudget } from '../../src/aws/retry-budget.js';
import { AwsCallError, AwsUnreachableError, BudgetExhaustedError, ConfigError } from '../../src/errors.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { awsServiceError, networkError } from '../helpers/aws-fixtures.js';

const T0 = 1_800_000_000_000;
const options = {
  service: 'ELBv2',
  operation: 'DescribeRules',
  resource: 'arn:listener',
  budgetMs: 10_000,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  random: () => 0,
};

describe('withRetryBudget', () => {
  it('retries a transient failure and returns the eventual result', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    let calls = 0;
    const result = await withRetryBudget(clock, options, async () => {
      calls += 1;
      if (calls < 3) throw networkError('ECONNRESET', 1);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('backs off exponentially with a cap, throttles from a larger base, and sleeps on the clock', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    await withRetryBudget(clock, options, async () => {
      throw awsServiceError({ name: 'Throttling', Code: 'Throttling', status: 400 });
    }).catch(() => undefined);
    // Throttled base = 5 x 100; equal jitter with random 0 gives half of each capped step; the last sleep is cut to the budget.
    expect(clock.sleeps).toEqual([250, 500, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 250]);
    expect(clock.now() - T0).toBe(10_000);
  });

  it('does not move until the virtual clock does', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    const run = withRetryBudget(clock, options, async () => {
      calls += 1;
      if (calls === 1) throw networkError('ETIMEDOUT', 1);
      return calls;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(1);
    expect(clock.pendingSleeps).toBe(1);
    clock.advance(50);
    await expect(run).resolves.toBe(2);
  });

  it('throws a fatal error at once, translated with its cause', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    const cause = awsServiceError({ name: 'ValidationError', Code: 'ValidationError', status: 400, message: 'bad\ninput' });
    const err = await withRetryBudget(clock, options, async () => {
      throw cause;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).not.toBeInstanceOf(BudgetExhaustedError);
    expect((err as AwsCallError).cause).toBe(cause);
    expect((err as AwsCallError).message).toBe('ELBv2 DescribeRules on arn:listener failed: ValidationError (fatal, 1 attempt): bad input');
    expect(clock.sleeps).toEqual([]);
  });

  it('turns a credentials failure into a ConfigError', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    const cause = Object.assign(new Error('Token is expired. To refresh this SSO session run aws sso login'), { name: 'CredentialsProviderError' });
    const err = await withRetryBudget(clock, options, async () => {
      throw cause;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'AWS credentials could not be loaded for ELBv2 DescribeRules on arn:listener: Token is expired. To refresh this SSO session run aws sso login',
    );
  });

  it('logs each retry with code and delay', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    const log = captureLogger();
    let calls = 0;
    await withRetryBudget(clock, { ...options, logger: log.logger }, async () => {
      calls += 1;
      if (calls === 1) throw awsServiceError({ name: 'Throttling', Code: 'Throttling', status: 400 });
      return null;
    });
    const line = JSON.parse(log.lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, code: 'Throttling', classification: 'throttled', delayMs: 250, msg: 'retrying ELBv2 DescribeRules after Throttling' });
  });

  it('masks a secret an AWS validation message echoes back', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    const err = (await withRetryBudget(clock, options, async () => {
      throw awsServiceError({
        name: 'InvalidParameterValue',
        Code: 'InvalidParameterValue',
        status: 400,
        message: "1 validation error detected: Value 'hunter2-token' at 'authToken' failed to satisfy constraint",
      });
    }).catch((e: unknown) => e)) as AwsCallError;
    expect(err.message).not.toContain('hunter2-token');
    expect(err.message).toContain("Value '[REDACTED]' at 'authToken'");
  });
});

describe('first contact: AWS that cannot be reached at all fails in seconds, not after the budget', () => {
  it.each([
    ['ENOTFOUND', 'the endpoint name does not resolve'],
    ['ECONNREFUSED', 'the connection was refused'],
    ['ETIMEDOUT', 'the connection timed out'],
  ])('%s before AWS ever answered: one attempt, one line naming why, and that nothing changed', async (code, why) => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    let calls = 0;
    const err = await withRetryBudget(clock, { ...options, firstContact: newFirstContact() }, async () => {
      calls += 1;
      throw networkError(code, 3);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsUnreachableError);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect((err as Error).message).toMatch(new RegExp(`^cannot reach AWS: ELBv2 DescribeRules on arn:listener: ${why} \\(${code}, 3 attempts.*\\); nothing was changed: check the network, a proxy, AWS_ENDPOINT_URL and the region$`));
    expect((err as Error).message).not.toContain('\n');
  });

  it('once AWS has answered, the same failure is a blip and is retried within the budget', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    const firstContact = newFirstContact();
    await withRetryBudget(clock, { ...options, firstContact }, async () => 'answered');
    let calls = 0;
    const result = await withRetryBudget(clock, { ...options, firstContact }, async () => {
      calls += 1;
      if (calls < 3) throw networkError('ENOTFOUND', 1);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('a service error is an answer too: AWS is reachable', async () => {
    const clock = new ManualClock(T0, { autoAdvance: true });
    const firstContact = newFirstContact();
    await expect(withRetryBudget(clock, { ...options, firstContact }, async () => {
      throw awsServiceError({ name: 'ValidationError', Code: 'ValidationError', status: 400 });
    })).rejects.toBeInstanceOf(AwsCallError);
    expect(firstContact.answered).toBe(true);
  });
});

describe('backoffMs', () => {
  it('stays within [step/2, step] and never below 1 ms', () => {
    const budget = { budgetMs: 1, baseDelayMs: 1, maxDelayMs: 1 };
    expect(backoffMs(0, 'transient', { ...budget, random: () => 0 })).toBe(1);
    expect(backoffMs(3, 'transient', { budgetMs: 1, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.999999 })).toBe(800);
    expect(backoffMs(40, 'transient', { budgetMs: 1, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 })).toBe(7500);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, tempStateDir } from './cli-harness.js';

// AWS out of reach (a name that does not resolve, a connection refused): one line, exit 1 ("failed with
// every cluster left safe": nothing was changed), within seconds, never a stack trace nor two silent
// minutes of retries. AWS_ENDPOINT_URL points every client at the broken endpoint, as a proxy or a
// wrong endpoint setting would.

beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const CASES = [
  ['a name that does not resolve', 'http://quiesce-test.invalid', 'the endpoint name does not resolve (ENOTFOUND'],
  ['a connection refused', 'http://127.0.0.1:1', 'the connection was refused (ECONNREFUSED'],
] as const;

describe('AWS out of reach', () => {
  it.each(CASES)('plan, %s: one line on stderr, exit 1, within seconds', async (_what, endpoint, why) => {
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    const started = Date.now();
    const r = await runCli(['plan', 'examples/payments.plan.yaml']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`quiesce: cannot reach AWS: ELBv2 DescribeListeners on arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments/`);
    expect(r.stderr).toContain(why);
    expect(r.stderr).toContain('nothing was changed');
  });

  it.each(CASES)('run, %s: the run ends before it starts (exit 1), says why, and holds no lock', async (_what, endpoint, why) => {
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    const stateDir = tempStateDir();
    const started = Date.now();
    const r = await runCli(['run', 'examples/payments.plan.yaml', '--state-dir', stateDir, '--run-id', 'r-net', '--json']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.json.reason).toContain('cannot reach AWS');
    expect(r.json.reason).toContain(why);
    // Nothing is held: a sandbox rehearsal of the same listener can take the lock at once.
    const next = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', '--state-dir', stateDir, '--run-id', 'r-after', '--json']);
    expect(next.code, next.stderr).toBe(0);
  });
});

describe('bad input', () => {
  it('validate of a directory: one line, exit 2', async () => {
    const r = await runCli(['validate', 'examples']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^quiesce: .*examples: is a directory; give the plan file \(plan\.yaml or plan\.json\)\n$/);
  });
});

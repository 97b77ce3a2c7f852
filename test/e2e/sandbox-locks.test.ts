import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFileStore } from '../../src/store/file-store.js';
import { runCli, tempStateDir } from './cli-harness.js';

// A rehearsal acts on the listener of its own sandbox world, so its lock is that world's: a paused
// rehearsal does not block the next rehearsal of another plan on the same listener for a week, nor a run
// against AWS. A run refused its lock says, in status, what it did: nothing.

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments/50dc6c495c0c9188/f2f7dc8efc522ab2';
const SEED = 'examples/seeds/003-manual-weight';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('sandbox locks belong to their world', () => {
  it('a paused rehearsal does not block another plan rehearsed on the same listener', async () => {
    const stateDir = tempStateDir();
    const paused = await runCli(['run', `${SEED}.plan.yaml`, '--sandbox', `${SEED}.world.yaml`, '--state-dir', stateDir, '--run-id', 'r-paused']);
    expect(paused.code, paused.stderr).toBe(3);
    const other = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', '--state-dir', stateDir, '--run-id', 'r-other', '--json']);
    expect(other.code, other.stderr).toBe(0);
    // Its world's listener is still its own: nobody else can take it.
    const store = createFileStore(`${stateDir}`);
    const held = await store.acquireLock(`sandbox:r-paused:${LISTENER}`, 'r-intruder', 'someone-else', 60_000, Date.now());
    expect(held.acquired).toBe(false);
  });

  it('a run refused the listener (exit 4) says in status that it changed nothing; a rehearsal still proceeds', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-secret');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const stateDir = tempStateDir();
    // Another process drives a run against AWS on this listener.
    const taken = await createFileStore(stateDir).acquireLock(LISTENER, 'r-aws-elsewhere', '4242@elsewhere', 600_000, Date.now());
    expect(taken.acquired).toBe(true);

    const refused = await runCli(['run', 'examples/payments.plan.yaml', '--state-dir', stateDir, '--run-id', 'r-refused']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^quiesce: another run holds the lock on arn:.*: run r-aws-elsewhere \(4242@elsewhere\)/m);
    const status = await runCli(['status', 'r-refused', '--state-dir', stateDir]);
    expect(status.stdout.split('\n')[0]).toMatch(/^run r-refused \(payments-core\): aborted \(refused, nothing was changed: another run holds the lock on .*: run r-aws-elsewhere /);

    const rehearsal = await runCli(['run', 'examples/payments.plan.yaml', '--sandbox', '--state-dir', stateDir, '--run-id', 'r-rehearsal', '--json']);
    expect(rehearsal.code, rehearsal.stderr).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { verifyCluster } from '../../src/run/verification.js';
import { stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import { sandboxRun, takeOut, type SandboxRun } from './sandbox-context.js';

// Verification judges an engine switch on the engine AND the version of every member, as Describe reports
// them; and reads the engine after a service update too, which can change it (engine-major-version-update).

const verify = (run: SandboxRun) => verifyCluster(run.ctx, { cluster: 'blue', expectedWeight: 0, maintenanceRan: true });
const checkOf = (out: Awaited<ReturnType<typeof verifyCluster>>, name: string) => out.checks!.find((c) => c.name === name);
const toValkey = { maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0' }] };

describe('verifying an engine switch', () => {
  it('passes when every member runs valkey at the version', async () => {
    const run = await sandboxRun(toValkey, 'clusters:\n  blue: { cache: { engine: valkey, engineVersion: "8.0" } }\n');
    await takeOut(run);
    const out = await verify(run);
    expect(checkOf(out, 'verify.cache.engine')).toMatchObject({ ok: true, observed: '"valkey"', threshold: '"valkey" on every member' });
    expect(checkOf(out, 'verify.cache.engine-version')).toMatchObject({ ok: true, observed: '"8.0.1"' });
    expect(out.status).toBe('done');
  });

  it('a group settled on redis fails for good, whatever its version says', async () => {
    const run = await sandboxRun(toValkey, 'clusters:\n  blue: { cache: { engine: redis, engineVersion: "7.1" } }\n');
    await takeOut(run);
    const out = await verify(run);
    expect(out.status).toBe('failed');
    expect(checkOf(out, 'verify.cache.engine')).toMatchObject({ ok: false, observed: '"redis"' });
    expect(out.reason).toContain('verify.cache.engine: payments-blue reports "redis", requested "valkey"');
  });
});

describe('verifying after a service update', () => {
  const update = { maintenance: [{ elasticache: 'service-update', serviceUpdateName: 'elasticache-eol-001' }] };
  const world = 'elasticache:\n  serviceUpdates:\n    - { name: elasticache-eol-001, type: engine-major-version-update, upgradesTo: { engine: valkey, engineVersion: "7.2" } }\n';

  it('reads the engine every member runs, and names the change from the one recorded before the step', async () => {
    const run = await sandboxRun(update, world);
    await takeOut(run);
    await run.store.remember<StepIntent>(run.ctx.runId, stepKey('blue', 0), async () => ({ nonce: 'n', requestedAt: run.world.now(), engineBefore: 'redis 6.2.6' }));
    const out = await verify(run);
    expect(checkOf(out, 'verify.cache.engine-after-update')).toMatchObject({ ok: true, observed: 'redis 6.2.6 → redis 7.0.7', threshold: 'one engine and version on every member' });
  });

  it('members left on different engines fail the check', async () => {
    const run = await sandboxRun(update, world);
    await takeOut(run);
    run.world.state.elasticache.cacheClusters['payments-blue-002']!.engine = 'valkey';
    run.world.state.elasticache.cacheClusters['payments-blue-002']!.engineVersion = '7.2.6';
    const out = await verify(run);
    expect(checkOf(out, 'verify.cache.engine-after-update')).toMatchObject({ ok: false, observed: 'redis, valkey 7.0.7, 7.2.6' });
    expect(out.status).toBe('failed');
  });
});

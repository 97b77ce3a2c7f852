import { describe, expect, it } from 'vitest';
import { runPreflight } from '../../src/run/preflight.js';
import { sandboxRun } from './sandbox-context.js';

// What ElastiCache would refuse of a Redis OSS to Valkey switch is refused before the cluster leaves
// rotation, in one line with AWS's reason.

const toValkey = (extra: Record<string, unknown> = {}) => ({ maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0', ...extra }] });
const checkNamed = (out: Awaited<ReturnType<typeof runPreflight>>, name: string) => out.checks!.find((c) => c.name === name);
const groups = 'elasticache:\n  parameterGroups: { payments-redis7: redis7, payments-valkey7: valkey7, payments-valkey8: valkey8 }\n';

describe('preflight of an engine switch', () => {
  it('a group on its default parameter group passes: AWS switches it with engine and version alone', async () => {
    const out = await runPreflight((await sandboxRun(toValkey())).ctx, 'blue');
    expect(checkNamed(out, 'preflight.cache.engine-switch')).toMatchObject({ ok: true, observed: 'redis 7.0.7 on default.redis7 (family redis7) → valkey 8.0 (family valkey8)' });
    expect(out.passed).toBe(true);
  });

  it('a custom Redis OSS parameter group and no Valkey one in the step: refused, naming the family needed', async () => {
    const { ctx, calls } = await sandboxRun(toValkey(), `${groups}defaults:\n  cache: { parameterGroup: payments-redis7 }\n`);
    const out = await runPreflight(ctx, 'blue');
    expect(out.passed).toBe(false);
    expect(out.reason).toBe(
      'preflight.cache.engine-switch: payments-blue uses the custom parameter group payments-redis7 (family redis7): ElastiCache switches it to Valkey only with a Valkey parameter group named in the same request; set cacheParameterGroupName in the step to a valkey8 group',
    );
    expect(calls).not.toContain('ModifyReplicationGroup');
  });

  it('a parameter group of the wrong family, or one that does not exist: refused with the family valkey 8.0 needs', async () => {
    const wrong = await runPreflight((await sandboxRun(toValkey({ cacheParameterGroupName: 'payments-valkey7' }), groups)).ctx, 'blue');
    expect(wrong.reason).toBe(
      'preflight.cache.engine-switch: parameter group payments-valkey7 is of family valkey7, and valkey 8.0 needs a valkey8 group: ElastiCache would refuse it (InvalidParameterCombination)',
    );
    const missing = await runPreflight((await sandboxRun(toValkey({ cacheParameterGroupName: 'payments-valkey9' }), groups)).ctx, 'blue');
    expect(missing.reason).toBe('preflight.cache.engine-switch: parameter group payments-valkey9 does not exist (DescribeCacheParameterGroups: CacheParameterGroupNotFound); valkey 8.0 needs a valkey8 group');
    const right = await runPreflight((await sandboxRun(toValkey({ cacheParameterGroupName: 'payments-valkey8' }), `${groups}defaults:\n  cache: { parameterGroup: payments-redis7 }\n`)).ctx, 'blue');
    expect(checkNamed(right, 'preflight.cache.engine-switch')).toMatchObject({ ok: true, observed: 'redis 7.0.7 on payments-redis7 (family redis7) → valkey 8.0 on payments-valkey8 (family valkey8)' });
  });

  it('a Valkey version ElastiCache does not offer: refused, saying DescribeCacheEngineVersions lists none', async () => {
    const out = await runPreflight((await sandboxRun({ maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '9.9' }] })).ctx, 'blue');
    expect(out.reason).toBe('preflight.cache.engine-switch: ElastiCache offers no valkey 9.9 (DescribeCacheEngineVersions lists none)');
  });

  it('a group already on Valkey at the version passes with nothing to switch (a resumed or repeated run)', async () => {
    const out = await runPreflight((await sandboxRun(toValkey(), 'defaults:\n  cache: { engine: valkey, engineVersion: "8.0" }\n')).ctx, 'blue');
    expect(checkNamed(out, 'preflight.cache.engine-switch')).toMatchObject({ ok: true, observed: 'already valkey 8.0.1 on every member' });
  });
});

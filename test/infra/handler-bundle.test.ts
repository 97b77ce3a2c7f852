// What the deployed handler bundle keeps out: the structure behind its size target (docs/performance.md,
// finding 7). The size itself is measured by `npm run bench -- --only lambda`.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../scripts/bench/lambda-bundle.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the Lambda handler bundle, built as deployed (HANDLER_BUNDLING)', () => {
  let inputs: string[];

  beforeAll(async () => {
    const options = esbuildOptions(join(ROOT, 'src/lambda/handler.ts'), join(ROOT, 'dist/bundle-check/index.mjs'), false);
    const result = await build({ ...options, absWorkingDir: ROOT, write: false });
    const output = Object.values(result.metafile!.outputs).find((o) => o.entryPoint !== undefined);
    inputs = Object.entries(output!.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
  }, 60_000);

  it('is one file with the SDK clients in it', () => {
    expect(inputs.some((p) => p.startsWith('node_modules/@aws-sdk/client-elasticache/'))).toBe(true);
    expect(inputs).toContain('src/lambda/handler.ts');
  });

  it('keeps only the SDK commands quiesce calls: no aggregated client, paginator or waiter (a dynamic import() would bring them all)', () => {
    const whole = inputs.filter((p) =>
      /^node_modules\/@aws-sdk\/client-[^/]+\/dist-es\/((ElastiCache|ElasticLoadBalancingV2|CloudWatch|SecretsManager|DynamoDB|SSM|ECS)\.js|pagination\/|waiters\/)/.test(p),
    );
    expect(whole).toEqual([]);
  });

  it('has zod/mini without the classic API or any locale but English', () => {
    expect(inputs.filter((p) => p.startsWith('node_modules/zod/v4/classic/'))).toEqual([]);
    expect(inputs.filter((p) => p.startsWith('node_modules/zod/v4/locales/') && !p.endsWith('/en.js'))).toEqual([]);
  });
});

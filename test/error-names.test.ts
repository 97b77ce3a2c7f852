import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

// The Lambda bundle is minified: there a class's own name is mangled, so an error whose `name` comes from
// `this.constructor.name` (or `new.target.name`) reports "t" in logs and in the handler's answers, and a
// check on `err.name` misses it. Every exported error class sets its name explicitly; this bundles them
// minified, as the Lambda bundle is, and asks each instance its name.

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'test-artifacts', `error-names-${process.pid}`);

/** Arguments that build one instance of each class; a class missing here fails the test (add it). */
const ARGS: Record<string, unknown[]> = {
  QuiesceError: ['m'],
  AwsCallError: [{ service: 'ELBv2', operation: 'DescribeRules', resource: 'r', code: 'Throttling', classification: 'throttled', attempts: 1, awsMessage: 'm' }],
  AwsUnreachableError: [{ service: 'ELBv2', operation: 'DescribeRules', resource: 'r', code: 'ENOTFOUND', classification: 'transient', attempts: 1, awsMessage: 'm', network: 'dns' }],
  BudgetExhaustedError: [{ service: 'ELBv2', operation: 'DescribeRules', resource: 'r', code: 'Throttling', classification: 'throttled', attempts: 1, awsMessage: 'm', budgetMs: 1, elapsedMs: 1 }],
  RefusedError: ['m'],
  NotAReplicationGroupError: ['m'],
  ConfigError: ['m'],
  UnexpectedResponseError: ['m'],
  RunbookStepError: ['m'],
  SandboxUnsupportedError: ['elbv2', 'DescribeAccountLimits'],
  SandboxModelError: ['elbv2', 'DescribeRules', 'request', ['a problem']],
  WorldFileError: ['m'],
  DiagramError: ['m'],
  PlanError: ['plan.yaml', 1, 'name', 'm'],
  ProbeError: ['m'],
  AuthTokenError: ['env', 'REDIS_TOKEN', 'm'],
  RedisIoFailure: ['auth', 'm'],
  UsageError: ['m'],
  ConcurrentUpdateError: ['run-1', 1],
  RunNotFoundError: ['run-1'],
  RunExistsError: ['run-1'],
  InvalidRunIdError: ['run 1'],
  LeaseLostError: [{ key: 'k', version: 1, runId: 'run-1', owner: 'o', expiresAt: 0 }, undefined],
  StoreCorruptError: ['here', 'm'],
  StoreBusyError: ['m'],
  ItemTooLargeError: ['record', 2, 1],
  CanaryRuleError: ['m'],
  LockHeldError: [{ runId: 'run-1', owner: 'o', expiresAt: 0 }, 'arn'],
  RunStateError: ['m'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every `export class X extends Y` of src, by file. */
function exportedClasses(): Array<{ name: string; file: string }> {
  return sourceFiles(SRC).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^export class (\w+) extends \w+/gm)].map((m) => ({ name: m[1]!, file })));
}

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('error classes', () => {
  it('every exported error class names itself, also in a minified bundle', async () => {
    const classes = exportedClasses();
    mkdirSync(OUT, { recursive: true });
    const outfile = join(OUT, 'errors.mjs');
    await build({
      stdin: { contents: classes.map((c) => `export { ${c.name} } from './${relative(ROOT, c.file)}';`).join('\n'), resolveDir: ROOT, loader: 'ts' },
      outfile,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
    });
    // The bundle's imports of packages resolve from the repository's node_modules: it is written inside it.
    const bundle = (await import(pathToFileURL(outfile).href)) as Record<string, new (...args: unknown[]) => unknown>;
    const errors = classes.filter((c) => bundle[c.name]!.prototype instanceof Error);
    expect(errors.length).toBeGreaterThanOrEqual(Object.keys(ARGS).length);
    const names = errors.map(({ name }) => {
      const args = ARGS[name];
      if (!args) return `${name}: not in ARGS`;
      return (new bundle[name]!(...args) as Error).name;
    });
    expect(names).toEqual(errors.map((c) => c.name));
  });
});

// The Lambda handler bundled exactly as the CDK construct bundles it (HANDLER_BUNDLING in
// infra/constructs/run-handler.ts, translated to esbuild's API), its size, what fills it, and how long a
// fresh Node process takes to import it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { HANDLER_BUNDLING } from '../../infra/constructs/run-handler.js';

export interface BundleVariant {
  name: string;
  /** The AWS SDK comes from the Lambda runtime instead of the bundle. */
  runtimeSdk: boolean;
}

export interface BundleMeasure extends BundleVariant {
  file: string;
  bytes: number;
  mapBytes: number;
  /** Largest contributors, by package or source directory, in bytes of output. */
  top: Array<{ name: string; bytes: number }>;
}

/** HANDLER_BUNDLING as esbuild options (test/infra/handler-bundle.test.ts checks what it keeps out). */
export function esbuildOptions(entry: string, outfile: string, runtimeSdk: boolean): BuildOptions {
  const b = HANDLER_BUNDLING;
  const extra = Object.fromEntries(Object.entries(b.esbuildArgs).map(([k, v]) => [k.replace(/^--/, ''), v]));
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: b.format,
    target: b.target,
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    mainFields: [...b.mainFields],
    banner: { js: b.banner },
    external: runtimeSdk || !b.bundleAwsSDK ? ['@aws-sdk/*'] : [],
    metafile: true,
    logLevel: 'warning',
    ...(extra as Partial<BuildOptions>),
  };
}

function topContributors(metafile: Metafile, outfile: string): Array<{ name: string; bytes: number }> {
  const output = Object.entries(metafile.outputs).find(([path]) => outfile.endsWith(path) || path.endsWith('.mjs'))?.[1];
  const by = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const name = path.replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+).*/, '$1').replace(/^(src|infra|machines)\/([^/]+).*/, '$1/$2');
    by.set(name, (by.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, bytes]) => ({ name, bytes }));
}

export async function buildHandlerBundle(root: string, outDir: string, variant: BundleVariant): Promise<BundleMeasure> {
  const dir = join(outDir, variant.name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  const result = await build(esbuildOptions(join(root, 'src/lambda/handler.ts'), file, variant.runtimeSdk));
  return { ...variant, file, bytes: statSync(file).size, mapBytes: statSync(`${file}.map`).size, top: topContributors(result.metafile!, file) };
}

export interface ColdImport {
  /** `await import(bundle)` inside a fresh process, ms. */
  importMs: number[];
  /** The import plus the first invocation (an invalid event: the deployed handler builds its store and connector, then answers BadRequest without any AWS call). */
  firstInvokeMs: number[];
}

/**
 * Each sample is a new Node process (no module cache, no code cache), timing from inside it. The
 * deployed function runs with NODE_OPTIONS=--enable-source-maps, which the `sourceMaps` option mirrors.
 */
export function coldImports(file: string, samples: number, sourceMaps: boolean): ColdImport {
  const url = pathToFileURL(file).href;
  const script = [
    'const t0 = performance.now();',
    `const m = await import(${JSON.stringify(url)});`,
    'const t1 = performance.now();',
    "const r = await m.handler({ action: 'bench-cold-start' });",
    'const t2 = performance.now();',
    "if (!r?.error) throw new Error('expected a BadRequest');",
    'process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstInvokeMs: t2 - t0 }));',
  ].join('\n');
  const out: ColdImport = { importMs: [], firstInvokeMs: [] };
  for (let i = 0; i < samples; i++) {
    const child = spawnSync(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', QUIESCE_TABLE: 'bench-cold-start', AWS_REGION: 'us-east-1', LOG_LEVEL: 'silent' },
    });
    if (child.status !== 0) throw new Error(`cold import of ${file} failed: ${child.stderr}`);
    const sample = JSON.parse(child.stdout) as { importMs: number; firstInvokeMs: number };
    out.importMs.push(sample.importMs);
    out.firstInvokeMs.push(sample.firstInvokeMs);
  }
  return out;
}

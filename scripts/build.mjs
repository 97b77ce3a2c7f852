// Bundles the CLI (and the Lambda handler, when present) with esbuild. Dependencies stay external for the
// CLI except the plan parsers (below); commands are split into chunks so that `quiesce validate` need not
// load the AWS SDK (which holds only while src/cli/main.ts imports none of it statically: see
// docs/performance.md). The deployed handler is bundled by the CDK construct (HANDLER_BUNDLING in
// infra/constructs/run-handler.ts); dist/lambda is a local copy with the same output options.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

// zod and yaml are bundled into the CLI: loaded from node_modules they are some 170 files (zod's entry
// points load every locale), about half the time of `quiesce validate`.
const BUNDLED_IN_CLI = new Set(['zod', 'yaml']);
const externalExceptBundled = {
  name: 'external-except-bundled',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const parts = args.path.split('/');
      const pkg = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      return BUNDLED_IN_CLI.has(pkg) ? undefined : { path: args.path, external: true };
    });
  },
};

await build({
  entryPoints: { cli: 'src/cli/entry.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalExceptBundled],
  // yaml is CommonJS and requires Node built-ins; ESM output has no `require` of its own.
  banner: { js: "import { createRequire as __quiesceCreateRequire } from 'node:module'; const require = __quiesceCreateRequire(import.meta.url);" },
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});

if (existsSync('src/lambda/handler.ts')) {
  await build({
    entryPoints: { handler: 'src/lambda/handler.ts' },
    outdir: 'dist/lambda',
    bundle: true,
    minify: true,
    charset: 'utf8',
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    outExtension: { '.js': '.mjs' },
    // The Lambda runtime has no `require` in ESM; some dependencies still call it.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

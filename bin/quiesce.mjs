#!/usr/bin/env node
// The installed entry point: the CLI bundle built by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('quiesce: the CLI is not built yet; run `npm run build` (npm install does it for you)\n');
  process.exit(2);
}
await import(bundle.href);

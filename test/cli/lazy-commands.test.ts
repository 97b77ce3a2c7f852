import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/cli-harness.js';

// `quiesce validate` must not pay for the AWS SDK's import (docs/performance.md, finding 6): the commands
// load lazily and the built CLI bundles only zod and yaml. A resolve hook lists every module the built
// CLI (`npm test` builds it first) loads.
const RECORD_MODULES = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const urls = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.push(r.url); return r; } });
process.on('exit', () => writeFileSync(process.env.QUIESCE_TEST_MODULES, urls.join('\\n')));
`;

function modulesLoadedBy(args: string[]): string[] {
  const out = join(mkdtempSync(join(tmpdir(), 'quiesce-modules-')), 'modules.txt');
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(RECORD_MODULES)}`, join(ROOT, 'bin/quiesce.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, QUIESCE_TEST_MODULES: out },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n');
}

describe('the built CLI loads commands lazily', () => {
  it('validates a plan without loading anything from node_modules', () => {
    const loaded = modulesLoadedBy(['validate', 'examples/payments.plan.yaml']);
    expect(loaded.some((url) => url.includes('/dist/chunks/validate-'))).toBe(true);
    expect(loaded.filter((url) => url.includes('/node_modules/'))).toEqual([]);
  });

  it('loads the AWS SDK for a command that needs it (the check above can see it)', () => {
    const loaded = modulesLoadedBy(['plan', 'examples/payments.plan.yaml', '--sandbox']);
    expect(loaded.some((url) => url.includes('/node_modules/@aws-sdk/'))).toBe(true);
  });
});

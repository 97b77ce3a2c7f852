import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ROOT, runCli } from '../e2e/cli-harness.js';

// The version is package.json's, whichever it is: here a stand-in, to tell it from any written in the code.
vi.mock('../../package.json', () => ({ default: { name: 'quiesce', version: '9.8.7-test' } }));

describe('quiesce --version', () => {
  it("prints package.json's version", async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('quiesce 9.8.7-test\n');
    }
    expect((await runCli(['--help'])).stdout.split('\n')[0]).toMatch(/^quiesce 9\.8\.7-test: /);
  });

  it("prints it from the built CLI too (npm test builds it first)", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/quiesce.mjs'), '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`quiesce ${version}\n`);
  });
});

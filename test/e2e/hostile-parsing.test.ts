import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWorldFile, WorldFileError } from '../../src/sandbox/index.js';
import { installAwsCallSpy, type AwsCallSpy } from '../chaos/aws-call-spy.js';
import { removeScratchDirs, scratchDir } from '../chaos/child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../chaos/crash-sweep.js';
import { EXAMPLE_PLAN_TEXT } from '../chaos/hostile-corpus.js';
import { quiesce } from '../chaos/in-process-cli.js';
import { refusalProblems } from '../chaos/hostile-inputs.js';

// Found by the hostile inputs. Each was a crash with a stack trace, an input that could rewrite the
// user's terminal, or a typo silently accepted.

let spy: AwsCallSpy;
beforeAll(() => {
  spy = installAwsCallSpy();
});
afterAll(() => spy.uninstall());

const dir = scratchDir('quiesce-hostile-regressions-');
let n = 0;
function file(content: string): string {
  const path = join(dir, `input-${++n}.yaml`);
  writeFileSync(path, content);
  return path;
}

async function refusedWorld(content: string) {
  const calls = spy.calls.length;
  const r = await quiesce(['run', CRASH_SWEEP_FIXTURE.plan, '--sandbox', file(content), '--state-dir', dir]);
  expect(refusalProblems('run', r, calls, spy)).toEqual([]);
  return r.stderr;
}

afterAll(removeScratchDirs);

describe('hostile input, found by the campaign', () => {
  it('control characters from a plan are shown escaped, never sent to the terminal', async () => {
    const r = await quiesce(['validate', file(`"\u001b[2J\u001b]0;owned\u0007\rquiesce: fine": 1\n${EXAMPLE_PLAN_TEXT}`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown key "\\u001b[2J\\u001b]0;owned\\u0007\\u000dquiesce: fine"');
    expect(r.stderr).toMatch(/^quiesce: [^\u0000-\u0009\u000b-\u001f]*\n$/);
  });

  it('a YAML alias bomb in a world file is refused in one line (it was a crash with a stack trace)', async () => {
    const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)].join('\n');
    expect(await refusedWorld(`${bomb}\n`)).toMatch(/alias expansion is limited/);
  });

  it('an empty duration in a world file is refused (it crashed the validator: zod ran the range check on it)', async () => {
    expect(await refusedWorld('cloudwatch: { publishDelay: "" }\n')).toMatch(/cloudwatch\.publishDelay: expected a duration with a unit/);
    expect(await refusedWorld('events:\n  - { at: "", crashLoop: { cluster: blue } }\n')).toMatch(/events\[0\]\.at: expected a time/);
  });

  it('__proto__ as a cluster name or a tag is refused, not silently dropped', async () => {
    expect(() => parseWorldFile('clusters:\n  __proto__: { targets: 2 }\n', 'w.yaml')).toThrow(WorldFileError);
    expect(await refusedWorld('defaults:\n  tags: { __proto__: { polluted: "yes" } }\n')).toMatch(/"__proto__" is a forbidden key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an event window that ends before it starts in the past is refused', () => {
    expect(() => parseWorldFile('events:\n  - { from: "-5m", to: "-10m", crashLoop: { cluster: blue } }\n', 'w.yaml')).toThrow(/"to" must be after "from"/);
  });

  it('a mapping used as a key is refused in one line, without a process warning on stderr', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const plan = await quiesce(['validate', file(`? { cluster: green }\n: 1\n${EXAMPLE_PLAN_TEXT}`)]);
      expect(plan.code).toBe(2);
      expect(plan.stderr).toMatch(/keys must be plain names/);
      expect(await refusedWorld('? { cluster: green }\n: 1\n')).toMatch(/keys must be plain names/);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});

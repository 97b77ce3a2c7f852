import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePlan } from '../infra/fixtures.js';
import { installAwsCallSpy, type AwsCallSpy } from './aws-call-spy.js';
import { scratchDir, spawnQuiesce, removeScratchDirs } from './child-cli.js';
import { nastyEvents, nastyPlans, nastyWorlds } from './hostile-corpus.js';
import { HOSTILE_SEED, fuzzHostileInputs } from './hostile-fuzz.js';
import { feedEvent, feedPlan, feedWorld, hostileContext, hostileHandler, newHostileTally } from './hostile-inputs.js';

// Issue 8.3 inside `npm test`: the whole hand-written corpus, and a fixed-seed sample of generated
// inputs; `npm run chaos` feeds 100,000 (docs/reliability.md). Every input: no crash, no stack trace,
// exit 2 (or a BadRequest result) in one line, zero AWS calls.

let spy: AwsCallSpy;
beforeAll(() => {
  spy = installAwsCallSpy();
});
afterAll(() => spy.uninstall());

afterAll(removeScratchDirs);

describe('hostile inputs', () => {
  it('the hand-written corpus: plans, world files and Lambda events', async () => {
    const tally = newHostileTally();
    const ctx = hostileContext(scratchDir('quiesce-hostile-'), spy);
    for (const nasty of nastyPlans()) await feedPlan(ctx, tally, nasty.content);
    for (const nasty of nastyWorlds()) await feedWorld(ctx, tally, nasty.content);
    const { handler, connects } = hostileHandler();
    for (const nasty of nastyEvents(examplePlan().document)) await feedEvent(ctx, tally, handler, connects, nasty.event);
    expect(tally.failures).toEqual([]);
    expect(tally.plans + tally.worlds + tally.events).toBeGreaterThan(100);
    // Nothing reached Object.prototype through a __proto__ or constructor key.
    expect(Object.keys(Object.prototype)).toEqual([]);
  }, 300_000);

  it('1,500 generated inputs from a fixed seed (500 plans, 500 world files, 500 events)', async () => {
    const tally = newHostileTally();
    await fuzzHostileInputs(scratchDir('quiesce-fuzz-'), spy, tally, { plans: 500, worlds: 500, events: 500 }, HOSTILE_SEED, examplePlan().document);
    expect(tally.failures).toEqual([]);
    expect(tally.plans).toBeGreaterThanOrEqual(500);
    expect(tally.worlds).toBeGreaterThanOrEqual(500);
    expect(tally.events).toBeGreaterThanOrEqual(500);
    expect(Object.keys(Object.prototype)).toEqual([]);
  }, 300_000);

  it('the real CLI process prints one line and nothing else for the worst of the corpus', async () => {
    const dir = scratchDir('quiesce-hostile-process-');
    const worst = [...nastyPlans().filter((n) => /bomb|deep nesting, JSON|terminal|mapping|NUL bytes everywhere|garbage/.test(n.name)), { name: 'complex key', content: '? { a: 1 }\n: 1\n' }];
    for (const [i, nasty] of worst.entries()) {
      const file = join(dir, `worst-${i}.yaml`);
      writeFileSync(file, nasty.content);
      const exit = await spawnQuiesce(['validate', file]).exited;
      expect({ name: nasty.name, code: exit.code, lines: exit.stderr.split('\n').length, stdout: exit.stdout }).toEqual({ name: nasty.name, code: 2, lines: 2, stdout: '' });
    }
  }, 120_000);
});

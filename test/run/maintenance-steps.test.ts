import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { observeStep, startStep, stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import { sandboxRun, takeOut } from './sandbox-context.js';

// Runbook steps called directly: a command the process died in the middle of is never started twice,
// and the journal does not repeat secret-looking values from the plan.

describe('runbook steps across a restart', () => {
  it('a command whose process died mid-run is not run again: the step fails with why', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'quiesce-step-')), 'ran');
    const run = await sandboxRun({ maintenance: [{ command: ['node', '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`] }] });
    const { ctx, store } = run;
    await takeOut(run);
    // What a crash leaves: the intent was recorded, the result never was.
    await store.remember<StepIntent>(ctx.runId, stepKey('blue', 0), async () => ({ nonce: 'before-the-crash', requestedAt: ctx.clock.now() - 5_000 }));
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    expect(existsSync(marker)).toBe(false);
    const out = await observeStep(ctx, { cluster: 'blue', stepIndex: 0, startedAt: ctx.clock.now() });
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^the process stopped while step 1 ran \(started .*\); it may have run partly or still be running, so quiesce does not run it again: check it by hand$/);
    expect(out.checks![0]).toMatchObject({ name: 'step.1.command', ok: false, observed: 'interrupted by a restart' });
  });

  it('a command that finished before the restart keeps its recorded result and is not run again', async () => {
    const run = await sandboxRun({ maintenance: [{ command: ['node', '-e', 'process.exit(0)'] }] });
    const { ctx } = run;
    await takeOut(run);
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const runs = (await ctx.store.readJournal(ctx.runId)).filter((e) => e.message.startsWith('blue: command node'));
    expect(runs).toHaveLength(1);
    expect((await observeStep(ctx, { cluster: 'blue', stepIndex: 0, startedAt: ctx.clock.now() })).status).toBe('done');
  });

  it('journals the step with secret-looking env and header values masked', async () => {
    const { ctx } = await sandboxRun({
      maintenance: [{ command: ['node', '-e', 'process.exit(0)'], env: { API_TOKEN: 'tok-123-secret', REGION: 'eu' } }],
    });
    await startStep(ctx, { cluster: 'blue', stepIndex: 0 });
    const text = JSON.stringify(await ctx.store.readJournal(ctx.runId));
    expect(text).not.toContain('tok-123-secret');
    expect(text).toContain('"REGION":"eu"');
  });
});

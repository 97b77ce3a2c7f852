import type { ModifyReplicationGroupResult } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { observeStep, startStep, stepKey, type StepIntent } from '../../src/run/maintenance-steps.js';
import { sandboxRun, takeOut, type SandboxRun } from './sandbox-context.js';

// The switch step itself: the Modify response is never the evidence (it shows the engine before the
// change), a restart does not send the Modify again, and a switch that does not happen fails on what
// Describe shows.

const toValkey = { maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0' }] };
const observe = (run: SandboxRun) => observeStep(run.ctx, { cluster: 'blue', stepIndex: 0, startedAt: run.ctx.clock.now() });
const modifies = (run: SandboxRun) => run.world.mutations.filter((m) => m.caller === 'quiesce' && m.command === 'ModifyReplicationGroup');
const intentOf = async (run: SandboxRun) => (await run.ctx.store.recall<StepIntent>(run.ctx.runId, stepKey('blue', 0)))!;

describe('the engine switch step', () => {
  it('the Modify response shows redis; the step is done once Describe shows valkey 8.0 on every member', async () => {
    const run = await sandboxRun(toValkey);
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    const response = run.answers.find((a) => a.command === 'ModifyReplicationGroup')?.output as ModifyReplicationGroupResult;
    expect(response.ReplicationGroup?.Engine).toBe('redis');
    expect((await observe(run)).status).toBe('not-yet');
    run.clock.advanceTo((await intentOf(run)).requestedAt + 15 * 60_000);
    const done = await observe(run);
    expect(done.status).toBe('done');
    expect(done.checks!.find((c) => c.name === 'step.1.modify')!.observed).toContain('live values match the requested ones: engine="valkey", engineVersion="8.0"');
    const journal = (await run.ctx.store.readJournal(run.ctx.runId)).map((e) => e.message);
    expect(journal).toContain('blue: ElastiCache modify requested on payments-blue: redis 7.0.7 → valkey 8.0');
  });

  it('a restart while the switch runs, or after it, sends no second Modify (its parameter group goes with it)', async () => {
    const run = await sandboxRun(
      { maintenance: [{ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0', cacheParameterGroupName: 'payments-valkey8' }] },
      'elasticache:\n  parameterGroups: { payments-redis7: redis7, payments-valkey8: valkey8 }\ndefaults:\n  cache: { parameterGroup: payments-redis7 }\n',
    );
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    // The process restarts: the step is started again with the intent recorded before the crash.
    run.clock.advanceTo(run.ctx.clock.now() + 60_000);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    run.clock.advanceTo((await intentOf(run)).requestedAt + 15 * 60_000);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    expect(modifies(run)).toHaveLength(1);
    expect((await observe(run)).status).toBe('done');
  });

  it('a switch that is accepted but does not happen fails on the engine Describe shows', async () => {
    const run = await sandboxRun(toValkey, 'events:\n  - { at: "0s", engineSwitchNoop: { replicationGroupId: payments-blue } }\n');
    await takeOut(run);
    await startStep(run.ctx, { cluster: 'blue', stepIndex: 0 });
    run.clock.advanceTo((await intentOf(run)).requestedAt + 15 * 60_000);
    const out = await observe(run);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^modification settled with engine requested "valkey", live payments-blue-001="redis"/);
  });
});

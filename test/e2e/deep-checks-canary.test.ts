import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { requestAbort } from '../../src/run/engine.js';
import { createFileStore } from '../../src/store/file-store.js';
import { ROOT, runCli, runRecord, waitFor } from './cli-harness.js';
import { checksOf, finalWorld, headerRules, journalOf, planDoc, runScenario, scenario, type Scenario } from './deep-checks-harness.js';

// The HTTP canary's temporary listener rule is compensation-managed: after every run (done, held,
// aborted, and a run killed between creating the rule and deleting it, then resumed) the sandbox's
// listener has no canary rule left. The held case is in deep-checks-verify.test.ts, and a stale rule
// refusing preflight in deep-checks-preflight.test.ts.

const canaryPlan = (verify: Record<string, unknown> = {}) => planDoc({ verify: { stableFor: '1m', timeout: '15m', canary: { requests: 5 }, ...verify } });

async function canaryJournal(s: Scenario) {
  const journal = await journalOf(s);
  return {
    created: journal.filter((e) => e.kind === 'intent' && / canary rule \S+ created at priority /.test(e.message)),
    deleted: journal.filter((e) => e.kind === 'effect' && /canary rule \S+ deleted$/.test(e.message)),
  };
}

describe('the canary rule is removed after every run', () => {
  it('done: every rule created during verification was deleted in the same step', async () => {
    const s = scenario(canaryPlan());
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    const { created, deleted } = await canaryJournal(s);
    expect(created.length).toBeGreaterThan(0);
    expect(deleted.map((e) => (e.data as { ruleArn: string }).ruleArn)).toEqual(created.map((e) => (e.data as { ruleArn: string }).ruleArn));
    expect(headerRules(finalWorld(s))).toEqual([]);
  });

  it('AWS failing DeleteRule for a while: verification waits and retries the deletion before anything else', async () => {
    const s = scenario(canaryPlan(), 'events:\n  - { from: "0s", to: "8m", apiFault: { service: elbv2, operation: DeleteRule, kind: http500 } }\n');
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    const removed = (await checksOf(s, 'canary.rule-removed')).filter((c) => c.cluster === 'blue');
    expect(removed[0]).toMatchObject({ ok: false, observed: expect.stringMatching(/^delete failed: /) });
    expect(removed[0]!.message).toMatch(/^could not delete canary rule \S+ \(.*\); the next verification tries again$/);
    expect((await journalOf(s)).some((e) => e.kind === 'effect' && /^leftover canary rule \S+ deleted$/.test(e.message))).toBe(true);
    expect(headerRules(finalWorld(s))).toEqual([]);
  });

  it('aborted during verification: the cluster returns through verification, and no rule is left', async () => {
    // A long stable window, paced in real time, so the abort lands while blue verifies.
    const s = scenario(canaryPlan({ stableFor: '10m', timeout: '20m' }));
    const running = runScenario(s, ['--speed', '300']);
    const store = createFileStore(s.stateDir);
    await waitFor('blue to be verifying', () => runRecord(s.stateDir, s.runId).clusters?.blue?.state === 'verifying');
    await requestAbort({ store }, s.runId, 'alice', 'change freeze', Date.now());
    const r = await running;
    expect(r.json.status, r.stderr).toBe('aborted');
    expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'aborted' });
    const journal = await journalOf(s);
    const takenUp = journal.findIndex((e) => e.kind === 'operator' && /^abort by alice taken up/.test(e.message));
    const verifying = journal.findIndex((e) => e.kind === 'transition' && /^blue: .* -> verifying/.test(e.message));
    const reactivating = journal.findIndex((e) => e.kind === 'transition' && /^blue: verifying\.\w+ -> reactivating/.test(e.message));
    expect(verifying).toBeLessThan(takenUp);
    expect(takenUp).toBeLessThan(reactivating);
    expect(headerRules(finalWorld(s))).toEqual([]);
  });

  it('killed between creating the rule and deleting it: resume deletes the leftover first, then finishes', async () => {
    const s = scenario(canaryPlan());
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './test/e2e/fixtures/crash-on-canary-rule.ts', 'src/cli/entry.ts', 'run', s.planPath, '--sandbox', '--json', '--state-dir', s.stateDir, '--run-id', s.runId],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    expect(exit, stderr).toEqual({ code: null, signal: 'SIGKILL' });

    // The crash left the rule on the listener, known to the journal only by the tag the intent named.
    const left = headerRules(finalWorld(s));
    expect(left).toEqual([expect.objectContaining({ values: [`quiesce-${s.runId}-blue`] })]);
    expect(finalWorld(s).state.elbv2.rules.find((r) => r.arn === left[0]!.arn)?.tags).toEqual([{ Key: 'quiesce:canary', Value: `${s.runId}/blue` }]);
    const before = await journalOf(s);
    expect(before.at(-1)).toMatchObject({
      kind: 'intent',
      message: expect.stringMatching(/^blue: create canary rule X-Quiesce-Canary: quiesce-run-deep-blue -> \S+, tagged quiesce:canary=run-deep\/blue$/),
      data: expect.objectContaining({ tag: { key: 'quiesce:canary', value: 'run-deep/blue' } }),
    });

    const r = await runCli(['resume', s.runId, '--json', '--state-dir', s.stateDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: { state: string }) => c.state)).toEqual(['done', 'done']);
    const after = (await journalOf(s)).slice(before.length);
    expect(after.some((e) => e.kind === 'effect' && e.message === `leftover canary rule ${left[0]!.arn} deleted`)).toBe(true);
    expect(headerRules(finalWorld(s))).toEqual([]);
    expect(r.json.sandbox.violations).toEqual([]);
  }, 120_000);
});

import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, describe, expect, it } from 'vitest';
import { worldPathFor } from '../../src/cli/environment.js';
import { createSandboxClients, loadWorld, saveWorld } from '../../src/sandbox/index.js';
import { removeScratchDirs, spawnQuiesce } from '../chaos/child-cli.js';
import { runCli } from './cli-harness.js';
import { journalOf, LISTENER_ARN, planDoc, runScenario, scenario, targetGroupArn, type Scenario } from './deep-checks-harness.js';

// Deregister mode: a cluster's targets come back only while its weight reads 0. Somebody raises the
// weight by hand while the run waits for an approval (or while its process is down); whichever way the
// run continues (approve, abort, resume), RegisterTargets must not put the cluster, unverified, into
// rotation: the weight is read first, and a weight above 0 is drift.

const plan = planDoc({ drain: { mode: 'deregister', minimum: '30s', timeout: '10m' }, maintenance: [{ approval: 'cache patched by hand?' }] });
const worldText = 'defaults:\n  deregistrationDelay: "20s"\n';

/** Raises blue's weight in the run's saved world, as an operator in the console would. */
async function raiseBlueByHand(s: Scenario): Promise<void> {
  const path = worldPathFor(s.stateDir, s.runId);
  const world = loadWorld(path);
  const { elbv2 } = createSandboxClients(world, { region: 'us-east-1', caller: 'operator' });
  await elbv2.send(
    new ModifyListenerCommand({
      ListenerArn: LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('blue'), Weight: 1 }, { TargetGroupArn: targetGroupArn('green'), Weight: 1 }] } }],
    }),
  );
  saveWorld(world, path);
}

const registersOf = (s: Scenario) => loadWorld(worldPathFor(s.stateDir, s.runId)).mutations.filter((m) => m.command === 'RegisterTargets' && m.caller === 'quiesce');

async function pausedForApproval(): Promise<Scenario> {
  const s = scenario(plan, worldText);
  const r = await runScenario(s);
  expect(r.code, r.stderr).toBe(3);
  expect(r.json.clusters[0].reason).toMatch(/^approval required/);
  expect(registersOf(s)).toEqual([]);
  await raiseBlueByHand(s);
  return s;
}

afterAll(removeScratchDirs);

describe('deregister mode: targets are never registered again while the weight reads above 0', () => {
  it('approve after the weight was raised by hand during the approval pause: drift pause, no RegisterTargets', async () => {
    const s = await pausedForApproval();
    const r = await runCli(['approve', s.runId, '--by', 'alice', '--json', '--state-dir', s.stateDir]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.status).toBe('paused');
    expect(r.json.clusters[0].reason).toBe('drift: payments-blue weight expected 0, live 1');
    expect(registersOf(s)).toEqual([]);
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('abort after the weight was raised by hand: the weight goes back to 0 before any RegisterTargets; held, nothing lost', async () => {
    const s = await pausedForApproval();
    const r = await runCli(['abort', s.runId, '--by', 'alice', '--json', '--state-dir', s.stateDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].state).toBe('held');
    // The sandbox's own audit: a RegisterTargets while the weight was 1 would be an unsafe reactivation.
    expect(r.json.sandbox.violations).toEqual([]);
    const world = loadWorld(worldPathFor(s.stateDir, s.runId));
    expect(world.weights()).toEqual({ blue: 0, green: 1 });
    expect(world.finalAudit()).toEqual([]);
    const ours = world.mutations.filter((m) => m.caller === 'quiesce');
    const register = ours.findIndex((m) => m.command === 'RegisterTargets');
    const lastWeightChange = ours.findLastIndex((m, i) => i < register && m.command === 'ModifyListener');
    expect(register).toBeGreaterThan(-1);
    expect(lastWeightChange).toBeGreaterThan(ours.findLastIndex((m) => m.command === 'DeregisterTargets'));
    const journal = await journalOf(s);
    expect(journal.some((e) => e.kind === 'drift' && e.message === 'blue: drift detected: payments-blue weight expected 0, live 1')).toBe(true);
  });

  it('resume of a run killed right before RegisterTargets, the weight raised by hand meanwhile: drift pause, no RegisterTargets', async () => {
    // Where to crash: right after the register intent of an undisturbed run (the sandbox is deterministic).
    const undisturbed = scenario(plan, worldText);
    expect((await runScenario(undisturbed)).code).toBe(3);
    const approved = await runCli(['approve', undisturbed.runId, '--json', '--state-dir', undisturbed.stateDir]);
    // blue goes through; the run then pauses at green's approval.
    expect(approved.code, approved.stderr).toBe(3);
    const intent = (await journalOf(undisturbed)).find((e) => e.kind === 'intent' && /register \d+ targets again/.test(e.message));
    expect(intent).toBeDefined();

    const s = scenario(plan, worldText);
    expect((await runScenario(s)).code).toBe(3);
    const child = spawnQuiesce(['approve', s.runId, '--state-dir', s.stateDir, '--json'], { QUIESCE_TEST_HOOKS: '1', QUIESCE_CRASH_AFTER_JOURNAL: String(intent!.seq) });
    const exit = await child.exited;
    expect(exit.signal, exit.stderr).toBe('SIGKILL');
    expect(registersOf(s)).toEqual([]);
    await raiseBlueByHand(s);
    const r = await runCli(['resume', s.runId, '--json', '--state-dir', s.stateDir]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.clusters[0].reason).toBe('drift: payments-blue weight expected 0, live 1');
    expect(registersOf(s)).toEqual([]);
    expect(r.json.sandbox.violations).toEqual([]);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { requestAbort } from '../../src/run/engine.js';
import { createFileStore } from '../../src/store/file-store.js';
import { runCli, runRecord, tempStateDir, waitFor, worldOf } from './cli-harness.js';
import { finalWorld, planDoc, runScenario, scenario } from './deep-checks-harness.js';

// The compute-tier examples rehearsed through the CLI against the sandbox: patching instances through SSM
// Run Command and deploying an ECS service, each with its good world and a world per failure.
async function rehearse(plan: string, world: string) {
  const stateDir = tempStateDir('quiesce-compute-');
  const r = await runCli(['run', `examples/${plan}`, '--sandbox', `examples/${world}`, '--json', '--state-dir', stateDir, '--run-id', 'compute']);
  return { r, stateDir, journal: await createFileStore(stateDir).readJournal('compute'), world: worldOf(stateDir, 'compute') };
}

describe('patch-instances: SSM Run Command on each cluster', () => {
  it('patches every cluster: one SendCommand each, to its own targets, every invocation Success; exit 0', async () => {
    const { r, world } = await rehearse('patch-instances.plan.yaml', 'patch-instances.world.yaml');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.clusters.map((c: any) => c.state)).toEqual(['done', 'done']);
    const sent = world.mutations.filter((m) => m.command === 'SendCommand');
    expect(sent.map((m) => m.caller)).toEqual(['quiesce', 'quiesce']);
    const [blue, green] = world.state.ssm.commands;
    const targets = (cluster: string) => world.state.elbv2.targetGroups[world.state.clusters.find((c) => c.name === cluster)!.targetGroupArn]!.targets.map((t) => t.id);
    expect(blue!.invocations.map((i) => i.instanceId)).toEqual(targets('blue'));
    expect(green!.invocations.map((i) => i.instanceId)).toEqual(targets('green'));
    expect(r.json.sandbox.violations).toEqual([]);
    expect(r.json.sandbox.traffic.failed).toBe(0);
  });

  it('an instance whose command fails holds its cluster out of rotation, naming the instance and its output; the next cluster is untouched', async () => {
    const { r, world } = await rehearse('patch-instances.plan.yaml', 'patch-instances-command-fails.world.yaml');
    expect(r.code, r.stderr).toBe(1);
    const first = world.state.ssm.commands[0]!.invocations[0]!.instanceId;
    expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'held' });
    expect(r.json.clusters[0].reason).toBe(`maintenance step failed: SSM AWS-RunPatchBaseline did not succeed on ${first} Failed: Failed to install package: E: Could not get lock /var/lib/dpkg/lock-frontend`);
    expect(r.json.clusters[1].state).toBe('pending');
    expect(r.json.sandbox.weights).toEqual({ blue: 0, green: 1 });
    expect(world.state.ssm.commands).toHaveLength(1);
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('an agent that never answers holds the cluster at the delivery timeout, and the rest of the command is cancelled', async () => {
    const { r, world, journal } = await rehearse('patch-instances.plan.yaml', 'patch-instances-agent-silent.world.yaml');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toMatch(/^maintenance step failed: SSM AWS-RunPatchBaseline did not succeed on i-[0-9a-f]+ Delivery Timed Out$/);
    expect(world.mutations.filter((m) => m.command === 'CancelCommand')).toHaveLength(1);
    expect(journal.some((e) => /SSM CancelCommand .*: command Cancelled/.test(e.message))).toBe(true);
    expect(r.json.sandbox.weights.blue).toBe(0);
  });
});

describe('ecs-deploy: an ECS service deployment on each cluster', () => {
  it('deploys each cluster\'s service and verifies every task runs the asked revision and image; exit 0', async () => {
    const { r, world } = await rehearse('ecs-deploy.plan.yaml', 'ecs-deploy.world.yaml');
    expect(r.code, r.stderr).toBe(0);
    expect(world.mutations.filter((m) => m.command === 'UpdateService').map((m) => m.resource)).toEqual(['payments/payments-blue', 'payments/payments-green']);
    expect(r.json.sandbox.violations).toEqual([]);
    expect(r.json.sandbox.traffic.failed).toBe(0);
  });

  it('a crash-looping deployment is failed by the circuit breaker and rolled back: the cluster is held with the reason', async () => {
    const { r, world } = await rehearse('ecs-deploy.plan.yaml', 'ecs-deploy-crash-loop.world.yaml');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toMatch(/FAILED: ECS deployment circuit breaker: tasks failed to start\.; rolled back to payments-api:19/);
    expect(r.json.clusters[1].state).toBe('pending');
    expect(world.mutations.filter((m) => m.command === 'UpdateService')).toHaveLength(1);
  });

  it('seed 001: tasks running "1.2" when "1.20" was asked fail the identity gate and hold the cluster', async () => {
    const { r } = await rehearse('ecs-deploy.plan.yaml', 'ecs-deploy-wrong-image.world.yaml');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toContain('run image "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments-api:1.2", not "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments-api:1.20"');
    expect(r.json.sandbox.weights.blue).toBe(0);
  });
});

describe('an abort during an ssm step', () => {
  it('holds the cluster out of rotation and cancels the command on its instances', async () => {
    // A long command, paced in real time, so the abort lands while blue's instances run it.
    const s = scenario(planDoc({ maintenance: [{ ssm: 'AWS-RunPatchBaseline', parameters: { Operation: ['Install'] } }] }), 'ssm: { commandDuration: "40m" }\n');
    const running = runScenario(s, ['--speed', '300']);
    await waitFor('blue to be maintaining', () => /maintaining/.test(String(runRecord(s.stateDir, s.runId).clusters?.blue?.state ?? '')));
    await requestAbort({ store: createFileStore(s.stateDir) }, s.runId, 'alice', 'change freeze', Date.now());
    const r = await running;
    expect(r.json.clusters[0], r.stderr).toMatchObject({ name: 'blue', state: 'held' });
    expect(r.json.clusters[0].reason).toMatch(/^aborted by alice during maintenance \(change freeze\); held out of rotation/);
    const world = finalWorld(s);
    expect(world.mutations.filter((m) => m.command === 'CancelCommand' && m.caller === 'quiesce')).toHaveLength(1);
    expect(world.state.ssm.commands[0]!.cancelledAt).not.toBeNull();
    expect(r.json.sandbox.weights.blue).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
  });
});

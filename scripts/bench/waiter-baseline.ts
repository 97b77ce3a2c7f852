// The baseline: the same plan, against the same world, scripted the way a user would without quiesce,
// with the AWS SDK's own waiters at their default delays (first poll at once, then 15 to 120 s, jittered,
// growing). Where the SDK has no waiter (CloudWatch request counts), the SDK's waiter engine
// (createWaiter, same defaults) polls GetMetricData with quiesce's own evidence rule, so that only the
// cadence differs. A cache call refused because the previous operation is still running is retried every
// 15 s, as a shell loop around the AWS CLI would. The script reads back nothing it did not wait for.
import { DescribeListenersCommand, DeregisterTargetsCommand, DescribeTargetHealthCommand, ModifyListenerCommand, RegisterTargetsCommand, waitUntilTargetDeregistered, waitUntilTargetInService, type Action, type TargetDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ModifyReplicationGroupCommand, TestFailoverCommand, waitUntilReplicationGroupAvailable } from '@aws-sdk/client-elasticache';
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
// The SDK's waiter engine, as used by every generated waitUntil*; a dependency of the SDK clients.
import { createWaiter, WaiterState } from '@smithy/core/client';
import { targetGroupDimensions } from '../../src/plan/arn.js';
import type { Plan } from '../../src/plan/schema.js';
import { createSandboxClients, defaultWorldFromPlan, HISTORY_MS, parseWorldFile, type SandboxWorld } from '../../src/sandbox/index.js';
import { createCallCounter, type CallCounter } from './call-counter.js';
import type { Observation } from './phases.js';
import { onVirtualTime } from './virtual-timers.js';
import { tapWorld, type TappedCall } from './world-tap.js';

const MINUTE = 60_000;

/** The hand-written script's ramp: a share of the weight, rounded up, never 0 (no rescaling of the others). */
const scriptedRampWeight = (original: number, percent: number) => Math.max(1, Math.ceil((original * percent) / 100));
/** `until aws elasticache ...; do sleep 15; done` (the AWS CLI waiters' fixed delay), up to the step's timeout. */
const REFUSED_RETRY_MS = 15_000;

export interface BaselineRun {
  world: SandboxWorld;
  tap: TappedCall[];
  calls: CallCounter;
  observations: Observation[];
  startedAt: number;
  endedAt: number;
  /** Calls the world refused because an earlier operation was still running (the script was fooled). */
  refused: Array<{ at: number; command: string; error: string }>;
  initialWeights: Record<string, number>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runWaiterBaseline(plan: Plan, worldYaml: string, seed: number): Promise<BaselineRun> {
  if (plan.fleet.ruleArn) throw new Error('the baseline scripts the listener default action only');
  const world = defaultWorldFromPlan(plan, parseWorldFile(worldYaml, 'bench-world.yaml'), 'bench-world.yaml', { historyMs: HISTORY_MS });
  const initialWeights = Object.fromEntries(plan.fleet.clusters.map((c) => [c.targetGroupArn, world.weights()[c.name] ?? 1]));
  const tap = tapWorld(world);
  const calls = createCallCounter();
  const { elbv2, elasticache, cloudwatch } = createSandboxClients(world, { region: plan.region, caller: 'baseline', configure: (client) => calls.attach(client) });
  const observations: Observation[] = [];
  const refused: BaselineRun['refused'] = [];
  const startedAt = world.now();
  const listenerArn = plan.fleet.listenerArn;

  async function setWeight(targetGroupArn: string, weight: number): Promise<number> {
    const listener = (await elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners?.[0];
    const forward = listener?.DefaultActions?.find((a) => a.Type === 'forward');
    if (!forward?.ForwardConfig?.TargetGroups) throw new Error('the listener has no forward action');
    const before = forward.ForwardConfig.TargetGroups.find((g) => g.TargetGroupArn === targetGroupArn)?.Weight ?? 0;
    if (before === weight) return before;
    const action: Action = { ...forward, ForwardConfig: { ...forward.ForwardConfig, TargetGroups: forward.ForwardConfig.TargetGroups.map((g) => (g.TargetGroupArn === targetGroupArn ? { ...g, Weight: weight } : g)) } };
    await elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [action] }));
    return before;
  }

  async function untilAccepted(command: string, timeoutMs: number, send: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await send();
        return;
      } catch (err) {
        const name = err instanceof Error ? err.name : String(err);
        if (!/InvalidReplicationGroupState|InvalidCacheClusterState/.test(name) || Date.now() + REFUSED_RETRY_MS > deadline) throw err;
        refused.push({ at: Date.now(), command, error: name });
        await sleep(REFUSED_RETRY_MS);
      }
    }
  }

  /** No SDK waiter reads CloudWatch: the SDK's waiter engine with quiesce's quiet-minutes rule. */
  async function waitForQuietMinutes(client: CloudWatchClient, targetGroupArn: string, removedAt: number): Promise<void> {
    const dims = targetGroupDimensions(targetGroupArn, listenerArn);
    const lag = world.state.settings.cloudwatch.publishDelayMs;
    const quiet = plan.drain.quietMinutes;
    const first = Math.ceil(removedAt / MINUTE) * MINUTE;
    const result = await createWaiter({ client, minDelay: 15, maxDelay: 120, maxWaitTime: plan.drain.timeout / 1000 }, { targetGroupArn }, async (c: CloudWatchClient) => {
      const usableEnd = Math.floor((Date.now() - lag) / MINUTE) * MINUTE;
      const out = await c.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'requests',
              MetricStat: {
                Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'TargetGroup', Value: dims.targetGroup }, { Name: 'LoadBalancer', Value: dims.loadBalancer }] },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
          StartTime: new Date(first),
          EndTime: new Date(Math.max(first + MINUTE, usableEnd)),
        }),
      );
      const result = out.MetricDataResults?.[0];
      const busy = (result?.Timestamps ?? []).some((t, i) => t.getTime() >= usableEnd - quiet * MINUTE && t.getTime() < usableEnd && (result?.Values?.[i] ?? 0) > 0);
      return { state: usableEnd - first >= quiet * MINUTE && !busy ? WaiterState.SUCCESS : WaiterState.RETRY, reason: out };
    });
    if (result.state !== WaiterState.SUCCESS) throw new Error(`drain of ${targetGroupArn} did not complete: ${result.state}`);
  }

  await onVirtualTime(world, seed, async () => {
    for (const spec of plan.fleet.clusters) {
      const c = spec.name;
      const tg = spec.targetGroupArn;
      const originalWeight = initialWeights[tg] ?? 1;
      const removedAt = Date.now();
      await setWeight(tg, 0);

      let targets: TargetDescription[] = [];
      if (plan.drain.mode === 'deregister') {
        targets = ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? []).map((d) => ({ Id: d.Target!.Id!, ...(d.Target?.Port ? { Port: d.Target.Port } : {}) }));
        await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
        await waitUntilTargetDeregistered({ client: elbv2, maxWaitTime: plan.drain.timeout / 1000 }, { TargetGroupArn: tg, Targets: targets });
      } else {
        await waitForQuietMinutes(cloudwatch, tg, removedAt);
      }
      if (Date.now() < removedAt + plan.drain.minimum) await sleep(removedAt + plan.drain.minimum - Date.now());
      observations.push({ cluster: c, phase: 'drain', startedAt: removedAt, noticedAt: Date.now() });

      const rg = spec.cache?.replicationGroupId;
      for (const step of plan.maintenance) {
        if (!rg || !('elasticache' in step)) continue;
        if (step.elasticache === 'failover') {
          if (step.method !== 'test-failover') throw new Error('the baseline scripts TestFailover only');
          await untilAccepted('TestFailover', step.timeout, () => elasticache.send(new TestFailoverCommand({ ReplicationGroupId: rg, NodeGroupId: step.nodeGroupId })));
          const at = lastCall(tap, 'TestFailover');
          await waitUntilReplicationGroupAvailable({ client: elasticache, maxWaitTime: step.timeout / 1000 }, { ReplicationGroupId: rg });
          observations.push({ cluster: c, phase: 'cache failover', startedAt: at, noticedAt: Date.now() });
        } else if (step.elasticache === 'modify') {
          await untilAccepted('ModifyReplicationGroup', step.timeout, () =>
            elasticache.send(
              new ModifyReplicationGroupCommand({
                ReplicationGroupId: rg,
                ApplyImmediately: true,
                ...(step.engineVersion ? { EngineVersion: step.engineVersion } : {}),
                ...(step.cacheNodeType ? { CacheNodeType: step.cacheNodeType } : {}),
                ...(step.cacheParameterGroupName ? { CacheParameterGroupName: step.cacheParameterGroupName } : {}),
              }),
            ),
          );
          const at = lastCall(tap, 'ModifyReplicationGroup');
          await waitUntilReplicationGroupAvailable({ client: elasticache, maxWaitTime: step.timeout / 1000 }, { ReplicationGroupId: rg });
          observations.push({ cluster: c, phase: 'cache modify', startedAt: at, noticedAt: Date.now() });
        } else {
          throw new Error(`the baseline does not script elasticache ${step.elasticache}`);
        }
      }

      if (targets.length) {
        const at = Date.now();
        await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: targets }));
        await waitUntilTargetInService({ client: elbv2, maxWaitTime: plan.verify.timeout / 1000 }, { TargetGroupArn: tg, Targets: targets });
        observations.push({ cluster: c, phase: 'targets healthy', startedAt: at, noticedAt: Date.now() });
      }

      // The plan's stability window, slept rather than observed.
      const verifyFrom = Date.now();
      await sleep(plan.verify.stableFor);
      observations.push({ cluster: c, phase: 'verification window', startedAt: verifyFrom, noticedAt: Date.now() });

      for (const percent of plan.reactivate.ramp) {
        const setAt = Date.now();
        await setWeight(tg, scriptedRampWeight(originalWeight, percent));
        await sleep(plan.reactivate.hold);
        observations.push({ cluster: c, phase: 'ramp hold', startedAt: setAt, noticedAt: Date.now() });
      }
    }
  });
  for (const client of [elbv2, elasticache, cloudwatch]) client.destroy();
  return { world, tap, calls, observations, startedAt, endedAt: world.now(), refused, initialWeights };
}

function lastCall(tap: TappedCall[], command: string): number {
  const call = [...tap].reverse().find((t) => t.command === command && t.ok);
  if (!call) throw new Error(`no accepted ${command}`);
  return call.at;
}

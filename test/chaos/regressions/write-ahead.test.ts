import { resolve } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../../src/plan/load.js';
import { sandboxConnector } from '../../../src/connect/index.js';
import { createRun, driveRun, type Connection } from '../../../src/run/engine.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';
import type { RunRecord, RunStore } from '../../../src/store/run-store.js';
import { ROOT, scratchDir, removeScratchDirs } from '../child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../crash-sweep.js';

// Found by the crash sweep: effects started before the state that invoked them was saved. Killed right
// after "green: weight 1 -> 0", the run came back with green still in preflight, and its drift check took
// quiesce's own change for a hand-made one (paused, exit 3). Every change to AWS must now find the run
// record already saying which phase makes it.

const PHASE_OF: Record<string, string> = { remove: 'removing', ramp: 'reactivating', deregister: 'confirming', register: 'restoringTargets' };

afterAll(removeScratchDirs);

describe('write-ahead: the run record names the phase before the phase touches AWS', () => {
  it('every weight change and (de)registration happens after a save that shows its cluster in the phase making it', async () => {
    const plan = loadPlanFile(resolve(ROOT, CRASH_SWEEP_FIXTURE.plan));
    const memory = createMemoryStore();
    let saved: RunRecord | undefined;
    const store: RunStore = {
      ...memory,
      async saveRun(record, expected) {
        saved = await memory.saveRun(record, expected);
        return saved;
      },
    };
    const seen: Array<{ call: string; cluster: string; saved: string | undefined; expected: string }> = [];
    const clusterOf = (arn: string) => plan.fleet.clusters.find((c) => c.targetGroupArn === arn)!.name;
    const note = (call: string, arn: string) => {
      const cluster = clusterOf(arn);
      seen.push({ call, cluster, saved: (saved?.clusters as Record<string, { state: string }> | undefined)?.[cluster]?.state, expected: PHASE_OF[call]! });
    };
    const logger = pino({ level: 'silent' });
    const dir = scratchDir('quiesce-write-ahead-');
    const sandbox = sandboxConnector({ logger, worldPath: () => `${dir}/world.json` });
    const connect = async (record: RunRecord): Promise<Connection> => {
      const conn = await sandbox(record);
      const traffic = conn.traffic;
      return {
        ...conn,
        traffic: {
          ...traffic,
          setWeight: (location, arn, weight, guard) => {
            note(weight === 0 ? 'remove' : 'ramp', arn);
            return traffic.setWeight(location, arn, weight, guard);
          },
          // A weight change is noted when it is planned: under the listener's lock, right before the write.
          setWeights: (location, arn, plan) =>
            traffic.setWeights(location, arn, async (live) => {
              const weights = await plan(live);
              note(weights[arn] === 0 ? 'remove' : 'ramp', arn);
              return weights;
            }),
          deregisterTargets: (arn, targets) => {
            note('deregister', arn);
            return traffic.deregisterTargets(arn, targets);
          },
          registerTargets: (arn, targets) => {
            note('register', arn);
            return traffic.registerTargets(arn, targets);
          },
          readForwardConfig: (l) => traffic.readForwardConfig(l),
          verifyWeight: (l, arn, w) => traffic.verifyWeight(l, arn, w),
          listTargets: (arn) => traffic.listTargets(arn),
          describeTargetHealth: (arn, t) => traffic.describeTargetHealth(arn, t),
          describeTargetGroup: (arn) => traffic.describeTargetGroup(arn),
          loadBalancerDnsName: (l) => traffic.loadBalancerDnsName(l),
          createCanaryRule: (l, spec) => traffic.createCanaryRule(l, spec),
          deleteCanaryRule: (arn) => traffic.deleteCanaryRule(arn),
          readRules: (l) => traffic.readRules(l),
        },
      };
    };
    await createRun({ store }, { runId: 'write-ahead', plan, target: { kind: 'sandbox', worldFile: resolve(ROOT, CRASH_SWEEP_FIXTURE.world) }, now: 0 });
    const result = await driveRun({ store, logger, connect, owner: 'test' }, 'write-ahead', { until: 'end' });
    expect(result.status).toBe('done');
    expect(seen.length).toBeGreaterThanOrEqual(12);
    expect(seen.filter((s) => s.saved !== s.expected)).toEqual([]);
  });
});

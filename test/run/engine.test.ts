import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { FLEET_CACHE_DEFAULTS, fleetPlan as fleet } from '../../scripts/bench/plans.js';
import type { Plan } from '../../src/plan/schema.js';
import { connectToWorld, sandboxReport } from '../../src/connect/sandbox.js';
import { createRun, driveRun, requestAbort, type Connection, type DriveOptions, type DriveResult, type EngineDeps } from '../../src/run/engine.js';
import { defaultWorldFromPlan, HISTORY_MS, loadWorld, parseWorldFile } from '../../src/sandbox/index.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { RunRecord, RunStore, SaveHint } from '../../src/store/run-store.js';
import { removeScratchDirs, ROOT, scratchDir } from '../chaos/child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../chaos/crash-sweep.js';
import { quiesce } from '../chaos/in-process-cli.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { sandboxConnector } from '../../src/connect/index.js';

// The engine's own behaviour on the sandbox: the same plan and world give the same virtual timeline,
// writes are grouped, saves name the clusters that moved, and `wait` mode keeps to its deadline.

const logger = pino({ level: 'silent' });

interface Counted {
  store: RunStore;
  appends: number;
  saves: number;
  hints: Array<SaveHint | undefined>;
}

/** A memory store that counts its writes (wrapping every method, so the hint reaches the store). */
function counted(): Counted {
  const memory = createMemoryStore();
  const out: Counted = { store: memory, appends: 0, saves: 0, hints: [] };
  out.store = {
    ...memory,
    appendJournal: async (runId, entries) => {
      out.appends++;
      return memory.appendJournal(runId, entries);
    },
    saveRun: async (record: RunRecord, expected: number, hint?: SaveHint) => {
      out.saves++;
      out.hints.push(hint);
      return memory.saveRun(record, expected, hint);
    },
  };
  return out;
}

interface Hooks {
  /** Called with the store and each progress view (at the loop's quiet points: a point of the run itself). */
  onProgress?: (store: RunStore, view: { now: number; status: string }) => void;
}

async function rehearse(plan: Plan, options: () => DriveOptions = () => ({ until: 'end' }), hooks: Hooks = {}) {
  const counts = counted();
  const store = counts.store;
  const world = defaultWorldFromPlan(plan, parseWorldFile(`defaults: { targets: 5, ${FLEET_CACHE_DEFAULTS} }\n`, 'world.yaml'), 'world.yaml', { historyMs: HISTORY_MS });
  const startedAt = world.now();
  const connection = { ...connectToWorld(world, plan, logger), sandboxReport: (final: boolean) => sandboxReport(world, final) };
  const onProgress = hooks.onProgress;
  const deps: EngineDeps = { store, logger, connect: async () => connection, owner: 'test', ...(onProgress ? { onProgress: (view) => onProgress(store, view) } : {}) };
  await createRun({ store }, { runId: 'run-1', plan, target: { kind: 'sandbox' }, now: 0 });
  const results: DriveResult[] = [];
  /** Virtual time each call waited through itself (after moving to where the previous call asked to resume). */
  const spans: number[] = [];
  for (;;) {
    const from = Math.max(world.now(), (await store.loadRun('run-1'))?.resumeAt ?? 0);
    const result = await driveRun(deps, 'run-1', options());
    results.push(result);
    spans.push(world.now() - from);
    if (result.status !== 'running') break;
  }
  const journal = await store.readJournal('run-1');
  return { counts, results, spans, journal, last: results.at(-1)!, startedAt };
}

const timeline = (journal: Array<{ at: number; kind: string; message: string }>) => journal.map((e) => `${e.at} ${e.kind} ${e.message}`);

describe('engine on the sandbox', () => {
  it('two runs of one plan and world, clusters concurrent, give the same virtual timeline', async () => {
    const plan = fleet(5, 3);
    const a = await rehearse(plan);
    const b = await rehearse(plan);
    expect(a.last.status).toBe('done');
    expect(a.last.sandbox?.violations).toEqual([]);
    expect(timeline(b.journal)).toEqual(timeline(a.journal));
  });

  it('takes up an abort request at the same virtual instant in two runs', async () => {
    const plan = fleet(4, 2);
    const abortedRun = async () => {
      let request: Promise<void> | undefined;
      let first: number | undefined;
      const run = await rehearse(plan, undefined, {
        // Asked once the run is 20 virtual minutes in.
        onProgress: (store, view) => {
          first ??= view.now;
          if (request || view.status !== 'running' || view.now < first + 20 * 60_000) return;
          request = requestAbort({ store }, 'run-1', 'alice', 'change freeze', 0);
        },
      });
      await request;
      return run;
    };
    const a = await abortedRun();
    const b = await abortedRun();
    expect(a.last.status).toBe('aborted');
    expect(a.journal.some((e) => e.kind === 'operator' && e.message.startsWith('abort by alice taken up'))).toBe(true);
    expect(timeline(b.journal)).toEqual(timeline(a.journal));
  });

  it('groups journal entries into few appends, and saves only the clusters that moved', async () => {
    const { counts, journal, last } = await rehearse(fleet(5, 3));
    expect(last.status).toBe('done');
    // One append per commit, not one per entry (transitions, intents, effects and checks together).
    expect(counts.appends).toBeLessThan(journal.length / 2);
    const hinted = counts.hints.filter((h): h is SaveHint => h !== undefined);
    // Saves name what changed (all but those that add a cluster), never more than the three in flight of five.
    expect(hinted.length).toBeGreaterThan(counts.saves / 2);
    expect(Math.max(...hinted.map((h) => h.changedClusters.length))).toBeLessThanOrEqual(3);
  });

  it('in wait mode, never waits inline past its deadline, and waits inline when it may', async () => {
    const plan = fleet(3, 1);
    const windowMs = 2 * 60_000;
    // The deadline is real time; on the virtual clock it bounds the virtual time one call waits through.
    const { results, spans, last } = await rehearse(plan, () => ({ until: 'wait', inlineWaitMs: 10 * 60_000, deadline: Date.now() + windowMs }));
    expect(last.status).toBe('done');
    expect(Math.max(...spans)).toBeLessThanOrEqual(windowMs);
    expect(spans.filter((s) => s > 0).length).toBeGreaterThan(0);
    // Every call but the last returned to wait, saying how long.
    expect(results.slice(0, -1).every((r) => r.status === 'running' && (r.waitSeconds ?? 0) >= 1)).toBe(true);
  });
});

// Found by the random fault schedules: when the very first reads of a run (the baseline, taken before
// the loop starts) failed and were retried, the retries slept on the sandbox's virtual clock, which only
// the loop moves: the run waited forever. And a baseline that could never be read left the run "running".

function worldWith(dir: string, event: string): string {
  const file = join(dir, 'world.yaml');
  writeFileSync(file, `defaults:\n  deregistrationDelay: "20s"\nevents:\n  - ${event}\n`);
  return file;
}

afterAll(removeScratchDirs);

describe('the baseline under transient faults', () => {
  it('retries on the virtual clock until the reads come back, then the run completes', async () => {
    const dir = scratchDir('quiesce-baseline-');
    const world = worldWith(dir, '{ from: "-5s", to: "20s", apiFault: { service: elbv2, operation: DescribeTargetHealth, kind: econnreset } }');
    const r = await quiesce(['run', CRASH_SWEEP_FIXTURE.plan, '--sandbox', world, '--state-dir', dir, '--run-id', 'b1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).sandbox.violations).toEqual([]);
  });

  it('ends the run held, with the reason and nothing changed, when the reads never come back', async () => {
    const dir = scratchDir('quiesce-baseline-');
    const world = worldWith(dir, '{ from: "-5s", apiFault: { service: elbv2, operation: DescribeTargetHealth, kind: econnreset } }');
    const r = await quiesce(['run', CRASH_SWEEP_FIXTURE.plan, '--sandbox', world, '--state-dir', dir, '--run-id', 'b2', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.status).toBe('held');
    expect(json.reason).toMatch(/^could not read the listener and target groups at run start, so nothing was changed: ELBv2 DescribeTargetHealth .* ECONNRESET/);
    expect(loadWorld(join(dir, 'runs', 'b2', 'world.json')).mutations.filter((m) => m.caller === 'quiesce')).toEqual([]);
    const status = await quiesce(['status', 'b2', '--state-dir', dir, '--json']);
    expect(JSON.parse(status.stdout).status).toBe('held');
  });
});

// Found by the crash sweep: effects started before the state that invoked them was saved. Killed right
// after "green: weight 1 -> 0", the run came back with green still in preflight, and its drift check took
// quiesce's own change for a hand-made one (paused, exit 3). Every change to AWS must now find the run
// record already saying which phase makes it.

const PHASE_OF: Record<string, string> = { remove: 'removing', ramp: 'reactivating', deregister: 'confirming', register: 'restoringTargets' };

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

// Found by the hostile inputs: a world file whose event names a cluster the plan lacks passed the CLI's
// up-front check (the schema), so the run was created and failed only when it opened its world. It
// exited 2 ("nothing changed") but left the run "running" and the listener's lock parked for 7 days:
// every later `quiesce run` on that listener exited 4.

const PLAN = CRASH_SWEEP_FIXTURE.plan;

describe('a run that never started', () => {
  it('the engine lets go of the lock when it cannot even connect a run that has no snapshot yet', async () => {
    const store = createMemoryStore();
    const plan = loadPlanFile(PLAN);
    const logger = pino({ level: 'silent' });
    await createRun({ store }, { runId: 'first', plan, target: { kind: 'sandbox' }, now: 0 });
    const connect = async () => {
      throw new Error('no way to reach AWS');
    };
    await expect(driveRun({ store, logger, connect, owner: 'a' }, 'first', { until: 'end' })).rejects.toThrow('no way to reach AWS');
    const other = await store.acquireLock(plan.fleet.listenerArn, 'second', 'b', 60_000, Date.now());
    expect(other.acquired).toBe(true);
  });
});

// Shared by the deep-checks e2e tests: small plans written to a temporary directory, worlds prepared
// through the sandbox's own SDK clients before a run starts (as an operator would have left AWS), and
// readers for the journal's check entries and the world's canary rules.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { worldPathFor } from '../../src/cli/environment.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { createSandboxClients, defaultWorldFromPlan, HISTORY_MS, parseWorldFile, saveWorld, type SandboxWorld } from '../../src/sandbox/index.js';
import type { SandboxClients } from '../../src/sandbox/index.js';
import { createFileStore } from '../../src/store/file-store.js';
import type { JournalEntry } from '../../src/store/run-store.js';
import { runCli, tempStateDir, worldOf, type CliResult } from './cli-harness.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
export const LISTENER_ARN = `${ARN}:listener/app/payments/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const GROUP_IDS: Record<string, string> = { blue: '73e2d6bc24d8a067', green: '2453ed029918f21f', gray: '1e3c0a7a3c9d5b11' };

export const targetGroupArn = (cluster: string): string =>
  `${ARN}:targetgroup/payments-${cluster}/${GROUP_IDS[cluster] ?? createHexId(cluster)}`;

function createHexId(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(16, '0').slice(-16);
}

export type PlanDoc = Record<string, unknown>;

/** Two clusters with caches; a fast maintenance step; short verification and ramp. Override any key. */
export function planDoc(overrides: PlanDoc = {}, clusters: string[] = ['blue', 'green']): PlanDoc {
  return {
    version: 1,
    name: 'deep-checks',
    region: 'us-east-1',
    fleet: {
      listenerArn: LISTENER_ARN,
      clusters: clusters.map((name) => ({ name, targetGroupArn: targetGroupArn(name), cache: { replicationGroupId: `payments-${name}` } })),
    },
    capacity: { maxOutOfService: 1, minActiveClusters: 1 },
    maintenance: [{ command: ['node', '-e', 'process.exit(0)'] }],
    verify: { stableFor: '1m', timeout: '15m' },
    reactivate: { ramp: [50, 100], hold: '1m' },
    ...overrides,
  };
}

export interface Scenario {
  stateDir: string;
  runId: string;
  planPath: string;
  worldPath?: string;
}

/** Writes the plan (and world file text, if any) into a fresh state dir. */
export function scenario(plan: PlanDoc, worldText?: string, runId = 'run-deep'): Scenario {
  const stateDir = tempStateDir('quiesce-deep-');
  const planPath = join(stateDir, 'plan.yaml');
  writeFileSync(planPath, stringify(plan));
  if (worldText === undefined) return { stateDir, runId, planPath };
  const worldPath = join(stateDir, 'world.yaml');
  writeFileSync(worldPath, worldText);
  return { stateDir, runId, planPath, worldPath };
}

/**
 * Builds the run's world as `quiesce run --sandbox` would, lets `prepare` change it through SDK clients
 * whose mutations are recorded as `operator`, and saves it where the run will find it.
 */
export async function prepareWorld(s: Scenario, prepare: (world: SandboxWorld, clients: SandboxClients) => Promise<void>): Promise<void> {
  const plan = loadPlanFile(s.planPath);
  const file = s.worldPath ? parseWorldFile(readFileSync(s.worldPath, 'utf8'), s.worldPath) : {};
  const world = defaultWorldFromPlan(plan, file, s.worldPath, { historyMs: HISTORY_MS });
  await prepare(world, createSandboxClients(world, { region: plan.region, caller: 'operator' }));
  const path = worldPathFor(s.stateDir, s.runId);
  mkdirSync(join(path, '..'), { recursive: true });
  saveWorld(world, path);
}

export async function runScenario(s: Scenario, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  const sandbox = s.worldPath ? ['--sandbox', s.worldPath] : ['--sandbox'];
  return runCli(['run', s.planPath, ...sandbox, '--json', '--state-dir', s.stateDir, '--run-id', s.runId, ...extra], env);
}

export interface CheckEntry {
  at: number;
  cluster?: string;
  phase: string;
  name: string;
  ok: boolean;
  observed: string;
  threshold?: string;
  message?: string;
}

export async function journalOf(s: Scenario): Promise<JournalEntry[]> {
  return createFileStore(s.stateDir).readJournal(s.runId);
}

/** Every check entry of the run, in order; optionally of one check name. */
export async function checksOf(s: Scenario, name?: string): Promise<CheckEntry[]> {
  const entries = (await journalOf(s)).filter((e) => e.kind === 'check');
  const checks = entries.map((e) => ({ ...(e.data as Omit<CheckEntry, 'at' | 'cluster'>), at: e.at, ...(e.cluster ? { cluster: e.cluster } : {}) }));
  return name === undefined ? checks : checks.filter((c) => c.name === name);
}

/** The world as the run left it. */
export const finalWorld = (s: Scenario): SandboxWorld => worldOf(s.stateDir, s.runId);

/** Listener rules that route by an http-header condition: canary rules, whoever made them. */
export function headerRules(world: SandboxWorld): Array<{ arn: string; priority: number; values: string[] }> {
  return world.state.elbv2.rules
    .filter((r) => r.conditions.some((c) => c.Field === 'http-header'))
    .map((r) => ({ arn: r.arn, priority: r.priority, values: r.conditions.flatMap((c) => c.HttpHeaderConfig?.Values ?? []) }));
}

/** Mutations quiesce itself made (not scripted events, not the operator). */
export const quiesceMutations = (world: SandboxWorld) => world.mutations.filter((m) => m.caller === 'quiesce');

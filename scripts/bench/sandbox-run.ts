// One run of a plan against a fresh sandbox world, in this process, driven to the end on the virtual
// clock exactly as the CLI drives it (createRun, then driveRun until 'end'). The memory store keeps the
// whole run in memory; the file store is the CLI's (fsync on every journal append, record save and world
// save, the world saved beside the run after every change).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Plan } from '../../src/plan/schema.js';
import { connectToWorld, sandboxConnector, sandboxReport } from '../../src/connect/index.js';
import { createRun, driveRun, type Connection, type DriveResult } from '../../src/run/engine.js';
import { defaultWorldFromPlan, HISTORY_MS, loadWorld, parseWorldFile, type SandboxWorld } from '../../src/sandbox/index.js';
import { createFileStore } from '../../src/store/file-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { JournalEntry, RunStore } from '../../src/store/run-store.js';
import { createCallCounter, type CallCounter } from './call-counter.js';

export type StoreChoice = { kind: 'memory' } | { kind: 'file'; dir: string };

export interface SandboxRunOptions {
  plan: Plan;
  /** World file (YAML) on top of the plan's default world. */
  worldYaml?: string;
  store: StoreChoice;
  runId?: string;
  /** Applied to the connection before the run (the scale runs watch its clock). */
  wrapConnection?: (connection: Connection) => Connection;
}

export interface SandboxRun {
  runId: string;
  plan: Plan;
  world: SandboxWorld;
  store: RunStore;
  result: DriveResult;
  journal: JournalEntry[];
  /** API calls quiesce made, per command. */
  calls: CallCounter;
  /** Real time spent in driveRun. */
  wallMs: number;
}

const logger = pino({ level: 'silent' });
const OWNER = 'bench';

export async function runInSandbox(options: SandboxRunOptions): Promise<SandboxRun> {
  const { plan } = options;
  const runId = options.runId ?? 'run-bench';
  const calls = createCallCounter();
  const worldYaml = options.worldYaml ?? '';
  const wrap = options.wrapConnection ?? ((c: Connection) => c);
  let store: RunStore;
  let connect: Parameters<typeof driveRun>[0]['connect'];
  let world: SandboxWorld | undefined;
  let worldPath: string | undefined;
  let target: { kind: 'sandbox'; worldFile?: string } = { kind: 'sandbox' };

  if (options.store.kind === 'memory') {
    store = createMemoryStore();
    const w = defaultWorldFromPlan(plan, parseWorldFile(worldYaml, 'bench-world.yaml'), 'bench-world.yaml', { historyMs: HISTORY_MS });
    world = w;
    connect = async () => wrap({ ...connectToWorld(w, plan, logger, { configure: (client) => calls.attach(client) }), sandboxReport: (final) => sandboxReport(w, final) });
  } else {
    const dir = options.store.dir;
    mkdirSync(dir, { recursive: true });
    store = createFileStore(dir);
    const file = join(dir, 'bench-world.yaml');
    writeFileSync(file, worldYaml);
    target = { kind: 'sandbox', worldFile: file };
    worldPath = join(dir, 'runs', runId, 'world.json');
    const path = worldPath;
    const open = sandboxConnector({ logger, worldPath: () => path, configure: (client) => calls.attach(client) });
    connect = async (record) => wrap(await open(record));
  }

  await createRun({ store }, { runId, plan, target, now: Date.now() });
  const started = performance.now();
  const result = await driveRun({ store, logger, connect, owner: OWNER }, runId, { until: 'end' });
  const wallMs = performance.now() - started;
  if (!world) world = loadWorld(worldPath!);
  return { runId, plan, world, store, result, journal: await store.readJournal(runId), calls, wallMs };
}

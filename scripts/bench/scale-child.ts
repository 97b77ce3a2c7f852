// One scale run in its own process, so that its peak RSS is its own: a generated fleet of N clusters
// of T targets, driven to the end on the virtual clock. Prints one JSON line on stdout.
//   node scale-child.mjs <clusters> <targets> <maxOutOfService> <memory|file> [--state-dir DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLEET_CACHE_DEFAULTS, fleetPlan, fleetWorldYaml } from './plans.js';
import { runInSandbox } from './sandbox-run.js';

const [clusters, targets, maxOut] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const storeKind = process.argv[5] === 'file' ? 'file' : 'memory';

const started = performance.now();
const plan = fleetPlan(clusters, maxOut);
// A heartbeat on stderr every 5 s, so that a run stopped at the parent's time limit still tells how far it got.
let worldNow: (() => number) | undefined;
let worldStart = 0;
const heartbeat = setInterval(() => {
  const virtualHours = worldNow ? (worldNow() - worldStart) / 3_600_000 : 0;
  process.stderr.write(`${JSON.stringify({ heartbeat: true, wallMs: performance.now() - started, peakRssMb: process.resourceUsage().maxRSS / 1024, virtualHours })}\n`);
}, 5_000);
heartbeat.unref();
// The parent may own the state directory, so that it is removed even when the run is stopped.
const given = process.argv.indexOf('--state-dir');
const ownDir = storeKind === 'file' && given < 0;
const dir = storeKind !== 'file' ? undefined : given >= 0 ? process.argv[given + 1]! : mkdtempSync(join(tmpdir(), 'quiesce-bench-'));
try {
  const run = await runInSandbox({
    plan,
    // Short CloudWatch retention keeps a large world's metric rows bounded (docs/sandbox.md). More than 5
    // clusters in one forward action is synthetic: the world declares it, and its report names it.
    worldYaml: `defaults: { targets: ${targets}, ${FLEET_CACHE_DEFAULTS} }\ncloudwatch: { retention: "1h" }\n${fleetWorldYaml(clusters)}`,
    store: dir ? { kind: 'file', dir } : { kind: 'memory' },
    wrapConnection: (connection) => {
      worldStart = connection.clock.now();
      worldNow = () => connection.clock.now();
      return connection;
    },
  });
  const wallMs = performance.now() - started;
  const transitions = run.journal.filter((e) => e.kind === 'transition').length;
  const virtualMs = run.journal.at(-1)!.at - run.journal[0]!.at;
  const record = await run.store.loadRun(run.runId);
  process.stdout.write(
    `${JSON.stringify({
      clusters,
      targets,
      store: storeKind,
      status: run.result.status,
      ...(run.result.reason ? { reason: run.result.reason.slice(0, 400) } : {}),
      wallMs,
      driveMs: run.wallMs,
      // MiB: maxRSS is in KiB.
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      virtualHours: virtualMs / 3_600_000,
      calls: run.calls.total(),
      callsByCommand: run.calls.snapshot(),
      journalEntries: run.journal.length,
      // The run record (plan, every machine's snapshot) is rewritten whole on every save.
      recordKb: Buffer.byteLength(JSON.stringify(record)) / 1024,
      transitions,
      // The sandbox's own audit: a lost weight update (two clusters' writes interleaving) shows here.
      violations: run.result.sandbox?.violations.length ?? null,
      // What the world says it is: "a topology AWS does not allow" when it is.
      synthetic: run.result.sandbox?.synthetic ?? [],
    })}\n`,
  );
} finally {
  if (dir && ownDir) rmSync(dir, { recursive: true, force: true });
}

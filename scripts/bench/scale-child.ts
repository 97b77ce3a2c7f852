// One scale run in its own process, so that its peak RSS is its own: a generated fleet of N clusters
// of T targets, driven to the end on the virtual clock. Prints one JSON line on stdout.
//   node scale-child.mjs <clusters> <targets> <maxOutOfService> <minActiveClusters> <memory|file> [--state-dir DIR]
// The fleet is one AWS allows: 5 clusters per listener, 4 listeners per load balancer (locationsFleetPlan),
// minActiveClusters at each listener.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLEET_CACHE_DEFAULTS, locationsFleetPlan } from './plans.js';
import { runInSandbox } from './sandbox-run.js';

const [clusters, targets, maxOut, minActive] = process.argv.slice(2, 6).map(Number) as [number, number, number, number];
const storeKind = process.argv[6] === 'file' ? 'file' : 'memory';

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const started = performance.now();
const plan = locationsFleetPlan(clusters, maxOut, minActive);
// A heartbeat on stderr every 5 s, so that a run stopped at the parent's time limit still tells how far it got.
let worldNow: (() => number) | undefined;
let worldStart = 0;
const heartbeat = setInterval(() => {
  const virtualHours = worldNow ? (worldNow() - worldStart) / 3_600_000 : 0;
  process.stderr.write(`${JSON.stringify({ heartbeat: true, wallMs: performance.now() - started, peakRssMb: process.resourceUsage().maxRSS / 1024, virtualHours })}\n`);
}, 5_000);
heartbeat.unref();
// The parent may own the state directory, so that it is removed even when the run is stopped.
const given = option('--state-dir');
const ownDir = storeKind === 'file' && given === undefined;
const dir = storeKind !== 'file' ? undefined : (given ?? mkdtempSync(join(tmpdir(), 'quiesce-bench-')));
try {
  const run = await runInSandbox({
    plan,
    // Short CloudWatch retention keeps a large world's metric rows bounded (docs/sandbox.md).
    worldYaml: `defaults: { targets: ${targets}, ${FLEET_CACHE_DEFAULTS} }\ncloudwatch: { retention: "1h" }\n`,
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
      locations: plan.fleet.locations.length,
      balancers: new Set(plan.fleet.locations.map((l) => l.listenerArn.split('/').slice(1, 4).join('/'))).size,
      maxOutOfService: plan.capacity.maxOutOfService,
      minActiveClusters: plan.capacity.minActiveClusters,
      status: run.result.status,
      ...(run.result.reason ? { reason: run.result.reason.slice(0, 400) } : {}),
      wallMs,
      driveMs: run.wallMs,
      // MiB: maxRSS is in KiB.
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      // CPU time (user + system): unlike wall time, not stretched by the machine's other load.
      cpuMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
      virtualHours: virtualMs / 3_600_000,
      calls: run.calls.total(),
      callsByCommand: run.calls.snapshot(),
      journalEntries: run.journal.length,
      // The run record (plan, every machine's snapshot) is rewritten whole on every save.
      recordKb: Buffer.byteLength(JSON.stringify(record)) / 1024,
      transitions,
      // The sandbox's own audit: a lost weight update (two clusters' writes interleaving) shows here.
      violations: run.result.sandbox?.violations.length ?? null,
      // What the world says it is: none here (a synthetic setting would be "a topology AWS does not allow").
      synthetic: run.result.sandbox?.synthetic ?? [],
    })}\n`,
  );
} finally {
  if (dir && ownDir) rmSync(dir, { recursive: true, force: true });
}

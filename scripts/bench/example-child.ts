// The example plan once, in its own process, with the memory or the file store (the CLI's), for wall
// time and for profiling:  node --cpu-prof example-child.mjs <weight|deregister> <memory|file>
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplePlan } from './plans.js';
import { runInSandbox } from './sandbox-run.js';

const mode = process.argv[2] === 'deregister' ? 'deregister' : 'weight';
const storeKind = process.argv[3] === 'file' ? 'file' : 'memory';
const dir = storeKind === 'file' ? mkdtempSync(join(tmpdir(), 'quiesce-bench-')) : undefined;
const started = performance.now();
try {
  const run = await runInSandbox({ plan: examplePlan(mode), store: dir ? { kind: 'file', dir } : { kind: 'memory' } });
  process.stdout.write(
    `${JSON.stringify({ mode, store: storeKind, status: run.result.status, wallMs: performance.now() - started, driveMs: run.wallMs, peakRssMb: process.resourceUsage().maxRSS / 1024, calls: run.calls.total(), journalEntries: run.journal.length })}\n`,
  );
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

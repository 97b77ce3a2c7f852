import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type HandlerResult } from '../../src/lambda/handler.js';
import { sandboxConnector } from '../../src/connect/index.js';
import { loadWorld } from '../../src/sandbox/index.js';
import { createDynamoStore } from '../../src/store/dynamo-store.js';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite.js';
import { examplePlan } from '../infra/fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlanFile } from '../../src/plan/load.js';
import { createRun } from '../../src/run/engine.js';
import { createFileStore } from '../../src/store/file-store.js';
import { ROOT, runCli, spawnCli, tempStateDir } from './cli-harness.js';

// One process per lock, whoever starts it: real CLI processes racing on one file store (issue 4 and
// issue 8.4; since issue 20.5 on one rehearsal, whose lock is its own world's), and Lambda invocations
// racing on one DynamoDB table and one shared sandbox world (dynalite).

const PLAN = 'examples/payments.plan.yaml';
const LISTENER = /another run holds the lock on arn:aws:elasticloadbalancing:[^ ]+listener\/app\/payments\/[^:]+: run (\S+) \(/;

/**
 * One rehearsal driven by `n` processes at once (`quiesce resume`): the lock is on the listener of the
 * run's sandbox world (a rehearsal's world is its own, so two rehearsals never meet; against AWS the key
 * is the listener itself, through the same store primitive). The winner runs slowly (--speed 60) so every
 * loser meets its lock.
 */
async function race(n: number) {
  const stateDir = tempStateDir('quiesce-race-');
  const runId = 'race';
  await createRun({ store: createFileStore(stateDir) }, { runId, plan: loadPlanFile(join(ROOT, PLAN)), target: { kind: 'sandbox' }, now: Date.now() });
  const children = Array.from({ length: n }, () => spawnCli(['resume', runId, '--speed', '60', '--state-dir', stateDir, '--json']));
  const exits = children.map((child) => child.exited.then((code) => ({ pid: child.pid!, code, ...child.output() })));
  // Every loser exits 4 on its own; the winner is still running when the last of them has.
  const settled: Array<{ pid: number; code: number | null; stdout: string; stderr: string }> = [];
  for (const exit of exits) void exit.then((e) => settled.push(e));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (settled.length >= n - 1) {
        clearInterval(poll);
        resolve();
      }
    }, 25);
    Promise.all(exits).then(() => {
      clearInterval(poll);
      reject(new Error(`all ${n} processes exited: ${JSON.stringify(settled.map((s) => [s.pid, s.code]))}`));
    }, reject);
  });
  const losers = settled.slice(0, n - 1);
  const winner = children.find((c) => !losers.some((l) => l.pid === c.pid))!;
  // Stop the run safely, as an operator would, and let the winner finish it.
  const abort = await runCli(['abort', runId, '--state-dir', stateDir, '--by', 'test']);
  expect(abort.code, abort.stderr).toBe(0);
  const won = await exits[children.indexOf(winner)]!;
  return { stateDir, runId, winnerPid: winner.pid!, losers, won };
}

function expectOneProceeded(result: Awaited<ReturnType<typeof race>>) {
  const { stateDir, runId, winnerPid, losers, won } = result;
  for (const loser of losers) {
    expect(loser.code, loser.stderr).toBe(4);
    expect(loser.stderr.trim().split('\n')).toHaveLength(1);
    expect(LISTENER.exec(loser.stderr)?.[1]).toBe(runId);
    expect(loser.stderr).toContain(`(${winnerPid}@`);
  }
  // Only the winner drove the run: one "resumed by" entry, its own.
  const resumed = readFileSync(join(stateDir, 'runs', runId, 'journal.jsonl'), 'utf8').split('\n').filter((l) => l.includes('run resumed by') || l.includes('run started by'));
  expect(resumed.length, resumed.join('\n')).toBe(1);
  expect(resumed[0]).toContain(`${winnerPid}@`);
  // Aborted (or held, if the abort landed during maintenance): exit 1, and the audit is clean.
  expect(won.code, won.stderr).toBe(1);
  const json = JSON.parse(won.stdout.trim().split('\n').at(-1)!);
  expect(['aborted', 'held']).toContain(json.status);
  expect(json.sandbox.violations).toEqual([]);
}

describe('concurrent quiesce processes on one run (file store)', () => {
  it('two at once: one drives, the other exits 4 naming the process that holds the lock', async () => {
    expectOneProceeded(await race(2));
  }, 180_000);

  it('eight at once: exactly one proceeds, the seven others exit 4 naming it', async () => {
    expectOneProceeded(await race(8));
  }, 180_000);
});

describe('concurrent Lambda invocations on one table (dynalite)', () => {
  let dynamo: LocalDynamo;
  const logger = pino({ level: 'silent' });
  const worldDir = tempStateDir('quiesce-race-dynamo-');
  const worldPath = `${worldDir}/shared.world.json`;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  // A fresh client and store per invocation, as separate Lambda instances would have; one world: one listener.
  const handler = () =>
    createHandler({
      store: createDynamoStore({ client: dynamo.newClient(), tableName: dynamo.tableName }),
      logger,
      connect: sandboxConnector({ logger, worldPath: () => worldPath }),
      inlineWaitMs: 0,
    });

  it('eight starts with one idempotency key make one run', async () => {
    const event = { action: 'start', plan: examplePlan().document, idempotencyKey: 'race-same-key', sandbox: true };
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => handler()(event, { awsRequestId: `same-${i}` })));
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
  });

  it('eight runs started and advanced at once: exactly one mutates, the others wait naming it', async () => {
    const starts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        handler()({ action: 'start', plan: examplePlan().document, idempotencyKey: `race-${i}`, sandbox: true }, { awsRequestId: `start-${i}` }),
      ),
    );
    const runIds = starts.map((s) => s.runId!);
    expect(new Set(runIds).size).toBe(8);
    const advances: HandlerResult[] = await Promise.all(runIds.map((runId, i) => handler()({ action: 'advance', runId }, { awsRequestId: `advance-${i}` })));
    const waiting = advances.filter((a) => a.reason?.startsWith('waiting: another run holds the lock'));
    const proceeded = advances.filter((a) => !waiting.includes(a));
    expect(proceeded).toHaveLength(1);
    const winner = proceeded[0]!.runId!;
    for (const w of waiting) expect(w.reason).toContain(`run ${winner} `);

    const store = createDynamoStore({ client: dynamo.client, tableName: dynamo.tableName });
    for (const runId of runIds) {
      const changes = (await store.readJournal(runId)).filter((e) => e.kind === 'intent' || e.kind === 'effect');
      if (runId === winner) expect(changes.length).toBeGreaterThan(0);
      else expect(changes).toEqual([]);
    }
    const world = loadWorld(worldPath);
    expect(world.mutations.filter((m) => m.caller === 'quiesce').length).toBeGreaterThan(0);
    expect(world.violations).toEqual([]);
  });
});

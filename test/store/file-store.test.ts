import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreCorruptError } from '../../src/store/errors.js';
import { createFileStore } from '../../src/store/file-store.js';
import { fileLayout } from '../../src/store/file/layout.js';
import { localOwner } from '../../src/store/owner.js';
import { DAY_MS } from '../../src/store/retention.js';
import type { LockResult } from '../../src/store/run-store.js';
import { runChildren, startChildren } from './fixtures/child-processes.js';
import { LISTENER_ARN, T0, newRun } from './fixtures/records.js';
import { describeRunStoreContract } from './run-store.contract.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'quiesce-store-'));

describeRunStoreContract('file store', async () => {
  const dir = tempDir();
  return {
    store: createFileStore(dir),
    reopen: async () => createFileStore(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>)
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** The pid of a process that has exited (and so cannot hold anything). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('file store', () => {
  let dir = '';
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the documented layout and leaves no temp or mutex files behind', async () => {
    const store = createFileStore(dir);
    const { record } = await store.createRun(newRun('run-1', { idempotencyKey: 'schedule:1' }));
    await store.saveRun({ ...record, status: 'paused' }, 1);
    await store.appendJournal('run-1', [{ at: T0, kind: 'run', message: 'started' }]);
    await store.remember('run-1', 'blue:weights', async () => ({ blue: 100 }));
    await store.acquireLock(LISTENER_ARN, 'run-1', 'cli', 60_000, T0);

    const layout = fileLayout(dir);
    const rel = (file: string) => file.slice(dir.length + 1);
    expect(tree(dir)).toEqual(
      [
        rel(layout.idempotencyFile('schedule:1')),
        rel(layout.lockFile(LISTENER_ARN)),
        rel(layout.intentFile('run-1', 'blue:weights')),
        rel(layout.journalFile('run-1')),
        rel(layout.runFile('run-1')),
      ].sort(),
    );
    expect(rel(layout.runFile('run-1'))).toBe(join('runs', 'run-1', 'run.json'));
    expect(rel(layout.lockFile(LISTENER_ARN))).toMatch(/^locks[/\\][0-9a-f]{64}\.json$/);
    expect(JSON.parse(readFileSync(layout.runFile('run-1'), 'utf8'))).toMatchObject({ runId: 'run-1', status: 'paused', version: 2 });
    expect(readFileSync(layout.journalFile('run-1'), 'utf8')).toBe(
      `${JSON.stringify({ seq: 1, runId: 'run-1', at: T0, kind: 'run', message: 'started' })}\n`,
    );
    expect(JSON.parse(readFileSync(layout.idempotencyFile('schedule:1'), 'utf8'))).toMatchObject({ key: 'schedule:1', runId: 'run-1' });
  });

  describe('torn journal', () => {
    it('ignores a torn last line on read, and the next append cuts it off', async () => {
      const store = createFileStore(dir);
      await store.createRun(newRun('run-1'));
      const written = await store.appendJournal('run-1', [
        { at: T0, kind: 'run', message: 'started' },
        { at: T0 + 1, kind: 'intent', message: 'draining blue' },
      ]);
      // A crash in the middle of the next append: half a line, no newline.
      const journal = fileLayout(dir).journalFile('run-1');
      appendFileSync(journal, '{"seq":3,"runId":"run-1","at":1700000000002,"kind":"eff');

      expect(await store.readJournal('run-1')).toEqual(written);
      expect(await createFileStore(dir).readJournal('run-1')).toEqual(written);

      const resumed = createFileStore(dir);
      const next = await resumed.appendJournal('run-1', [{ at: T0 + 3, kind: 'operator', message: 'resumed' }]);
      expect(next).toMatchObject([{ seq: 3, message: 'resumed' }]);
      expect(await store.readJournal('run-1')).toEqual([...written, ...next]);
      expect(readFileSync(journal, 'utf8').endsWith('"message":"resumed"}\n')).toBe(true);
      // The instance that read the journal before the tear catches up too.
      expect(await store.appendJournal('run-1', [{ at: T0 + 4, kind: 'run', message: 'done' }])).toMatchObject([{ seq: 4 }]);
    });

    it('reports a damaged line in the middle instead of skipping it', async () => {
      const store = createFileStore(dir);
      await store.createRun(newRun('run-1'));
      await store.appendJournal('run-1', [{ at: T0, kind: 'run', message: 'started' }]);
      const journal = fileLayout(dir).journalFile('run-1');
      appendFileSync(journal, `not json\n${JSON.stringify({ seq: 3, runId: 'run-1', at: T0, kind: 'run', message: 'later' })}\n`);
      await expect(store.readJournal('run-1')).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.readJournal('run-1')).rejects.toThrow(/line 2/);
      await expect(createFileStore(dir).appendJournal('run-1', [{ at: T0, kind: 'run', message: 'x' }])).rejects.toBeInstanceOf(StoreCorruptError);
    });
  });

  it('finishes a run whose creator crashed after claiming its idempotency key', async () => {
    const layout = fileLayout(dir);
    const record = { ...newRun('run-crashed', { idempotencyKey: 'schedule:1' }), version: 1 };
    // What a creator killed between its two writes leaves: the claim, no run.
    mkdirSync(layout.idempotencyDir, { recursive: true });
    writeFileSync(layout.idempotencyFile('schedule:1'), JSON.stringify({ key: 'schedule:1', runId: 'run-crashed', record }));

    const store = createFileStore(dir);
    const again = await store.createRun(newRun('run-retry', { idempotencyKey: 'schedule:1' }));
    expect(again).toEqual({ record, created: false });
    expect(await store.loadRun('run-crashed')).toEqual(record);
    expect(await store.loadRun('run-retry')).toBeUndefined();
  });

  describe('prune', () => {
    it('removes finished runs past retention with their claims, and nothing else', async () => {
      const store = createFileStore(dir, { retentionMs: 7 * DAY_MS });
      const old = await store.createRun(newRun('run-old', { idempotencyKey: 'schedule:old' }));
      await store.appendJournal('run-old', [{ at: T0, kind: 'run', message: 'started' }]);
      await store.remember('run-old', 'k', async () => 1);
      await store.saveRun({ ...old.record, status: 'done', finishedAt: T0 }, 1);
      const recent = await store.createRun(newRun('run-recent'));
      await store.saveRun({ ...recent.record, status: 'aborted', finishedAt: T0 + 6 * DAY_MS }, 1);
      await store.createRun(newRun('run-open', { createdAt: T0 - 100 * DAY_MS }));

      expect(await store.prune(T0 + 7 * DAY_MS)).toEqual({ prunedRuns: [] });
      expect(await store.prune(T0 + 7 * DAY_MS + 1)).toEqual({ prunedRuns: ['run-old'] });

      expect((await store.listRuns()).map((r) => r.runId).sort()).toEqual(['run-open', 'run-recent']);
      expect(existsSync(fileLayout(dir).runDir('run-old'))).toBe(false);
      expect(existsSync(fileLayout(dir).idempotencyFile('schedule:old'))).toBe(false);
      expect(readdirSync(fileLayout(dir).runsDir).sort()).toEqual(['run-open', 'run-recent']);
      // The key is free again: a new schedule tick makes a new run.
      expect((await store.createRun(newRun('run-new', { idempotencyKey: 'schedule:old' }))).created).toBe(true);
    });

    it('cleans up what crashes leave: trash dirs, orphan claims, old temp files', async () => {
      const store = createFileStore(dir, { retentionMs: DAY_MS });
      const layout = fileLayout(dir);
      await store.createRun(newRun('run-1', { idempotencyKey: 'k-live' }));
      mkdirSync(join(layout.runsDir, '.trash-run-9-abc', 'intents'), { recursive: true });
      writeFileSync(
        layout.idempotencyFile('k-orphan'),
        JSON.stringify({ key: 'k-orphan', runId: 'run-never', record: { ...newRun('run-never'), version: 1 } }),
      );
      const oldTemp = join(layout.idempotencyDir, '.x.123.tmp');
      const freshTemp = join(layout.idempotencyDir, '.y.456.tmp');
      writeFileSync(oldTemp, '');
      writeFileSync(freshTemp, '');
      utimesSync(oldTemp, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));

      await store.prune(T0 + 2 * DAY_MS);
      expect(readdirSync(layout.runsDir)).toEqual(['run-1']);
      expect(existsSync(layout.idempotencyFile('k-orphan'))).toBe(false);
      expect(existsSync(layout.idempotencyFile('k-live'))).toBe(true);
      expect(existsSync(oldTemp)).toBe(false);
      expect(existsSync(freshTemp)).toBe(true);
    });
  });

  describe('crashed holders', () => {
    it('takes over a lock whose owner is a dead process on this host, before its lease ends', async () => {
      const store = createFileStore(dir);
      const dead = `${await deadPid()}@${hostname()}`;
      await store.acquireLock(LISTENER_ARN, 'run-1', dead, 60 * 60_000, T0);
      expect(await store.acquireLock(LISTENER_ARN, 'run-2', localOwner(), 60_000, T0 + 1)).toMatchObject({ acquired: true, lease: { version: 2 } });
    });

    it('does not take over a live owner, nor one on another host', async () => {
      const store = createFileStore(dir);
      await store.acquireLock('listener-1', 'run-1', localOwner(), 60_000, T0);
      await store.acquireLock('listener-2', 'run-1', `${await deadPid()}@some-other-host`, 60_000, T0);
      expect((await store.acquireLock('listener-1', 'run-2', 'other', 60_000, T0 + 1)).acquired).toBe(false);
      expect((await store.acquireLock('listener-2', 'run-2', 'other', 60_000, T0 + 1)).acquired).toBe(false);
    });

    it('breaks a mutex left by a killed process (dead pid), and an old one from another host (age)', async () => {
      const store = createFileStore(dir);
      const { record } = await store.createRun(newRun('run-1'));
      const runMutex = `${fileLayout(dir).runFile('run-1')}.mutex`;
      writeFileSync(runMutex, JSON.stringify({ token: 't1', pid: await deadPid(), host: hostname() }));
      const saved = await store.saveRun({ ...record, status: 'paused' }, 1);
      expect(saved.version).toBe(2);
      expect(existsSync(runMutex)).toBe(false);

      writeFileSync(runMutex, JSON.stringify({ token: 't2', pid: 1, host: 'elsewhere' }));
      const old = new Date(Date.now() - 5 * 60_000);
      utimesSync(runMutex, old, old);
      expect((await store.saveRun({ ...saved, status: 'running' }, 2)).version).toBe(3);
    });
  });

  describe('across processes', () => {
    it('lets exactly one of 8 processes acquire the lock', async () => {
      const results = (await runChildren('acquire', dir, 8)) as LockResult[];
      const winners = results.filter((r) => r.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.acquired ? winners[0]!.lease : undefined;
      for (const r of results) if (!r.acquired) expect(r.holder.runId).toBe(winner?.runId);
    });

    it('lets exactly one of 8 processes take over an expired lease', async () => {
      await createFileStore(dir).acquireLock(LISTENER_ARN, 'run-old', 'cli-elsewhere', 1, T0);
      const results = (await runChildren('acquire', dir, 8)) as LockResult[];
      expect(results.filter((r) => r.acquired)).toHaveLength(1);
      expect(results.find((r) => r.acquired)).toMatchObject({ lease: { version: 2 } });
    });

    it('lets exactly one of 8 processes save on one version', async () => {
      await createFileStore(dir).createRun(newRun('run-1'));
      const results = (await runChildren('save', dir, 8)) as Array<{ saved: boolean }>;
      expect(results.filter((r) => r.saved)).toHaveLength(1);
      expect(await createFileStore(dir).loadRun('run-1')).toMatchObject({ version: 2 });
    });

    it('gives 8 processes remembering one key the same first value', async () => {
      await createFileStore(dir).createRun(newRun('run-1'));
      const results = (await runChildren('remember', dir, 8)) as Array<{ value: string }>;
      expect(new Set(results.map((r) => r.value)).size).toBe(1);
      expect(await createFileStore(dir).recall('run-1', 'blue:primary')).toBe(results[0]!.value);
    });

    it('frees the lock of a SIGKILLed holder for the next process, long before its lease ends', async () => {
      const [holder] = await startChildren('hold', dir, 1);
      expect(await holder!.outcome).toMatchObject({ acquired: true, lease: { runId: 'run-0' } });
      const store = createFileStore(dir);
      expect((await store.acquireLock(LISTENER_ARN, 'run-resume', localOwner(), 60_000, Date.now())).acquired).toBe(false);
      holder!.process.kill('SIGKILL');
      await holder!.exited;
      expect(await store.acquireLock(LISTENER_ARN, 'run-resume', localOwner(), 60_000, Date.now())).toMatchObject({
        acquired: true,
        lease: { runId: 'run-resume', version: 2 },
      });
    });
  });
});

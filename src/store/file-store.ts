// The RunStore on the local filesystem: the CLI default, under .quiesce/. Layout in file/layout.ts.
// Every write is on disk (fsynced, directory included) before the method returns, and every
// read-compare-write is guarded across processes, so two CLIs on one state dir cannot both win.
import { stat } from 'node:fs/promises';
import { RunExistsError, RunNotFoundError, StoreBusyError } from './errors.js';
import { DEFAULT_RETENTION_MS, type PruneResult } from './retention.js';
import { checkRunId } from './run-id.js';
import { ConcurrentUpdateError, type RunRecord, type RunStore } from './run-store.js';
import { byCreation, toSummary, type RunSummary } from './run-summary.js';
import { createFileExclusive, ensureDir, errnoCode, readJsonIfExists, unlinkIfExists, writeFileAtomic } from './file/durable-fs.js';
import { withFileMutex } from './file/file-mutex.js';
import { journalCrashHook } from './file/crash-hook.js';
import { createJournalAppender, readJournalFile } from './file/journal-file.js';
import { createKeyedQueue } from './file/keyed-queue.js';
import { fileLayout, mutexOf } from './file/layout.js';
import { createLockFiles } from './file/lock-files.js';
import { listNames, pruneStateDir, type IdempotencyClaim } from './file/prune.js';

export interface FileStoreOptions {
  /** How long finished runs are kept before `prune` removes them; default 30 days. */
  retentionMs?: number;
}

export interface FileRunStore extends RunStore {
  readonly stateDir: string;
  /** Removes finished runs older than the retention period, and crash leftovers. */
  prune(now: number): Promise<PruneResult>;
}

interface StoredIntent {
  key: string;
  value: unknown;
}

/** What a reader would get back: JSON drops undefined fields, so return exactly that. */
const asStored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createFileStore(stateDir: string, options: FileStoreOptions = {}): FileRunStore {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const layout = fileLayout(stateDir);
  const enqueue = createKeyedQueue();
  const appendLines = createJournalAppender();
  const locks = createLockFiles(layout);
  const crashHook = journalCrashHook();

  const runExists = async (runId: string): Promise<boolean> => {
    try {
      await stat(layout.runFile(runId));
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  };
  const requireRun = async (runId: string): Promise<void> => {
    if (!(await runExists(checkRunId(runId)))) throw new RunNotFoundError(runId);
  };

  /** Writes run.json only if the run does not exist yet; false if it does. */
  const materialize = async (record: RunRecord): Promise<boolean> => {
    await ensureDir(layout.intentsDir(record.runId));
    return createFileExclusive(layout.runFile(record.runId), JSON.stringify(record));
  };

  const loadRun = async (runId: string) => readJsonIfExists<RunRecord>(layout.runFile(checkRunId(runId)));

  const readIntent = async (runId: string, key: string): Promise<StoredIntent | undefined> =>
    readJsonIfExists<StoredIntent>(layout.intentFile(checkRunId(runId), key));

  return {
    stateDir,

    async createRun(input) {
      checkRunId(input.runId);
      const record = asStored<RunRecord>({ ...input, version: 1 });
      const key = input.idempotencyKey;
      if (key === undefined) {
        if (!(await materialize(record))) throw new RunExistsError(record.runId);
        return { record, created: true };
      }
      // The claim is written first and holds the whole initial record: if its creator dies before
      // run.json exists, whoever retries with the same key finishes the job instead of losing the run.
      await ensureDir(layout.idempotencyDir);
      const claimFile = layout.idempotencyFile(key);
      for (let round = 0; round < 5; round++) {
        const claim: IdempotencyClaim = { key, runId: record.runId, record };
        if (await createFileExclusive(claimFile, JSON.stringify(claim))) {
          if (await materialize(record)) return { record, created: true };
          // Someone who saw our claim finished it, or the id was already taken by another run.
          const stored = await loadRun(record.runId);
          if (stored?.idempotencyKey === key) return { record: stored, created: true };
          await unlinkIfExists(claimFile);
          throw new RunExistsError(record.runId);
        }
        const existing = await readJsonIfExists<IdempotencyClaim>(claimFile);
        if (!existing) continue;
        // A claim without its run: the creator crashed (or is a moment behind); finish it for them.
        if (!(await runExists(existing.runId))) await materialize(existing.record);
        const stored = await loadRun(existing.runId);
        if (stored) return { record: stored, created: false };
      }
      throw new StoreBusyError(`idempotency key ${key}: its claim kept appearing and disappearing over 5 attempts`);
    },

    loadRun,

    async saveRun(record, expectedVersion) {
      await requireRun(record.runId);
      const file = layout.runFile(record.runId);
      return enqueue(file, () =>
        withFileMutex(mutexOf(file), async () => {
          const current = await readJsonIfExists<RunRecord>(file);
          if (!current) throw new RunNotFoundError(record.runId);
          if (current.version !== expectedVersion) throw new ConcurrentUpdateError(record.runId, expectedVersion);
          const next = asStored<RunRecord>({ ...record, version: expectedVersion + 1 });
          await writeFileAtomic(file, JSON.stringify(next));
          return next;
        }),
      );
    },

    async listRuns() {
      const summaries: RunSummary[] = [];
      for (const name of await listNames(layout.runsDir)) {
        if (name.startsWith('.')) continue;
        const record = await readJsonIfExists<RunRecord>(layout.runFile(name));
        if (record) summaries.push(toSummary(record));
      }
      return summaries.sort(byCreation);
    },

    async appendJournal(runId, entries) {
      await requireRun(runId);
      if (entries.length === 0) return [];
      const file = layout.journalFile(runId);
      const written = await enqueue(file, () => withFileMutex(mutexOf(file), () => appendLines(file, runId, entries)));
      crashHook?.(written.at(-1)?.seq ?? 0);
      return written;
    },

    readJournal: async (runId) => readJournalFile(layout.journalFile(checkRunId(runId))),

    async remember<T>(runId: string, key: string, compute: () => Promise<T>): Promise<T> {
      const known = await readIntent(runId, key);
      if (known) return known.value as T;
      await requireRun(runId);
      const stored = asStored<StoredIntent>({ key, value: await compute() });
      // Created once, never replaced: of concurrent callers (even in other processes) the first wins.
      if (await createFileExclusive(layout.intentFile(runId, key), JSON.stringify(stored))) return stored.value as T;
      const first = await readIntent(runId, key);
      if (!first) throw new RunNotFoundError(runId);
      return first.value as T;
    },

    async recall<T>(runId: string, key: string): Promise<T | undefined> {
      return (await readIntent(runId, key))?.value as T | undefined;
    },

    acquireLock: locks.acquire,
    renewLock: locks.renew,
    releaseLock: locks.release,
    parkLock: locks.park,

    prune: async (now) => pruneStateDir(layout, now, retentionMs),
  };
}

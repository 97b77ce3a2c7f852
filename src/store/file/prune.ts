// Retention for the file store: quiesce's own state must not grow without bound until it fills the
// disk. Finished runs older than the retention period go, with their idempotency claims; so do claims
// whose run was never written (a creator that crashed and was never retried) and temp files left by
// crashes.
import { randomUUID } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isExpiredRun, type PruneResult } from '../retention.js';
import type { RunRecord } from '../run-store.js';
import { errnoCode, fsyncDir, isTempName, readJsonIfExists, unlinkIfExists } from './durable-fs.js';
import type { FileLayout } from './layout.js';

/** The claim file of an idempotency key: enough to finish creating the run if its creator crashed. */
export interface IdempotencyClaim {
  key: string;
  runId: string;
  record: RunRecord;
}

/** A write in flight takes milliseconds; a temp file this old was left by a crash. */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;
const TRASH_PREFIX = '.trash-';

export async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

export async function pruneStateDir(layout: FileLayout, now: number, retentionMs: number): Promise<PruneResult> {
  const prunedRuns: string[] = [];
  for (const name of await listNames(layout.runsDir)) {
    if (name.startsWith(TRASH_PREFIX)) {
      await rm(join(layout.runsDir, name), { recursive: true, force: true });
      continue;
    }
    if (name.startsWith('.')) continue;
    const record = await readJsonIfExists<RunRecord>(layout.runFile(name));
    // No run.json: being created right now, or a creator crashed; its claim (if any) completes it later.
    if (!record || !isExpiredRun(record, now, retentionMs)) continue;
    // Claim first: a crash after this leaves a run without a claim (pruned next time), never a claim
    // that would bring a pruned run back.
    if (record.idempotencyKey !== undefined) await removeClaimOf(layout.idempotencyFile(record.idempotencyKey), name);
    // Rename, then delete: a crash mid-delete leaves a trash dir (removed next time), not half a run.
    const trash = join(layout.runsDir, `${TRASH_PREFIX}${name}-${randomUUID()}`);
    await rename(layout.runDir(name), trash);
    await fsyncDir(layout.runsDir);
    await rm(trash, { recursive: true, force: true });
    prunedRuns.push(name);
  }
  await pruneOrphanClaims(layout, now, retentionMs);
  for (const dir of [layout.runsDir, layout.locksDir, layout.idempotencyDir]) await pruneTempFiles(dir);
  return { prunedRuns };
}

async function removeClaimOf(claimFile: string, runId: string): Promise<void> {
  const claim = await readJsonIfExists<IdempotencyClaim>(claimFile);
  if (claim?.runId === runId && (await unlinkIfExists(claimFile))) await fsyncDir(dirname(claimFile));
}

async function pruneOrphanClaims(layout: FileLayout, now: number, retentionMs: number): Promise<void> {
  for (const name of await listNames(layout.idempotencyDir)) {
    if (name.startsWith('.')) continue;
    const file = join(layout.idempotencyDir, name);
    const claim = await readJsonIfExists<IdempotencyClaim>(file);
    if (!claim || claim.record.createdAt + retentionMs >= now) continue;
    const run = await readJsonIfExists<RunRecord>(layout.runFile(claim.runId));
    if (!run) await unlinkIfExists(file);
  }
}

async function pruneTempFiles(dir: string): Promise<void> {
  for (const name of await listNames(dir)) {
    if (!isTempName(name)) continue;
    const file = join(dir, name);
    try {
      if (Date.now() - (await stat(file)).mtimeMs > TEMP_MAX_AGE_MS) await unlinkIfExists(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
}

// A short-lived mutex between processes sharing a state dir: a file created with O_EXCL semantics,
// held for one read-compare-write (milliseconds), then removed. A holder killed inside that window
// leaves the file behind; it is broken when its pid is dead on this host, or by age.
import { randomUUID } from 'node:crypto';
import { link, rename, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreBusyError } from '../errors.js';
import { isDeadLocalProcess } from '../owner.js';
import { createFileExclusive, errnoCode, readTextIfExists, unlinkIfExists } from './durable-fs.js';

/** No critical section lasts this long (a read, a compare, an fsynced write), so an older mutex is stale. */
export const MUTEX_STALE_MS = 30_000;
/** Waiting beyond staleness means something is wrong (a clock jump, a stuck disk): fail loudly. */
const MUTEX_WAIT_MS = 2 * MUTEX_STALE_MS;

interface MutexHolder {
  token: string;
  pid: number;
  host: string;
}

interface Observed {
  holder: MutexHolder | undefined;
  ino: number;
  mtimeMs: number;
}

export async function withFileMutex<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const me: MutexHolder = { token: randomUUID(), pid: process.pid, host: hostname() };
  await acquire(path, me);
  try {
    return await fn();
  } finally {
    await release(path, me.token);
  }
}

async function acquire(path: string, me: MutexHolder): Promise<void> {
  const started = Date.now();
  // Mutex files need no fsync: after a power cut every holder is gone, and age breaks the file.
  for (let attempt = 0; !(await createFileExclusive(path, JSON.stringify(me), { durable: false })); attempt++) {
    const seen = await observe(path);
    if (seen === undefined) continue;
    if (isStale(seen)) {
      await breakStale(path, seen.ino);
      continue;
    }
    const waited = Date.now() - started;
    if (waited > MUTEX_WAIT_MS) throw new StoreBusyError(`mutex ${path} stayed held by pid ${seen.holder?.pid ?? '?'} for ${waited} ms`);
    await sleep(Math.min(2 ** attempt, 40) + Math.random() * 5);
  }
}

async function release(path: string, token: string): Promise<void> {
  const seen = await observe(path);
  // Not ours any more only if it was broken as stale while we held it (30 s); never remove another's.
  if (seen?.holder?.token === token) await unlinkIfExists(path);
}

async function observe(path: string): Promise<Observed | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  return { holder: parseHolder(text), ino: info.ino, mtimeMs: info.mtimeMs };
}

function parseHolder(text: string): MutexHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<MutexHolder>;
    return typeof value.token === 'string' && typeof value.pid === 'number' && typeof value.host === 'string'
      ? (value as MutexHolder)
      : undefined;
  } catch (err) {
    // Unfsynced contents can be lost in a power cut; such a file is judged by its age alone.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

function isStale(seen: Observed): boolean {
  if (seen.holder && isDeadLocalProcess(seen.holder.pid, seen.holder.host)) return true;
  return Date.now() - seen.mtimeMs > MUTEX_STALE_MS;
}

/**
 * Moves the stale file aside by rename (atomic: of two breakers only one gets it), then checks it is the
 * file that was judged stale (same inode). If a live holder's fresh file was moved instead, it goes back.
 */
async function breakStale(path: string, staleIno: number): Promise<void> {
  const aside = join(dirname(path), `.${basename(path)}.${randomUUID()}.broken.tmp`);
  try {
    await rename(path, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  const moved = await stat(aside);
  if (moved.ino !== staleIno) {
    try {
      await link(aside, path);
    } catch (err) {
      // A third process created the mutex in the microseconds between: two holders is the one race a
      // rename-based break cannot close. It needs a stale mutex and three contenders at once.
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
  await unlinkIfExists(aside);
}

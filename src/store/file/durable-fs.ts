// Durable file primitives for the file store. A write is on disk before these return: the data is
// fsynced, and so is the directory whose entry changed (a rename or a new name survives a power cut
// only once its directory is synced).
import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StoreCorruptError } from '../errors.js';

export function errnoCode(err: unknown): string | undefined {
  return err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, durably: each new directory's name lives in its parent, so each of those parents is synced. */
export async function ensureDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const stop = dirname(resolve(first));
  const parents: string[] = [];
  for (let d = resolve(dir); d !== stop; d = dirname(d)) parents.push(dirname(d));
  for (const parent of parents.reverse()) await fsyncDir(parent);
}

/** Temporary files start with a dot and end in `.tmp`, so listings skip them and prune can find leftovers. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

async function writeTemp(target: string, text: string, durable: boolean): Promise<string> {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    if (durable) await handle.sync();
  } catch (err) {
    await handle.close();
    await unlinkIfExists(temp);
    throw err;
  }
  await handle.close();
  return temp;
}

/** Replaces `file` atomically: temp file, fsync, rename over the target, fsync the directory. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = await writeTemp(file, text, true);
  try {
    await rename(temp, file);
  } catch (err) {
    await unlinkIfExists(temp);
    throw err;
  }
  await fsyncDir(dirname(file));
}

/**
 * Creates `file` holding `text` only if no such name exists; false if it does. link(2) of a fully written
 * temp file fails with EEXIST exactly like open(O_CREAT|O_EXCL), across processes, but the file never
 * appears empty or half written, so a reader never has to guess. (Needs a filesystem with hard links:
 * ext4, xfs, btrfs, tmpfs, overlayfs and APFS all have them.) `durable: false` skips the fsyncs, for
 * short-lived files whose loss in a power cut does no harm.
 */
export async function createFileExclusive(file: string, text: string, options: { durable?: boolean } = {}): Promise<boolean> {
  const durable = options.durable ?? true;
  const temp = await writeTemp(file, text, durable);
  try {
    await link(temp, file);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlinkIfExists(temp);
  }
  if (durable) await fsyncDir(dirname(file));
  return true;
}

export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Parses a JSON file this store wrote whole (atomically or exclusively): unparseable means damaged. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    if (err instanceof SyntaxError) throw new StoreCorruptError(file, 'not valid JSON', { cause: err });
    throw err;
  }
}

/** True when it removed the file, false when there was none. */
export async function unlinkIfExists(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

// journal.jsonl: one JournalEntry per line, appended under the run's journal mutex and fsynced before
// the append returns. A crash mid-append can leave a torn last line (no newline): readers ignore it, and
// the next appender cuts it off before writing, because that entry was never acknowledged.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StoreCorruptError } from '../errors.js';
import type { JournalEntry } from '../run-store.js';
import { errnoCode, fsyncDir } from './durable-fs.js';

const NEWLINE = 0x0a;

/** Parses the complete lines of `bytes` (everything up to the last newline); the rest is a torn tail. */
export function parseJournal(bytes: Buffer, where: string, afterSeq = 0): { entries: JournalEntry[]; completeBytes: number } {
  const completeBytes = bytes.lastIndexOf(NEWLINE) + 1;
  const entries: JournalEntry[] = [];
  let lastSeq = afterSeq;
  const lines = bytes.subarray(0, completeBytes).toString('utf8').split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    const entry = parseLine(line, `${where}, line ${i + 1}`);
    if (entry.seq <= lastSeq) throw new StoreCorruptError(`${where}, line ${i + 1}`, `seq ${entry.seq} follows seq ${lastSeq}`);
    lastSeq = entry.seq;
    entries.push(entry);
  });
  return { entries, completeBytes };
}

function parseLine(line: string, where: string): JournalEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    // A complete line that is not JSON was not torn by a crash: something else damaged the file.
    if (err instanceof SyntaxError) throw new StoreCorruptError(where, 'a complete line is not JSON', { cause: err });
    throw err;
  }
  const entry = value as Partial<JournalEntry>;
  if (typeof entry !== 'object' || entry === null || typeof entry.seq !== 'number' || typeof entry.message !== 'string') {
    throw new StoreCorruptError(where, 'a line is not a journal entry');
  }
  return entry as JournalEntry;
}

export async function readJournalFile(file: string): Promise<JournalEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  return parseJournal(bytes, file).entries;
}

interface TailState {
  ino: number;
  /** Bytes known to hold complete lines. */
  offset: number;
  lastSeq: number;
}

/**
 * Appends for one store instance. It remembers how far it has read each journal, so an append reads only
 * what other processes added since (not the whole file every time). Callers hold the journal's mutex.
 */
export function createJournalAppender() {
  const tails = new Map<string, TailState>();

  return async function append(file: string, runId: string, entries: Array<Omit<JournalEntry, 'seq' | 'runId'>>): Promise<JournalEntry[]> {
    const handle = await open(file, 'a+', 0o644);
    try {
      const tail = await catchUp(handle, file, tails.get(file));
      const lines = entries.map((entry, i) => JSON.stringify({ seq: tail.lastSeq + i + 1, runId, ...entry }));
      const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
      // One write for the batch; O_APPEND puts it at the end.
      await handle.appendFile(bytes);
      await handle.sync();
      // The first append of this instance may have created the file: make its name durable too.
      if (!tails.has(file)) await fsyncDir(dirname(file));
      const written = lines.map((line) => JSON.parse(line) as JournalEntry);
      tails.set(file, { ino: tail.ino, offset: tail.offset + bytes.length, lastSeq: written.at(-1)?.seq ?? tail.lastSeq });
      return written;
    } finally {
      await handle.close();
    }
  };
}

async function catchUp(handle: FileHandle, file: string, known: TailState | undefined): Promise<TailState> {
  const { ino, size } = await handle.stat();
  const tail = known && known.ino === ino && known.offset <= size ? { ...known } : { ino, offset: 0, lastSeq: 0 };
  if (size === tail.offset) return tail;
  const bytes = Buffer.alloc(size - tail.offset);
  const { bytesRead } = await handle.read(bytes, 0, bytes.length, tail.offset);
  const where = tail.offset === 0 ? file : `${file} from byte ${tail.offset}`;
  const { entries, completeBytes } = parseJournal(bytes.subarray(0, bytesRead), where, tail.lastSeq);
  tail.lastSeq = entries.at(-1)?.seq ?? tail.lastSeq;
  tail.offset += completeBytes;
  if (tail.offset < size) {
    // A torn line from a writer that crashed before its fsync returned: never acknowledged, so dropped.
    await handle.truncate(tail.offset);
    await handle.sync();
  }
  return tail;
}

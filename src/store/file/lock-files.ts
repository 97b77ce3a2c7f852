// Leases as files: locks/<sha256(key)>.json. A free key is taken by creating the file with O_EXCL
// semantics (one winner across processes). Every change to an existing lease file (takeover, renew,
// release) happens under the key's mutex after re-reading it, so two processes taking over the same
// expired lease cannot both win.
import { dirname } from 'node:path';
import { LeaseLostError, StoreBusyError } from '../errors.js';
import { canAcquire, isHeldLease, parkedOwner, refused } from '../lease.js';
import { isDeadLocalOwner } from '../owner.js';
import type { Lease, LockResult } from '../run-store.js';
import { createFileExclusive, ensureDir, fsyncDir, readJsonIfExists, unlinkIfExists, writeFileAtomic } from './durable-fs.js';
import { withFileMutex } from './file-mutex.js';
import { mutexOf, type FileLayout } from './layout.js';

export interface LockFiles {
  acquire(key: string, runId: string, owner: string, leaseMs: number, now: number): Promise<LockResult>;
  renew(lease: Lease, leaseMs: number, now: number): Promise<Lease>;
  release(lease: Lease): Promise<void>;
  park(lease: Lease, leaseMs: number, now: number): Promise<Lease>;
}

/** A holder on this host whose process is gone holds nothing, whatever its lease says. */
const isFree = (current: Lease, runId: string, owner: string, now: number): boolean =>
  canAcquire(current, runId, owner, now) || isDeadLocalOwner(current.owner);

const read = (file: string) => readJsonIfExists<Lease>(file);

export function createLockFiles(layout: FileLayout): LockFiles {
  return {
    async acquire(key, runId, owner, leaseMs, now) {
      await ensureDir(layout.locksDir);
      const file = layout.lockFile(key);
      // A lease file can vanish between two steps (released); a few rounds settle it.
      for (let round = 0; round < 5; round++) {
        const fresh: Lease = { key, runId, owner, version: 1, expiresAt: now + leaseMs };
        if (await createFileExclusive(file, JSON.stringify(fresh))) return { acquired: true, lease: fresh };
        const seen = await read(file);
        if (seen === undefined) continue;
        if (!isFree(seen, runId, owner, now)) return refused(seen);
        const result = await withFileMutex(mutexOf(file), async (): Promise<LockResult | undefined> => {
          const current = await read(file);
          if (current === undefined) return undefined;
          if (!isFree(current, runId, owner, now)) return refused(current);
          const next: Lease = { key, runId, owner, version: current.version + 1, expiresAt: now + leaseMs };
          await writeFileAtomic(file, JSON.stringify(next));
          return { acquired: true, lease: next };
        });
        if (result) return result;
      }
      throw new StoreBusyError(`lock ${key}: the lease file kept appearing and disappearing over 5 attempts`);
    },

    async renew(lease, leaseMs, now) {
      const file = layout.lockFile(lease.key);
      return withFileMutex(mutexOf(file), async () => {
        const current = await read(file);
        if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
        const next: Lease = { ...current, version: current.version + 1, expiresAt: now + leaseMs };
        await writeFileAtomic(file, JSON.stringify(next));
        return next;
      });
    },

    async park(lease, leaseMs, now) {
      const file = layout.lockFile(lease.key);
      return withFileMutex(mutexOf(file), async () => {
        const current = await read(file);
        if (!current || !isHeldLease(current, lease)) throw new LeaseLostError(lease, current);
        const next: Lease = { ...current, owner: parkedOwner(current.runId), version: current.version + 1, expiresAt: now + leaseMs };
        await writeFileAtomic(file, JSON.stringify(next));
        return next;
      });
    },

    async release(lease) {
      const file = layout.lockFile(lease.key);
      await withFileMutex(mutexOf(file), async () => {
        const current = await read(file);
        // Taken over after ours expired: the lock is theirs now, and releasing ours is a no-op.
        if (!current || !isHeldLease(current, lease)) return;
        if (await unlinkIfExists(file)) await fsyncDir(dirname(file));
      });
    },
  };
}

import type { Lease, LockResult } from './run-store.js';

// Lease rules shared by every store, so memory, file and DynamoDB locks answer the same way.

/**
 * A lease can be taken when it has expired (strictly: a lease is still held at its `expiresAt`, as in the
 * DynamoDB condition `leaseExpiresAt < :now`), or when the caller already holds it: the same run and owner
 * acquiring again (a retried Lambda, a resumed process) gets it back with a new version.
 */
export function canAcquire(current: Lease, runId: string, owner: string, now: number): boolean {
  return current.expiresAt < now || isSameHolder(current, runId, owner) || current.owner === parkedOwner(runId);
}

/** The owner of a lock kept for a run that nobody drives right now; only that run may take it back. */
export const parkedOwner = (runId: string): string => `parked:${runId}`;

export function isSameHolder(current: Pick<Lease, 'runId' | 'owner'>, runId: string, owner: string): boolean {
  return current.runId === runId && current.owner === owner;
}

/**
 * Renew and release are conditioned on the version held and on the holder: versions restart at 1 when a
 * released lock is acquired again, so the version alone could match someone else's fresh lease.
 */
export function isHeldLease(current: Lease, held: Lease): boolean {
  return current.version === held.version && isSameHolder(current, held.runId, held.owner);
}

export function refused(current: Pick<Lease, 'runId' | 'owner' | 'expiresAt'>): LockResult {
  return { acquired: false, holder: { runId: current.runId, owner: current.owner, expiresAt: current.expiresAt } };
}

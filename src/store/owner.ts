import { hostname } from 'node:os';

// Lease owners written as `pid@hostname` let a process on the same host tell a crashed holder from a
// live one, so a SIGKILLed CLI does not block `resume` for the whole lease.

export function localOwner(): string {
  return `${process.pid}@${hostname()}`;
}

/** True only when the owner names a process on this host that no longer exists. */
export function isDeadLocalOwner(owner: string): boolean {
  const match = /^(\d+)@(.+)$/.exec(owner);
  if (!match) return false;
  return isDeadLocalProcess(Number(match[1]), match[2]!);
}

export function isDeadLocalProcess(pid: number, host: string): boolean {
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return true;
    // EPERM: the process exists but belongs to another user.
    if (code === 'EPERM') return false;
    throw err;
  }
}

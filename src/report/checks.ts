import type { JournalEntry } from '../store/run-store.js';
import type { CheckRow, CheckStatus } from './run-report.js';

// A check that is not ok yet carries no message while it waits ("0s since removal"); one that failed
// says why. Only the second is a failure a reader must see highlighted. The drift check is the
// exception: it names the diff as its observation, and a drift found is never something to wait out.

export function checkStatus(name: string, ok: boolean, message: string | undefined): CheckStatus {
  if (ok) return 'ok';
  return message || name === 'drift' ? 'failed' : 'not yet';
}

export function checkRow(entry: JournalEntry): CheckRow {
  const d = entry.data ?? {};
  const message = typeof d.message === 'string' ? d.message : undefined;
  const name = typeof d.name === 'string' ? d.name : entry.message;
  return {
    name,
    status: checkStatus(name, d.ok === true, message),
    observed: typeof d.observed === 'string' ? d.observed : String(d.observed ?? ''),
    ...(typeof d.threshold === 'string' ? { threshold: d.threshold } : {}),
    ...(message ? { message } : {}),
    count: 1,
    lastAt: entry.at,
  };
}

/** Two observations that say the same thing: folded into one row with a count. */
export function sameObservation(a: CheckRow, b: CheckRow): boolean {
  return a.name === b.name && a.status === b.status && a.observed === b.observed && a.threshold === b.threshold && a.message === b.message;
}

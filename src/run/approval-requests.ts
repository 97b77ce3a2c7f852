import type { RunStore } from '../store/run-store.js';

// Approvals recorded for whoever drives the run next (a Step Functions execution at its next poll, or
// `quiesce resume`), rather than applied by the caller: approving from a laptop never waits on the run.
// Each pause takes at most one: request n answers the n-th approval the run takes up. Both halves are
// intent memory (remember), so two operators approving the same pause record one request, and a driver
// that crashed after taking one does not take it twice.

export interface ApprovalRequest {
  by: string;
  at: number;
}

const requestKey = (n: number) => `approve-request:${n}`;
const takenKey = (n: number) => `approve-taken:${n}`;

/** The first approval not yet taken up: its number, or the number the next request gets. */
async function firstUntaken(store: Pick<RunStore, 'recall'>, runId: string): Promise<number> {
  let n = 0;
  while ((await store.recall(runId, takenKey(n))) !== undefined) n++;
  return n;
}

/** Records an approval of the run's current pause; returns the request as stored (an earlier one's, if the pause was already approved). */
export async function recordApproval(store: Pick<RunStore, 'recall' | 'remember'>, runId: string, request: ApprovalRequest): Promise<ApprovalRequest> {
  const n = await firstUntaken(store, runId);
  return store.remember(runId, requestKey(n), async () => request);
}

/** Takes up the approval waiting for this run, if there is one: it is then never taken again. */
export async function takeApproval(store: Pick<RunStore, 'recall' | 'remember'>, runId: string): Promise<ApprovalRequest | undefined> {
  const n = await firstUntaken(store, runId);
  const request = await store.recall<ApprovalRequest>(runId, requestKey(n));
  if (!request) return undefined;
  await store.remember(runId, takenKey(n), async () => ({ takenAt: Date.now() }));
  return request;
}

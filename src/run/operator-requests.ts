import type { RunStore } from '../store/run-store.js';

// Decisions recorded for whoever drives the run next (a Step Functions execution at its next poll or
// start, or `quiesce resume`), rather than acted on by the caller: operating a deployed run from a laptop
// never waits on the run. Each kind is a numbered series: request n answers the n-th time the run takes one
// up. Both halves are intent memory (remember), so two operators answering the same pause record one
// request, and a driver that crashed after taking one does not take it twice.

export type RequestKind = 'approve' | 'reinstate';

export interface ApprovalRequest {
  by: string;
  at: number;
}

export interface ReinstateRequest extends ApprovalRequest {
  cluster: string;
}

type RequestOf<K extends RequestKind> = K extends 'approve' ? ApprovalRequest : ReinstateRequest;

const requestKey = (kind: RequestKind, n: number) => `${kind}-request:${n}`;
const takenKey = (kind: RequestKind, n: number) => `${kind}-taken:${n}`;

/** The first request of this kind not yet taken up: its number, or the number the next request gets. */
async function firstUntaken(store: Pick<RunStore, 'recall'>, runId: string, kind: RequestKind): Promise<number> {
  let n = 0;
  while ((await store.recall(runId, takenKey(kind, n))) !== undefined) n++;
  return n;
}

/** Records a request; returns it as stored (an earlier one's, if one is already waiting). */
export async function recordRequest<K extends RequestKind>(store: Pick<RunStore, 'recall' | 'remember'>, runId: string, kind: K, request: RequestOf<K>): Promise<RequestOf<K>> {
  const n = await firstUntaken(store, runId, kind);
  return store.remember(runId, requestKey(kind, n), async () => request);
}

/** Takes up the request of this kind waiting for the run, if there is one: it is then never taken again. */
export async function takeRequest<K extends RequestKind>(store: Pick<RunStore, 'recall' | 'remember'>, runId: string, kind: K): Promise<RequestOf<K> | undefined> {
  const n = await firstUntaken(store, runId, kind);
  const request = await store.recall<RequestOf<K>>(runId, requestKey(kind, n));
  if (!request) return undefined;
  await store.remember(runId, takenKey(kind, n), async () => ({ takenAt: Date.now() }));
  return request;
}

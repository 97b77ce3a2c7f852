// The single-table layout of the DynamoDB store (string keys pk and sk):
//   RUN#<runId>    META          the RunRecord: version (number), nextSeq (journal counter), summary
//                                attributes for listRuns, and the record as JSON in body (or gzipped, bodyGz)
//   RUN#<runId>    J#<seq:012>   one journal entry (body / bodyGz), in seq order under the partition
//   RUN#<runId>    INTENT#<key>  one remembered value, written once
//   LOCK#<key>     LOCK          a lease: runId, owner, leaseVersion, leaseExpiresAt
//   IDEM#<key>     IDEM          the claim of an idempotency key: runId and the initial record
// Every item of a finished run carries `ttl` (epoch seconds) so DynamoDB deletes it: the table must have
// TTL enabled on the attribute `ttl`.

export const META_SK = 'META';
export const JOURNAL_PREFIX = 'J#';
export const LOCK_SK = 'LOCK';
export const IDEM_SK = 'IDEM';

export type ItemKey = { pk: string; sk: string };

export const runPk = (runId: string): string => `RUN#${runId}`;
export const metaKey = (runId: string): ItemKey => ({ pk: runPk(runId), sk: META_SK });
/** Zero-padded so the sort key orders entries by seq. */
export const journalKey = (runId: string, seq: number): ItemKey => ({ pk: runPk(runId), sk: `${JOURNAL_PREFIX}${String(seq).padStart(12, '0')}` });
export const intentKey = (runId: string, key: string): ItemKey => ({ pk: runPk(runId), sk: `INTENT#${key}` });
export const lockKey = (key: string): ItemKey => ({ pk: `LOCK#${key}`, sk: LOCK_SK });
export const claimKey = (key: string): ItemKey => ({ pk: `IDEM#${key}`, sk: IDEM_SK });

/** A failed ConditionExpression: the expected outcome of every conditional write here. */
export function isConditionFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** Items never carry undefined (the document client rejects it unless told to drop it). */
export function withoutUndefined<T extends Record<string, unknown>>(item: T): T {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)) as T;
}

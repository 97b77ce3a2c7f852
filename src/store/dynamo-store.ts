// The RunStore on DynamoDB, for the Lambda + Step Functions deployment. One table, string keys pk/sk;
// the item layout is in dynamo/keys.ts. Every write that could race is conditional: saves on the version
// read, journal seqs from an atomic counter, intents and idempotency claims written only if absent,
// leases as conditional updates. Finished runs carry a `ttl` so the table does not grow without bound.
//
// No TransactWriteItems: an idempotent createRun writes its claim first (holding the initial record),
// then the run; whoever finds a claim without its run finishes it. That is as safe as a transaction, and
// runs on the local DynamoDB used in tests (dynalite), which has no transactions.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RunExistsError, RunNotFoundError, StoreBusyError } from './errors.js';
import { DEFAULT_RETENTION_DAYS } from './retention.js';
import { checkRunId } from './run-id.js';
import { ConcurrentUpdateError, type JournalEntry, type RunRecord, type RunStore } from './run-store.js';
import { byCreation, type RunSummary, toSummary } from './run-summary.js';
import { batchPut } from './dynamo/batch-write.js';
import { packPayload, unpackPayload } from './dynamo/codec.js';
import { createDynamoLocks } from './dynamo/dynamo-locks.js';
import { claimKey, intentKey, isConditionFailed, JOURNAL_PREFIX, journalKey, META_SK, metaKey, runPk, withoutUndefined } from './dynamo/keys.js';
import { currentTtl, stampClaim, stampRunItems, ttlSeconds, withTtl } from './dynamo/run-ttl.js';
import { setOrRemove } from './dynamo/update-expression.js';

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  /** Days a finished run's items live after finishedAt before DynamoDB's TTL deletes them; default 30. */
  ttlDays?: number;
}

type Item = Record<string, unknown>;

/** What a reader would get back: JSON drops undefined fields, so return exactly that. */
const asStored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createDynamoStore(options: DynamoStoreOptions): RunStore {
  const { tableName } = options;
  const ttlDays = options.ttlDays ?? DEFAULT_RETENTION_DAYS;
  const doc = options.client instanceof DynamoDBDocumentClient ? options.client : DynamoDBDocumentClient.from(options.client);
  const locks = createDynamoLocks(doc, tableName, ttlDays);

  const get = async (key: Item, projection?: string[]): Promise<Item | undefined> => {
    const names = projection && Object.fromEntries(projection.map((name, i) => [`#p${i}`, name]));
    const out = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: names && Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
      }),
    );
    return out.Item;
  };

  /** Put only if no item has this key; false if one does. */
  const putIfAbsent = async (item: Item): Promise<boolean> => {
    try {
      await doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  };

  /** Withdraws a claim for a run id that turned out to be taken, unless the claim is someone else's. */
  const deleteClaim = async (key: string, runId: string): Promise<void> => {
    try {
      await doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: claimKey(key),
          ConditionExpression: '#runId = :runId',
          ExpressionAttributeNames: { '#runId': 'runId' },
          ExpressionAttributeValues: { ':runId': runId },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  };

  const ttlOf = (record: RunRecord): number | undefined => (record.finishedAt === undefined ? undefined : ttlSeconds(record.finishedAt, ttlDays));

  /** The META attributes of a record; the record itself (version aside) travels as JSON in the payload. */
  const metaAttributes = async (record: RunRecord): Promise<Item> => {
    const { version, ...rest } = record;
    const payload = await packPayload(rest, `run ${record.runId}: plan and snapshot`);
    return {
      version,
      runId: record.runId,
      planName: record.planName,
      status: record.status,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      listenerArn: record.listenerArn,
      reason: record.reason,
      finishedAt: record.finishedAt,
      idempotencyKey: record.idempotencyKey,
      body: payload.body,
      bodyGz: payload.bodyGz,
      ttl: ttlOf(record),
    };
  };

  const putMeta = async (record: RunRecord): Promise<boolean> =>
    putIfAbsent(withoutUndefined({ ...metaKey(record.runId), ...(await metaAttributes(record)), nextSeq: 0 }));

  const loadRun = async (runId: string): Promise<RunRecord | undefined> => {
    const item = await get(metaKey(checkRunId(runId)));
    if (!item) return undefined;
    const rest = (await unpackPayload(item, `${tableName} ${runPk(runId)} META`)) as Omit<RunRecord, 'version'>;
    return { ...rest, version: item.version as number };
  };

  const requireMeta = async (runId: string): Promise<Item> => {
    const item = await get(metaKey(checkRunId(runId)), ['pk', 'ttl']);
    if (!item) throw new RunNotFoundError(runId);
    return item;
  };

  const readIntent = async (runId: string, key: string): Promise<{ value: unknown } | undefined> => {
    const item = await get(intentKey(checkRunId(runId), key));
    return item && ((await unpackPayload(item, `${tableName} ${runPk(runId)} ${item.sk as string}`)) as { value: unknown });
  };

  return {
    async createRun(input) {
      checkRunId(input.runId);
      const record = asStored<RunRecord>({ ...input, version: 1 });
      const key = input.idempotencyKey;
      if (key === undefined) {
        if (!(await putMeta(record))) throw new RunExistsError(record.runId);
        return { record, created: true };
      }
      for (let round = 0; round < 5; round++) {
        const claim = { ...claimKey(key), runId: record.runId, ...(await packPayload(record, `idempotency claim ${key}`)) };
        if (await putIfAbsent(claim)) {
          if (await putMeta(record)) return { record, created: true };
          // Someone who saw our claim finished it, or the id was already taken by another run.
          const stored = await loadRun(record.runId);
          if (stored?.idempotencyKey === key) return { record: stored, created: true };
          await deleteClaim(key, record.runId);
          throw new RunExistsError(record.runId);
        }
        const existing = await get(claimKey(key));
        if (!existing) continue;
        const runId = existing.runId as string;
        let stored = await loadRun(runId);
        if (!stored) {
          // A claim without its run: the creator crashed (or is a moment behind); finish it for them.
          await putMeta((await unpackPayload(existing, `${tableName} IDEM#${key}`)) as RunRecord);
          stored = await loadRun(runId);
        }
        if (stored) return { record: stored, created: false };
      }
      throw new StoreBusyError(`idempotency key ${key}: its claim kept appearing and disappearing over 5 attempts`);
    },

    loadRun,

    async saveRun(record, expectedVersion) {
      checkRunId(record.runId);
      const next = asStored<RunRecord>({ ...record, version: expectedVersion + 1 });
      const attributes = await metaAttributes(next);
      const ttl = attributes.ttl as number | undefined;
      const save = (requireUnfinished: boolean) =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: metaKey(next.runId),
            ...setOrRemove(attributes, {
              expression: `#version = :expectedVersion${requireUnfinished ? ' AND attribute_not_exists(#ttl)' : ''}`,
              names: { '#version': 'version', '#ttl': 'ttl' },
              values: { ':expectedVersion': expectedVersion },
            }),
          }),
        );
      let reopened = false;
      try {
        // An unfinished save also requires an unfinished run, so reopening a finished run is noticed
        // (its items must lose their ttl) without reading the old record back on every save.
        await save(ttl === undefined);
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        const current = await get(metaKey(next.runId), ['version']);
        if (!current) throw new RunNotFoundError(next.runId, { cause: err });
        if (current.version !== expectedVersion || ttl !== undefined) throw new ConcurrentUpdateError(next.runId, expectedVersion, { cause: err });
        try {
          await save(false);
        } catch (retryErr) {
          if (isConditionFailed(retryErr)) throw new ConcurrentUpdateError(next.runId, expectedVersion, { cause: retryErr });
          throw retryErr;
        }
        reopened = true;
      }
      // Every save of a finished run re-checks its items, so a crash before stamping heals on the next.
      if (ttl !== undefined || reopened) {
        await stampRunItems(doc, tableName, next.runId, ttl);
        if (next.idempotencyKey !== undefined) await stampClaim(doc, tableName, next.idempotencyKey, next.runId, ttl);
      }
      return next;
    },

    async listRuns() {
      const summaries: RunSummary[] = [];
      const names = { '#sk': 'sk', '#runId': 'runId', '#planName': 'planName', '#status': 'status', '#createdAt': 'createdAt', '#updatedAt': 'updatedAt', '#reason': 'reason' };
      let startKey: Item | undefined;
      do {
        // A Scan: the table holds few runs, since finished ones expire (TTL).
        const page = await doc.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: '#sk = :meta',
            ProjectionExpression: '#runId, #planName, #status, #createdAt, #updatedAt, #reason',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':meta': META_SK },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) summaries.push(toSummary(item as RunSummary));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return summaries.sort(byCreation);
    },

    async appendJournal(runId, entries) {
      checkRunId(runId);
      if (entries.length === 0) {
        await requireMeta(runId);
        return [];
      }
      let last: number;
      try {
        // The counter hands out disjoint seq ranges: concurrent appenders never write the same item.
        const out = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: metaKey(runId),
            UpdateExpression: 'ADD #nextSeq :n',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#nextSeq': 'nextSeq' },
            ExpressionAttributeValues: { ':n': entries.length },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        last = out.Attributes?.nextSeq as number;
      } catch (err) {
        if (isConditionFailed(err)) throw new RunNotFoundError(runId, { cause: err });
        throw err;
      }
      const first = last - entries.length + 1;
      const written = entries.map((entry, i) => asStored<JournalEntry>({ seq: first + i, runId, ...entry }));
      const items = await Promise.all(
        written.map(async (entry) => ({
          ...journalKey(runId, entry.seq),
          seq: entry.seq,
          kind: entry.kind,
          ...(await packPayload(entry, `run ${runId}: journal entry ${entry.seq}`)),
        })),
      );
      await batchPut(doc, tableName, items);
      // The run may have finished (and stamped its items) while these were in flight.
      const ttl = await currentTtl(doc, tableName, runId);
      if (ttl !== undefined) await batchPut(doc, tableName, items.map((item) => withTtl(item, ttl)));
      return written;
    },

    async readJournal(runId) {
      checkRunId(runId);
      const entries: JournalEntry[] = [];
      let startKey: Item | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :journal)',
            ExpressionAttributeValues: { ':pk': runPk(runId), ':journal': JOURNAL_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) entries.push((await unpackPayload(item, `${tableName} ${runPk(runId)} ${item.sk as string}`)) as JournalEntry);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return entries;
    },

    async remember<T>(runId: string, key: string, compute: () => Promise<T>): Promise<T> {
      const known = await readIntent(runId, key);
      if (known) return known.value as T;
      const meta = await requireMeta(runId);
      const stored = asStored({ value: await compute() });
      const item = withoutUndefined({ ...intentKey(runId, key), ...(await packPayload(stored, `run ${runId}: intent ${key}`)), ttl: meta.ttl });
      if (!(await putIfAbsent(item))) {
        const first = await readIntent(runId, key);
        if (!first) throw new RunNotFoundError(runId);
        return first.value as T;
      }
      if (meta.ttl === undefined) {
        const ttl = await currentTtl(doc, tableName, runId);
        if (ttl !== undefined) await batchPut(doc, tableName, [withTtl(item, ttl)]);
      }
      return stored.value;
    },

    async recall<T>(runId: string, key: string): Promise<T | undefined> {
      return (await readIntent(runId, key))?.value as T | undefined;
    },

    acquireLock: locks.acquire,
    renewLock: locks.renew,
    releaseLock: locks.release,
    parkLock: locks.park,
  };
}

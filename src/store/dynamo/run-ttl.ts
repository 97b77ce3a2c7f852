// Bounded growth, so finished runs do not pile up: when a run finishes, every item of it gets
// `ttl` = finishedAt + ttlDays (epoch seconds) and DynamoDB's TTL deletes them. The META item gets it
// in the same conditional update that saves the record; the journal and intent items are rewritten here
// in batches (they never change after being written, so rewriting them whole races with nothing).
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DAY_MS } from '../retention.js';
import { batchPut } from './batch-write.js';
import { claimKey, isConditionFailed, META_SK, metaKey, runPk } from './keys.js';

type Item = Record<string, unknown>;

export const ttlSeconds = (epochMs: number, ttlDays: number): number => Math.ceil((epochMs + ttlDays * DAY_MS) / 1000);

/** `ttl` set to the given value, or removed when the run is no longer finished. */
export function withTtl(item: Item, ttl: number | undefined): Item {
  const { ttl: _old, ...rest } = item;
  return ttl === undefined ? rest : { ...rest, ttl };
}

/** The META item's current ttl (strongly consistent), or undefined if the run is not finished. */
export async function currentTtl(doc: DynamoDBDocumentClient, tableName: string, runId: string): Promise<number | undefined> {
  const out = await doc.send(
    new GetCommand({ TableName: tableName, Key: metaKey(runId), ConsistentRead: true, ProjectionExpression: '#ttl', ExpressionAttributeNames: { '#ttl': 'ttl' } }),
  );
  const ttl = out.Item?.ttl;
  return typeof ttl === 'number' ? ttl : undefined;
}

/**
 * Brings every journal and intent item of the run to `ttl`. Idempotent: items already right are skipped,
 * so it runs on every save of a finished run and heals a crash between the META update and this.
 */
export async function stampRunItems(doc: DynamoDBDocumentClient, tableName: string, runId: string, ttl: number | undefined): Promise<void> {
  let startKey: Item | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': runPk(runId) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    const stale = (page.Items ?? []).filter((item) => item.sk !== META_SK && item.ttl !== ttl);
    await batchPut(doc, tableName, stale.map((item) => withTtl(item, ttl)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** The idempotency claim goes with its run; a claim now naming another run is left alone. */
export async function stampClaim(doc: DynamoDBDocumentClient, tableName: string, key: string, runId: string, ttl: number | undefined): Promise<void> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: claimKey(key),
        UpdateExpression: ttl === undefined ? 'REMOVE #ttl' : 'SET #ttl = :ttl',
        ConditionExpression: '#runId = :runId',
        ExpressionAttributeNames: { '#ttl': 'ttl', '#runId': 'runId' },
        ExpressionAttributeValues: ttl === undefined ? { ':runId': runId } : { ':runId': runId, ':ttl': ttl },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

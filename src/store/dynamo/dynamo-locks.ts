// Leases as conditional writes (the pattern in aws-behaviour.md): acquire with
// `attribute_not_exists(pk) OR leaseExpiresAt < :now`, renew and release conditioned on the version held.
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseLostError, StoreBusyError } from '../errors.js';
import { parkedOwner, refused } from '../lease.js';
import type { Lease, LockResult } from '../run-store.js';
import { isConditionFailed, lockKey } from './keys.js';
import { ttlSeconds } from './run-ttl.js';

const NAMES = {
  '#leaseKey': 'leaseKey',
  '#runId': 'runId',
  '#owner': 'owner',
  '#ver': 'leaseVersion',
  '#exp': 'leaseExpiresAt',
  '#ttl': 'ttl',
};

/** Same rules as the other stores (lease.ts): free when expired, or re-acquired by its own holder. */
const ACQUIRE_CONDITION = 'attribute_not_exists(pk) OR #exp < :now OR (#runId = :runId AND (#owner = :owner OR #owner = :parked))';
/** Versions restart at 1 after a release, so the holder is part of the condition too. */
const HELD_CONDITION = '#ver = :held AND #runId = :runId AND #owner = :owner';

function toLease(item: Record<string, unknown>): Lease {
  return {
    key: item.leaseKey as string,
    runId: item.runId as string,
    owner: item.owner as string,
    version: item.leaseVersion as number,
    expiresAt: item.leaseExpiresAt as number,
  };
}

export function createDynamoLocks(doc: DynamoDBDocumentClient, tableName: string, ttlDays: number) {
  const read = async (key: string): Promise<Lease | undefined> => {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: lockKey(key), ConsistentRead: true }));
    return out.Item && toLease(out.Item);
  };

  return {
    async acquire(key: string, runId: string, owner: string, leaseMs: number, now: number): Promise<LockResult> {
      const expiresAt = now + leaseMs;
      // A refused write whose holder is gone by the time we read (released) is simply tried again.
      for (let round = 0; round < 5; round++) {
        try {
          const out = await doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: lockKey(key),
              // An abandoned lease item is deleted by TTL long after it expired; until then acquire ignores it.
              UpdateExpression: 'SET #leaseKey = :key, #runId = :runId, #owner = :owner, #exp = :exp, #ttl = :ttl ADD #ver :one',
              ConditionExpression: ACQUIRE_CONDITION,
              ExpressionAttributeNames: NAMES,
              ExpressionAttributeValues: {
                ':key': key,
                ':runId': runId,
                ':owner': owner,
                ':exp': expiresAt,
                ':ttl': ttlSeconds(expiresAt, ttlDays),
                ':now': now,
                ':one': 1,
                ':parked': parkedOwner(runId),
              },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return { acquired: true, lease: toLease(out.Attributes ?? {}) };
        } catch (err) {
          if (!isConditionFailed(err)) throw err;
        }
        const current = await read(key);
        if (current) return refused(current);
      }
      throw new StoreBusyError(`lock ${key}: the lease item kept appearing and disappearing over 5 attempts`);
    },

    async renew(lease: Lease, leaseMs: number, now: number): Promise<Lease> {
      const expiresAt = now + leaseMs;
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: lockKey(lease.key),
            UpdateExpression: 'SET #exp = :exp, #ttl = :ttl ADD #ver :one',
            ConditionExpression: HELD_CONDITION,
            ExpressionAttributeNames: { '#ver': NAMES['#ver'], '#runId': NAMES['#runId'], '#owner': NAMES['#owner'], '#exp': NAMES['#exp'], '#ttl': NAMES['#ttl'] },
            ExpressionAttributeValues: {
              ':exp': expiresAt,
              ':ttl': ttlSeconds(expiresAt, ttlDays),
              ':one': 1,
              ':held': lease.version,
              ':runId': lease.runId,
              ':owner': lease.owner,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toLease(out.Attributes ?? {});
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        throw new LeaseLostError(lease, await read(lease.key), { cause: err });
      }
    },

    async park(lease: Lease, leaseMs: number, now: number): Promise<Lease> {
      const expiresAt = now + leaseMs;
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: lockKey(lease.key),
            UpdateExpression: 'SET #owner = :parked, #exp = :exp, #ttl = :ttl ADD #ver :one',
            ConditionExpression: HELD_CONDITION,
            ExpressionAttributeNames: { '#ver': NAMES['#ver'], '#runId': NAMES['#runId'], '#owner': NAMES['#owner'], '#exp': NAMES['#exp'], '#ttl': NAMES['#ttl'] },
            ExpressionAttributeValues: {
              ':parked': parkedOwner(lease.runId),
              ':exp': expiresAt,
              ':ttl': ttlSeconds(expiresAt, ttlDays),
              ':one': 1,
              ':held': lease.version,
              ':runId': lease.runId,
              ':owner': lease.owner,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toLease(out.Attributes ?? {});
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        throw new LeaseLostError(lease, await read(lease.key), { cause: err });
      }
    },

    async release(lease: Lease): Promise<void> {
      try {
        await doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: lockKey(lease.key),
            ConditionExpression: HELD_CONDITION,
            ExpressionAttributeNames: { '#ver': NAMES['#ver'], '#runId': NAMES['#runId'], '#owner': NAMES['#owner'] },
            ExpressionAttributeValues: { ':held': lease.version, ':runId': lease.runId, ':owner': lease.owner },
          }),
        );
      } catch (err) {
        // Taken over after ours expired (or already gone): theirs now, and releasing ours is a no-op.
        if (!isConditionFailed(err)) throw err;
      }
    },
  };
}

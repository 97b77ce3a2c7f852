import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../src/store/dynamo-store.js';
import { ItemTooLargeError } from '../../src/store/errors.js';
import { DAY_MS } from '../../src/store/retention.js';
import type { LockResult } from '../../src/store/run-store.js';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite.js';
import { LISTENER_ARN, T0, largeSnapshot, newRun } from './fixtures/records.js';
import { describeRunStoreContract } from './run-store.contract.js';

let dynamo: LocalDynamo;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});

/** A fresh table per test: no test sees another's items. */
const freshTable = () => dynamo.createTable(`runs-${++tables}`);

describeRunStoreContract('DynamoDB store (dynalite)', async () => {
  const tableName = await freshTable();
  return {
    store: createDynamoStore({ client: dynamo.client, tableName }),
    // Another client, as another Lambda invocation would have.
    reopen: async () => createDynamoStore({ client: dynamo.newClient(), tableName }),
    cleanup: async () => {},
  };
});

describe('DynamoDB store (dynalite)', () => {
  let tableName: string;
  let doc: DynamoDBDocumentClient;
  const items = async (pk: string) =>
    (await doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? [];
  const item = async (pk: string, sk: string) => (await doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;

  beforeAll(async () => {
    tableName = await freshTable();
    doc = DynamoDBDocumentClient.from(dynamo.client);
  });

  it('lays items out as documented: META with a numeric version, zero-padded journal keys, intents, claims, leases', async () => {
    const store = createDynamoStore({ client: doc, tableName });
    const { record } = await store.createRun(newRun('layout-1', { idempotencyKey: 'schedule:layout' }));
    await store.saveRun({ ...record, status: 'paused', reason: 'drift' }, 1);
    await store.appendJournal('layout-1', [{ at: T0, kind: 'run', message: 'started' }]);
    await store.remember('layout-1', 'blue:weights', async () => ({ blue: 100 }));
    await store.acquireLock('listener-layout', 'layout-1', 'cli', 60_000, T0);

    const meta = await item('RUN#layout-1', 'META');
    expect(meta).toMatchObject({ version: 2, nextSeq: 1, runId: 'layout-1', status: 'paused', reason: 'drift', planName: 'payments-core' });
    expect(typeof meta?.body).toBe('string');
    expect((await items('RUN#layout-1')).map((i) => i.sk)).toEqual(['INTENT#blue:weights', 'J#000000000001', 'META']);
    expect(await item('IDEM#schedule:layout', 'IDEM')).toMatchObject({ runId: 'layout-1' });
    expect(await item('LOCK#listener-layout', 'LOCK')).toMatchObject({ runId: 'layout-1', owner: 'cli', leaseVersion: 1, leaseExpiresAt: T0 + 60_000 });
  });

  it('compresses a snapshot that would not fit in a 400 KB item, and reads it back exactly', async () => {
    const store = createDynamoStore({ client: dynamo.client, tableName });
    const snapshot = largeSnapshot(2_000_000);
    expect(JSON.stringify(snapshot).length).toBeGreaterThan(1_900_000);
    const { record } = await store.createRun(newRun('large-1'));
    await store.saveRun({ ...record, snapshot }, 1);

    const meta = await item('RUN#large-1', 'META');
    expect(meta?.body).toBeUndefined();
    expect(meta?.bodyGz).toBeInstanceOf(Uint8Array);
    expect((meta?.bodyGz as Uint8Array).length).toBeLessThan(400 * 1024);
    expect((await store.loadRun('large-1'))?.snapshot).toEqual(snapshot);

    // Small again: back to readable JSON, and the binary copy is gone.
    await store.saveRun({ ...record, snapshot: { fleet: null, clusters: {} } }, 2);
    const small = await item('RUN#large-1', 'META');
    expect(typeof small?.body).toBe('string');
    expect(small?.bodyGz).toBeUndefined();
  });

  it('refuses, with a clear error, a snapshot too large even compressed', async () => {
    const store = createDynamoStore({ client: dynamo.client, tableName });
    const { record } = await store.createRun(newRun('huge-1'));
    const noise = randomBytes(600 * 1024).toString('base64');
    const err = await store.saveRun({ ...record, snapshot: { fleet: noise, clusters: {} } }, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ItemTooLargeError);
    expect((err as Error).message).toMatch(/run huge-1: plan and snapshot takes \d+ bytes compressed/);
    expect((await store.loadRun('huge-1'))?.version).toBe(1);
  });

  it('round-trips large journal data and remembered values', async () => {
    const store = createDynamoStore({ client: dynamo.client, tableName });
    await store.createRun(newRun('large-2'));
    const data = largeSnapshot(600_000) as unknown as Record<string, unknown>;
    const [entry] = await store.appendJournal('large-2', [{ at: T0, kind: 'sandbox', message: 'world saved', data }]);
    expect((await store.readJournal('large-2'))[0]).toEqual(entry);
    expect((await store.readJournal('large-2'))[0]?.data).toEqual(data);
    expect(await store.remember('large-2', 'world', async () => data)).toEqual(data);
    expect(await createDynamoStore({ client: dynamo.newClient(), tableName }).recall('large-2', 'world')).toEqual(data);
  });

  describe('TTL (bounded growth)', () => {
    const ttlDays = 10;
    const finishedAt = T0 + 3_600_000;
    const expected = Math.ceil((finishedAt + ttlDays * DAY_MS) / 1000);

    it('stamps every item of a finished run, its claim, and items written after it finished', async () => {
      const store = createDynamoStore({ client: dynamo.client, tableName, ttlDays });
      const { record } = await store.createRun(newRun('ttl-1', { idempotencyKey: 'schedule:ttl-1' }));
      // More than one BatchWriteItem's worth of journal items.
      for (let i = 0; i < 4; i++) {
        await store.appendJournal('ttl-1', Array.from({ length: 10 }, (_, j) => ({ at: T0 + i * 10 + j, kind: 'effect' as const, message: `step ${i}.${j}` })));
      }
      // A compressed (Binary) item is rewritten intact too.
      const data = largeSnapshot(500_000) as unknown as Record<string, unknown>;
      await store.appendJournal('ttl-1', [{ at: T0 + 50, kind: 'sandbox', message: 'world saved', data }]);
      await store.remember('ttl-1', 'blue:weights', async () => ({ blue: 100 }));
      const running = await store.saveRun({ ...record, status: 'running' }, 1);
      expect((await items('RUN#ttl-1')).filter((i) => i.ttl !== undefined)).toEqual([]);

      await store.saveRun({ ...running, status: 'done', finishedAt }, 2);
      const stamped = await items('RUN#ttl-1');
      expect(stamped).toHaveLength(43);
      expect(stamped.find((i) => i.sk === 'J#000000000041')?.bodyGz).toBeInstanceOf(Uint8Array);
      expect((await store.readJournal('ttl-1'))[40]?.data).toEqual(data);
      for (const i of stamped) expect(i.ttl).toBe(expected);
      expect((await item('IDEM#schedule:ttl-1', 'IDEM'))?.ttl).toBe(expected);

      await store.appendJournal('ttl-1', [{ at: finishedAt + 1, kind: 'operator', message: 'acknowledged' }]);
      await store.remember('ttl-1', 'late', async () => 1);
      for (const i of await items('RUN#ttl-1')) expect(i.ttl).toBe(expected);
      // The journal still reads in order, with the items rewritten.
      expect((await store.readJournal('ttl-1')).map((e) => e.seq)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    });

    it('removes the ttl again when a finished run is reopened', async () => {
      const store = createDynamoStore({ client: dynamo.client, tableName, ttlDays });
      const { record } = await store.createRun(newRun('ttl-2'));
      await store.appendJournal('ttl-2', [{ at: T0, kind: 'run', message: 'started' }]);
      const done = await store.saveRun({ ...record, status: 'aborted', finishedAt }, 1);
      for (const i of await items('RUN#ttl-2')) expect(i.ttl).toBe(expected);
      const reopened = await store.saveRun({ ...done, status: 'running', finishedAt: undefined }, 2);
      expect(reopened.version).toBe(3);
      for (const i of await items('RUN#ttl-2')) expect(i.ttl).toBeUndefined();
      // A stale save is still refused on that path.
      await expect(store.saveRun({ ...done, finishedAt: undefined }, 2)).rejects.toThrow(/expected version 2/);
    });

    it('gives lease items a ttl well after their expiry', async () => {
      const store = createDynamoStore({ client: dynamo.client, tableName, ttlDays });
      await store.acquireLock('listener-ttl', 'run-1', 'cli', 60_000, T0);
      expect((await item('LOCK#listener-ttl', 'LOCK'))?.ttl).toBe(Math.ceil((T0 + 60_000 + ttlDays * DAY_MS) / 1000));
    });
  });

  it('finishes a run whose creator crashed after claiming its idempotency key', async () => {
    const store = createDynamoStore({ client: dynamo.client, tableName });
    const record = { ...newRun('claimed-1', { idempotencyKey: 'schedule:crash' }), version: 1 };
    await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'IDEM#schedule:crash', sk: 'IDEM', runId: 'claimed-1', body: JSON.stringify(record) } }));
    expect(await store.createRun(newRun('claimed-2', { idempotencyKey: 'schedule:crash' }))).toEqual({ record, created: false });
    expect(await store.loadRun('claimed-1')).toEqual(record);
    expect(await store.loadRun('claimed-2')).toBeUndefined();
    expect(await store.appendJournal('claimed-1', [{ at: T0, kind: 'run', message: 'resumed' }])).toMatchObject([{ seq: 1 }]);
  });

  it('lets exactly one of 8 stores, each with its own client, acquire a lock', async () => {
    const stores = Array.from({ length: 8 }, () => createDynamoStore({ client: dynamo.newClient(), tableName }));
    const results: LockResult[] = await Promise.all(stores.map((s, i) => s.acquireLock(LISTENER_ARN, `run-${i}`, `lambda-${i}`, 60_000, T0)));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });
});

// A real local DynamoDB for tests: dynalite (in memory) on a loopback ephemeral port. It implements the
// data plane the stores use (conditional writes, queries, batches) but not transactions or TTL expiry.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalDynamo {
  endpoint: string;
  /** A table created at start, with the run store's key schema. */
  tableName: string;
  client: DynamoDBClient;
  /** Another client on the same server, as a second process (or Lambda) would have. */
  newClient(): DynamoDBClient;
  /** Creates another table with the run store's key schema (pk/sk strings, on demand). */
  createTable(tableName: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const newClient = () => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    clients.push(client);
    return client;
  };
  const client = newClient();
  const createTable = (tableName: string) => createRunTable(client, tableName);
  return {
    endpoint,
    tableName: await createTable('quiesce-runs'),
    client,
    newClient,
    createTable,
    async stop() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

export async function createRunTable(client: DynamoDBClient, tableName: string): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // CREATING for a tick even with createTableMs 0; the SDK waiter's first retry would be 20 s away.
  for (let attempt = 0; attempt < 200; attempt++) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return tableName;
    await sleep(10);
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { resolveAwsConfig, type ResolvedAwsConfig } from '../aws/clients.js';
import { attachCallLog } from '../aws/call-log.js';
import { ConfigError } from '../errors.js';
import { redactedErrorLine } from '../one-line.js';
import type { Logger } from 'pino';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

// A deployed stack's run table, for the CLI: named with --table, or found from --stack in the stack's
// outputs (TableName). The region is --region, else the SDK's (AWS_REGION, the profile). The endpoints may
// be overridden with the SDK's own variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_CLOUDFORMATION),
// read from the CLI's environment.

export interface RunTableFlags {
  table?: string | undefined;
  stack?: string | undefined;
  profile?: string | undefined;
  region?: string | undefined;
}

export interface RunTable {
  tableName: string;
  client: DynamoDBClient;
  /** How a command line names this table: `--table NAME` (and the region when it was given). */
  flags: string;
}

/** The stack output that names the run table (infra/quiesce-stack.ts). */
export const TABLE_OUTPUT = 'TableName';

export async function openRunTable(flags: RunTableFlags, io: CliIo, logger: Logger): Promise<RunTable | undefined> {
  if (flags.table === undefined && flags.stack === undefined) return undefined;
  if (flags.table !== undefined && flags.stack !== undefined) throw new UsageError('give --table or --stack, not both');
  const region = flags.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const config = await resolveAwsConfig({ ...(region ? { region } : {}), ...(flags.profile ? { profile: flags.profile } : {}) });
  const tableName = flags.table ?? (await tableOfStack(flags.stack!, config, io, logger));
  const endpoint = io.env.AWS_ENDPOINT_URL_DYNAMODB ?? io.env.AWS_ENDPOINT_URL;
  const client = new DynamoDBClient({ region: config.region, credentials: config.credentials, maxAttempts: 5, ...(endpoint ? { endpoint } : {}) });
  attachCallLog(client, logger);
  return { tableName, client, flags: `--table ${tableName}${flags.region ? ` --region ${flags.region}` : ''}` };
}

async function tableOfStack(stack: string, config: ResolvedAwsConfig, io: CliIo, logger: Logger): Promise<string> {
  const endpoint = io.env.AWS_ENDPOINT_URL_CLOUDFORMATION ?? io.env.AWS_ENDPOINT_URL;
  const client = new CloudFormationClient({ region: config.region, credentials: config.credentials, maxAttempts: 5, ...(endpoint ? { endpoint } : {}) });
  attachCallLog(client, logger);
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stack }));
    const value = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === TABLE_OUTPUT)?.OutputValue;
    if (!value) throw new ConfigError(`stack ${stack} in ${config.region} has no ${TABLE_OUTPUT} output: is it a quiesce stack?`);
    return value;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // DescribeStacks answers ValidationError for a stack that does not exist.
    if (err instanceof Error && err.name === 'ValidationError') throw new ConfigError(`no stack ${stack} in ${config.region}: ${redactedErrorLine(err)}`, { cause: err });
    throw err;
  } finally {
    client.destroy();
  }
}

import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { createFileStore } from '../store/file-store.js';
import { createDynamoStore } from '../store/dynamo-store.js';
import type { RunRecord, RunStore } from '../store/run-store.js';
import { awsConnector, sandboxConnector } from '../connect/index.js';
import type { Connection, EngineDeps } from '../run/engine.js';
import { REDACT_PATHS } from '../logger.js';
import type { CliIo } from './io.js';
import { openRunTable, type RunTableFlags } from './run-table.js';

export interface CliEnvironment {
  stateDir: string;
  store: RunStore;
  /** Set when runs are kept in a deployed stack's DynamoDB table (--table or --stack). */
  table?: string;
  /** How a command line points at where the runs are: `--table T` or `--state-dir D`. */
  where: string;
  logger: Logger;
  owner: string;
  deps(onProgress?: EngineDeps['onProgress']): EngineDeps;
}

export interface EnvironmentFlags extends RunTableFlags {
  'state-dir'?: string | undefined;
  'log-file'?: string | undefined;
  'log-format'?: string | undefined;
  profile?: string | undefined;
}

export function worldPathFor(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId, 'world.json');
}

/** Each CLI sandbox run has a world of its own (worldPathFor): its listener's lock is that world's, not AWS's. */
export function sandboxLockKey(record: RunRecord, listenerArn: string): { key: string; description: string } {
  if (record.target.kind !== 'sandbox') return { key: listenerArn, description: listenerArn };
  return { key: `sandbox:${record.runId}:${listenerArn}`, description: `${listenerArn} in the sandbox world of run ${record.runId}` };
}

/** Logs go where the user asked (a file, or JSON on stderr); otherwise the progress view speaks alone. */
function createCliLogger(flags: EnvironmentFlags, io: CliIo): Logger {
  const redact = { paths: REDACT_PATHS, censor: '[redacted]' };
  if (flags['log-file']) return pino({ level: 'debug', redact }, pino.destination({ dest: resolve(io.cwd, flags['log-file']), sync: true }));
  if (flags['log-format'] === 'json') return pino({ level: 'debug', redact }, pino.destination({ dest: 2, sync: true }));
  return pino({ level: 'silent' });
}

/**
 * Where runs are kept: the state directory, or a deployed stack's DynamoDB table when --table or --stack
 * is given (then the CLI shares runs, and the listener's lock, with the deployed engine).
 */
export async function cliEnvironment(flags: EnvironmentFlags, io: CliIo): Promise<CliEnvironment> {
  const stateDir = resolve(io.cwd, flags['state-dir'] ?? '.quiesce');
  const logger = createCliLogger(flags, io);
  const table = await openRunTable(flags, io, logger);
  const store = table ? createDynamoStore({ client: table.client, tableName: table.tableName }) : createFileStore(stateDir);
  const where = table ? table.flags : `--state-dir ${stateDir}`;
  const owner = `${process.pid}@${hostname()}`;
  const sandbox = sandboxConnector({ logger, worldPath: (r) => worldPathFor(stateDir, r.runId) });
  const aws = awsConnector({ logger, operatorFlags: where, ...(flags.profile ? { profile: flags.profile } : {}) });
  const connect = (record: RunRecord): Promise<Connection> => (record.target.kind === 'sandbox' ? sandbox(record) : aws(record));
  return {
    stateDir,
    store,
    ...(table ? { table: table.tableName } : {}),
    where,
    logger,
    owner,
    deps: (onProgress) => ({ store, logger, owner, connect, lockKey: sandboxLockKey, ...(onProgress ? { onProgress } : {}) }),
  };
}

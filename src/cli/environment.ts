import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { createFileStore } from '../store/file-store.js';
import type { RunRecord, RunStore } from '../store/run-store.js';
import { awsConnector, sandboxConnector } from '../connect/index.js';
import type { Connection, EngineDeps } from '../run/engine.js';
import { REDACT_PATHS } from '../logger.js';
import type { CliIo } from './io.js';

export interface CliEnvironment {
  stateDir: string;
  store: RunStore;
  logger: Logger;
  owner: string;
  deps(onProgress?: EngineDeps['onProgress']): EngineDeps;
}

export interface EnvironmentFlags {
  'state-dir'?: string | undefined;
  'log-file'?: string | undefined;
  'log-format'?: string | undefined;
  profile?: string | undefined;
}

export function worldPathFor(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId, 'world.json');
}

/** Each CLI sandbox run has a world of its own (worldPathFor): its listener's lock is that world's, not AWS's. */
export function sandboxLockKey(record: RunRecord): { key: string; description: string } {
  if (record.target.kind !== 'sandbox') return { key: record.listenerArn, description: record.listenerArn };
  return { key: `sandbox:${record.runId}:${record.listenerArn}`, description: `${record.listenerArn} in the sandbox world of run ${record.runId}` };
}

/** Logs go where the user asked (a file, or JSON on stderr); otherwise the progress view speaks alone. */
function createCliLogger(flags: EnvironmentFlags, io: CliIo): Logger {
  const redact = { paths: REDACT_PATHS, censor: '[redacted]' };
  if (flags['log-file']) return pino({ level: 'debug', redact }, pino.destination({ dest: resolve(io.cwd, flags['log-file']), sync: true }));
  if (flags['log-format'] === 'json') return pino({ level: 'debug', redact }, pino.destination({ dest: 2, sync: true }));
  return pino({ level: 'silent' });
}

export function cliEnvironment(flags: EnvironmentFlags, io: CliIo): CliEnvironment {
  const stateDir = resolve(io.cwd, flags['state-dir'] ?? '.quiesce');
  const store = createFileStore(stateDir);
  const logger = createCliLogger(flags, io);
  const owner = `${process.pid}@${hostname()}`;
  const sandbox = sandboxConnector({ logger, worldPath: (r) => worldPathFor(stateDir, r.runId) });
  const aws = awsConnector({ logger, operatorFlags: `--state-dir ${stateDir}`, ...(flags.profile ? { profile: flags.profile } : {}) });
  const connect = (record: RunRecord): Promise<Connection> => (record.target.kind === 'sandbox' ? sandbox(record) : aws(record));
  return {
    stateDir,
    store,
    logger,
    owner,
    deps: (onProgress) => ({ store, logger, owner, connect, lockKey: sandboxLockKey, ...(onProgress ? { onProgress } : {}) }),
  };
}

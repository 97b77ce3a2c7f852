import type { RedisOptions } from 'ioredis';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ProbeError } from './errors.js';
import { redactSecrets } from './redact.js';

export type RedisTls = boolean | { servername?: string; rejectUnauthorized?: boolean };

export interface RedisEndpoint {
  host: string;
  port: number;
  tls?: RedisTls;
  authToken?: string;
  username?: string;
}

export type RedisIoKind = 'auth' | 'timeout' | 'refused' | 'reply' | 'network';

/**
 * A Redis command or connection that did not succeed: an outcome of the remote side, which the probe
 * turns into a failed Check. The message is redacted and the raw ioredis error is not kept as `cause`
 * because ioredis attaches the command's arguments to it, and for HELLO/AUTH those hold the token.
 */
export class RedisIoFailure extends ProbeError {
  readonly kind: RedisIoKind;
  readonly code: string | undefined;

  constructor(kind: RedisIoKind, message: string, code?: string) {
    super(message);
    this.name = 'RedisIoFailure';
    this.kind = kind;
    this.code = code;
  }
}

export interface RedisSession {
  /** `host:port`, for messages. */
  readonly address: string;
  /** Sends one command; a remote failure or a missed deadline rejects with RedisIoFailure. */
  call(...args: [string, ...(string | number)[]]): Promise<unknown>;
  /** Idempotent; closes the socket at once, failing anything still in flight. */
  close(): void;
}

// ioredis rejects connect() and in-flight commands with this generic message; the real cause
// (ECONNREFUSED, WRONGPASS, ...) arrives on the 'error' event just before.
const CONNECTION_CLOSED = 'Connection is closed.';
const AUTH_ERROR = /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|invalid username-password/i;

export function redisClientOptions(endpoint: RedisEndpoint, timeoutMs: number): RedisOptions {
  const options: RedisOptions = {
    host: endpoint.host,
    port: endpoint.port,
    connectionName: 'quiesce-probe',
    lazyConnect: true,
    // A probe must fail fast and say why: no queueing while disconnected, no retries, no reconnects.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: null,
    autoResendUnfulfilledCommands: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  };
  if (endpoint.username !== undefined) options.username = endpoint.username;
  if (endpoint.authToken !== undefined) options.password = endpoint.authToken;
  if (endpoint.tls) options.tls = tlsOptions(endpoint.tls);
  return options;
}

/**
 * Nodes reached by the address another node reports (often an IP: a replica the primary lists, a node a
 * cluster announces) must still be verified against the name the client was given.
 */
export function announcedNodeTls(tls: RedisTls | undefined, givenHost: string): RedisTls | undefined {
  if (!tls) return tls;
  const options = tls === true ? {} : { ...tls };
  if (options.servername === undefined && isIP(givenHost) === 0) options.servername = givenHost;
  return options;
}

function tlsOptions(tls: Exclude<RedisTls, false>): ConnectionOptions {
  if (tls === true) return {};
  const out: ConnectionOptions = {};
  if (tls.servername !== undefined) out.servername = tls.servername;
  if (tls.rejectUnauthorized !== undefined) out.rejectUnauthorized = tls.rejectUnauthorized;
  return out;
}

/** Connects (TLS and AUTH as configured) within `timeoutMs`; rejects with RedisIoFailure on any remote failure. */
export async function openRedisSession(endpoint: RedisEndpoint, timeoutMs: number): Promise<RedisSession> {
  const address = `${endpoint.host}:${endpoint.port}`;
  const secrets = [endpoint.authToken];
  // Loaded on first use: ioredis and its dependencies are about a fifth of the Lambda bundle, and most
  // plans have no verify.redis, so the cold start does not run them.
  const { Redis } = await import('ioredis');
  const client = new Redis(redisClientOptions(endpoint, timeoutMs));
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    client.disconnect();
  };

  const guarded = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(op(), timeoutMs, close);
    } catch (err) {
      // A programming error is not an outcome of the remote side: let it through to be rethrown.
      if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) throw err;
      throw toIoFailure(err, lastError, what, address, timeoutMs, secrets);
    }
  };

  try {
    await guarded('connect', () => client.connect());
  } catch (err) {
    close();
    throw err instanceof RedisIoFailure ? withTlsHint(err, Boolean(endpoint.tls)) : err;
  }
  return {
    address,
    call: (command, ...args) => guarded(command, () => client.call(command, ...args)),
    close,
  };
}

/**
 * A TLS mismatch looks like a hang (plaintext server, TLS client) or an abrupt close (the reverse);
 * ElastiCache in-transit encryption is the usual cause, so say so.
 */
export function withTlsHint(failure: RedisIoFailure, tls: boolean): RedisIoFailure {
  if (failure.kind === 'timeout' && tls) {
    return new RedisIoFailure(failure.kind, `${failure.message}; TLS is on: does the server use in-transit encryption?`, failure.code);
  }
  if (failure.kind === 'network' && !tls && (failure.code === 'ECONNRESET' || failure.message.endsWith(CONNECTION_CLOSED))) {
    return new RedisIoFailure(failure.kind, `${failure.message}; TLS is off: if the server uses in-transit encryption, set tls`, failure.code);
  }
  return failure;
}

class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/** ioredis's own timeouts do not cover every phase (a stalled handshake can outlive connectTimeout), so bound each call. */
export async function withDeadline<T>(op: Promise<T>, ms: number, onExpiry: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpiry();
      reject(new DeadlineExceeded());
    }, ms);
  });
  try {
    return await Promise.race([op, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

export function toIoFailure(
  err: unknown,
  lastError: Error | undefined,
  what: string,
  address: string,
  timeoutMs: number,
  secrets: ReadonlyArray<string | undefined>,
): RedisIoFailure {
  if (!(err instanceof Error)) {
    return new RedisIoFailure('network', redactSecrets(`${what} on ${address} failed: ${String(err)}`, secrets));
  }
  const cause = err.message === CONNECTION_CLOSED && lastError ? lastError : err;
  const code = (cause as NodeJS.ErrnoException).code;
  const detail = redactSecrets(cause.message, secrets);
  if (err instanceof DeadlineExceeded || cause.message === 'Command timed out') {
    return new RedisIoFailure('timeout', `${what} on ${address} timed out after ${timeoutMs}ms (no answer)`, code);
  }
  if (AUTH_ERROR.test(cause.message)) {
    return new RedisIoFailure('auth', `AUTH failed: ${detail} (${address})`, code);
  }
  if (code === 'ECONNREFUSED') {
    return new RedisIoFailure('refused', `${what} on ${address} failed: connection refused`, code);
  }
  const kind: RedisIoKind = code ? 'network' : cause.name === 'ReplyError' ? 'reply' : 'network';
  return new RedisIoFailure(kind, `${what} on ${address} failed: ${detail}`, code);
}

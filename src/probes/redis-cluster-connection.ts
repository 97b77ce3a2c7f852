import { announcedNodeTls, openRedisSession, redisClientOptions, RedisIoFailure, toIoFailure, withDeadline, withTlsHint, type RedisEndpoint } from './redis-connection.js';

// A cluster-aware connection through a cluster mode enabled group's configuration endpoint: ioredis'
// Cluster reads the slot map there, sends each keyed command to the node serving its slot and follows
// MOVED and ASK redirections. Like a single session, it fails fast and says why: no reconnects, no
// queueing before it is ready, every call bounded.

export interface RedisClusterSession {
  /** `host:port` of the configuration endpoint, for messages. */
  readonly address: string;
  /** A keyed command goes to the node serving the key's slot (redirections followed); a keyless one to any node. */
  call(...args: [string, ...(string | number)[]]): Promise<unknown>;
  /** Idempotent; closes every node connection at once. */
  close(): void;
}

// ioredis's Cluster reports a failed start with these generic messages; the cause arrives on 'node error'.
const GENERIC = /^(Failed to refresh slots cache|None of startup nodes is available|Connection is closed|Cluster isn't ready)/;

export async function openRedisClusterSession(endpoint: RedisEndpoint, timeoutMs: number): Promise<RedisClusterSession> {
  const address = `${endpoint.host}:${endpoint.port}`;
  const secrets = [endpoint.authToken];
  // One plain handshake first: the cluster client reports a refused AUTH or a TLS mismatch only as "Failed to
  // refresh slots cache", while a single session says which (and RedisIoFailure carries its kind).
  (await openRedisSession(endpoint, timeoutMs)).close();
  const { Cluster } = await import('ioredis');
  // The nodes are reached at the addresses the cluster announces (often IPs), verified against the
  // configuration endpoint's name when TLS is on.
  const nodeTls = announcedNodeTls(endpoint.tls, endpoint.host);
  const { host: _host, port: _port, ...nodeOptions } = redisClientOptions({ ...endpoint, ...(nodeTls !== undefined ? { tls: nodeTls } : {}) }, timeoutMs);
  const cluster = new Cluster([{ host: endpoint.host, port: endpoint.port }], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    slotsRefreshTimeout: timeoutMs,
    // A short-lived probe refreshes its slot map on MOVED only: a redirection it follows is one the cluster sent.
    slotsRefreshInterval: 0,
    // Keep announced addresses as they are: a TLS node's certificate names the endpoint, not a resolved IP.
    dnsLookup: (hostname, callback) => callback(null, hostname, 0),
    redisOptions: nodeOptions,
  });
  let lastError: Error | undefined;
  const remember = (err: Error) => {
    lastError = err;
  };
  cluster.on('error', remember);
  cluster.on('node error', remember);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    cluster.disconnect();
  };
  const guarded = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(op(), timeoutMs, close);
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) throw err;
      const cause = err instanceof Error && GENERIC.test(err.message) && lastError ? lastError : err;
      throw toIoFailure(cause, lastError, what, address, timeoutMs, secrets);
    }
  };
  try {
    await guarded('connect', () => cluster.connect());
  } catch (err) {
    close();
    throw err instanceof RedisIoFailure ? withTlsHint(err, Boolean(endpoint.tls)) : err;
  }
  return { address, call: (command, ...args) => guarded(command, () => cluster.call(command, ...args)), close };
}

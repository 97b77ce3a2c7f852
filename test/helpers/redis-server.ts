// Real redis-server processes for the probe tests, on free loopback ports, in throwaway directories.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

const INSTALL_HINT =
  'redis-server was not found on PATH (nor in /usr/bin, /usr/sbin): install the Debian package `redis-server` ' +
  '(apt-get update && apt-get install -y redis-server). These tests need a real server and never skip.';

/** The redis-server binary; throws (failing the suite, never skipping it) when it is not installed. */
export function findRedisServer(dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin']): string {
  for (const dir of dirs) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
    }
  }
  throw new Error(INSTALL_HINT);
}

export interface RedisServerOptions {
  requirepass?: string;
  /** Start as a replica of this server; waits until the link is up and the primary lists it. */
  replicaOf?: RedisServer;
  /** Allow DEBUG (SLEEP) from loopback clients; off by default since Redis 7. */
  enableDebugCommand?: boolean;
  /** A cluster mode node (cluster-enabled yes), its bus on a free port of its own; startCluster joins them. */
  clusterEnabled?: boolean;
}

export interface RedisServer {
  readonly port: number;
  /** The cluster bus port of a cluster mode node. */
  readonly busPort: number | undefined;
  readonly pid: number;
  readonly password: string | undefined;
  /** The server's own log lines, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts servers and remembers them, so one `stopAll()` in afterAll cleans up even after a failure. */
export class RedisServers {
  readonly #running = new Set<RunningServer>();
  readonly #binary = findRedisServer();

  async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    let lastError: unknown;
    // A free port can be taken between probing and binding; try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = await RunningServer.spawn(this.#binary, await freePort(), options);
      this.#running.add(server);
      try {
        await server.waitUntilServing(options);
        return server;
      } catch (err) {
        lastError = err;
        await server.stop();
        this.#running.delete(server);
      }
    }
    throw new Error(`could not start redis-server after 3 attempts`, { cause: lastError });
  }

  /**
   * A cluster on loopback: `primaries` shards splitting the 16384 slots evenly, each primary with
   * `replicasPerPrimary` replicas, joined by CLUSTER MEET, slots assigned with CLUSTER ADDSLOTSRANGE and
   * replicas attached with CLUSTER REPLICATE. Resolves once every node says cluster_state:ok, knows every
   * shard, and every replica's link is up.
   */
  async startCluster(options: { primaries: number; replicasPerPrimary: number; requirepass?: string }): Promise<RedisTestCluster> {
    const serverOptions = { clusterEnabled: true, ...(options.requirepass !== undefined ? { requirepass: options.requirepass } : {}) };
    const primaries: RedisServer[] = [];
    const replicas: RedisServer[][] = [];
    for (let i = 0; i < options.primaries; i++) {
      primaries.push(await this.start(serverOptions));
      const own: RedisServer[] = [];
      for (let j = 0; j < options.replicasPerPrimary; j++) own.push(await this.start(serverOptions));
      replicas.push(own);
    }
    const cluster = new RedisTestCluster(
      primaries.map((primary, i) => ({ slots: slotRange(i, options.primaries), primary, replicas: replicas[i]! })),
      options.requirepass,
    );
    await cluster.form();
    return cluster;
  }

  async stopAll(): Promise<void> {
    const servers = [...this.#running];
    this.#running.clear();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

// Last resort if a test process dies without running afterAll: no redis-server outlives it.
const everyChild = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of everyChild) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

class RunningServer implements RedisServer {
  readonly port: number;
  readonly busPort: number | undefined;
  readonly pid: number;
  readonly password: string | undefined;
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #exited: Promise<void>;
  #log = '';

  private constructor(child: ChildProcess, port: number, dir: string, password: string | undefined, busPort: number | undefined) {
    this.#child = child;
    this.port = port;
    this.busPort = busPort;
    this.pid = child.pid ?? -1;
    this.#dir = dir;
    this.password = password;
    const keep = (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString('utf8')).slice(-16_384);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    everyChild.add(child);
  }

  static async spawn(binary: string, port: number, options: RedisServerOptions): Promise<RunningServer> {
    const dir = await mkdtemp(join(tmpdir(), 'quiesce-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--daemonize', 'no', '--protected-mode', 'no', '--dir', dir, '--loglevel', 'notice');
    const busPort = options.clusterEnabled ? await freePort() : undefined;
    if (busPort !== undefined) {
      // The bus port is port + 10000 unless set (Redis 7.0+): a free one, so no two test files collide.
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort), '--cluster-node-timeout', '5000');
      if (options.requirepass !== undefined) args.push('--masterauth', options.requirepass);
    }
    if (options.enableDebugCommand) args.push('--enable-debug-command', 'local');
    if (options.requirepass !== undefined) args.push('--requirepass', options.requirepass);
    if (options.replicaOf) {
      args.push('--replicaof', '127.0.0.1', String(options.replicaOf.port));
      if (options.replicaOf.password !== undefined) args.push('--masterauth', options.replicaOf.password);
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return new RunningServer(child, port, dir, options.requirepass, busPort);
  }

  log(): string {
    return this.#log;
  }

  async waitUntilServing(options: RedisServerOptions): Promise<void> {
    const deadline = Date.now() + 10_000;
    const client = (port: number, password: string | undefined) =>
      new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500, commandTimeout: 500 });
    const ready = async (): Promise<boolean> => {
      const self = client(this.port, this.password);
      self.on('error', () => undefined); // failures here just mean "not yet"; the deadline reports them
      try {
        await self.connect();
        if ((await self.ping()) !== 'PONG') return false;
        if (!options.replicaOf) return true;
        const info = await self.info('replication');
        if (!info.includes('master_link_status:up')) return false;
        const primary = client(options.replicaOf.port, options.replicaOf.password);
        primary.on('error', () => undefined);
        try {
          await primary.connect();
          const role = (await primary.call('ROLE')) as [string, number, Array<[string, string, string]>];
          return role[2].some(([, port]) => Number(port) === this.port);
        } finally {
          primary.disconnect();
        }
      } catch (err) {
        if (this.#child.exitCode !== null) throw new Error(`redis-server exited early:\n${this.#log}`, { cause: err });
        return false;
      } finally {
        self.disconnect();
      }
    };
    while (Date.now() < deadline) {
      if (await ready()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${this.port} was not serving within 10s:\n${this.#log}`);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        this.#exited.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), 3_000);
        }),
      ]);
      clearTimeout(timer);
      if (!stopped) {
        this.#child.kill('SIGKILL');
        await this.#exited;
      }
    }
    everyChild.delete(this.#child);
    await rm(this.#dir, { recursive: true, force: true });
  }
}

function slotRange(i: number, count: number): [number, number] {
  const start = (k: number) => Math.ceil((k * 16384) / count);
  return [start(i), start(i + 1) - 1];
}

/** Polls `ready` every 100 ms until it holds or `ms` passes; the last reason is in the error. */
async function until(what: string, ms: number, ready: () => Promise<string | true>): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'not checked';
  while (Date.now() < deadline) {
    try {
      const verdict = await ready();
      if (verdict === true) return;
      last = verdict;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} within ${ms / 1000}s: ${last}`);
}

export interface TestShard {
  slots: [number, number];
  primary: RedisServer;
  replicas: RedisServer[];
}

/** A cluster of real redis-server processes; the shards are as formed, `failover` swaps one primary and replica. */
export class RedisTestCluster {
  constructor(
    readonly shards: TestShard[],
    private readonly password: string | undefined,
  ) {}

  get nodes(): RedisServer[] {
    return this.shards.flatMap((s) => [s.primary, ...s.replicas]);
  }

  /** Runs `work` with an admin connection to one node. */
  async on<T>(server: RedisServer, work: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis({ host: '127.0.0.1', port: server.port, password: this.password, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 2000 });
    client.on('error', () => undefined); // a failure rejects the command below; this only keeps it from being unhandled
    try {
      await client.connect();
      return await work(client);
    } finally {
      client.disconnect();
    }
  }

  async form(): Promise<void> {
    for (const shard of this.shards) await this.on(shard.primary, (c) => c.call('CLUSTER', 'ADDSLOTSRANGE', shard.slots[0], shard.slots[1]));
    const [first, ...rest] = this.nodes;
    for (const node of rest) await this.on(first!, (c) => c.call('CLUSTER', 'MEET', '127.0.0.1', node.port, node.busPort!));
    await until('every node to know every other', 30_000, async () => {
      for (const node of this.nodes) {
        const known = ((await this.on(node, (c) => c.call('CLUSTER', 'NODES'))) as string).trim().split('\n').filter((l) => !/handshake|noaddr/.test(l));
        if (known.length < this.nodes.length) return `127.0.0.1:${node.port} knows ${known.length} of ${this.nodes.length} nodes`;
      }
      return true;
    });
    for (const shard of this.shards) {
      const id = (await this.on(shard.primary, (c) => c.call('CLUSTER', 'MYID'))) as string;
      for (const replica of shard.replicas) {
        await until(`127.0.0.1:${replica.port} to replicate ${shard.primary.port}`, 30_000, async () => {
          await this.on(replica, (c) => c.call('CLUSTER', 'REPLICATE', id));
          return true;
        });
      }
    }
    await this.waitStable();
  }

  /** Every node: cluster_state:ok and the shards' primaries as in `shards`; every replica linked to its primary. */
  async waitStable(ms = 30_000): Promise<void> {
    await until('the cluster to be stable', ms, async () => {
      for (const node of this.nodes) {
        const info = (await this.on(node, (c) => c.call('CLUSTER', 'INFO'))) as string;
        if (!info.includes('cluster_state:ok')) return `127.0.0.1:${node.port} cluster_state not ok`;
        const nodes = ((await this.on(node, (c) => c.call('CLUSTER', 'NODES'))) as string).trim().split('\n');
        for (const shard of this.shards) {
          const line = nodes.find((l) => l.includes(`127.0.0.1:${shard.primary.port}@`));
          if (!line || !/\bmaster\b/.test(line) || /\bfail/.test(line)) return `127.0.0.1:${node.port} does not see ${shard.primary.port} as a healthy master: ${line ?? 'absent'}`;
        }
      }
      for (const shard of this.shards) {
        for (const replica of shard.replicas) {
          const info = (await this.on(replica, (c) => c.info('replication'))) as string;
          if (!info.includes('master_link_status:up') || !info.includes(`master_port:${shard.primary.port}`)) return `replica ${replica.port} not linked to ${shard.primary.port}`;
        }
      }
      return true;
    });
  }

  /** CLUSTER FAILOVER on `replica` (a coordinated manual failover); resolves once the cluster is stable with it as primary. */
  async failover(replica: RedisServer): Promise<void> {
    const shard = this.shards.find((s) => s.replicas.includes(replica));
    if (!shard) throw new Error(`127.0.0.1:${replica.port} is not a replica of this cluster`);
    const reply = await this.on(replica, (c) => c.call('CLUSTER', 'FAILOVER'));
    if (reply !== 'OK') throw new Error(`CLUSTER FAILOVER answered ${String(reply)}`);
    shard.replicas = [...shard.replicas.filter((r) => r !== replica), shard.primary];
    shard.primary = replica;
    await this.waitStable();
  }
}

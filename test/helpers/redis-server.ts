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
}

export interface RedisServer {
  readonly port: number;
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
  readonly pid: number;
  readonly password: string | undefined;
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #exited: Promise<void>;
  #log = '';

  private constructor(child: ChildProcess, port: number, dir: string, password: string | undefined) {
    this.#child = child;
    this.port = port;
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
    return new RunningServer(child, port, dir, options.requirepass);
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

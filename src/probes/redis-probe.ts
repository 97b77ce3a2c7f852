import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { ProbeResult } from './probe-result.js';
import { ProbeSteps, type StepOutcome } from './probe-steps.js';
import { announcedNodeTls, openRedisSession, RedisIoFailure, type RedisEndpoint, type RedisSession, type RedisTls } from './redis-connection.js';
import { parseRole, replicaStateFromInfo, type ReplicaAddress } from './redis-replies.js';
import { waitForReplicaOffsets } from './replica-catch-up.js';

/** What both probes (one primary, or a cluster through its configuration endpoint) connect and write with. */
export interface RedisProbeConnection {
  host: string;
  port: number;
  tls?: RedisTls;
  /** Resolved by the caller (see secrets.ts); never logged, never echoed in a Check. */
  authToken?: string;
  username?: string;
  /** Bound for connecting and for each command, on every node. */
  timeoutMs: number;
  canaryTtlSeconds?: number;
  /** How long replicas get to reach the primary's offset after the canary write. */
  replicaCatchUpMs: number;
  replicaPollIntervalMs?: number;
}

export interface RedisProbeInput extends RedisProbeConnection {
  /** Fewer connected replicas than this fails the probe. */
  expectReplicas?: number;
}

export interface RedisProbeDeps {
  logger: Logger;
  clock: Clock;
}

/**
 * Data-plane evidence that a Redis primary really serves: it answers, says it is the master,
 * takes a write and reads it back, and its replicas are linked and catch up with that write.
 * Stops at the first failing check. Every connection it opens is closed before it returns.
 */
export async function probeRedis(input: RedisProbeInput, deps: RedisProbeDeps): Promise<ProbeResult> {
  const { clock } = deps;
  const address = `${input.host}:${input.port}`;
  const log = deps.logger.child({ probe: 'redis', address });
  const steps = new ProbeSteps({ clock, log, secrets: [input.authToken], address });
  const sessions: RedisSession[] = [];
  const result = () => steps.result();
  const step = (name: string, threshold: string | undefined, run: () => Promise<StepOutcome>) => steps.run(name, threshold, run);

  const endpoint: RedisEndpoint = { host: input.host, port: input.port };
  if (input.tls !== undefined) endpoint.tls = input.tls;
  if (input.authToken !== undefined) endpoint.authToken = input.authToken;
  if (input.username !== undefined) endpoint.username = input.username;
  const open = async (target: RedisEndpoint) => {
    const session = await openRedisSession(target, input.timeoutMs);
    sessions.push(session);
    return session;
  };

  try {
    let primary: RedisSession | undefined;
    const connected = await step('redis.connect', `answers within ${input.timeoutMs}ms`, async () => {
      primary = await open(endpoint);
      const how = [input.tls ? 'TLS' : undefined, input.authToken !== undefined ? 'AUTH' : undefined].filter(Boolean);
      return { ok: true, observed: `connected${how.length ? ` with ${how.join(' and ')}` : ''}` };
    });
    if (!connected || !primary) return result();
    const session = primary;

    const roleOk = await step('redis.role', 'master', async () => {
      const role = parseRole(await session.call('ROLE'));
      switch (role.role) {
        case 'master':
          return { ok: true, observed: 'master' };
        case 'slave':
          return {
            ok: false,
            observed: 'slave',
            message: `${address} answered ROLE slave (replica of ${role.masterHost}:${role.masterPort}, link ${role.state}) where a primary (master) is expected`,
          };
        case 'sentinel':
          return { ok: false, observed: 'sentinel', message: `${address} answered ROLE sentinel where a primary (master) is expected` };
        case 'unrecognised':
          return { ok: false, observed: 'unrecognised', message: `${address} answered an unrecognised ROLE reply: ${role.description}` };
      }
    });
    if (!roleOk) return result();

    const ttl = input.canaryTtlSeconds ?? 30;
    const canaryOk = await step('redis.canary', 'SET then GET returns the value written', async () => {
      const key = `quiesce:canary:${randomUUID()}`;
      const value = randomUUID();
      const set = await session.call('SET', key, value, 'EX', ttl);
      if (set !== 'OK') return { ok: false, observed: `SET answered ${String(set)}`, message: `SET ${key} on ${address} answered ${String(set)}, not OK` };
      const read = await session.call('GET', key);
      if (read !== value) {
        return { ok: false, observed: `read back ${JSON.stringify(read)}`, message: `GET ${key} on ${address} did not return the value just written` };
      }
      return { ok: true, observed: `wrote and read back ${key} (EX ${ttl})` };
    });
    if (!canaryOk) return result();

    // Read ROLE again after the write: its offset is what every replica must reach.
    let replicas: ReplicaAddress[] = [];
    let targetOffset = 0;
    const expected = input.expectReplicas;
    const replicasOk = await step('redis.replicas', expected === undefined ? undefined : `>= ${expected} connected`, async () => {
      const role = parseRole(await session.call('ROLE'));
      if (role.role !== 'master') {
        return { ok: false, observed: role.role, message: `${address} stopped answering ROLE master during the probe (now ${role.role})` };
      }
      replicas = role.replicas;
      targetOffset = role.offset;
      const observed = `${replicas.length} connected${replicas.length ? ` (${replicas.map((r) => `${r.host}:${r.port}`).join(', ')})` : ''}`;
      if (expected !== undefined && replicas.length < expected) {
        return { ok: false, observed, message: `${address} has ${replicas.length} connected replica(s), expected at least ${expected}` };
      }
      return { ok: true, observed };
    });
    if (!replicasOk || replicas.length === 0) return result();

    const replicaEndpoint = (r: ReplicaAddress): RedisEndpoint => ({
      ...endpoint,
      host: r.host,
      port: r.port,
      tls: announcedNodeTls(input.tls, input.host),
    });
    const replicaSessions: RedisSession[] = [];
    const linksOk = await step('redis.replica-link', 'master_link_status:up on every replica', async () => {
      for (const replica of replicas) {
        const replicaSession = await open(replicaEndpoint(replica));
        replicaSessions.push(replicaSession);
        const state = replicaStateFromInfo(asText(await replicaSession.call('INFO', 'replication')));
        if (state.linkStatus !== 'up') {
          return {
            ok: false,
            observed: `${replicaSession.address} master_link_status:${state.linkStatus}`,
            message: `replica ${replicaSession.address} reports master_link_status:${state.linkStatus}`,
          };
        }
      }
      return { ok: true, observed: `${replicas.length}/${replicas.length} up` };
    });
    if (!linksOk) return result();

    const catchUpMs = input.replicaCatchUpMs;
    await step('redis.replica-offset', `>= primary offset ${targetOffset} within ${catchUpMs}ms`, async () => {
      const outcome = await waitForReplicaOffsets(
        replicaSessions.map((s) => ({
          address: s.address,
          read: async () => replicaStateFromInfo(asText(await s.call('INFO', 'replication'))),
        })),
        targetOffset,
        { clock, catchUpMs, intervalMs: input.replicaPollIntervalMs ?? 100 },
      );
      if (outcome.caughtUp) {
        return { ok: true, observed: `${replicas.length}/${replicas.length} at offset >= ${targetOffset} after ${outcome.elapsedMs}ms` };
      }
      const first = outcome.lagging[0]!;
      const at = first.offset === undefined ? 'no offset reported' : `offset ${first.offset}`;
      return {
        ok: false,
        observed: `${replicas.length - outcome.lagging.length}/${replicas.length} caught up`,
        message: `replica ${first.address} at ${at}, behind primary offset ${targetOffset} after ${outcome.elapsedMs}ms (master_link_status:${first.linkStatus})`,
      };
    });
    return result();
  } finally {
    for (const s of sessions) s.close();
  }
}

export function asText(reply: unknown): string {
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  throw new RedisIoFailure('reply', `INFO answered a non-text reply (${typeof reply})`);
}

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import { clusterState, parseClusterShards, parseClusterSlots, parseSlotsText, rangesText, type ClusterNode, type ClusterShard, type ParsedShards } from './cluster-replies.js';
import { HASH_SLOTS, inRanges, keyInRanges } from './key-slot.js';
import type { ProbeResult } from './probe-result.js';
import { ProbeSteps, type StepOutcome } from './probe-steps.js';
import { openRedisClusterSession, type RedisClusterSession } from './redis-cluster-connection.js';
import { announcedNodeTls, openRedisSession, RedisIoFailure, type RedisEndpoint, type RedisSession } from './redis-connection.js';
import { asText, type RedisProbeConnection } from './redis-probe.js';
import { parseRole, replicaStateFromInfo } from './redis-replies.js';
import { waitForReplicaOffsets } from './replica-catch-up.js';

// The data plane of a cluster mode enabled group, shard by shard, through the configuration endpoint with a
// cluster-aware client as AWS requires of clients of such groups
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html): the cluster is whole (cluster_state
// ok, every slot served), each shard has a primary that takes a write of a key in its own slots and serves it
// back, and each shard's replicas are linked and catch up with that write. AWS reports no role per member of such a group, so this is where
// quiesce sees each shard's primary from the engine's side (CLUSTER SHARDS, CLUSTER SLOTS before 7.0).

export interface ExpectedShard {
  /** The ElastiCache node group, named in the checks. */
  nodeGroupId: string;
  /** Its keyspace as ElastiCache reports it ("0-5461"): how the engine's shard is matched to it. */
  slots?: string;
  /** Replicas it has: fewer linked fails its check. */
  replicas: number;
}

/** `host` and `port` name the configuration endpoint. */
export interface RedisClusterProbeInput extends RedisProbeConnection {
  /** The node groups AWS reports; without them each shard is named by its slots and any replica count passes. */
  expectShards?: ExpectedShard[];
}

export interface RedisClusterProbeDeps {
  logger: Logger;
  clock: Clock;
}

interface NamedShard {
  name: string;
  shard: ClusterShard;
  expected?: ExpectedShard;
}

export async function probeRedisCluster(input: RedisClusterProbeInput, deps: RedisClusterProbeDeps): Promise<ProbeResult> {
  const { clock } = deps;
  const address = `${input.host}:${input.port}`;
  const log = deps.logger.child({ probe: 'redis-cluster', address });
  const steps = new ProbeSteps({ clock, log, secrets: [input.authToken], address });
  const endpoint: RedisEndpoint = { host: input.host, port: input.port };
  if (input.tls !== undefined) endpoint.tls = input.tls;
  if (input.authToken !== undefined) endpoint.authToken = input.authToken;
  if (input.username !== undefined) endpoint.username = input.username;
  const sessions: Array<RedisSession | RedisClusterSession> = [];
  const nodeEndpoint = (node: ClusterNode): RedisEndpoint => {
    const tls = announcedNodeTls(input.tls, input.host);
    return { ...endpoint, host: node.host, port: node.port, ...(tls !== undefined ? { tls } : {}) };
  };
  const openNode = async (node: ClusterNode) => {
    const session = await openRedisSession(nodeEndpoint(node), input.timeoutMs);
    sessions.push(session);
    return session;
  };

  try {
    let cluster: RedisClusterSession | undefined;
    const connected = await steps.run('redis.connect', `answers within ${input.timeoutMs}ms`, async () => {
      cluster = await openRedisClusterSession(endpoint, input.timeoutMs);
      sessions.push(cluster);
      const how = [input.tls ? 'TLS' : undefined, input.authToken !== undefined ? 'AUTH' : undefined].filter(Boolean);
      return { ok: true, observed: `connected to the configuration endpoint with a cluster client${how.length ? `, ${how.join(' and ')}` : ''}` };
    });
    if (!connected || !cluster) return steps.result();
    const client = cluster;

    const stateOk = await steps.run('redis.cluster-state', 'cluster_state:ok', async () => {
      const state = clusterState(asText(await client.call('CLUSTER', 'INFO')));
      return state === 'ok' ? { ok: true, observed: 'cluster_state:ok' } : { ok: false, observed: `cluster_state:${state}`, message: `${address} reports cluster_state:${state}: some slots are not served` };
    });
    if (!stateOk) return steps.result();

    let named: NamedShard[] = [];
    const shardsOk = await steps.run('redis.shards', shardsThreshold(input.expectShards), async () => {
      const parsed = await readShards(client, Boolean(input.tls));
      if ('problem' in parsed) return { ok: false, observed: 'unrecognised reply', message: parsed.problem };
      const outcome = nameShards(parsed.shards, input.expectShards);
      named = outcome.named;
      return outcome.check;
    });
    if (!shardsOk) return steps.result();

    const ttl = input.canaryTtlSeconds ?? 30;
    for (const { name, shard, expected } of named) {
      const primary = shard.primary!;
      const at = `${primary.host}:${primary.port}`;
      let primarySession: RedisSession | undefined;
      const canaryOk = await steps.run(`redis.shard.${name}.canary`, "a key in the shard's slots written through the cluster client and read back from the shard's primary", async () => {
        const key = keyInRanges('quiesce:canary:', shard.slots, randomUUID());
        if (key === undefined) return { ok: false, observed: 'no key found for its slots', message: `no canary key hashes to shard ${name}'s slots ${rangesText(shard.slots)}` };
        const value = randomUUID();
        // Through the cluster client: the node it sends to may answer MOVED or ASK, which it follows.
        const set = await client.call('SET', key, value, 'EX', ttl);
        if (set !== 'OK') return { ok: false, observed: `SET answered ${String(set)}`, message: `SET ${key} through ${address} answered ${String(set)}, not OK` };
        primarySession = await openNode(primary);
        const read = await readOnPrimary(primarySession, key);
        if ('moved' in read) return { ok: false, observed: `${at} answered MOVED ${read.moved}`, message: `shard ${name}'s primary ${at} no longer serves ${key} (MOVED ${read.moved}): the cluster changed during the probe` };
        if (read.value !== value) return { ok: false, observed: `read back ${JSON.stringify(read.value)}`, message: `GET ${key} on shard ${name}'s primary ${at} did not return the value just written` };
        return { ok: true, observed: `primary ${at} (slots ${rangesText(shard.slots)}) took ${key} (EX ${ttl}) and served it back` };
      });
      if (!canaryOk || !primarySession) continue;
      const session = primarySession;
      await steps.run(`redis.shard.${name}.replicas`, `${expected ? `>= ${expected.replicas} linked, ` : ''}at the primary's offset within ${input.replicaCatchUpMs}ms`, () => replicasCaughtUp(session, shard, expected, openNode, { ...input, clock }));
    }
    return steps.result();
  } finally {
    for (const s of sessions) s.close();
  }
}

function shardsThreshold(expected: ExpectedShard[] | undefined): string {
  return `every slot served by a shard with a primary${expected ? `; ${expected.length} shard(s), as ElastiCache reports` : ''}`;
}

/** CLUSTER SHARDS; CLUSTER SLOTS on an engine that does not know it (Redis OSS before 7.0). */
async function readShards(client: RedisClusterSession, tls: boolean): Promise<ParsedShards> {
  try {
    return parseClusterShards(await client.call('CLUSTER', 'SHARDS'), tls);
  } catch (err) {
    if (!(err instanceof RedisIoFailure) || err.kind !== 'reply' || !/unknown subcommand|unknown command/i.test(err.message)) throw err;
    return parseClusterSlots(await client.call('CLUSTER', 'SLOTS'));
  }
}

/** Matches the engine's shards to ElastiCache's node groups by their slots, and checks the cluster is whole. */
function nameShards(shards: ClusterShard[], expected: ExpectedShard[] | undefined): { named: NamedShard[]; check: StepOutcome } {
  const served = shards.reduce((n, s) => n + s.slots.reduce((m, [a, b]) => m + b - a + 1, 0), 0);
  const headless = shards.filter((s) => !s.primary || (s.primary.health !== undefined && s.primary.health !== 'online'));
  // In ElastiCache's order of its node groups, else (or for a shard no node group claims) by first slot.
  const rank = (n: NamedShard) => (n.expected ? expected!.indexOf(n.expected) : (expected?.length ?? 0) + (n.shard.slots[0]?.[0] ?? 0) / HASH_SLOTS);
  const named: NamedShard[] = shards.map((shard): NamedShard => {
    const match = expected?.find((e) => {
      const first = e.slots ? parseSlotsText(e.slots)?.[0]?.[0] : undefined;
      return first !== undefined && inRanges(first, shard.slots);
    });
    return { name: match?.nodeGroupId ?? rangesText(shard.slots), shard, ...(match ? { expected: match } : {}) };
  }).sort((a, b) => rank(a) - rank(b));
  const list = named.map((n) => `${n.name}: ${n.shard.primary ? `${n.shard.primary.host}:${n.shard.primary.port}` : 'no primary'} + ${n.shard.replicas.length} replica(s)`).join('; ');
  const observed = `${shards.length} shard(s), ${served}/${HASH_SLOTS} slots served (${list})`;
  if (served !== HASH_SLOTS) return { named, check: { ok: false, observed, message: `the shards serve ${served} of ${HASH_SLOTS} slots` } };
  if (headless.length) return { named, check: { ok: false, observed, message: `shard(s) ${headless.map((s) => rangesText(s.slots)).join(', ')} have no online primary` } };
  if (expected) {
    const unmatched = expected.filter((e) => !named.some((n) => n.expected === e)).map((e) => e.nodeGroupId);
    if (shards.length !== expected.length || unmatched.length) {
      return { named, check: { ok: false, observed, message: `the engine shows ${shards.length} shard(s) where ElastiCache reports ${expected.length} node group(s)${unmatched.length ? `; no shard serves the slots of ${unmatched.join(', ')}` : ''}` } };
    }
  }
  return { named, check: { ok: true, observed } };
}

async function readOnPrimary(session: RedisSession, key: string): Promise<{ value: unknown } | { moved: string }> {
  try {
    return { value: await session.call('GET', key) };
  } catch (err) {
    const moved = err instanceof RedisIoFailure && err.kind === 'reply' ? /\bMOVED (\d+ \S+)/.exec(err.message)?.[1] : undefined;
    if (moved) return { moved };
    throw err;
  }
}

/** The primary's replicas (by ROLE, after the write) are as many as expected, linked, and reach its offset. */
async function replicasCaughtUp(
  session: RedisSession,
  shard: ClusterShard,
  expected: ExpectedShard | undefined,
  openNode: (node: ClusterNode) => Promise<RedisSession>,
  options: { clock: Clock; replicaCatchUpMs: number; replicaPollIntervalMs?: number },
): Promise<StepOutcome> {
  const role = parseRole(await session.call('ROLE'));
  if (role.role !== 'master') return { ok: false, observed: role.role, message: `${session.address} stopped answering ROLE master during the probe (now ${role.role})` };
  const want = expected?.replicas ?? 0;
  const linked = `${role.replicas.length} connected`;
  if (role.replicas.length < want) return { ok: false, observed: linked, message: `${session.address} has ${role.replicas.length} connected replica(s), expected at least ${want}` };
  if (shard.replicas.length === 0) return { ok: true, observed: `${linked}, none to wait for` };
  const replicaSessions: RedisSession[] = [];
  for (const replica of shard.replicas) {
    const replicaSession = await openNode(replica);
    replicaSessions.push(replicaSession);
    const state = replicaStateFromInfo(asText(await replicaSession.call('INFO', 'replication')));
    if (state.linkStatus !== 'up') return { ok: false, observed: `${replicaSession.address} master_link_status:${state.linkStatus}`, message: `replica ${replicaSession.address} reports master_link_status:${state.linkStatus}` };
  }
  const outcome = await waitForReplicaOffsets(
    replicaSessions.map((s) => ({ address: s.address, read: async () => replicaStateFromInfo(asText(await s.call('INFO', 'replication'))) })),
    role.offset,
    { clock: options.clock, catchUpMs: options.replicaCatchUpMs, intervalMs: options.replicaPollIntervalMs ?? 100 },
  );
  if (outcome.caughtUp) return { ok: true, observed: `${linked}; ${replicaSessions.length}/${replicaSessions.length} linked and at offset >= ${role.offset} after ${outcome.elapsedMs}ms` };
  const first = outcome.lagging[0]!;
  return {
    ok: false,
    observed: `${replicaSessions.length - outcome.lagging.length}/${replicaSessions.length} caught up`,
    message: `replica ${first.address} at ${first.offset === undefined ? 'no offset reported' : `offset ${first.offset}`}, behind primary offset ${role.offset} after ${outcome.elapsedMs}ms (master_link_status:${first.linkStatus})`,
  };
}

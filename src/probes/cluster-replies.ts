// Parsers for the cluster replies the probe reads: CLUSTER SHARDS (Valkey, Redis OSS 7.0 and later) and
// CLUSTER SLOTS (older engines). Like redis-replies.ts, they describe anything unexpected instead of
// throwing: a node answering nonsense is a failed check, not a bug in quiesce.
import { parseInfo } from './redis-replies.js';

export interface ClusterNode {
  id?: string;
  host: string;
  port: number;
  /** CLUSTER SHARDS only: `online`, `failed` or `loading`. */
  health?: string;
  /** CLUSTER SHARDS only. */
  offset?: number;
}

export interface ClusterShard {
  /** Inclusive [start, end] slot ranges the shard serves. */
  slots: Array<[number, number]>;
  primary?: ClusterNode;
  replicas: ClusterNode[];
}

export type ParsedShards = { shards: ClusterShard[] } | { problem: string };

const toInt = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};

const describe = (reply: unknown): string => {
  const text = JSON.stringify(reply) ?? String(reply);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

/** A flat `[key, value, ...]` array (RESP2, and ioredis's legacy RESP3 mapping) or an object, as a map. */
function fields(value: unknown): Map<string, unknown> | undefined {
  if (Array.isArray(value)) {
    if (value.length % 2 !== 0) return undefined;
    const out = new Map<string, unknown>();
    for (let i = 0; i < value.length; i += 2) out.set(String(value[i]), value[i + 1]);
    return out;
  }
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [String(k), v]));
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value));
  return undefined;
}

/**
 * CLUSTER SHARDS: per shard, its slot ranges and nodes (id, port / tls-port, ip, endpoint, hostname, role,
 * replication-offset, health). A node is reached at its endpoint (else ip), on tls-port when TLS is on.
 */
export function parseClusterShards(reply: unknown, tls: boolean): ParsedShards {
  if (!Array.isArray(reply)) return { problem: `CLUSTER SHARDS answered ${describe(reply)}` };
  const shards: ClusterShard[] = [];
  for (const entry of reply) {
    const shard = fields(entry);
    const slots = shard?.get('slots');
    const nodes = shard?.get('nodes');
    if (!Array.isArray(slots) || slots.length % 2 !== 0 || !Array.isArray(nodes)) return { problem: `CLUSTER SHARDS answered an unrecognised shard: ${describe(entry)}` };
    const ranges: Array<[number, number]> = [];
    for (let i = 0; i < slots.length; i += 2) {
      const start = toInt(slots[i]);
      const end = toInt(slots[i + 1]);
      if (start === undefined || end === undefined) return { problem: `CLUSTER SHARDS answered unrecognised slots: ${describe(slots)}` };
      ranges.push([start, end]);
    }
    const out: ClusterShard = { slots: ranges, replicas: [] };
    for (const raw of nodes) {
      const node = fields(raw);
      const port = toInt(tls ? (node?.get('tls-port') ?? node?.get('port')) : (node?.get('port') ?? node?.get('tls-port')));
      const endpoint = node?.get('endpoint');
      const host = typeof endpoint === 'string' && endpoint !== '' && endpoint !== '?' ? endpoint : node?.get('ip');
      const role = node?.get('role');
      if (!node || port === undefined || typeof host !== 'string' || (role !== 'master' && role !== 'replica')) {
        return { problem: `CLUSTER SHARDS answered an unrecognised node: ${describe(raw)}` };
      }
      const id = node.get('id');
      const health = node.get('health');
      const offset = toInt(node.get('replication-offset'));
      const parsed: ClusterNode = { host, port, ...(typeof id === 'string' ? { id } : {}), ...(typeof health === 'string' ? { health } : {}), ...(offset !== undefined ? { offset } : {}) };
      if (role === 'master') out.primary = parsed;
      else out.replicas.push(parsed);
    }
    // A shard serving no slot (a replica set being moved) is not one the probe writes through.
    if (ranges.length > 0) shards.push(out);
  }
  return { shards };
}

/** CLUSTER SLOTS: `[[start, end, [ip, port, id], [replica ip, port, id], ...], ...]`, one entry per range. */
export function parseClusterSlots(reply: unknown): ParsedShards {
  if (!Array.isArray(reply)) return { problem: `CLUSTER SLOTS answered ${describe(reply)}` };
  const byPrimary = new Map<string, ClusterShard>();
  for (const entry of reply) {
    const start = Array.isArray(entry) ? toInt(entry[0]) : undefined;
    const end = Array.isArray(entry) ? toInt(entry[1]) : undefined;
    const nodes = Array.isArray(entry) ? entry.slice(2).map(slotNode) : [];
    const [primary, ...replicas] = nodes;
    if (start === undefined || end === undefined || !primary || nodes.some((n) => n === undefined)) return { problem: `CLUSTER SLOTS answered an unrecognised range: ${describe(entry)}` };
    const key = primary.id ?? `${primary.host}:${primary.port}`;
    const shard = byPrimary.get(key) ?? { slots: [], primary, replicas: replicas as ClusterNode[] };
    shard.slots.push([start, end]);
    byPrimary.set(key, shard);
  }
  return { shards: [...byPrimary.values()] };
}

function slotNode(value: unknown): ClusterNode | undefined {
  if (!Array.isArray(value) || typeof value[0] !== 'string') return undefined;
  const port = toInt(value[1]);
  if (port === undefined) return undefined;
  return { host: value[0], port, ...(typeof value[2] === 'string' ? { id: value[2] } : {}) };
}

/** `cluster_state` from CLUSTER INFO: `ok` or `fail`. */
export function clusterState(text: string): string {
  return parseInfo(text).get('cluster_state') ?? 'absent';
}

/** ElastiCache's `Slots` ("0-5461", or "0-100,200-300") as ranges; undefined when it does not read as such. */
export function parseSlotsText(text: string): Array<[number, number]> | undefined {
  const ranges: Array<[number, number]> = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!match) return undefined;
    const start = Number(match[1]);
    ranges.push([start, match[2] === undefined ? start : Number(match[2])]);
  }
  return ranges;
}

export const rangesText = (ranges: ReadonlyArray<readonly [number, number]>): string => ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');

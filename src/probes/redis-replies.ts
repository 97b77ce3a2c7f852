// Parsers for the few Redis replies the probe reads. They return a description of anything unexpected
// instead of throwing: a node answering nonsense is a failed check, not a bug in quiesce.

export interface ReplicaAddress {
  host: string;
  port: number;
  /** The replication offset the primary last heard acknowledged by this replica. */
  ackedOffset: number;
}

export type RoleReply =
  | { role: 'master'; offset: number; replicas: ReplicaAddress[] }
  | { role: 'slave'; masterHost: string; masterPort: number; state: string; offset: number }
  | { role: 'sentinel' }
  | { role: 'unrecognised'; description: string };

const toInt = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};

const describe = (reply: unknown): string => {
  const text = JSON.stringify(reply) ?? String(reply);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** ROLE: `["master", offset, [[ip, port, offset], ...]]` or `["slave", host, port, state, offset]`. */
export function parseRole(reply: unknown): RoleReply {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') {
    return { role: 'unrecognised', description: describe(reply) };
  }
  const [role] = reply;
  if (role === 'master') {
    const offset = toInt(reply[1]);
    const list: unknown = reply[2];
    if (offset === undefined || !Array.isArray(list)) return { role: 'unrecognised', description: describe(reply) };
    const replicas: ReplicaAddress[] = [];
    for (const entry of list) {
      const port = Array.isArray(entry) ? toInt(entry[1]) : undefined;
      const ackedOffset = Array.isArray(entry) ? toInt(entry[2]) : undefined;
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || port === undefined || ackedOffset === undefined) {
        return { role: 'unrecognised', description: describe(reply) };
      }
      replicas.push({ host: entry[0], port, ackedOffset });
    }
    return { role: 'master', offset, replicas };
  }
  if (role === 'slave') {
    const masterPort = toInt(reply[2]);
    const offset = toInt(reply[4]);
    if (typeof reply[1] !== 'string' || masterPort === undefined || typeof reply[3] !== 'string' || offset === undefined) {
      return { role: 'unrecognised', description: describe(reply) };
    }
    return { role: 'slave', masterHost: reply[1], masterPort, state: reply[3], offset };
  }
  if (role === 'sentinel') return { role: 'sentinel' };
  return { role: 'unrecognised', description: describe(reply) };
}

/** INFO output as a flat field map; section headers and blank lines are skipped. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export interface ReplicaReplicationState {
  linkStatus: string;
  /** Offset of the replication stream this replica has processed; undefined when INFO does not report it. */
  offset: number | undefined;
}

/** The replica's own view from `INFO replication` (its `slave_repl_offset` is current, the primary's ack lags ~1s). */
export function replicaStateFromInfo(text: string): ReplicaReplicationState {
  const fields = parseInfo(text);
  return {
    linkStatus: fields.get('master_link_status') ?? `absent (role:${fields.get('role') ?? 'unknown'})`,
    offset: toInt(fields.get('slave_repl_offset')),
  };
}

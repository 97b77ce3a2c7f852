// A Redis OSS to Valkey switch, judged before anything changes: what ElastiCache would refuse is refused
// here, with its reason. AWS documents the switch as a ModifyReplicationGroup "specifying the new engine
// and major engine version"; a group on a default parameter group needs nothing more, one on a custom
// group needs "a custom Valkey cache parameter group" in the same request
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VersionManagement.HowTo.html). It documents no
// lower bound on the Redis OSS version (from before 5.0.6 the switch brings a 30 to 60 second failover).
import { engineVersionMatches } from '../plan/engine-version.js';
import type { CachePort, ReplicationGroupView } from '../ports/cache.js';

export interface EngineSwitchRequest {
  engine?: string | undefined;
  engineVersion?: string | undefined;
  cacheParameterGroupName?: string | undefined;
}

/** What the judgement reads: the group now, and the families ElastiCache reports. */
export interface EngineSwitchFacts {
  view: ReplicationGroupView;
  /** The parameter group the members run now, and its family (undefined when AWS knows no such group). */
  current: { name: string | undefined; family: string | undefined };
  /** The family of the version asked for; undefined when ElastiCache offers no such version. */
  targetFamily: string | undefined;
  /** The group named in the step and its family; absent when the step names none. */
  named?: { name: string; family: string | undefined };
}

/** AWS names a family's default group `default.<family>` (e.g. "default.redis3.2" in API_CreateReplicationGroup). */
export const isDefaultParameterGroup = (name: string): boolean => name.startsWith('default.');

/** Every member runs the requested engine at the requested version (each as Describe reports it). */
export function engineSwitched(view: ReplicationGroupView, request: EngineSwitchRequest): boolean {
  return (
    view.members.length > 0 &&
    view.members.every((m) => m.engine === request.engine && m.engineVersion !== undefined && request.engineVersion !== undefined && engineVersionMatches(request.engineVersion, m.engineVersion))
  );
}

/** "redis 7.0.7", or "redis 7.0.7, 7.1.0" when the members differ. */
export function engineNow(view: ReplicationGroupView): string {
  const engines = [...new Set(view.members.map((m) => m.engine ?? view.engine ?? 'unknown engine'))];
  const versions = [...new Set(view.members.map((m) => m.engineVersion ?? '?'))];
  return `${engines.join(', ')} ${versions.join(', ')}`;
}

/** "redis 7.0.7 → valkey 8.0": the words the preview, the journal and the report use for a switch. */
export function describeEngineChange(view: ReplicationGroupView | undefined, request: EngineSwitchRequest): string {
  const to = `${request.engine ?? view?.engine ?? ''} ${request.engineVersion ?? ''}`.trim();
  return view ? `${engineNow(view)} → ${to}` : `→ ${to}`;
}

/** Reads what the judgement needs, through the cache port (a group and two families at most). */
export async function readEngineSwitchFacts(cache: CachePort, view: ReplicationGroupView, request: EngineSwitchRequest): Promise<EngineSwitchFacts> {
  const currentName = view.cacheParameterGroupNames[0];
  const [currentFamily, targetFamily, namedFamily] = await Promise.all([
    currentName === undefined ? undefined : cache.parameterGroupFamily(currentName),
    request.engine !== undefined && request.engineVersion !== undefined ? cache.engineVersionFamily(request.engine, request.engineVersion) : undefined,
    request.cacheParameterGroupName === undefined ? undefined : cache.parameterGroupFamily(request.cacheParameterGroupName),
  ]);
  return {
    view,
    current: { name: currentName, family: currentFamily },
    targetFamily,
    ...(request.cacheParameterGroupName !== undefined ? { named: { name: request.cacheParameterGroupName, family: namedFamily } } : {}),
  };
}

export type EngineSwitchVerdict = { ok: true; observed: string } | { ok: false; observed: string; refusal: string };

/** Whether ElastiCache would take the switch as the step asks for it; the refusal in one line when not. */
export function judgeEngineSwitch(request: EngineSwitchRequest, facts: EngineSwitchFacts): EngineSwitchVerdict {
  const { view, current, targetFamily, named } = facts;
  const rg = view.replicationGroupId;
  const target = `${request.engine} ${request.engineVersion}`;
  if (engineSwitched(view, request)) return { ok: true, observed: `already ${engineNow(view)} on every member` };
  const from = `${engineNow(view)} on ${current.name ?? 'no parameter group'}${current.family ? ` (family ${current.family})` : ''}`;
  const to = `${target}${named ? ` on ${named.name}` : ''}${targetFamily ? ` (family ${targetFamily})` : ''}`;
  const observed = `${from} → ${to}`;
  const refuse = (refusal: string): EngineSwitchVerdict => ({ ok: false, observed, refusal });
  if (targetFamily === undefined) return refuse(`ElastiCache offers no ${target} (DescribeCacheEngineVersions lists none)`);
  if (named) {
    if (named.family === undefined) return refuse(`parameter group ${named.name} does not exist (DescribeCacheParameterGroups: CacheParameterGroupNotFound); ${target} needs a ${targetFamily} group`);
    if (named.family !== targetFamily) return refuse(`parameter group ${named.name} is of family ${named.family}, and ${target} needs a ${targetFamily} group: ElastiCache would refuse it (InvalidParameterCombination)`);
    return { ok: true, observed };
  }
  if (current.name !== undefined && !isDefaultParameterGroup(current.name)) {
    return refuse(
      `${rg} uses the custom parameter group ${current.name}${current.family ? ` (family ${current.family})` : ''}: ElastiCache switches it to Valkey only with a Valkey parameter group named in the same request; set cacheParameterGroupName in the step to a ${targetFamily} group`,
    );
  }
  return { ok: true, observed };
}

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import type { Plan } from '../plan/schema.js';
import type { CachePort } from '../ports/cache.js';
import type { Clock } from '../ports/clock.js';
import type { TrafficPort } from '../ports/traffic.js';
import { AuthTokenError } from '../probes/errors.js';
import type { FetchFn } from '../probes/fetch-outcome.js';
import { runHttpCanary } from '../probes/http-canary.js';
import { pinnedFetch } from '../probes/pinned-fetch.js';
import { probeResult, type ProbeResult } from '../probes/probe-result.js';
import { probeRedisCluster } from '../probes/redis-cluster-probe.js';
import { probeRedis } from '../probes/redis-probe.js';
import { resolveAuthToken } from '../probes/secrets.js';
import type { SandboxWorld } from '../sandbox/index.js';
import { check } from '../run/checks.js';
import type { RunContext } from '../run/run-context.js';

// The data-plane probes a run's verification uses. Against AWS they are real: a Redis client on the
// replication group's primary endpoint, HTTP requests to the load balancer's DNS name. In the sandbox
// the same checks run against the world's simulated cache and listener.

export interface AwsProbeDeps {
  logger: Logger;
  clock: Clock;
  /** Where authTokenEnv is read; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Built on first use, only when the plan reads the token from Secrets Manager. */
  secretsManager?: () => SecretsManagerClient;
}

export function awsProbes(plan: Plan, ports: { cache: CachePort; traffic: TrafficPort }, deps: AwsProbeDeps): RunContext['probes'] {
  return {
    redis: (cluster) => awsRedisProbe(plan, cluster.cache!.replicationGroupId, ports.cache, deps),
    canary: httpCanary(plan, ports.traffic, deps),
  };
}

/** N requests to the load balancer's DNS name carrying the rule's header; `fetch` is the sandbox's stand-in. */
function httpCanary(plan: Plan, traffic: TrafficPort, deps: { logger: Logger; clock: Clock; fetch?: FetchFn }): NonNullable<RunContext['probes']['canary']> {
  return async (_cluster, rule) => {
    const canary = plan.verify.canary!;
    const dns = await traffic.loadBalancerDnsName(rule.listenerArn);
    // With a host, the URL names the service and the connection still goes to the load balancer.
    const fetch = deps.fetch ?? (canary.host ? pinnedFetch(dns) : undefined);
    return runHttpCanary(
      {
        url: `${canary.protocol}://${canary.host ?? dns}${canary.path}`,
        requests: canary.requests,
        headerName: rule.headerName,
        headerValue: rule.headerValue,
        expectStatus: canary.expectStatus,
        ...(canary.bodyMatch ? { bodyMatch: canary.bodyMatch } : {}),
        timeoutMs: canary.timeout,
      },
      { logger: deps.logger, clock: deps.clock, ...(fetch ? { fetch } : {}) },
    );
  };
}

/**
 * The real Redis probe of one replication group: its primary endpoint (or verify.redis.host), TLS and
 * AUTH as configured, and as many replicas as the group reports. A cluster mode enabled group is probed
 * through its configuration endpoint with a cluster client, every shard against its node group. A token that cannot be resolved is a
 * failed check that waiting cannot fix; its value is never logged or returned.
 */
export async function awsRedisProbe(plan: Plan, replicationGroupId: string, cache: CachePort, deps: AwsProbeDeps): Promise<ProbeResult> {
  const redis = plan.verify.redis;
  if (!redis) throw new Error(`plan ${plan.name} has no verify.redis`);
  const view = await cache.describe(replicationGroupId);
  const endpoint = redis.host ? { host: redis.host, port: redis.port } : view.primaryEndpoint ? { host: view.primaryEndpoint.address, port: view.primaryEndpoint.port } : undefined;
  const which = view.clusterMode === 'enabled' ? 'configuration endpoint' : 'primary endpoint';
  if (!endpoint) return probeResult([check('redis.connect', false, `no ${which}`, 'an endpoint', `${replicationGroupId} reports no ${which}`)]);
  let authToken: string | undefined;
  try {
    authToken = await resolveAuthToken(redis, {
      logger: deps.logger,
      ...(deps.env ? { env: deps.env } : {}),
      ...(redis.authTokenSecretId && deps.secretsManager ? { secretsManager: deps.secretsManager() } : {}),
    });
  } catch (err) {
    if (!(err instanceof AuthTokenError)) throw err;
    return probeResult([check('redis.auth-token', false, `${err.source === 'env' ? 'environment variable' : 'secret'} ${err.ref} unusable`, 'an AUTH token', err.message)], { permanent: true });
  }
  const connection = {
    ...endpoint,
    tls: redis.tls,
    ...(authToken !== undefined ? { authToken } : {}),
    ...(redis.username ? { username: redis.username } : {}),
    timeoutMs: redis.timeout,
    replicaCatchUpMs: redis.replicaCatchUp,
  };
  if (view.clusterMode === 'enabled') {
    // Every shard, through the configuration endpoint: each node group's slots name its shard in the checks.
    const expectShards = view.nodeGroups.map((g) => ({ nodeGroupId: g.nodeGroupId, ...(g.slots !== undefined ? { slots: g.slots } : {}), replicas: Math.max(0, g.memberIds.length - 1) }));
    return probeRedisCluster({ ...connection, expectShards }, { logger: deps.logger, clock: deps.clock });
  }
  const replicas = view.members.filter((m) => m.role === 'replica').length;
  return probeRedis({ ...connection, expectReplicas: replicas }, { logger: deps.logger, clock: deps.clock });
}

/** The same checks against the sandbox world: a write and read through the primary, canary requests through its listener. */
export function sandboxProbes(world: SandboxWorld, plan: Plan, deps: { logger: Logger; clock: Clock; traffic: TrafficPort }): RunContext['probes'] {
  // The listener holding the canary rule answers the canary (at a fleet of several locations, that
  // location's); the body is the world's one-word reason ("ok").
  const fetchThroughWorld =
    (listenerArn: string): FetchFn =>
    async (url, init) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => (headers[key] = value));
      const response = world.simulateRequest({ headers, path: new URL(url).pathname }, world.locationOfListener(listenerArn));
      return new Response(response.reason, { status: response.status });
    };
  return {
    redis: async (cluster) => {
      const probe = world.probeCache(cluster.cache!.replicationGroupId);
      if (probe.shards) {
        // A cluster mode enabled group: the same per-shard checks the real cluster probe names.
        return probeResult(
          probe.shards.map((s) =>
            check(`redis.shard.${s.nodeGroupId}.canary`, s.ok, s.ok ? `primary ${s.primaryClusterId} (slots ${s.slots}) took a canary key and served it back` : (s.reason ?? 'failed'), "a key in the shard's slots written and read back on its primary", s.reason ?? undefined),
          ),
        );
      }
      return probeResult([
        check('redis.role', probe.ok, `primary ${probe.primaryClusterId}${probe.ok ? ' answers ROLE master' : ''}`, 'master', probe.reason ?? undefined),
        check('redis.canary', probe.ok, probe.ok ? 'canary key written and read back' : (probe.reason ?? 'failed'), 'round trip', probe.reason ?? undefined),
      ]);
    },
    canary: (cluster, rule) => httpCanary(plan, deps.traffic, { logger: deps.logger, clock: deps.clock, fetch: fetchThroughWorld(rule.listenerArn) })(cluster, rule),
  };
}

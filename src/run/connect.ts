import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { createCloudWatchMetrics } from '../adapters/cloudwatch-metrics.js';
import { createElastiCacheCache } from '../adapters/elasticache-cache.js';
import { createElbv2Traffic } from '../adapters/elbv2-traffic.js';
import { attachCallLog } from '../aws/call-log.js';
import { createAwsClients, resolveAwsConfig } from '../aws/clients.js';
import { DEFAULT_RETRY_BUDGET } from '../aws/retry-budget.js';
import type { ClusterSpec } from '../plan/schema.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { runHttpCanary } from '../probes/http-canary.js';
import { probeResult } from '../probes/probe-result.js';
import { probeRedis } from '../probes/redis-probe.js';
import { resolveAuthToken } from '../probes/secrets.js';
import { createSandboxClients, defaultWorldFromPlan, HISTORY_MS, loadWorld, saveWorld, worldFromFile, type SandboxWorld } from '../sandbox/index.js';
import type { RunRecord } from '../store/run-store.js';
import type { Connection, SandboxReport } from './engine.js';
import { check } from './run-context.js';
import { VirtualClock } from './virtual-clock.js';

// Where a run's "AWS" is: the real one through the default credential chain, or a sandbox world saved
// beside the run. Both go through the same SDK clients and adapters; only the transport differs.

/** ALB metrics usually land within a couple of minutes; younger minutes are not evidence of zero. */
const AWS_METRICS_LAG_MS = 180_000;

function ports(clients: { elbv2: never; elasticache: never; cloudwatch: never } | ReturnType<typeof createAwsClients>, clock: Clock, logger: Logger) {
  const common = { clock, budget: DEFAULT_RETRY_BUDGET, logger };
  return {
    traffic: createElbv2Traffic({ client: clients.elbv2, ...common }),
    cache: createElastiCacheCache({ client: clients.elasticache, ...common }),
    metrics: createCloudWatchMetrics({ client: clients.cloudwatch, ...common }),
  };
}

export function awsConnector(options: { logger: Logger; profile?: string }): (record: RunRecord) => Promise<Connection> {
  return async (record) => {
    const region = record.target.kind === 'aws' ? record.target.region : record.plan.region;
    const profile = record.target.kind === 'aws' ? (record.target.profile ?? options.profile) : options.profile;
    const config = await resolveAwsConfig({ region, ...(profile ? { profile } : {}) });
    const clients = createAwsClients({ region: config.region, credentials: config.credentials, maxAttempts: 3, retryMode: 'standard', logger: options.logger });
    const clock = systemClock;
    const p = ports(clients, clock, options.logger);
    return {
      ...p,
      clock,
      metricsLagMs: AWS_METRICS_LAG_MS,
      probes: {
        redis: async (cluster: ClusterSpec) => {
          const redis = record.plan.verify.redis!;
          const view = await p.cache.describe(cluster.cache!.replicationGroupId);
          const host = redis.host ?? view.primaryEndpoint?.address;
          if (!host) return probeResult([check('redis.connect', false, 'no primary endpoint', 'an endpoint', 'the replication group reports no primary endpoint')]);
          const authToken = await resolveAuthToken(redis, { logger: options.logger });
          return probeRedis(
            { host, port: redis.port, tls: redis.tls, ...(authToken ? { authToken } : {}), ...(redis.username ? { username: redis.username } : {}), timeoutMs: redis.timeout, replicaCatchUpMs: redis.replicaCatchUp },
            { logger: options.logger, clock },
          );
        },
        canary: async (_cluster, rule) => {
          const canary = record.plan.verify.canary!;
          const dns = await p.traffic.loadBalancerDnsName(record.plan.fleet.listenerArn);
          return runHttpCanary(
            { url: `${canary.protocol}://${dns}${canary.path}`, requests: canary.requests, headerName: rule.headerName, headerValue: rule.headerValue, expectStatus: canary.expectStatus, ...(canary.bodyMatch ? { bodyMatch: canary.bodyMatch } : {}), timeoutMs: canary.timeout },
            { logger: options.logger, clock },
          );
        },
      },
    };
  };
}

export interface SandboxConnectorOptions {
  logger: Logger;
  /** Where the run's world lives between processes. */
  worldPath(record: RunRecord): string;
}

/** Opens (or, on first use, creates) the run's sandbox world; it saves itself after every change. */
export function openWorld(record: RunRecord, path: string): SandboxWorld {
  if (existsSync(path)) return loadWorld(path);
  const source = record.target.kind === 'sandbox' ? record.target.worldFile : undefined;
  const world = source ? worldFromFile(record.plan, source, { historyMs: HISTORY_MS }) : defaultWorldFromPlan(record.plan, {}, undefined, { historyMs: HISTORY_MS });
  mkdirSync(dirname(path), { recursive: true });
  saveWorld(world, path);
  return world;
}

export function sandboxConnector(options: SandboxConnectorOptions): (record: RunRecord) => Promise<Connection> {
  return async (record) => {
    const path = options.worldPath(record);
    const world = openWorld(record, path);
    world.setAutosave(path);
    const clients = createSandboxClients(world, { region: record.plan.region, configure: (client) => attachCallLog(client, options.logger) });
    const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
    const p = ports(clients as never, clock, options.logger);
    return {
      ...p,
      clock,
      virtual: clock,
      metricsLagMs: world.state.settings.cloudwatch.publishDelayMs,
      checkpoint: () => saveWorld(world, path),
      sandboxReport: (final) => sandboxReport(world, final),
      probes: {
        redis: async (cluster) => {
          const probe = world.probeCache(cluster.cache!.replicationGroupId);
          return probeResult([
            check('redis.role', probe.ok, `primary ${probe.primaryClusterId}${probe.ok ? ' answers ROLE master' : ''}`, 'master', probe.reason ?? undefined),
            check('redis.canary', probe.ok, probe.ok ? 'canary key written and read back' : (probe.reason ?? 'failed'), 'round trip', probe.reason ?? undefined),
          ]);
        },
        canary: async (_cluster, rule) => {
          const requests = record.plan.verify.canary!.requests;
          const expect = record.plan.verify.canary!.expectStatus;
          const statuses: number[] = [];
          for (let i = 0; i < requests; i++) statuses.push(world.simulateRequest({ headers: { [rule.headerName]: rule.headerValue } }).status);
          const good = statuses.filter((s) => s === expect).length;
          return probeResult([check('canary.requests', good === requests, `${good}/${requests} returned ${expect}`, `${requests}/${requests}`, `${requests - good} canary requests failed (${[...new Set(statuses)].join(', ')})`)]);
        },
      },
    };
  };
}

export function sandboxReport(world: SandboxWorld, final: boolean): SandboxReport {
  // finalAudit adds the end-of-run findings (lost target lists) to the violations seen along the way.
  if (final) world.finalAudit();
  const violations = world.violations;
  const traffic = world.traffic;
  return {
    violations: violations.map((v) => ({ kind: v.kind, message: v.message, at: v.at })),
    traffic: { requests: traffic.requests, failed: traffic.failed, perCluster: traffic.perCluster },
    weights: world.weights(),
    mutations: world.mutations.length,
  };
}

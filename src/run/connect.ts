import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { createCloudWatchMetrics } from '../adapters/cloudwatch-metrics.js';
import { createElastiCacheCache } from '../adapters/elasticache-cache.js';
import { createElbv2Traffic } from '../adapters/elbv2-traffic.js';
import { attachCallLog } from '../aws/call-log.js';
import { createAwsClients, resolveAwsConfig } from '../aws/clients.js';
import { DEFAULT_RETRY_BUDGET } from '../aws/retry-budget.js';
import type { Plan } from '../plan/schema.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { createSandboxClients, defaultWorldFromPlan, HISTORY_MS, loadWorld, saveWorld, worldFromFile, type SandboxWorld } from '../sandbox/index.js';
import type { RunRecord } from '../store/run-store.js';
import type { Connection, SandboxReport } from './engine.js';
import { awsProbes, sandboxProbes } from './probe-wiring.js';
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
    let secretsManager: SecretsManagerClient | undefined;
    return {
      ...p,
      clock,
      metricsLagMs: AWS_METRICS_LAG_MS,
      probes: awsProbes(record.plan, p, {
        logger: options.logger,
        clock,
        // Only a plan reading its Redis AUTH token from Secrets Manager needs (and may call) the service.
        secretsManager: () => {
          if (!secretsManager) {
            secretsManager = new SecretsManagerClient({ region: config.region, credentials: config.credentials, maxAttempts: 3, retryMode: 'standard' });
            attachCallLog(secretsManager, options.logger);
          }
          return secretsManager;
        },
      }),
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
    return {
      ...connectToWorld(world, record.plan, options.logger),
      checkpoint: () => saveWorld(world, path),
      sandboxReport: (final) => sandboxReport(world, final),
    };
  };
}

/** The run's ports, virtual clock and probes over one sandbox world (also what the deep-check tests drive). */
export function connectToWorld(world: SandboxWorld, plan: Plan, logger: Logger): Connection & { virtual: VirtualClock } {
  const clients = createSandboxClients(world, { region: plan.region, configure: (client) => attachCallLog(client, logger) });
  const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
  const p = ports(clients as never, clock, logger);
  return {
    ...p,
    clock,
    virtual: clock,
    metricsLagMs: world.state.settings.cloudwatch.publishDelayMs,
    probes: sandboxProbes(world, plan, { logger, clock, traffic: p.traffic }),
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

import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { attachCallLog } from '../aws/call-log.js';
import type { AwsClients } from '../aws/clients.js';
import type { Plan } from '../plan/schema.js';
import { createSandboxClients, defaultWorldFromPlan, HISTORY_MS, loadWorld, saveWorld, worldFromFile, type SandboxClient, type SandboxService, type SandboxWorld } from '../sandbox/index.js';
import type { RunRecord } from '../store/run-store.js';
import { connectionPorts } from './ports.js';
import type { Connection, SandboxReport } from '../run/engine.js';
import { sandboxProbes } from './probes.js';
import { rehearsalRunbook } from './sandbox-runbook.js';
import { rehearsalNotifications } from '../notify/background-delivery.js';
import { VirtualClock } from './virtual-clock.js';

// A run against a sandbox world saved beside the run: the same SDK clients and adapters as against
// AWS, answered by the world on its virtual clock.

export interface SandboxConnectorOptions {
  logger: Logger;
  /** Where the run's world lives between processes. */
  worldPath(record: RunRecord): string;
  /** Runs on each SDK client after the call log is attached (benchmarks count calls with it). */
  configure?: (client: SandboxClient, service: SandboxService) => void;
}

/** Opens (or, on first use, creates) the run's sandbox world; it saves itself after every change and every clock advance. */
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
      ...connectToWorld(world, record.plan, options.logger, {
        ...(options.configure ? { configure: options.configure } : {}),
        realSteps: record.target.kind === 'sandbox' && record.target.realSteps === true,
      }),
      sandboxReport: (final) => sandboxReport(world, final),
    };
  };
}

/** The run's ports, virtual clock and probes over one sandbox world (also what the deep-check tests drive). */
export function connectToWorld(
  world: SandboxWorld,
  plan: Plan,
  logger: Logger,
  /** realSteps: run the plan's command and http steps for real (--real-steps); by default the world answers them. */
  options: { configure?: (client: SandboxClient, service: SandboxService) => void; realSteps?: boolean } = {},
): Connection & { virtual: VirtualClock } {
  const clients = createSandboxClients(world, {
    region: plan.region,
    configure: (client, service) => {
      attachCallLog(client, logger);
      options.configure?.(client, service);
    },
  });
  const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
  const p = connectionPorts(clients as AwsClients, clock, logger, () => world.random());
  return {
    ...p,
    clock,
    virtual: clock,
    metricsLagMs: world.state.settings.cloudwatch.publishDelayMs,
    // A rehearsal never acts on the real world: notifications are recorded, not sent.
    notifications: rehearsalNotifications(logger),
    probes: sandboxProbes(world, plan, { logger, clock, traffic: p.traffic }),
    runbook: rehearsalRunbook(world, clock, logger, options.realSteps === true),
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
    ...(world.weightsByLocation() ? { weightsByLocation: world.weightsByLocation()! } : {}),
    mutations: world.mutations.length,
    ...(world.synthetic.length ? { synthetic: world.synthetic } : {}),
    ...(world.runbookLog.length ? { runbook: [...world.runbookLog] } : {}),
  };
}

import type { Logger } from 'pino';
import type { Plan, ClusterSpec } from '../plan/schema.js';
import type { CachePort } from '../ports/cache.js';
import type { Clock } from '../ports/clock.js';
import type { MetricsPort } from '../ports/metrics.js';
import type { DeploymentPort } from '../ports/deployments.js';
import type { RunCommandPort } from '../ports/run-command.js';
import type { RunbookPort } from '../ports/runbook.js';
import type { TrafficLocation, TrafficPort } from '../ports/traffic.js';
import type { ProbeResult } from '../probes/probe-result.js';
import type { RunStore } from '../store/run-store.js';
import type { RunMemory } from './run-memory.js';

/** Everything the edge actors of one run share. Built once per process by the engine. */
export interface RunContext {
  runId: string;
  plan: Plan;
  store: RunStore;
  clock: Clock;
  logger: Logger;
  traffic: TrafficPort;
  cache: CachePort;
  metrics: MetricsPort;
  /** SSM Run Command (ssm steps) and ECS deployments (ecs steps). */
  runCommand: RunCommandPort;
  deployments: DeploymentPort;
  /** The forward action this context acts on: the plan's one location, or, in a location's view, that one (locations.ts). */
  location: TrafficLocation;
  /** In the view of one location of a fleet at several: its name, and the run's own context (whose plan is the whole fleet). */
  locationName?: string;
  root?: RunContext;
  /** Clusters whose machines are running now: their weights are theirs to judge, not another cluster's. */
  inFlight: () => ReadonlySet<string>;
  /** Clusters whose machines ended, and how: a cluster this run finished is expected back in rotation. */
  outcomes: () => ReadonlyMap<string, 'done' | 'held' | 'aborted'>;
  /** Clusters whose machines ended out of rotation (held after removal): the run expects them at weight 0. */
  heldOut: () => ReadonlySet<string>;
  /** Data-plane probes; absent ones are skipped (and the plan review says so). */
  probes: {
    redis?: (cluster: ClusterSpec) => Promise<ProbeResult>;
    /** Requests to the load balancer of `rule.listenerArn` (the location being verified) carrying the rule's header. */
    canary?: (cluster: ClusterSpec, rule: { headerName: string; headerValue: string; listenerArn: string }) => Promise<ProbeResult>;
  };
  /** The plan's command and http steps (real, or simulated by a rehearsal's world). */
  runbook: RunbookPort;
  /** How long after a minute ends CloudWatch may still publish it: younger minutes are not evidence. */
  metricsLagMs: number;
  /** What this process remembers of the run between effects (run-memory.ts): this run's alone. */
  memory: RunMemory;
  /** Caller id recorded with operator actions. */
  operator?: string;
}

export function clusterSpec(ctx: RunContext, name: string): ClusterSpec {
  const spec = ctx.plan.fleet.clusters.find((c) => c.name === name);
  if (!spec) throw new Error(`cluster ${name} is not in plan ${ctx.plan.name}`);
  return spec;
}

import type { Logger } from 'pino';
import { createCloudWatchMetrics } from '../adapters/cloudwatch-metrics.js';
import { createElastiCacheCache } from '../adapters/elasticache-cache.js';
import { createElbv2Traffic } from '../adapters/elbv2-traffic.js';
import { createEcsDeployments } from '../adapters/ecs-deployments.js';
import { createSsmRunCommand } from '../adapters/ssm-run-command.js';
import { sharedTrafficReads } from '../adapters/shared-reads.js';
import type { AwsClients } from '../aws/clients.js';
import { DEFAULT_RETRY_BUDGET, type FirstContact } from '../aws/retry-budget.js';
import type { Clock } from '../ports/clock.js';

// The ports of a run over SDK clients. AWS and the sandbox both build them here: only the
// clients' transport and the clock differ.

/**
 * `random`: the retry backoffs' jitter; the sandbox passes its seeded one, so a run replays exactly.
 * `firstContact`: against AWS, a request that never reaches it fails fast until AWS has answered once.
 */
export function connectionPorts(clients: AwsClients, clock: Clock, logger: Logger, random?: () => number, firstContact?: FirstContact) {
  const common = { clock, budget: { ...DEFAULT_RETRY_BUDGET, ...(random ? { random } : {}), ...(firstContact ? { firstContact } : {}) }, logger };
  return {
    traffic: sharedTrafficReads(createElbv2Traffic({ client: clients.elbv2, ...common }), clock),
    cache: createElastiCacheCache({ client: clients.elasticache, ...common }),
    metrics: createCloudWatchMetrics({ client: clients.cloudwatch, ...common }),
    runCommand: createSsmRunCommand({ client: clients.ssm, ...common }),
    deployments: createEcsDeployments({ client: clients.ecs, ...common }),
  };
}

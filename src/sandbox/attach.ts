// Plug the world in behind the real SDK clients. The middleware sits in finalizeRequest
// right after `retryMiddleware`, so the SDK's own retry logic wraps it and sees thrown
// throttling and 5xx errors exactly as it would see them from AWS.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElastiCacheClient, type ElastiCacheClientConfig } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SandboxService } from './state.js';
import { createVirtualRetryStrategy } from './virtual-retry.js';
import type { SandboxWorld } from './world.js';

export type SandboxClient = ElasticLoadBalancingV2Client | ElastiCacheClient | CloudWatchClient;

export const SANDBOX_MIDDLEWARE_NAME = 'quiesceSandbox';

interface HandlerArgs {
  input: unknown;
}

interface HandlerOutput {
  output: object & { $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number } };
  response: object;
}

type SandboxMiddleware = (next: unknown, context: { commandName?: string }) => (args: HandlerArgs) => Promise<HandlerOutput>;

/** The slice of the SDK's middleware stack used here; every client's stack has it. */
interface RelativeStack {
  addRelativeTo(
    middleware: SandboxMiddleware,
    options: { relation: 'after'; toMiddleware: string; name: string; override: boolean },
  ): void;
}

function hasMetadata(error: unknown): error is { $metadata: { requestId?: string } } {
  return typeof error === 'object' && error !== null && '$metadata' in error && typeof error.$metadata === 'object';
}

/** `caller` is recorded with every mutation made through this client (default `quiesce`). */
export function attachSandbox(client: SandboxClient, world: SandboxWorld, service: SandboxService, caller = 'quiesce'): void {
  const middleware: SandboxMiddleware = (_next, context) => async (args) => {
    const command = (context.commandName ?? '').replace(/Command$/, '');
    const requestId = world.newRequestId();
    try {
      const output = world.handle(service, command, args.input, caller);
      return {
        output: { ...output, $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } },
        response: {},
      };
    } catch (error) {
      if (hasMetadata(error) && error.$metadata !== null) error.$metadata.requestId = requestId;
      throw error;
    }
  };
  // The stacks are typed per client; the middleware never calls `next`, so its shape is the same for all.
  const stack = client.middlewareStack as unknown as RelativeStack;
  stack.addRelativeTo(middleware, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: SANDBOX_MIDDLEWARE_NAME,
    override: true,
  });
}

export interface SandboxClientOptions {
  region: string;
  /** Attempts per call for the default (virtual-clock) retry strategy; the SDK default is 3. */
  maxAttempts?: number;
  /** Replaces the default virtual-clock retry strategy, e.g. to test the SDK's real sleeps. */
  retryStrategy?: ElastiCacheClientConfig['retryStrategy'];
  logger?: ElastiCacheClientConfig['logger'];
  /** Recorded as the caller of every mutation, e.g. `operator` for clients that play a human. Default `quiesce`. */
  caller?: string;
  /** Called for each client after the sandbox is attached, e.g. to add a logging middleware. */
  configure?: (client: SandboxClient, service: SandboxService) => void;
}

export interface SandboxClients {
  elbv2: ElasticLoadBalancingV2Client;
  elasticache: ElastiCacheClient;
  cloudwatch: CloudWatchClient;
}

export function createSandboxClients(world: SandboxWorld, options: SandboxClientOptions): SandboxClients {
  const config = () => ({
    region: options.region,
    credentials: { accessKeyId: 'SANDBOX', secretAccessKey: 'SANDBOX' },
    maxAttempts: options.maxAttempts ?? 3,
    retryStrategy: options.retryStrategy ?? createVirtualRetryStrategy(world, { maxAttempts: options.maxAttempts ?? 3 }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const clients: SandboxClients = {
    elbv2: new ElasticLoadBalancingV2Client(config()),
    elasticache: new ElastiCacheClient(config()),
    cloudwatch: new CloudWatchClient(config()),
  };
  const services: Array<[SandboxClient, SandboxService]> = [
    [clients.elbv2, 'elbv2'],
    [clients.elasticache, 'elasticache'],
    [clients.cloudwatch, 'cloudwatch'],
  ];
  for (const [client, service] of services) {
    // Without a logger of ours the SDK's logger middleware only filters every response for its no-op logger.
    if (!options.logger) client.middlewareStack.remove('loggerMiddleware');
    attachSandbox(client, world, service, options.caller ?? 'quiesce');
    options.configure?.(client, service);
  }
  return clients;
}

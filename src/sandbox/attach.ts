// Plug the world in behind the real SDK clients. The middleware sits in finalizeRequest
// right after `retryMiddleware`, so the SDK's own retry logic wraps it and sees thrown
// throttling and 5xx errors exactly as it would see them from AWS. It checks every request,
// answer and error against the service model the SDK ships (model-check.ts), always.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElastiCacheClient, type ElastiCacheClientConfig } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { errorProblems, operationCheck, SandboxModelError, type OperationCheck } from './model-check.js';
import type { SandboxService } from './state.js';
import { createVirtualRetryStrategy } from './virtual-retry.js';
import type { SandboxWorld } from './world.js';

export type SandboxClient = ElasticLoadBalancingV2Client | ElastiCacheClient | CloudWatchClient | SSMClient | ECSClient;

export const SANDBOX_MIDDLEWARE_NAME = 'quiesceSandbox';

interface HandlerArgs {
  input: unknown;
}

interface HandlerOutput {
  output: object & { $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number } };
  response: object;
}

interface HandlerContext {
  commandName?: string;
  /** Set by every SDK command: its operation schema among others. */
  __smithy_context?: { operationSchema?: unknown };
}

type SandboxMiddleware = (next: unknown, context: HandlerContext) => (args: HandlerArgs) => Promise<HandlerOutput>;

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

/** The operation's schema, as the SDK's command carries it; a command without one is not an AWS call we can check. */
function checkOf(service: SandboxService, command: string, context: HandlerContext): OperationCheck {
  const schema = context.__smithy_context?.operationSchema;
  if (schema === undefined) throw new SandboxModelError(service, command, 'request', ['the SDK command carries no operation schema']);
  return operationCheck(schema);
}

/**
 * `caller` is recorded with every mutation made through this client (default `quiesce`). A request,
 * answer or error that does not fit the SDK's model is recorded as an `sdk-model-mismatch` violation
 * and thrown as a SandboxModelError: AWS never sees such a request, and no adapter sees such an answer.
 */
export function attachSandbox(client: SandboxClient, world: SandboxWorld, service: SandboxService, caller = 'quiesce'): void {
  const mismatch = (command: string, direction: 'request' | 'response' | 'error', problems: string[], cause?: unknown): never => {
    const error = new SandboxModelError(service, command, direction, problems, cause === undefined ? undefined : { cause });
    world.recordModelMismatch({ caller, command }, error.message);
    throw error;
  };
  const middleware: SandboxMiddleware = (_next, context) => async (args) => {
    const command = (context.commandName ?? '').replace(/Command$/, '');
    const check = checkOf(service, command, context);
    const requestProblems = check.request(args.input);
    if (requestProblems.length > 0) mismatch(command, 'request', requestProblems);
    const requestId = world.newRequestId();
    let output: object;
    try {
      output = world.handle(service, command, args.input, caller);
    } catch (error) {
      const problems = errorProblems(service, error);
      if (problems.length > 0) mismatch(command, 'error', problems, error);
      if (hasMetadata(error) && error.$metadata !== null) {
        error.$metadata.requestId = requestId;
        // The SDK copies the response's RequestId onto every service error it deserializes.
        Object.assign(error, { RequestId: requestId });
      }
      throw error;
    }
    const responseProblems = check.response(output);
    if (responseProblems.length > 0) mismatch(command, 'response', responseProblems);
    return {
      output: { ...output, $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } },
      response: {},
    };
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
  ssm: SSMClient;
  ecs: ECSClient;
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
    ssm: new SSMClient(config()),
    ecs: new ECSClient(config()),
  };
  const services: Array<[SandboxClient, SandboxService]> = [
    [clients.elbv2, 'elbv2'],
    [clients.elasticache, 'elasticache'],
    [clients.cloudwatch, 'cloudwatch'],
    [clients.ssm, 'ssm'],
    [clients.ecs, 'ecs'],
  ];
  for (const [client, service] of services) {
    // Without a logger of ours the SDK's logger middleware only filters every response for its no-op logger.
    if (!options.logger) client.middlewareStack.remove('loggerMiddleware');
    attachSandbox(client, world, service, options.caller ?? 'quiesce');
    options.configure?.(client, service);
  }
  return clients;
}

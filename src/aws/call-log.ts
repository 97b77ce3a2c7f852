// Audit trail of every AWS call: one line per call (all SDK retries included), at debug for reads and
// at info for mutating calls. Only whitelisted identifiers from the input are logged, never the input
// itself, so a secret in a request (AuthToken, ...) cannot reach the log by this path.
import type { Logger } from 'pino';
import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { classifyAwsError } from './classify.js';

/** Input fields that name the resource a call is about. Identifiers only: never values, never bodies. */
const RESOURCE_FIELDS = [
  'ListenerArn',
  'RuleArn',
  'TargetGroupArn',
  'LoadBalancerArn',
  'ReplicationGroupId',
  'CacheClusterId',
  'ServiceUpdateName',
  'SourceIdentifier',
  'ListenerArns',
  'RuleArns',
  'TargetGroupArns',
  'LoadBalancerArns',
  'ReplicationGroupIds',
  'CacheClusterIds',
] as const;

const SERVICE_LABELS: Record<string, string> = {
  ElasticLoadBalancingV2Client: 'ELBv2',
  ElastiCacheClient: 'ElastiCache',
  CloudWatchClient: 'CloudWatch',
};

export const CALL_LOG_MIDDLEWARE_NAME = 'quiesceCallLog';

/** Reads are Describe/List/Get; everything else changes the world and is logged at info. */
export function isMutatingCommand(command: string): boolean {
  return !/^(Describe|List|Get)/.test(command);
}

export function resourceOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const record = input as Record<string, unknown>;
  const parts: string[] = [];
  for (const field of RESOURCE_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && value) parts.push(value);
    else if (Array.isArray(value)) parts.push(...value.filter((v): v is string => typeof v === 'string'));
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

export function callLogMiddleware(logger: Logger): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    const clientName = context.clientName ?? 'UnknownClient';
    const service = SERVICE_LABELS[clientName] ?? clientName.replace(/Client$/, '');
    const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const resource = resourceOf(args.input);
    const level = isMutatingCommand(command) ? 'info' : 'debug';
    const started = performance.now();
    try {
      const result = await next(args);
      logger[level](
        {
          aws: {
            service,
            command,
            resource,
            durationMs: Math.round(performance.now() - started),
            attempts: result.output.$metadata?.attempts,
            outcome: 'ok',
          },
        },
        `${service} ${command}`,
      );
      return result;
    } catch (err) {
      const classified = classifyAwsError(err);
      const metadata = (err as { $metadata?: { attempts?: number } } | null)?.$metadata;
      logger[level](
        {
          aws: {
            service,
            command,
            resource,
            durationMs: Math.round(performance.now() - started),
            attempts: metadata?.attempts,
            outcome: 'error',
            // The code only: AWS messages can echo request values back.
            errorCode: classified?.code ?? (err instanceof Error ? err.name : 'non-error thrown'),
            classification: classified?.classification,
          },
        },
        `${service} ${command} failed`,
      );
      throw err;
    }
  };
}

export const callLogOptions: InitializeHandlerOptions & { name: string; override: boolean } = {
  step: 'initialize',
  name: CALL_LOG_MIDDLEWARE_NAME,
  override: true,
};

interface ClientWithStack {
  middlewareStack: { add(middleware: InitializeMiddleware<object, MetadataBearer>, options: InitializeHandlerOptions & { name: string; override: boolean }): void };
}

/** Adds the audit middleware to a client; adding it twice replaces the first (override by name). */
export function attachCallLog(client: ClientWithStack, logger: Logger): void {
  client.middlewareStack.add(callLogMiddleware(logger), callLogOptions);
}

/**
 * quiesce never hands the SDK a logger (it would print inputs), yet the SDK's logger middleware still
 * copies every input and output through its sensitive-data filter for its no-op logger: for a fleet's
 * GetMetricData or a 50-target DescribeTargetHealth, CPU spent on a line nobody prints. Removed.
 */
export function dropSdkLogging(client: { middlewareStack: { remove(name: string): boolean } }): void {
  client.middlewareStack.remove('loggerMiddleware');
}

// The AWS SDK clients quiesce uses, configured explicitly (region, credentials, retry) rather than by
// whatever defaults a future SDK version picks, each with the audit middleware attached.
import { ElasticLoadBalancingV2Client, type ElasticLoadBalancingV2ClientConfig } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElastiCacheClient, type ElastiCacheClientConfig } from '@aws-sdk/client-elasticache';
import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { redactedErrorLine } from '../one-line.js';
import { attachCallLog, dropSdkLogging } from './call-log.js';

export interface AwsClients {
  elbv2: ElasticLoadBalancingV2Client;
  elasticache: ElastiCacheClient;
  cloudwatch: CloudWatchClient;
  /** SSM Run Command (ssm steps) and ECS deployments (ecs steps): called only by plans that have such steps. */
  ssm: SSMClient;
  ecs: ECSClient;
}

/** Settings every client accepts; used for the sandbox endpoint or a test request handler. */
export type SharedClientConfig = Pick<
  ElasticLoadBalancingV2ClientConfig & ElastiCacheClientConfig & CloudWatchClientConfig,
  'endpoint' | 'requestHandler' | 'tls' | 'useFipsEndpoint' | 'useDualstackEndpoint'
>;

export interface CreateAwsClientsOptions {
  region: string;
  profile?: string;
  /** Defaults to the Node provider chain: environment, profile files, SSO, container and instance roles. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SDK attempts per call (its own retries); quiesce's step budget comes on top. */
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  /** Receives the audit lines of every call. Not handed to the SDK: its logger prints inputs. */
  logger: Logger;
  clientConfig?: SharedClientConfig;
}

/**
 * The SDK's Node handler waits forever by default: a blackholed endpoint would hang a run silently. A TCP
 * connection to an AWS endpoint takes milliseconds; a control-plane answer, a few seconds at most, so a
 * request not answered within this is stuck and is retried (the SDK's attempts, then quiesce's budget).
 */
export const AWS_CONNECTION_TIMEOUT_MS = 3_000;
export const AWS_REQUEST_TIMEOUT_MS = 15_000;

export function createAwsClients(options: CreateAwsClientsOptions): AwsClients {
  const credentials = options.credentials ?? fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
  const config = {
    region: options.region,
    credentials,
    maxAttempts: options.maxAttempts,
    retryMode: options.retryMode,
    // throwOnRequestTimeout: without it the handler only prints a warning to the console and keeps waiting.
    requestHandler: { connectionTimeout: AWS_CONNECTION_TIMEOUT_MS, requestTimeout: AWS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
    ...options.clientConfig,
  };
  const clients: AwsClients = {
    elbv2: new ElasticLoadBalancingV2Client(config),
    elasticache: new ElastiCacheClient(config),
    cloudwatch: new CloudWatchClient(config),
    ssm: new SSMClient(config),
    ecs: new ECSClient(config),
  };
  for (const client of [clients.elbv2, clients.elasticache, clients.cloudwatch, clients.ssm, clients.ecs]) {
    dropSdkLogging(client);
    attachCallLog(client, options.logger);
  }
  return clients;
}

export interface ResolvedAwsConfig {
  region: string;
  profile: string | undefined;
  /** The provider that resolved once already; hand it to createAwsClients so the chain is not walked again. */
  credentials: AwsCredentialIdentityProvider;
}

/**
 * Resolve region and credentials once, before anything runs, so a missing region or expired SSO login is
 * one clear line at startup instead of an SDK error in the middle of a maintenance run.
 */
export async function resolveAwsConfig(options: { profile?: string; region?: string } = {}): Promise<ResolvedAwsConfig> {
  const profileOpt = options.profile ? { profile: options.profile } : {};
  let region = options.region;
  if (!region) {
    // The SDK's own resolution: AWS_REGION, AWS_DEFAULT_REGION, then the profile in the shared config file.
    const probe = new ElastiCacheClient({ ...profileOpt });
    try {
      region = await probe.config.region();
    } catch (err) {
      throw new ConfigError(
        `no AWS region: pass --region, set AWS_REGION, or set region in the ${options.profile ? `profile "${options.profile}"` : 'default profile'} (${redactedErrorLine(err)})`,
        { cause: err },
      );
    } finally {
      probe.destroy();
    }
    if (!region) throw new ConfigError('no AWS region: pass --region or set AWS_REGION');
  }

  const credentials = fromNodeProviderChain(profileOpt);
  try {
    await credentials();
  } catch (err) {
    throw new ConfigError(
      `no AWS credentials${options.profile ? ` for profile "${options.profile}"` : ''}: ${redactedErrorLine(err)} (tried environment, shared files, SSO, container and instance roles)`,
      { cause: err },
    );
  }
  return { region, profile: options.profile, credentials };
}

// Errors the sandbox throws, built from the SDK's own exception classes so adapters see exactly what
// they would see from AWS (same `name`, `$fault`, `$metadata`, prototype, wire `Code`). The HTTP status,
// wire code and fault of a modeled error come from its schema in the SDK client package (its
// `httpError`, `awsQueryError` and `error` traits), never from a table of our own: e.g.
// ReplicationGroupNotFoundFault is HTTP 404 and CacheClusterNotFoundFault's wire code is
// `CacheClusterNotFound`, as the ElastiCache model says, while every ELBv2 *NotFound is HTTP 400.
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import * as elasticacheSdk from '@aws-sdk/client-elasticache';
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import * as ecsSdk from '@aws-sdk/client-ecs';
import * as ssmSdk from '@aws-sdk/client-ssm';
import { NormalizedSchema } from '@smithy/core/schema';
import type { ApiFaultKind, SandboxService } from './state.js';

export interface ErrorTraits {
  /** The wire error code (`<Code>` of a Query error, `x-amzn-query-error` of CloudWatch's JSON). */
  code: string;
  httpStatusCode: number;
  fault: 'client' | 'server';
}

interface ModeledErrorTraits extends ErrorTraits {
  service: SandboxService;
}

/** Every error shape the three client packages export, by shape id (`namespace#Name`). */
const MODELED = new Map<string, ModeledErrorTraits>();

function indexErrorSchemas(service: SandboxService, sdk: Record<string, unknown>): void {
  for (const value of Object.values(sdk)) {
    // A static error schema: [-3, namespace, name, traits, memberNames, memberSchemas].
    if (!Array.isArray(value) || value[0] !== -3 || typeof value[1] !== 'string' || typeof value[2] !== 'string') continue;
    if (value[1].startsWith('smithy.ts.sdk.synthetic.')) continue; // the service's base exception
    const traits = NormalizedSchema.of(value as never).getMergedTraits() as {
      awsQueryError?: [string, number];
      httpError?: number;
      error?: 'client' | 'server';
    };
    const fault = traits.error === 'server' ? 'server' : 'client';
    MODELED.set(`${value[1]}#${value[2]}`, {
      service,
      code: traits.awsQueryError?.[0] ?? value[2],
      // Smithy's default for an error without @httpError: 400 for a client fault, 500 for a server fault.
      httpStatusCode: traits.httpError ?? (fault === 'server' ? 500 : 400),
      fault,
    });
  }
}

indexErrorSchemas('elbv2', elbv2Sdk);
indexErrorSchemas('elasticache', elasticacheSdk);
indexErrorSchemas('cloudwatch', cloudwatchSdk);
indexErrorSchemas('ssm', ssmSdk);
indexErrorSchemas('ecs', ecsSdk);

/** The traits the SDK's model gives an error shape, or undefined when no client package models it. */
export function modeledErrorTraits(shapeId: string): ModeledErrorTraits | undefined {
  return MODELED.get(shapeId);
}

/**
 * Errors common to every AWS API, which the service models do not name, with the status AWS documents:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/CommonErrors.html,
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/CommonErrors.html,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html.
 * Those pages spell the throttling code `ThrottlingException`; the Query services (ELBv2, ElastiCache,
 * CloudWatch through its Query-compatible error code) answer `Throttling` on the wire, see throttlingError.
 */
type CommonErrorCode = 'Throttling' | 'ValidationError' | 'InternalFailure' | 'ServiceUnavailable';
const COMMON_ERRORS: Record<CommonErrorCode, ErrorTraits> = {
  Throttling: { code: 'Throttling', httpStatusCode: 400, fault: 'client' },
  ValidationError: { code: 'ValidationError', httpStatusCode: 400, fault: 'client' },
  InternalFailure: { code: 'InternalFailure', httpStatusCode: 500, fault: 'server' },
  ServiceUnavailable: { code: 'ServiceUnavailable', httpStatusCode: 503, fault: 'server' },
};

/** The traits of a common error by its wire code, or undefined when it is not one. */
export function commonErrorTraits(code: string): ErrorTraits | undefined {
  return Object.hasOwn(COMMON_ERRORS, code) ? COMMON_ERRORS[code as CommonErrorCode] : undefined;
}

interface ErrorMetadata {
  httpStatusCode: number;
}

/** The constructor shape shared by every modeled SDK exception class. */
export type SdkErrorClass<T extends Error> = new (opts: { message: string; $metadata: ErrorMetadata }) => T;

/** What the SDK's Query (and Query-compatible JSON) deserializer adds to every service error. */
function asDeserialized<T extends Error>(error: T, traits: ErrorTraits, message: string): T {
  const Type = traits.fault === 'server' ? 'Receiver' : 'Sender';
  return Object.assign(error, { $fault: traits.fault, Code: traits.code, Type, Error: { Type, Code: traits.code, Message: message } });
}

/** A modeled error, with the HTTP status, wire code and fault its schema declares. */
export function sdkError<T extends Error>(Class: SdkErrorClass<T>, message: string): T {
  const shapeId = (Class as unknown as { shapeId?: unknown }).shapeId;
  const traits = typeof shapeId === 'string' ? modeledErrorTraits(shapeId) : undefined;
  if (!traits) throw new Error(`the SDK models no error ${String(shapeId ?? Class.name)}`);
  return asDeserialized(new Class({ message, $metadata: { httpStatusCode: traits.httpStatusCode } }), traits, message);
}

type ServiceExceptionOptions = ConstructorParameters<typeof elbv2Sdk.ElasticLoadBalancingV2ServiceException>[0];

/**
 * An error the models do not name (one of COMMON_ERRORS): the SDK surfaces it as the service's base
 * exception with the wire code as its name.
 */
export function commonError(service: SandboxService, code: CommonErrorCode, message: string): Error {
  const traits = COMMON_ERRORS[code];
  const options: ServiceExceptionOptions = { name: code, $fault: traits.fault, message, $metadata: { httpStatusCode: traits.httpStatusCode } };
  switch (service) {
    case 'elbv2':
      return asDeserialized(new elbv2Sdk.ElasticLoadBalancingV2ServiceException(options), traits, message);
    case 'elasticache':
      return asDeserialized(new elasticacheSdk.ElastiCacheServiceException(options), traits, message);
    case 'cloudwatch':
      return asDeserialized(new cloudwatchSdk.CloudWatchServiceException(options), traits, message);
    case 'ssm':
      return asDeserialized(new ssmSdk.SSMServiceException(options), traits, message);
    case 'ecs':
      return asDeserialized(new ecsSdk.ECSServiceException(options), traits, message);
  }
}

export function validationError(service: SandboxService, message: string): Error {
  return commonError(service, 'ValidationError', message);
}

/**
 * Throttling as each service reports it, with the message AWS sends ("Rate exceeded").
 * - ELBv2: `Throttling`, HTTP 400 (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-throttling.html
 *   says "ThrottlingException"; the Query wire code AWS's SDKs report is `Throttling`).
 * - ElastiCache: `Throttling`, HTTP 400 (https://repost.aws/knowledge-center/elasticache-fix-status-code-400:
 *   "Status Code: 400; Error Code: Throttling"), except TestFailover, the one operation whose model
 *   declares APICallRateForCustomerExceeded
 *   (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_TestFailover.html).
 * - CloudWatch: `Throttling`, HTTP 400 (https://repost.aws/knowledge-center/cloudwatch-400-error-throttling
 *   shows `<Code>Throttling</Code>`; the SDK's JSON protocol takes the Query-compatible code as the name).
 * `Throttling` is in the SDK's retryable list, so the SDK's own retry path runs; APICallRateForCustomerExceeded
 * is not, and quiesce's retry budget takes over (src/aws/classify.ts).
 */
export function throttlingError(service: SandboxService, command: string): Error {
  if (service === 'elasticache' && command === 'TestFailover') {
    return sdkError(elasticacheSdk.APICallRateForCustomerExceededFault, 'Rate exceeded');
  }
  return commonError(service, 'Throttling', 'Rate exceeded');
}

/** An injected transient fault: a 5xx from the service or a network error before any response. */
export function injectedFault(service: SandboxService, kind: ApiFaultKind): Error {
  switch (kind) {
    case 'http500':
      return commonError(service, 'InternalFailure', 'We encountered an internal error. Please try again.');
    case 'http503':
      return commonError(service, 'ServiceUnavailable', 'Service is unavailable. Please try again.');
    case 'econnreset':
      return networkError('ECONNRESET', 'socket hang up');
    case 'timeout':
      return networkError('ETIMEDOUT', 'connect ETIMEDOUT');
  }
}

function networkError(code: 'ECONNRESET' | 'ETIMEDOUT', message: string): Error {
  const error = new Error(message);
  error.name = code;
  return Object.assign(error, { code });
}

/** A command the sandbox does not model: loud, never mistaken for an AWS answer. */
export class SandboxUnsupportedError extends Error {
  constructor(service: SandboxService, command: string, options?: ErrorOptions) {
    super(`the sandbox does not model ${service} ${command}`, options);
    this.name = 'SandboxUnsupportedError';
  }
}

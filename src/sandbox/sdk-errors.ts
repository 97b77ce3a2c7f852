// Errors the sandbox throws, built from the SDK's own exception classes so adapters see
// exactly what they would see from AWS (same `name`, `$fault`, `$metadata`, prototype).
import { ElasticLoadBalancingV2ServiceException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { APICallRateForCustomerExceededFault, ElastiCacheServiceException } from '@aws-sdk/client-elasticache';
import { CloudWatchServiceException } from '@aws-sdk/client-cloudwatch';
import type { ApiFaultKind, SandboxService } from './state.js';

interface ErrorMetadata {
  httpStatusCode: number;
}

/** The constructor shape shared by every modeled SDK exception class. */
export type SdkErrorClass<T extends Error> = new (opts: { message: string; $metadata: ErrorMetadata }) => T;

export function sdkError<T extends Error>(Class: SdkErrorClass<T>, message: string, httpStatusCode = 400): T {
  return new Class({ message, $metadata: { httpStatusCode } });
}

type ServiceExceptionOptions = ConstructorParameters<typeof ElasticLoadBalancingV2ServiceException>[0];

/** An error the SDK has no class for: it surfaces as the service's base exception with the wire code as name. */
export function unmodeledError(
  service: SandboxService,
  name: string,
  message: string,
  httpStatusCode: number,
  fault: 'client' | 'server',
): Error {
  const options: ServiceExceptionOptions = { name, $fault: fault, message, $metadata: { httpStatusCode } };
  switch (service) {
    case 'elbv2':
      return new ElasticLoadBalancingV2ServiceException(options);
    case 'elasticache':
      return new ElastiCacheServiceException(options);
    case 'cloudwatch':
      return new CloudWatchServiceException(options);
  }
}

export function validationError(service: SandboxService, message: string): Error {
  return unmodeledError(service, 'ValidationError', message, 400, 'client');
}

/**
 * Throttling as each service reports it. ELBv2 `Throttling` and CloudWatch `ThrottlingException`
 * are in the SDK's retryable list; ElastiCache's APICallRateForCustomerExceeded is not.
 */
export function throttlingError(service: SandboxService): Error {
  switch (service) {
    case 'elbv2':
      return unmodeledError('elbv2', 'Throttling', 'Rate exceeded', 400, 'client');
    case 'cloudwatch':
      return unmodeledError('cloudwatch', 'ThrottlingException', 'Rate exceeded', 400, 'client');
    case 'elasticache':
      return sdkError(APICallRateForCustomerExceededFault, 'Rate exceeded', 400);
  }
}

/** An injected transient fault: a 5xx from the service or a network error before any response. */
export function injectedFault(service: SandboxService, kind: ApiFaultKind): Error {
  switch (kind) {
    case 'http500':
      return unmodeledError(service, 'InternalFailure', 'We encountered an internal error. Please try again.', 500, 'server');
    case 'http503':
      return unmodeledError(service, 'ServiceUnavailable', 'Service is unavailable. Please try again.', 503, 'server');
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

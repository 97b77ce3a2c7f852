// Fixtures for AWS adapter tests: ARNs, and error factories.
// Errors shaped like the ones AWS SDK v3 clients throw (checked against real clients fed raw HTTP
// responses): a service error carries `name` (the SDK class name), `Code` (the wire code, query
// protocols), `$fault` and `$metadata` with the HTTP status and the SDK's attempt count; a transport
// failure is a Node error with an errno `code` and only `$metadata.attempts`.

export interface ServiceErrorShape {
  name: string;
  Code?: string;
  status: number;
  message?: string;
  attempts?: number;
}

export function awsServiceError(shape: ServiceErrorShape): Error {
  return Object.assign(new Error(shape.message ?? `${shape.Code ?? shape.name} happened`), {
    name: shape.name,
    ...(shape.Code ? { Code: shape.Code } : {}),
    $fault: shape.status >= 500 ? 'server' : 'client',
    $retryable: undefined,
    $metadata: { httpStatusCode: shape.status, attempts: shape.attempts ?? 1, totalRetryDelay: 0 },
  });
}

export function networkError(code: string, attempts = 3): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443`), {
    code,
    $metadata: { attempts, totalRetryDelay: 300 },
  });
}

export function timeoutError(attempts = 3): Error {
  return Object.assign(new Error('Connection timed out after 5000 ms'), {
    name: 'TimeoutError',
    $metadata: { attempts, totalRetryDelay: 300 },
  });
}

export const ACCOUNT = '123456789012';
export const LISTENER_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/payments/0123456789abcdef/fedcba9876543210`;
export const LB_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/payments/0123456789abcdef`;
export const RULE_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/app/payments/0123456789abcdef/fedcba9876543210/3333333333333333`;
export const TG_BLUE = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/payments-blue/1111111111111111`;
export const TG_GREEN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/payments-green/2222222222222222`;

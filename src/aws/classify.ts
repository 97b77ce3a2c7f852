// The one place that decides whether an AWS failure is worth retrying. Everything that is not
// recognisably an AWS or transport error is left alone: the caller rethrows it untouched.
import type { AwsErrorClassification } from '../errors.js';

export interface ClassifiedAwsError {
  classification: AwsErrorClassification;
  /** Wire error code when the SDK kept it (`Code`), else the SDK error name, else the HTTP status. */
  code: string;
  message: string;
  httpStatusCode: number | undefined;
  /** HTTP attempts the SDK made before giving up (its own retries). */
  attempts: number;
  /** Set when the request never reached AWS: the name was not found, the connection refused or it timed out. */
  network?: NetworkFailure;
}

/** Why a request never got an answer from AWS: the transport's own failure, before any HTTP status. */
export type NetworkFailure = 'dns' | 'refused' | 'timeout' | 'unreachable';

const NETWORK_CODES: Readonly<Record<string, NetworkFailure>> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  TimeoutError: 'timeout',
  RequestTimeout: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
};

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  // ElastiCache, HTTP 400: the SDK does not retry it, so quiesce must.
  'APICallRateForCustomerExceeded',
  // SSM, HTTP 400: "There are concurrent updates for a resource that supports one update at a time"
  // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html lists no such code;
  // the SSM model declares TooManyUpdates): a wait and a retry, not a refusal.
  'TooManyUpdates',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  // A DNS failure or an unreachable network may pass (a resolver or a route flapping): retried in the
  // budget, except before AWS has answered at all (retry-budget.ts: first contact fails fast).
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'HealthUnavailable',
  'InternalFailure',
  'ServiceUnavailable',
]);

const TRANSIENT_HTTP = new Set([500, 502, 503, 504]);

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  Code?: unknown;
  code?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: boolean } | undefined;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { statusCode?: number };
}

/**
 * Classify an error thrown by an AWS SDK v3 client. Returns undefined when the error is neither an AWS
 * service error nor a transport failure (a bug, a user abort): such errors must be rethrown untouched.
 */
export function classifyAwsError(err: unknown): ClassifiedAwsError | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & ErrorShape;
  const codes = candidateCodes(e);
  const httpStatusCode = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  // The SDK's retry layer stamps `$metadata.attempts` on whatever passes through it, a bug or a user abort
  // included: only a fault marker or an HTTP status proves AWS (or a proxy in front of it) answered.
  const isServiceError = e.$fault !== undefined || e.$metadata?.httpStatusCode !== undefined;
  const isTransport = codes.some((c) => TRANSIENT_CODES.has(c)) || isTimeoutAbort(e);
  if (!isServiceError && !isTransport) return undefined;

  let classification: AwsErrorClassification;
  if (codes.some((c) => THROTTLING_CODES.has(c)) || httpStatusCode === 429 || e.$retryable?.throttling === true) {
    classification = 'throttled';
  } else if (
    isTransport ||
    (httpStatusCode !== undefined && TRANSIENT_HTTP.has(httpStatusCode)) ||
    e.$retryable !== undefined
  ) {
    classification = 'transient';
  } else {
    classification = 'fatal';
  }

  const network = isServiceError ? undefined : networkFailure(codes, e);
  return {
    classification,
    code: primaryCode(e, httpStatusCode),
    message: typeof e.message === 'string' ? e.message : '',
    httpStatusCode,
    attempts: Math.max(1, e.$metadata?.attempts ?? 1),
    ...(network ? { network } : {}),
  };
}

function networkFailure(codes: string[], e: ErrorShape): NetworkFailure | undefined {
  for (const c of codes) if (NETWORK_CODES[c]) return NETWORK_CODES[c];
  return isTimeoutAbort(e) ? 'timeout' : undefined;
}

/** True when the error carries any of `codes` as wire code, SDK name (with or without Exception/Fault) or errno. */
export function hasAwsErrorCode(err: unknown, ...codes: string[]): boolean {
  if (!(err instanceof Error)) return false;
  const own = candidateCodes(err as Error & ErrorShape);
  return codes.some((c) => own.includes(c));
}

function candidateCodes(e: ErrorShape): string[] {
  const raw = [e.Code, e.name, e.code].filter((v): v is string => typeof v === 'string' && v.length > 0);
  // SDK class names add a suffix to the wire code: APICallRateForCustomerExceeded -> ...Fault.
  const stripped = raw.map((c) => c.replace(/(Exception|Fault)$/, '')).filter((c) => c.length > 0);
  return [...new Set([...raw, ...stripped])];
}

function primaryCode(e: ErrorShape, httpStatusCode: number | undefined): string {
  if (typeof e.Code === 'string' && e.Code) return e.Code;
  if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  const name = typeof e.name === 'string' ? e.name : '';
  // The SDK names an unparseable error body (an HTML 503 from a proxy) `Unknown`.
  if ((name === '' || name === 'Unknown' || name === 'Error') && httpStatusCode !== undefined) return `HTTP ${httpStatusCode}`;
  return name || 'UnknownError';
}

/** An AbortError caused by a timeout is transient; one caused by the user (Ctrl-C) is not ours to retry. */
function isTimeoutAbort(e: ErrorShape): boolean {
  if (e.name !== 'AbortError') return false;
  const cause = e.cause as { name?: unknown } | undefined;
  if (cause && cause.name === 'TimeoutError') return true;
  return typeof e.message === 'string' && /timed? ?out/i.test(e.message);
}

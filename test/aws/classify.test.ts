import { describe, expect, it } from 'vitest';
import { APICallRateForCustomerExceededFault } from '@aws-sdk/client-elasticache';
import { PriorityInUseException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { classifyAwsError, hasAwsErrorCode } from '../../src/aws/classify.js';
import { awsServiceError, networkError, timeoutError } from '../helpers/aws-fixtures.js';

describe('classifyAwsError', () => {
  it.each([
    ['Throttling', awsServiceError({ name: 'Throttling', Code: 'Throttling', status: 400 }), 'throttled', 'Throttling'],
    ['APICallRateForCustomerExceeded', new APICallRateForCustomerExceededFault({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }), 'throttled', 'APICallRateForCustomerExceededFault'],
    ['HTTP 429 without a known code', awsServiceError({ name: 'Whatever', status: 429 }), 'throttled', 'Whatever'],
    ['$retryable.throttling', Object.assign(awsServiceError({ name: 'Odd', status: 400 }), { $retryable: { throttling: true } }), 'throttled', 'Odd'],
    ['$retryable', Object.assign(awsServiceError({ name: 'Odd', status: 400 }), { $retryable: {} }), 'transient', 'Odd'],
    ['HTTP 503 with an HTML body', awsServiceError({ name: 'Unknown', status: 503 }), 'transient', 'HTTP 503'],
    ['ECONNRESET', networkError('ECONNRESET'), 'transient', 'ECONNRESET'],
    ['TimeoutError', timeoutError(), 'transient', 'TimeoutError'],
    ['RequestTimeout', awsServiceError({ name: 'RequestTimeout', Code: 'RequestTimeout', status: 400 }), 'transient', 'RequestTimeout'],
    ['InvalidParameterValue', awsServiceError({ name: 'InvalidParameterValueException', Code: 'InvalidParameterValue', status: 400 }), 'fatal', 'InvalidParameterValue'],
    ['ExpiredToken', awsServiceError({ name: 'ExpiredTokenException', Code: 'ExpiredToken', status: 403 }), 'fatal', 'ExpiredToken'],
  ] as const)('%s is %s', (_label, err, classification, code) => {
    expect(classifyAwsError(err)).toMatchObject({ classification, code });
  });

  it('treats an AbortError from a timeout as transient', () => {
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', cause: Object.assign(new Error('t'), { name: 'TimeoutError' }) });
    expect(classifyAwsError(abort)?.classification).toBe('transient');
  });

  it('leaves errors that are not AWS errors alone, even with SDK retry metadata stamped on', () => {
    expect(classifyAwsError(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyAwsError(Object.assign(new TypeError('bug'), { $metadata: { attempts: 1, totalRetryDelay: 0 } }))).toBeUndefined();
    const userAbort = Object.assign(new Error('The operation was aborted by the user'), { name: 'AbortError', $metadata: { attempts: 1 } });
    expect(classifyAwsError(userAbort)).toBeUndefined();
    expect(classifyAwsError('a string')).toBeUndefined();
  });

  it('reports the attempts the SDK made', () => {
    expect(classifyAwsError(awsServiceError({ name: 'Throttling', status: 400, attempts: 3 }))?.attempts).toBe(3);
  });
});

describe('network failures: the request never reached AWS', () => {
  it.each([
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
  ])('%s is transient (retried mid-run) and says why: %s', (code, network) => {
    expect(classifyAwsError(networkError(code))).toMatchObject({ classification: 'transient', code, network });
  });

  it('a timeout is a network failure; an answer from AWS never is', () => {
    expect(classifyAwsError(timeoutError())).toMatchObject({ classification: 'transient', network: 'timeout' });
    expect(classifyAwsError(awsServiceError({ name: 'ServiceUnavailable', Code: 'ServiceUnavailable', status: 503 }))?.network).toBeUndefined();
  });
});

describe('hasAwsErrorCode', () => {
  it('matches the wire code and the SDK class name with or without its suffix', () => {
    const byClass = new PriorityInUseException({ message: 'in use', $metadata: {} });
    expect(hasAwsErrorCode(byClass, 'PriorityInUse')).toBe(true);
    expect(hasAwsErrorCode(awsServiceError({ name: 'PriorityInUseException', Code: 'PriorityInUse', status: 400 }), 'PriorityInUse')).toBe(true);
    expect(hasAwsErrorCode(awsServiceError({ name: 'RuleNotFoundException', Code: 'RuleNotFound', status: 400 }), 'PriorityInUse')).toBe(false);
    expect(hasAwsErrorCode(undefined, 'PriorityInUse')).toBe(false);
  });
});

// The audit middleware runs inside real SDK clients here (no mockClient: it would bypass the
// middleware stack), fed canned HTTP responses by a fake request handler.
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';
import { DescribeReplicationGroupsCommand, ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients } from '../../src/aws/clients.js';
import { withRetryBudget } from '../../src/aws/retry-budget.js';
import { createLogger } from '../../src/logger.js';
import { isMutatingCommand, resourceOf } from '../../src/aws/call-log.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { ManualClock } from '../helpers/manual-clock.js';

const PLANTED = {
  accessKeyId: 'AKIAPLANTEDKEYID0001',
  secretAccessKey: 'planted-secret-access-key-0001',
  sessionToken: 'planted-session-token-0001',
  authToken: 'planted-auth-token-0001',
  secretString: 'planted-secret-string-0001',
};

interface Canned {
  status: number;
  body: string;
}

/** Answers each request with the next canned response and keeps the raw requests. */
function fakeHandler(responses: Canned[]): RequestHandler<HttpRequest, HttpResponse> & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async handle(request: HttpRequest) {
      requests.push(request);
      const next = responses.shift() ?? { status: 500, body: '' };
      return {
        response: {
          statusCode: next.status,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([Buffer.from(next.body)]),
        },
      };
    },
  };
}

const EC_NS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';
const modifyOk = `<ModifyReplicationGroupResponse xmlns="${EC_NS}"><ModifyReplicationGroupResult><ReplicationGroup><ReplicationGroupId>payments-blue</ReplicationGroupId><Status>modifying</Status></ReplicationGroup></ModifyReplicationGroupResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ModifyReplicationGroupResponse>`;
const describeOk = `<DescribeReplicationGroupsResponse xmlns="${EC_NS}"><DescribeReplicationGroupsResult><ReplicationGroups><ReplicationGroup><ReplicationGroupId>payments-blue</ReplicationGroupId><Status>available</Status></ReplicationGroup></ReplicationGroups></DescribeReplicationGroupsResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>`;
const echoError = `<ErrorResponse xmlns="${EC_NS}"><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>1 validation error detected: Value '${PLANTED.authToken}' at 'authToken' failed to satisfy constraint</Message></Error><RequestId>r3</RequestId></ErrorResponse>`;

function memoryStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function clientsWith(handler: RequestHandler<HttpRequest, HttpResponse>, logger: ReturnType<typeof captureLogger>['logger'], maxAttempts = 1) {
  return createAwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: PLANTED.accessKeyId, secretAccessKey: PLANTED.secretAccessKey, sessionToken: PLANTED.sessionToken },
    maxAttempts,
    retryMode: 'standard',
    logger,
    clientConfig: { requestHandler: handler },
  });
}

describe('AWS call log', () => {
  it('logs a mutating call at info with whitelisted fields only, and no planted secret anywhere', async () => {
    // The capture logger has no redaction: the middleware itself must keep secrets out.
    const log = captureLogger();
    const handler = fakeHandler([{ status: 200, body: modifyOk }]);
    const { elasticache } = clientsWith(handler, log.logger);
    await elasticache.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: 'payments-blue',
        AuthToken: PLANTED.authToken,
        AuthTokenUpdateStrategy: 'ROTATE',
        ApplyImmediately: true,
      }),
    );
    // The secret really went over the wire, so its absence from the log means something.
    expect(String(handler.requests[0]?.body)).toContain(PLANTED.authToken);

    expect(log.lines).toHaveLength(1);
    const line = JSON.parse(log.lines[0]!) as { level: number; aws: Record<string, unknown>; msg: string };
    expect(line.level).toBe(30);
    expect(line.msg).toBe('ElastiCache ModifyReplicationGroup');
    expect(line.aws).toMatchObject({ service: 'ElastiCache', command: 'ModifyReplicationGroup', resource: 'payments-blue', attempts: 1, outcome: 'ok' });
    expect(typeof line.aws['durationMs']).toBe('number');
    for (const secret of Object.values(PLANTED)) expect(log.text()).not.toContain(secret);
  });

  it('logs reads at debug and failures with their code, never the AWS message that echoes a secret', async () => {
    const log = captureLogger();
    const handler = fakeHandler([
      { status: 200, body: describeOk },
      { status: 400, body: echoError },
    ]);
    const { elasticache } = clientsWith(handler, log.logger);
    await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'payments-blue' }));
    const err = await withRetryBudget(
      new ManualClock(0, { autoAdvance: true }),
      { service: 'ElastiCache', operation: 'ModifyReplicationGroup', resource: 'payments-blue', budgetMs: 1_000, baseDelayMs: 10, maxDelayMs: 10 },
      () => elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'payments-blue', AuthToken: PLANTED.authToken, ApplyImmediately: true })),
    ).then(
      () => new Error('expected ModifyReplicationGroup to fail'),
      (e: unknown) => e as Error,
    );

    const [read, failed] = log.lines.map((l) => JSON.parse(l) as { level: number; aws: Record<string, unknown> });
    expect(read).toMatchObject({ level: 20, aws: { command: 'DescribeReplicationGroups', outcome: 'ok' } });
    expect(failed).toMatchObject({ level: 30, aws: { command: 'ModifyReplicationGroup', outcome: 'error', errorCode: 'InvalidParameterValue', classification: 'fatal' } });
    for (const secret of Object.values(PLANTED)) {
      expect(log.text()).not.toContain(secret);
      expect(err.message).not.toContain(secret);
    }
  });

  it('reports the SDK attempt count of a call that needed retries', async () => {
    const log = captureLogger();
    const handler = fakeHandler([
      { status: 503, body: '<html>Service Unavailable</html>' },
      { status: 200, body: describeOk },
    ]);
    const { elasticache } = clientsWith(handler, log.logger, 3);
    await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'payments-blue' }));
    expect(log.lines).toHaveLength(1);
    expect(JSON.parse(log.lines[0]!)).toMatchObject({ aws: { attempts: 2, outcome: 'ok' } });
  });

  it('labels ELBv2 calls with the ARN they are about', async () => {
    const log = captureLogger();
    const handler = fakeHandler([
      {
        status: 200,
        body: '<DescribeRulesResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeRulesResult><Rules/></DescribeRulesResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></DescribeRulesResponse>',
      },
    ]);
    const { elbv2 } = clientsWith(handler, log.logger);
    await elbv2.send(new DescribeRulesCommand({ ListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/p/1/2' }));
    expect(JSON.parse(log.lines[0]!)).toMatchObject({
      level: 20,
      aws: { service: 'ELBv2', command: 'DescribeRules', resource: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/p/1/2' },
    });
  });

  it('redacts secret-bearing keys through the quiesce logger, should one ever be logged', async () => {
    const out = memoryStream();
    const logger = createLogger({ level: 'debug', destination: out.stream });
    logger.info(
      {
        credentials: { accessKeyId: PLANTED.accessKeyId, secretAccessKey: PLANTED.secretAccessKey, sessionToken: PLANTED.sessionToken },
        input: { ReplicationGroupId: 'payments-blue', AuthToken: PLANTED.authToken },
        secret: { SecretString: PLANTED.secretString },
        request: { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${PLANTED.accessKeyId}`, 'x-amz-security-token': PLANTED.sessionToken } },
      },
      'planted',
    );
    await new Promise((r) => setImmediate(r));
    expect(out.text()).toContain('payments-blue');
    expect(out.text()).toContain('[REDACTED]');
    for (const secret of Object.values(PLANTED)) expect(out.text()).not.toContain(secret);
  });
});

describe('call-log helpers', () => {
  it('classifies commands as mutating or not', () => {
    expect(isMutatingCommand('ModifyListener')).toBe(true);
    expect(isMutatingCommand('TestFailover')).toBe(true);
    expect(isMutatingCommand('DescribeRules')).toBe(false);
    expect(isMutatingCommand('GetMetricData')).toBe(false);
  });

  it('extracts identifiers only', () => {
    expect(resourceOf({ ReplicationGroupIds: ['a', 'b'], ServiceUpdateName: 'u', AuthToken: 'x' })).toBe('u a b');
    expect(resourceOf({ MetricDataQueries: [] })).toBeUndefined();
  });
});

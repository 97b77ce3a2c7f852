import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, resolveAwsConfig } from '../../src/aws/clients.js';
import { CALL_LOG_MIDDLEWARE_NAME } from '../../src/aws/call-log.js';
import { ConfigError } from '../../src/errors.js';
import { captureLogger } from '../helpers/capture-logger.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-aws-config-'));
  // An environment with nothing in it: no region, no keys, empty shared files, no instance metadata.
  for (const name of [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  writeFileSync(join(dir, 'config'), '');
  writeFileSync(join(dir, 'credentials'), '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('resolveAwsConfig', () => {
  it('fails with a one-line ConfigError when no region can be resolved', async () => {
    const err = await resolveAwsConfig({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).not.toMatch(/\n/);
    expect(message).toMatch(/^no AWS region: pass --region, set AWS_REGION, or set region in the default profile/);
  });

  it('fails with a one-line ConfigError when no credentials can be resolved', async () => {
    const err = await resolveAwsConfig({ region: 'us-east-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).not.toMatch(/\n/);
    expect((err as ConfigError).message).toMatch(/^no AWS credentials: /);
    expect((err as ConfigError).cause).toBeInstanceOf(Error);
  });

  it('resolves region and credentials from a named profile', async () => {
    writeFileSync(join(dir, 'config'), '[profile maint]\nregion = eu-west-1\n');
    writeFileSync(join(dir, 'credentials'), '[maint]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example-secret\n');
    const resolved = await resolveAwsConfig({ profile: 'maint' });
    expect(resolved.region).toBe('eu-west-1');
    expect(resolved.profile).toBe('maint');
    await expect(resolved.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIAEXAMPLE' });
  });

  it('names the profile when its credentials are missing', async () => {
    writeFileSync(join(dir, 'config'), '[profile empty]\nregion = eu-west-1\n');
    const err = await resolveAwsConfig({ profile: 'empty' }).catch((e: unknown) => e);
    expect((err as ConfigError).message).toMatch(/^no AWS credentials for profile "empty": /);
  });
});

describe('createAwsClients', () => {
  it('configures region and retry explicitly and attaches the audit middleware to every client', async () => {
    const { logger } = captureLogger();
    const clients = createAwsClients({
      region: 'eu-central-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 4,
      retryMode: 'adaptive',
      logger,
    });
    for (const client of [clients.elbv2, clients.elasticache, clients.cloudwatch]) {
      await expect(client.config.region()).resolves.toBe('eu-central-1');
      await expect(client.config.maxAttempts()).resolves.toBe(4);
      expect(client.config.retryMode).toBe('adaptive');
      await expect(client.config.retryStrategy()).resolves.toMatchObject({ mode: 'adaptive' });
      expect(client.middlewareStack.identify().some((m) => m.startsWith(CALL_LOG_MIDDLEWARE_NAME))).toBe(true);
    }
  });
});

describe('client timeouts', () => {
  it('every client gives up on a connection after 3 s and on a silent request after 15 s, and throws (not just warns)', async () => {
    const clients = createAwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }, maxAttempts: 3, retryMode: 'standard', logger: captureLogger().logger });
    for (const client of [clients.elbv2, clients.elasticache, clients.cloudwatch]) {
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
      expect(await handler.configProvider).toMatchObject({ connectionTimeout: 3_000, requestTimeout: 15_000, throwOnRequestTimeout: true });
    }
  });

  it('an endpoint that accepts and never answers is a timeout, one line, in seconds (short timeouts here)', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const { createElbv2Traffic } = await import('../../src/adapters/elbv2-traffic.js');
      const { DEFAULT_RETRY_BUDGET, newFirstContact } = await import('../../src/aws/retry-budget.js');
      const { systemClock } = await import('../../src/ports/clock.js');
      const { AwsUnreachableError } = await import('../../src/errors.js');
      const logger = captureLogger().logger;
      const clients = createAwsClients({
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
        maxAttempts: 2,
        retryMode: 'standard',
        logger,
        clientConfig: { endpoint: `http://127.0.0.1:${port}`, requestHandler: { connectionTimeout: 300, requestTimeout: 300, throwOnRequestTimeout: true } as never },
      });
      const traffic = createElbv2Traffic({ client: clients.elbv2, clock: systemClock, budget: { ...DEFAULT_RETRY_BUDGET, firstContact: newFirstContact() }, logger });
      const started = Date.now();
      const err = await traffic.loadBalancerDnsName('arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/payments/50dc6c495c0c9188/f2f7dc8efc522ab2').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err).toBeInstanceOf(AwsUnreachableError);
      expect((err as Error).message).toMatch(/^cannot reach AWS: ELBv2 \w+ on .*: the connection timed out \(/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { toHaveReceivedCommandTimes, toHaveReceivedCommandWith, type BaseMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuthTokenError, ProbeError } from '../../src/probes/errors.js';
import { resolveAuthToken } from '../../src/probes/secrets.js';
import { captureLogger } from '../helpers/capture-logger.js';

expect.extend({ toHaveReceivedCommandWith, toHaveReceivedCommandTimes });

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<R, T> extends BaseMatcher<R, T> {}
}

const TOKEN = 'tok-3c1f-never-print-me';
const secrets = mockClient(SecretsManagerClient);

beforeEach(() => {
  secrets.reset();
});

function deps(env: Record<string, string | undefined> = {}) {
  const captured = captureLogger();
  return { captured, deps: { logger: captured.logger, env, secretsManager: new SecretsManagerClient({ region: 'us-east-1' }) } };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('resolveAuthToken from the environment', () => {
  it('reads the named variable without logging its value', async () => {
    const { deps: d, captured } = deps({ REDIS_AUTH: TOKEN });
    await expect(resolveAuthToken({ authTokenEnv: 'REDIS_AUTH' }, d)).resolves.toBe(TOKEN);
    expect(captured.text()).toContain('REDIS_AUTH');
    expect(captured.text()).not.toContain(TOKEN);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it.each([[{}], [{ REDIS_AUTH: '' }]])('fails naming the variable when it is missing or empty (%j)', async (env) => {
    const err = await rejection(resolveAuthToken({ authTokenEnv: 'REDIS_AUTH' }, deps(env).deps));
    expect(err).toBeInstanceOf(AuthTokenError);
    expect(err).toMatchObject({ source: 'env', ref: 'REDIS_AUTH' });
    expect(err.message).toBe('environment variable REDIS_AUTH (the Redis AUTH token) is not set or empty');
  });

  it('means no AUTH when no source is named', async () => {
    await expect(resolveAuthToken({}, deps().deps)).resolves.toBeUndefined();
  });

  it('refuses two sources', async () => {
    await expect(resolveAuthToken({ authTokenEnv: 'A', authTokenSecretId: 'b' }, deps().deps)).rejects.toThrow(ProbeError);
  });
});

describe('resolveAuthToken from Secrets Manager', () => {
  it('takes a raw SecretString as the token', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'prod/redis' }).resolves({ SecretString: TOKEN });
    const { deps: d, captured } = deps();

    await expect(resolveAuthToken({ authTokenSecretId: 'prod/redis' }, d)).resolves.toBe(TOKEN);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'prod/redis' });
    expect(captured.text()).toContain('prod/redis');
    expect(captured.text()).not.toContain(TOKEN);
  });

  it('reads the configured key of a JSON secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'app', authToken: TOKEN }) });
    await expect(resolveAuthToken({ authTokenSecretId: 'prod/redis', authTokenSecretKey: 'authToken' }, deps().deps)).resolves.toBe(TOKEN);
  });

  it('fails naming the secret and key when the key is missing, without showing the secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: TOKEN }) });
    const err = await rejection(resolveAuthToken({ authTokenSecretId: 'prod/redis', authTokenSecretKey: 'authToken' }, deps().deps));
    expect(err).toBeInstanceOf(AuthTokenError);
    expect(err.message).toBe('secret "prod/redis": key "authToken" is missing');
    expect(err.message).not.toContain(TOKEN);
  });

  it('asks for a key when the secret is JSON but no key is configured', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: TOKEN }) });
    const err = await rejection(resolveAuthToken({ authTokenSecretId: 'prod/redis' }, deps().deps));
    expect(err.message).toBe('secret "prod/redis" holds JSON; set authTokenSecretKey to the key that holds the token');
  });

  it('fails when a key is configured but the secret is not JSON, without quoting it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `{${TOKEN}` });
    const err = await rejection(resolveAuthToken({ authTokenSecretId: 'prod/redis', authTokenSecretKey: 'authToken' }, deps().deps));
    expect(err.message).toBe('secret "prod/redis" is not a JSON object, so key "authToken" cannot be read');
    expect(err.cause).toBeUndefined();
  });

  it('translates a missing secret into a typed one-line error with the SDK error as cause', async () => {
    const notFound = new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
    secrets.on(GetSecretValueCommand).rejects(notFound);
    const err = await rejection(resolveAuthToken({ authTokenSecretId: 'prod/missing' }, deps().deps));
    expect(err).toBeInstanceOf(AuthTokenError);
    expect(err).toMatchObject({ source: 'secrets-manager', ref: 'prod/missing', message: 'secret "prod/missing" was not found' });
    expect(err.cause).toBe(notFound);
  });

  it('fails on a binary-only secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    await expect(resolveAuthToken({ authTokenSecretId: 'bin' }, deps().deps)).rejects.toThrow(
      'secret "bin" has no SecretString (binary secrets are not supported)',
    );
  });

  it('wraps an unexpected SDK failure, keeping it as cause for the retry policy', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    secrets.on(GetSecretValueCommand).rejects(throttled);
    const err = await rejection(resolveAuthToken({ authTokenSecretId: 'prod/redis' }, deps().deps));
    expect(err).toBeInstanceOf(ProbeError);
    expect(err).not.toBeInstanceOf(AuthTokenError);
    expect(err.message).toBe('reading secret "prod/redis" from Secrets Manager failed (ThrottlingException)');
    expect(err.cause).toBe(throttled);
  });

  it('needs a client when a secret is named', async () => {
    const { logger } = captureLogger();
    await expect(resolveAuthToken({ authTokenSecretId: 'x' }, { logger })).rejects.toThrow('no Secrets Manager client was provided');
  });
});

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { AuthTokenError, ProbeError } from './errors.js';

/** Where the AUTH token lives. The plan names a place, never the token itself. */
export interface AuthTokenRef {
  authTokenEnv?: string;
  authTokenSecretId?: string;
  /** When set, SecretString is JSON and the token is this key's value; otherwise SecretString is the token. */
  authTokenSecretKey?: string;
}

export interface AuthTokenDeps {
  logger: Logger;
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Required when the ref names a secret. */
  secretsManager?: SecretsManagerClient;
}

// Secrets Manager errors that mean "this secret cannot be read as configured"; anything else
// (throttling, network, unknown) is rethrown wrapped so the caller's retry policy can see the cause.
const SECRET_UNREADABLE: Record<string, string> = {
  ResourceNotFoundException: 'was not found',
  AccessDeniedException: 'is not readable with these credentials (AccessDeniedException)',
  DecryptionFailure: 'could not be decrypted with its KMS key (DecryptionFailure)',
  InvalidRequestException: 'cannot be read now, e.g. it is scheduled for deletion (InvalidRequestException)',
  InvalidParameterException: 'id is not valid (InvalidParameterException)',
};

/** Resolves the token, or undefined when the ref names no source (no AUTH). Never logs a value. */
export async function resolveAuthToken(ref: AuthTokenRef, deps: AuthTokenDeps): Promise<string | undefined> {
  if (ref.authTokenEnv !== undefined && ref.authTokenSecretId !== undefined) {
    throw new ProbeError('set either authTokenEnv or authTokenSecretId, not both');
  }
  if (ref.authTokenEnv !== undefined) return fromEnv(ref.authTokenEnv, deps);
  if (ref.authTokenSecretId !== undefined) return fromSecretsManager(ref.authTokenSecretId, ref.authTokenSecretKey, deps);
  return undefined;
}

function fromEnv(name: string, deps: AuthTokenDeps): string {
  const value = (deps.env ?? process.env)[name];
  if (value === undefined || value === '') {
    throw new AuthTokenError('env', name, `environment variable ${name} (the Redis AUTH token) is not set or empty`);
  }
  deps.logger.debug({ authTokenEnv: name }, 'resolved the Redis AUTH token from the environment');
  return value;
}

async function fromSecretsManager(secretId: string, key: string | undefined, deps: AuthTokenDeps): Promise<string> {
  if (!deps.secretsManager) {
    throw new ProbeError(`secret "${secretId}" is configured but no Secrets Manager client was provided`);
  }
  let secretString: string | undefined;
  try {
    const out = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = out.SecretString;
  } catch (err) {
    const name = err instanceof Error ? err.name : undefined;
    const known = name === undefined ? undefined : SECRET_UNREADABLE[name];
    if (known) throw new AuthTokenError('secrets-manager', secretId, `secret "${secretId}" ${known}`, { cause: err });
    throw new ProbeError(`reading secret "${secretId}" from Secrets Manager failed (${name ?? 'unknown error'})`, { cause: err });
  }
  if (secretString === undefined || secretString === '') {
    throw new AuthTokenError('secrets-manager', secretId, `secret "${secretId}" has no SecretString (binary secrets are not supported)`);
  }
  const token = key === undefined ? rawToken(secretId, secretString) : tokenFromJson(secretId, secretString, key);
  deps.logger.debug({ authTokenSecretId: secretId, authTokenSecretKey: key }, 'resolved the Redis AUTH token from Secrets Manager');
  return token;
}

function rawToken(secretId: string, secretString: string): string {
  // An AUTH token cannot contain '"' so a JSON object here means the key was forgotten, not a token.
  if (parseJsonObject(secretString) !== undefined) {
    throw new AuthTokenError(
      'secrets-manager',
      secretId,
      `secret "${secretId}" holds JSON; set authTokenSecretKey to the key that holds the token`,
    );
  }
  return secretString;
}

function tokenFromJson(secretId: string, secretString: string, key: string): string {
  const object = parseJsonObject(secretString);
  if (object === undefined) {
    throw new AuthTokenError('secrets-manager', secretId, `secret "${secretId}" is not a JSON object, so key "${key}" cannot be read`);
  }
  const value = object[key];
  if (typeof value !== 'string' || value === '') {
    const problem = key in object ? 'is not a non-empty string' : 'is missing';
    throw new AuthTokenError('secrets-manager', secretId, `secret "${secretId}": key "${key}" ${problem}`);
  }
  return value;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // Not JSON: the caller decides what that means; the parser's message could quote the secret, so drop it.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

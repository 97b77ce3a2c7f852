// The process logger. Secrets are kept out twice: call sites log whitelisted fields only, and pino
// redacts the known secret-bearing keys anywhere near the top of a log object in case one slips in.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

const SECRET_KEYS = [
  'AuthToken',
  'authToken',
  'Authorization',
  'authorization',
  'SecretString',
  'secretString',
  'SecretAccessKey',
  'secretAccessKey',
  'SessionToken',
  'sessionToken',
  'ClientSecret',
  'clientSecret',
  'credentials',
  'Credentials',
  'password',
  'Password',
  '"x-amz-security-token"',
];

/** Redaction paths for each secret key at depths 0 to 3. */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const seg = key.startsWith('"') ? `[${key}]` : `.${key}`;
  const top = key.startsWith('"') ? `[${key}]` : key;
  return [top, `*${seg}`, `*.*${seg}`, `*.*.*${seg}`];
});

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go; stderr by default (stdout is reserved for `--json` output). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'quiesce' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    },
    options.destination ?? pino.destination(2),
  );
}

let silent: Logger | undefined;
const realSilent = (): Logger => (silent ??= pino({ level: 'silent' }));

/**
 * A logger that writes nothing, for adapters built without one. The pino logger behind it is made on first
 * use, not at import: pino() looks up its caller's file, which under --enable-source-maps parses the whole
 * source map, 50 ms or more of a Lambda cold import (docs/performance.md, finding 7).
 */
export const silentLogger: Logger = new Proxy({} as Logger, {
  get(_target, key) {
    const logger = realSilent();
    const value: unknown = Reflect.get(logger, key, logger);
    return typeof value === 'function' ? value.bind(logger) : value;
  },
  set: (_target, key, value) => Reflect.set(realSilent(), key, value),
  has: (_target, key) => Reflect.has(realSilent(), key),
});

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

/** A logger that writes nothing, for adapters built without one. */
export const silentLogger: Logger = pino({ level: 'silent' });

import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A trace-level pino logger whose lines are kept in memory, to assert on what was (and was not) logged. */
export function captureLogger(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  // No redact config on purpose: the code under test must keep secrets out of its log calls by itself.
  const logger = pino({ level: 'trace' }, stream);
  return { logger, lines, text: () => lines.join('') };
}

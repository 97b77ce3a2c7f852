// Payloads (records, journal entries, remembered values) are stored as JSON text, so they round-trip
// exactly. A DynamoDB item holds at most 400 KB, and a run's plan plus its XState snapshots can outgrow
// that: above INLINE_MAX_BYTES the JSON is gzipped into a Binary attribute (bodyGz) instead of body.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { ItemTooLargeError, StoreCorruptError } from '../errors.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Readable in the console below this; compressed above. */
export const INLINE_MAX_BYTES = 200 * 1024;
/** Leaves room under the 400 KB item limit for the keys and the other attributes. */
export const MAX_PAYLOAD_BYTES = 380 * 1024;

export type Payload = { body: string; bodyGz?: never } | { bodyGz: Uint8Array; body?: never };

export async function packPayload(value: unknown, what: string): Promise<Payload> {
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json, 'utf8') <= INLINE_MAX_BYTES) return { body: json };
  const compressed = await gzipAsync(json);
  if (compressed.length > MAX_PAYLOAD_BYTES) throw new ItemTooLargeError(what, compressed.length, MAX_PAYLOAD_BYTES);
  return { bodyGz: new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.length) };
}

export async function unpackPayload(item: Record<string, unknown>, where: string): Promise<unknown> {
  const { body, bodyGz } = item;
  let json: string;
  if (typeof body === 'string') json = body;
  else if (bodyGz instanceof Uint8Array) json = (await gunzipAsync(bodyGz)).toString('utf8');
  else throw new StoreCorruptError(where, 'item has neither body nor bodyGz');
  try {
    return JSON.parse(json);
  } catch (err) {
    if (err instanceof SyntaxError) throw new StoreCorruptError(where, 'body is not valid JSON', { cause: err });
    throw err;
  }
}

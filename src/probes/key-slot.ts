// The hash slot of a key, as Valkey and Redis OSS clusters compute it: CRC16 (XMODEM: polynomial 0x1021,
// initial value 0) of the key, modulo 16384; a key with a hash tag ("{...}", non-empty, the first "{" and the
// next "}") hashes only the tag (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/,
// "Key distribution model"). The probe uses it to pick a canary key on each shard without a round trip.

export const HASH_SLOTS = 16_384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) % HASH_SLOTS;
}

/** Slot ranges as [start, end] pairs, inclusive. */
export type SlotRanges = ReadonlyArray<readonly [number, number]>;

export const inRanges = (slot: number, ranges: SlotRanges): boolean => ranges.some(([start, end]) => slot >= start && slot <= end);

/**
 * A key whose slot lies in `ranges`: `<prefix>{<tag>}` for the first tag that lands there. A shard owning
 * a single slot of 16384 needs about 16384 tries on average; the bound is far above that.
 */
export function keyInRanges(prefix: string, ranges: SlotRanges, salt: string): string | undefined {
  for (let i = 0; i < 1_000_000; i++) {
    const tag = `${salt}-${i}`;
    if (inRanges(keySlot(tag), ranges)) return `${prefix}{${tag}}`;
  }
  return undefined;
}

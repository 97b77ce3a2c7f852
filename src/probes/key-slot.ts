// Choosing a canary key for one shard: the hash slot comes from cluster-key-slot, the function ioredis'
// Cluster routes by (CRC16 of the key or of its "{hash tag}", modulo 16384:
// https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/, "Key distribution model").
import calculateSlot from 'cluster-key-slot';

export const HASH_SLOTS = 16_384;

export const keySlot = (key: string): number => calculateSlot(key);

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

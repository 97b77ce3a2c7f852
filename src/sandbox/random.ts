// Deterministic randomness. The generator state is a single uint32 kept in the world
// state, so a saved world resumes with exactly the same sequence.

/** mulberry32: returns a value in [0, 1) and the next state. */
export function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const value = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  return { value, state: next };
}

/** FNV-1a over text, as uint32. */
function fnv1a(text: string, salt: number): number {
  let hash = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // murmur3 finaliser: FNV alone leaves similar inputs with similar-looking outputs.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Stable lowercase hex of the given length derived from text. Used for ids that must not
 * depend on the order in which resources are built (instance ids, endpoint hashes).
 */
export function stableHex(text: string, length: number): string {
  let out = '';
  for (let salt = 0; out.length < length; salt++) {
    out += fnv1a(text, salt).toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

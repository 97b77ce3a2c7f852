/**
 * A deep copy of plain JSON data (objects, arrays, primitives) that shares the strings: they are immutable,
 * and structuredClone copies every one. A fleet's listener answer holds hundreds of ARNs per call.
 */
export function jsonCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(jsonCopy) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = jsonCopy(inner);
  return out as T;
}

// Engine versions are strings ("7.0", "6.x", "5.0.6"), compared part by part as integers.
// Never as numbers: "6.20" is not "6.2".

/** Negative if a < b, positive if a > b, 0 if equal; "x" matches any number. */
export function compareEngineVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === 'x' || y === 'x') return 0;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const diff = Number.parseInt(x, 10) - Number.parseInt(y, 10);
    if (Number.isNaN(diff)) return x.localeCompare(y);
    if (diff !== 0) return diff;
  }
  return 0;
}

export const DEFAULT_ENGINE_VERSIONS: Record<string, string[]> = {
  redis: ['5.0.6', '6.0', '6.2', '6.x', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1'],
};

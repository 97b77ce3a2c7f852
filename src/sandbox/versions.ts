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

/**
 * The version a member reports for an accepted version string. Node-based clusters expose the PATCH
 * component: "ElastiCache (Redis OSS) also exposes the PATCH component, for example Redis OSS 6.2.1"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/VersionManagement.html), and from 6.0 on
 * there is one patch per minor version, managed by AWS
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VersionManagementConsiderations.html).
 * Valkey 7.2.6 is named on https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html;
 * the other patch numbers are not listed on AWS's pages (unconfirmed): they are the ones
 * DescribeCacheEngineVersions is commonly seen to return. "6.x" means the latest 6 at creation.
 */
export const REPORTED_PATCH_VERSIONS: Record<string, Record<string, string>> = {
  redis: { '6.0': '6.0.5', '6.2': '6.2.6', '6.x': '6.2.6', '7.0': '7.0.7', '7.1': '7.1.0' },
  valkey: { '7.2': '7.2.6', '8.0': '8.0.1', '8.1': '8.1.0' },
};

/** A version outside the table (a three-part "5.0.6", or one a world file added) is reported as given. */
export function reportedEngineVersion(engine: string, version: string): string {
  const table = REPORTED_PATCH_VERSIONS[engine] ?? {};
  return Object.hasOwn(table, version) ? table[version]! : version;
}

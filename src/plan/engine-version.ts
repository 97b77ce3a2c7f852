// The one comparison of a requested engine version with a live one. ElastiCache accepts "7.1" and its
// members then report the patch level, "7.1.0" (node-based clusters expose MAJOR.MINOR.PATCH:
// https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/VersionManagement.html), so an exact string
// comparison holds every modify. Versions stay strings compared part by part, never numbers: "7.1" must
// not match "7.10" or "7.10.2", since read as numbers different versions compare equal (a CI bug once
// turned tag 1.20 into 1.2 this way).

const NUMBER = /^[0-9]+$/;

/**
 * Whether a live version satisfies the requested one: equal strings, or a requested MAJOR.MINOR (two
 * numeric parts) and a live MAJOR.MINOR.PATCH with the same two parts and a numeric patch. Anything
 * else, a requested "7.1.2" or "6.x" included, must be equal.
 */
export function engineVersionMatches(requested: string, live: string): boolean {
  if (live === requested) return true;
  const wanted = requested.split('.');
  if (wanted.length !== 2 || !wanted.every((p) => NUMBER.test(p))) return false;
  const parts = live.split('.');
  return parts.length === 3 && parts[0] === wanted[0] && parts[1] === wanted[1] && NUMBER.test(parts[2]!);
}

/** What a live version must look like, for evidence and previews: `"7.1" or "7.1.N"` (N a patch number), `"7.1.2" exactly`. */
export function describeEngineVersionRule(requested: string): string {
  return engineVersionMatches(requested, `${requested}.0`) ? `"${requested}" or "${requested}.N"` : `"${requested}" exactly`;
}

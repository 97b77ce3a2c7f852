// Durations in world files are strings with a unit ("90s", "5m", "1h30m"); a bare
// number is ambiguous (seconds? milliseconds?) and is rejected by the schema.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

export function isDuration(text: string): boolean {
  return WHOLE.test(text);
}

/** Milliseconds in a duration such as "90s", "5m", "1h30m" or "200ms". */
export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) {
    throw new RangeError(`not a duration: "${text}" (use a number with a unit: ms, s, m, h, d, e.g. "90s")`);
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 0);
  }
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** An event time relative to the run start: a duration, or "-5m" for a moment in the world's history. */
export function parseOffset(text: string): number {
  return text.startsWith('-') ? -parseDuration(text.slice(1)) : parseDuration(text);
}

export function isOffset(text: string): boolean {
  return isDuration(text.startsWith('-') ? text.slice(1) : text);
}

// Durations are a number and a unit, repeated: "90s", "15m", "1h30m", "500ms". A bare number is refused
// on purpose: "15" could be seconds or minutes, and neither a plan nor a world file may be ambiguous about
// time. One notation, two dialects, each accepting what it always has:
// - a plan takes whole numbers only, with white space around allowed (" 15m "): parseDuration;
// - a sandbox world file also takes decimals ("1.5s") but nothing around them, and its event times may
//   reach back into the world's history ("-5m"): parseWorldDuration, parseOffset.
// formatDuration writes what both read back.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE_PARTS = '(?:\\d+(?:ms|s|m|h|d))+';
const PLAN_DURATION = new RegExp(`^${WHOLE_PARTS}$`);
/** The plan's rule as a JSON Schema pattern, which cannot trim: white space around is allowed. */
export const DURATION_JSON_PATTERN = `^\\s*${WHOLE_PARTS}\\s*$`;
const WORLD_DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

function totalMs(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/** Milliseconds in a plan duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  return PLAN_DURATION.test(trimmed) ? totalMs(trimmed) : undefined;
}

export function isWorldDuration(text: string): boolean {
  return WORLD_DURATION.test(text);
}

/** Milliseconds (rounded) in a world-file duration such as "90s", "1.5m" or "200ms"; throws a RangeError otherwise. */
export function parseWorldDuration(text: string): number {
  if (!WORLD_DURATION.test(text)) {
    throw new RangeError(`not a duration: "${text}" (use a number with a unit: ms, s, m, h, d, e.g. "90s")`);
  }
  return Math.round(totalMs(text));
}

/** A world event's time relative to the run start: a duration, or "-5m" for a moment in the world's history. */
export function parseOffset(text: string): number {
  return text.startsWith('-') ? -parseWorldDuration(text.slice(1)) : parseWorldDuration(text);
}

export function isOffset(text: string): boolean {
  return isWorldDuration(text.startsWith('-') ? text.slice(1) : text);
}

/** "1h30m", "90s", "500ms"; a negative duration (a world offset) as "-5m". Whole milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0) return `${ms}ms`;
  let seconds = ms / 1000;
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.join('');
}

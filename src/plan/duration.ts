// Durations are written as "90s", "15m", "1h30m", "500ms". Plain numbers are refused on purpose:
// "15" could mean seconds or minutes, and a plan must not be ambiguous about waits.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PARTS = '(?:\\d+(?:ms|s|m|h|d))+';
const DURATION = new RegExp(`^${PARTS}$`);
/** The same rule as a JSON Schema pattern, which cannot trim: white space around is allowed. */
export const DURATION_JSON_PATTERN = `^\\s*${PARTS}\\s*$`;
const PART = /(\d+)(ms|s|m|h|d)/g;

export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

export function formatDuration(ms: number): string {
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

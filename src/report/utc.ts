import { formatDuration } from '../duration.js';

/** `2026-01-05 09:03:01Z`: ISO 8601 in UTC, to the second, readable in a table. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** `3m1s`; journal times are whole seconds on the virtual clock but not on a real one. */
export function formatSpan(ms: number): string {
  return formatDuration(Math.max(0, Math.round(ms / 1000) * 1000));
}

import type { Check } from '../../machines/types.js';

export interface ProbeResult {
  ok: boolean;
  checks: Check[];
  /** The first failing check's message. */
  reason?: string;
  /** The failure cannot go away by waiting (e.g. the AUTH token was refused): verification fails at once. */
  permanent?: true;
}

export function probeResult(checks: Check[], options: { permanent?: boolean } = {}): ProbeResult {
  const failed = checks.find((c) => !c.ok);
  if (!failed) return { ok: true, checks };
  return { ok: false, checks, reason: failed.message ?? `${failed.name} failed`, ...(options.permanent ? { permanent: true as const } : {}) };
}

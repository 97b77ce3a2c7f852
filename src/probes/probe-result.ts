import type { Check } from '../../machines/types.js';

export interface ProbeResult {
  ok: boolean;
  checks: Check[];
  /** The first failing check's message. */
  reason?: string;
}

export function probeResult(checks: Check[]): ProbeResult {
  const failed = checks.find((c) => !c.ok);
  if (!failed) return { ok: true, checks };
  return { ok: false, checks, reason: failed.message ?? `${failed.name} failed` };
}

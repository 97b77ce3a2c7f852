import type { Check } from '../../machines/types.js';

/** A check as the machines and the journal record it: the message only when it failed. */
export function check(name: string, ok: boolean, observed: string, threshold?: string, message?: string): Check {
  return { name, ok, observed, ...(threshold !== undefined ? { threshold } : {}), ...(ok || !message ? {} : { message }) };
}

/** A percentage reading with one decimal, or that there was none. */
export const percent = (v: number | undefined) => (v === undefined ? 'no datapoint' : `${Math.round(v * 10) / 10}%`);

import type { TargetRef } from '../../machines/types.js';
import type { MinuteSeries } from '../ports/metrics.js';
import type { ForwardConfig } from '../ports/traffic.js';

// What this process remembers of one run between its effects, one named field per concern. Never
// persisted: a restart loses it, which costs only reads (what must survive is in the store). Made with
// the run's context (createRunMemory) and never shared between runs.

/** What the world looked like when the run started; recorded once, before any change. */
export interface Baseline {
  forward: ForwardConfig;
  targets: Record<string, TargetRef[]>;
  capturedAt: number;
}

/** A duration learned from one finished wait, and what it was a duration of. */
export interface Learned {
  signature: string;
  ms: number;
}

/** What the wait loops remember between their observations (cadence.ts). */
export interface WaitMemory {
  /** Per cluster, when a wait loop last read its weight back. */
  weightReadAt: Map<string, number>;
  /** Per wait, when its full evidence was last read. */
  fullReadAt: Map<string, number>;
  /** Priors from earlier runs, which do not change while this run lasts: the store is listed once per wait kind. */
  earlierPriors: Map<string, Promise<number | undefined>>;
  /**
   * This run's learned durations per wait kind and cluster, read from the store once per process and kept
   * up to date by `learn` (this process holds the run's lease, so nobody else learns meanwhile): a prior
   * was one store read per other cluster on every wait, O(N²) reads per run.
   */
  learned: Map<string, Promise<Map<string, Learned>>>;
}

/** A target group's host counts over the minutes of a fleet scan (fleet-health.ts). */
export type HostCounts = Record<'HealthyHostCount' | 'UnHealthyHostCount', MinuteSeries>;

export interface RunMemory {
  /** The baseline, read from the store once and frozen, since every reader shares it (baseline.ts). */
  baseline: Promise<Baseline> | undefined;
  /** The run's ramp scale, as written to the store (forward-shares.ts). */
  rampScale: Promise<number> | undefined;
  /** The load balancer's listeners, as listed at `at` (other-rules.ts). */
  listeners: { at: number; listeners: Promise<string[]> } | undefined;
  waits: WaitMemory;
  /** Per cluster, the last look that found its targets not yet healthy: they became healthy after it (verification.ts). */
  lastNotHealthy: Map<string, number>;
  /** Ramp steps whose weights have read back as set: a difference after that is someone's change (observations.ts). */
  readBackSteps: Set<string>;
  /** Every plan cluster's host counts, for the latest published minute a fleet scan asked for only (fleet-health.ts). */
  hostCounts: Map<number, Promise<Map<string, HostCounts>>>;
}

export function createRunMemory(): RunMemory {
  return {
    baseline: undefined,
    rampScale: undefined,
    listeners: undefined,
    waits: { weightReadAt: new Map(), fullReadAt: new Map(), earlierPriors: new Map(), learned: new Map() },
    lastNotHealthy: new Map(),
    readBackSteps: new Set(),
    hostCounts: new Map(),
  };
}

// The worlds the wait-overhead runs use. The sandbox's defaults are round numbers (failover 90 s,
// recovery 10 min, modify 15 min, health checks every 30 s, runs starting on a minute boundary) that
// happen to be multiples of quiesce's 10 s polling, which would hide its detection delay. Each bench
// world therefore draws its timings from realistic ranges with a seeded generator: every run is
// reproducible, and the delays land anywhere between two polls, as they do in AWS.
import { DEFAULT_START } from '../../src/sandbox/index.js';
import type { Plan } from '../../src/plan/schema.js';

export interface BenchWorld {
  name: string;
  yaml: string;
  /** The drawn values, for the results file. */
  drawn: Record<string, number | Record<string, number>>;
}

/** mulberry32: small, seeded, good enough to spread timings. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function benchWorlds(plan: Plan, count: number, seed = 9): BenchWorld[] {
  return Array.from({ length: count }, (_, i) => {
    const random = seededRandom(seed * 1000 + i);
    const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
    const drawn = {
      startOffsetMs: between(0, 59_999),
      failoverMs: between(60_000, 120_000),
      recoveryMs: between(480_000, 720_000),
      modifyMs: between(720_000, 1_080_000),
      registrationDelayMs: between(5_000, 15_000),
      publishDelayMs: between(30_000, 120_000),
      deregistrationDelayS: Object.fromEntries(plan.fleet.clusters.map((c) => [c.name, between(30, 300)])),
      healthCheckIntervalS: Object.fromEntries(plan.fleet.clusters.map((c) => [c.name, between(10, 30)])),
    };
    const yaml = [
      `seed: ${seed * 1000 + i + 1}`,
      `startAt: "${new Date(Date.parse(DEFAULT_START) + drawn.startOffsetMs).toISOString()}"`,
      'clusters:',
      ...plan.fleet.clusters.map(
        (c) => `  ${c.name}: { deregistrationDelay: "${drawn.deregistrationDelayS[c.name]}s", healthCheck: { interval: "${drawn.healthCheckIntervalS[c.name]}s" } }`,
      ),
      `elbv2: { registrationDelay: "${drawn.registrationDelayMs}ms" }`,
      `elasticache: { timings: { failover: "${drawn.failoverMs}ms", recovery: "${drawn.recoveryMs}ms", modify: "${drawn.modifyMs}ms" } }`,
      // Twelve hours of per-minute rows, so the ground truth can still read every minute of the run at its end.
      `cloudwatch: { publishDelay: "${drawn.publishDelayMs}ms", retention: "12h" }`,
      '',
    ].join('\n');
    return { name: `world-${i + 1}`, yaml, drawn };
  });
}

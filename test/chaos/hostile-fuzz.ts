// The hostile-input properties, shared by `npm test` (fixed seed, a few hundred inputs) and
// `npm run chaos` (100,000). A failing input is shrunk by fast-check and printed with the failures.
import fc from 'fast-check';
import type { AwsCallSpy } from './aws-call-spy.js';
import { hostileEvent, hostilePlanText, hostileWorldText } from './hostile-arbitraries.js';
import { feedEvent, feedPlan, feedWorld, hostileContext, hostileHandler, type HostileTally } from './hostile-inputs.js';

export const HOSTILE_SEED = 8_030_001;

export interface FuzzCounts {
  plans: number;
  worlds: number;
  events: number;
}

async function assertNoNewFailures(tally: HostileTally, feed: () => Promise<void>): Promise<void> {
  const before = tally.failures.length;
  await feed();
  const fresh = tally.failures.splice(before);
  if (fresh.length) throw new Error(fresh.join('\n'));
}

/** Runs the three properties; failures (after shrinking) are kept in `tally.failures`. */
export async function fuzzHostileInputs(dir: string, spy: AwsCallSpy, tally: HostileTally, counts: FuzzCounts, seed: number, planDocument: Record<string, unknown>): Promise<void> {
  const ctx = hostileContext(dir, spy);
  const { handler, connects } = hostileHandler();
  const properties: Array<[number, fc.IAsyncProperty<[unknown]>]> = [
    [counts.plans, fc.asyncProperty(hostilePlanText(), (text) => assertNoNewFailures(tally, () => feedPlan(ctx, tally, text as string)))],
    [counts.worlds, fc.asyncProperty(hostileWorldText(), (text) => assertNoNewFailures(tally, () => feedWorld(ctx, tally, text as string)))],
    [counts.events, fc.asyncProperty(hostileEvent(planDocument), (event) => assertNoNewFailures(tally, () => feedEvent(ctx, tally, handler, connects, event)))],
  ];
  for (const [numRuns, property] of properties) {
    if (numRuns === 0) continue;
    const result = await fc.check(property, { seed, numRuns });
    if (!result.failed) continue;
    const cause = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    tally.failures.push(`${fc.defaultReportMessage(result) ?? 'a property failed'}\n${cause}`);
  }
}

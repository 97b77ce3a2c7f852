// What differs between what quiesce expects at the load balancer and what is live. Pure: the caller
// reads the world (forward config, target lists) and passes both sides in.
import type { Drift, OtherRoute } from '../../machines/types.js';
import type { ForwardConfig } from '../ports/traffic.js';
import { routeSummary } from './listener-rules.js';

export interface ExpectedTraffic {
  /** Weight quiesce expects per target group ARN. */
  weights: Record<string, number>;
  /**
   * Every group the forward action should hold, judged for presence only. Defaults to the keys of
   * `weights`. Groups listed here but not in `weights` may carry any weight.
   */
  groups?: string[];
  /** Registered target ids per group; groups absent here are not judged for targets. */
  targets?: Record<string, string[]>;
  /** Groups only the fleet's forward may send traffic to (out of rotation, or about to be). */
  exclusive?: string[];
}

export interface LiveTraffic {
  forward: ForwardConfig;
  /** Registered target ids per group; a group absent here was not read and is not judged. */
  targets?: Record<string, string[]>;
  /** Rules besides the fleet's that forward to the groups judged, at any weight; absent when not read. */
  otherRoutes?: OtherRoute[];
}

export function computeDrift(expected: ExpectedTraffic, live: LiveTraffic): Drift | null {
  const liveWeights = new Map(live.forward.targetGroups.map((g) => [g.targetGroupArn, g.weight]));
  const expectedGroups = new Set([...(expected.groups ?? []), ...Object.keys(expected.weights)]);

  const weights: Drift['weights'] = [];
  for (const arn of expectedGroups) {
    const want = expected.weights[arn];
    const have = liveWeights.get(arn);
    if (have === undefined) weights.push({ targetGroupArn: arn, expected: want ?? null, live: null });
    else if (want !== undefined && want !== have) weights.push({ targetGroupArn: arn, expected: want, live: have });
  }
  for (const [arn, have] of liveWeights) {
    if (!expectedGroups.has(arn)) weights.push({ targetGroupArn: arn, expected: null, live: have });
  }

  const targetsAppeared: Drift['targetsAppeared'] = [];
  const targetsVanished: Drift['targetsVanished'] = [];
  for (const [arn, wantIds] of Object.entries(expected.targets ?? {})) {
    const haveIds = live.targets?.[arn];
    if (haveIds === undefined) continue;
    const want = new Set(wantIds);
    const have = new Set(haveIds);
    const appeared = [...have].filter((id) => !want.has(id)).sort();
    const vanished = [...want].filter((id) => !have.has(id)).sort();
    if (appeared.length > 0) targetsAppeared.push({ targetGroupArn: arn, targets: appeared });
    if (vanished.length > 0) targetsVanished.push({ targetGroupArn: arn, targets: vanished });
  }

  // Weight 0 there sends nothing: only a weight above 0 makes the group reachable.
  const exclusive = new Set(expected.exclusive ?? []);
  const routes = (live.otherRoutes ?? []).filter((r) => exclusive.has(r.targetGroupArn) && r.weight > 0);

  if (weights.length === 0 && targetsAppeared.length === 0 && targetsVanished.length === 0 && routes.length === 0) return null;
  return { weights, targetsAppeared, targetsVanished, ...(routes.length ? { routes } : {}), summary: summarise(weights, targetsAppeared, targetsVanished, routes) };
}

function summarise(
  weights: Drift['weights'],
  appeared: Drift['targetsAppeared'],
  vanished: Drift['targetsVanished'],
  routes: OtherRoute[],
): string {
  const parts: string[] = routes.map(routeSummary);
  for (const w of weights) {
    const name = groupName(w.targetGroupArn);
    if (w.live === null) parts.push(`${name} missing from the forward config${w.expected === null ? '' : ` (expected weight ${w.expected})`}`);
    else if (w.expected === null) parts.push(`${name} appeared in the forward config with weight ${w.live}`);
    else parts.push(`${name} weight expected ${w.expected}, live ${w.live}`);
  }
  for (const a of appeared) parts.push(`${groupName(a.targetGroupArn)} ${targetWord(a.targets)} appeared`);
  for (const v of vanished) parts.push(`${groupName(v.targetGroupArn)} ${targetWord(v.targets)} vanished`);
  return parts.join('; ');
}

function targetWord(ids: string[]): string {
  return `${ids.length === 1 ? 'target' : 'targets'} ${ids.join(', ')}`;
}

/** `payments-blue` from `arn:...:targetgroup/payments-blue/0123456789abcdef`; the input itself otherwise. */
export function groupName(targetGroupArn: string): string {
  const m = /:targetgroup\/([^/]+)\//.exec(targetGroupArn);
  return m?.[1] ?? targetGroupArn;
}

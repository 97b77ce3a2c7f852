import { describe, expect, it } from 'vitest';
import type { ListenerRule } from '../../src/ports/traffic.js';
import { canaryPlacement, canaryRulesOf, headerValueMatches, otherRoutesTo } from '../../src/traffic/listener-rules.js';

const L = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/0000000000000001/0000000000000002';
const L2 = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/0000000000000001/0000000000000003';
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-blue/1';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-green/2';

function rule(priority: number | null, extra: Partial<ListenerRule> = {}, listenerArn = L): ListenerRule {
  return {
    ruleArn: `${listenerArn}/rule-${priority ?? 'default'}`,
    listenerArn,
    priority,
    forward: null,
    headerConditions: [],
    otherConditions: 1,
    actions: 1,
    ...extra,
  };
}
const fwd = (...groups: Array<[string, number]>) => ({ targetGroups: groups.map(([targetGroupArn, weight]) => ({ targetGroupArn, weight })), stickiness: { enabled: false } });
const canary = (priority: number, value: string, tag?: string) =>
  rule(priority, { headerConditions: [{ name: 'X-Quiesce-Canary', values: [value] }], otherConditions: 0, forward: fwd([BLUE, 1]), ...(tag ? { canaryTag: tag } : {}) });
const header = { name: 'x-quiesce-canary', value: 'quiesce-r1-blue' };

describe('canaryPlacement', () => {
  it('goes ahead of every rule that could match, the fleet rule included, passing over rules that demand another value of the canary header', () => {
    const rules = [canary(1, 'quiesce-r1-green'), rule(3), rule(100, { forward: fwd([BLUE, 1], [GREEN, 1]) }), rule(null)];
    expect(canaryPlacement(rules, L, header)).toMatchObject({ bound: 3, priority: 2 });
  });

  it('finds none when the first rule that could match sits at priority 1, or every priority below it is taken', () => {
    const first = canaryPlacement([rule(1), rule(null)], L, header);
    expect(first).toMatchObject({ bound: 1, blocking: { priority: 1 } });
    expect(first.priority).toBeUndefined();
    const full = canaryPlacement([canary(1, 'other'), canary(2, 'other-2'), rule(3)], L, header);
    expect(full).toMatchObject({ bound: 3 });
    expect(full.priority).toBeUndefined();
  });

  it('counts a rule whose value for the canary header matches by wildcard or case, and rules of other listeners not at all', () => {
    expect(canaryPlacement([canary(5, 'QUIESCE-R1-*'), rule(1, {}, L2)], L, header)).toMatchObject({ bound: 5, priority: 1 });
    expect(headerValueMatches('quiesce-r?-blue', 'Quiesce-R1-Blue')).toBe(true);
    expect(headerValueMatches('quiesce-r1-blue', 'quiesce-r1-blue2')).toBe(false);
  });

  it('with no other rule, takes priority 1', () => {
    expect(canaryPlacement([rule(null)], L, header)).toEqual({ bound: 50_001, priority: 1 });
  });
});

describe('otherRoutesTo', () => {
  it('lists every rule but the fleet one forwarding to the group, on every listener, default actions included, at any weight', () => {
    const rules = [
      rule(100, { forward: fwd([BLUE, 1], [GREEN, 1]) }),
      rule(10, { forward: fwd([BLUE, 0], [GREEN, 1]) }),
      rule(null, { forward: fwd([GREEN, 1]) }),
      rule(null, { forward: fwd([BLUE, 2]) }, L2),
      rule(7, { forward: null }),
    ];
    const routes = otherRoutesTo(rules, BLUE, { listenerArn: L, ruleArn: `${L}/rule-100` });
    expect(routes).toEqual([
      { targetGroupArn: BLUE, ruleArn: `${L}/rule-10`, listenerArn: L, priority: 10, weight: 0 },
      { targetGroupArn: BLUE, ruleArn: `${L2}/rule-default`, listenerArn: L2, priority: null, weight: 2 },
    ]);
    // With the fleet on the listener's default action, the rule at 100 is another rule.
    expect(otherRoutesTo(rules, BLUE, { listenerArn: L }).map((r) => r.priority)).toEqual([100, 10, null]);
  });

  it('passes over the rules the caller says are its own', () => {
    const own = canary(1, 'quiesce-r1-blue', 'r1/blue');
    expect(otherRoutesTo([own], BLUE, { listenerArn: L }, (r) => r.canaryTag === 'r1/blue')).toEqual([]);
    expect(otherRoutesTo([own], BLUE, { listenerArn: L })).toHaveLength(1);
  });
});

describe('canaryRulesOf', () => {
  it('keeps only rules of the exact canary shape on the listener, with their tag', () => {
    const rules = [canary(1, 'v', 'r1/blue'), rule(2, { headerConditions: [{ name: 'X-Quiesce-Canary', values: ['v'] }], otherConditions: 1, forward: fwd([BLUE, 1]) }), canary(3, 'w')];
    expect(canaryRulesOf(rules, L)).toEqual([
      { ruleArn: `${L}/rule-1`, priority: 1, headerName: 'X-Quiesce-Canary', headerValue: 'v', targetGroupArn: BLUE, tag: 'r1/blue' },
      { ruleArn: `${L}/rule-3`, priority: 3, headerName: 'X-Quiesce-Canary', headerValue: 'w', targetGroupArn: BLUE },
    ]);
    expect(canaryRulesOf(rules, L2)).toEqual([]);
  });
});

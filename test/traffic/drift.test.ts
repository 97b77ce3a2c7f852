import { describe, expect, it } from 'vitest';
import { computeDrift, groupName } from '../../src/traffic/drift.js';
import type { ForwardConfig } from '../../src/ports/traffic.js';
import { TG_BLUE, TG_GREEN } from '../helpers/aws-fixtures.js';

const TG_CANARY = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-canary/4444444444444444';

function forward(groups: Record<string, number>): ForwardConfig {
  return {
    targetGroups: Object.entries(groups).map(([targetGroupArn, weight]) => ({ targetGroupArn, weight })),
    stickiness: { enabled: true, durationSeconds: 300 },
  };
}

describe('computeDrift', () => {
  it('returns null when the live config matches what is expected', () => {
    expect(
      computeDrift(
        { weights: { [TG_BLUE]: 0, [TG_GREEN]: 1 }, targets: { [TG_GREEN]: ['i-0abc', 'i-0def'] } },
        { forward: forward({ [TG_BLUE]: 0, [TG_GREEN]: 1 }), targets: { [TG_GREEN]: ['i-0def', 'i-0abc'] } },
      ),
    ).toBeNull();
  });

  it('reports a hand-made weight change and a vanished target in one line', () => {
    const drift = computeDrift(
      { weights: { [TG_BLUE]: 0, [TG_GREEN]: 1 }, targets: { [TG_GREEN]: ['i-0abc', 'i-0def'] } },
      { forward: forward({ [TG_BLUE]: 1, [TG_GREEN]: 1 }), targets: { [TG_GREEN]: ['i-0def'] } },
    );
    expect(drift).toEqual({
      weights: [{ targetGroupArn: TG_BLUE, expected: 0, live: 1 }],
      targetsAppeared: [],
      targetsVanished: [{ targetGroupArn: TG_GREEN, targets: ['i-0abc'] }],
      summary: 'payments-blue weight expected 0, live 1; payments-green target i-0abc vanished',
    });
  });

  it('reports groups that vanished from or appeared in the forward config, with null on the missing side', () => {
    const drift = computeDrift({ weights: { [TG_BLUE]: 0, [TG_GREEN]: 1 } }, { forward: forward({ [TG_GREEN]: 1, [TG_CANARY]: 5 }) });
    expect(drift?.weights).toEqual([
      { targetGroupArn: TG_BLUE, expected: 0, live: null },
      { targetGroupArn: TG_CANARY, expected: null, live: 5 },
    ]);
    expect(drift?.summary).toBe(
      'payments-blue missing from the forward config (expected weight 0); payments-canary appeared in the forward config with weight 5',
    );
  });

  it('does not judge the weight of a group that is expected present but not in weights', () => {
    const expected = { weights: { [TG_BLUE]: 0 }, groups: [TG_BLUE, TG_GREEN] };
    expect(computeDrift(expected, { forward: forward({ [TG_BLUE]: 0, [TG_GREEN]: 7 }) })).toBeNull();
    expect(computeDrift(expected, { forward: forward({ [TG_BLUE]: 0 }) })?.summary).toBe('payments-green missing from the forward config');
  });

  it('reports appeared targets, sorted, and leaves groups whose targets were not read unjudged', () => {
    const drift = computeDrift(
      { weights: { [TG_BLUE]: 1 }, targets: { [TG_BLUE]: ['i-1'], [TG_GREEN]: ['i-9'] } },
      { forward: forward({ [TG_BLUE]: 1 }), targets: { [TG_BLUE]: ['i-3', 'i-1', 'i-2'] } },
    );
    expect(drift?.targetsAppeared).toEqual([{ targetGroupArn: TG_BLUE, targets: ['i-2', 'i-3'] }]);
    expect(drift?.targetsVanished).toEqual([]);
    expect(drift?.summary).toBe('payments-blue targets i-2, i-3 appeared');
  });

  it('reports another rule forwarding to a group that must be out of rotation, only with a weight above 0', () => {
    const route = (weight: number) => ({ targetGroupArn: TG_BLUE, ruleArn: 'arn:rule/10', listenerArn: 'arn:listener', priority: 10, weight });
    const expected = { weights: { [TG_BLUE]: 0 }, exclusive: [TG_BLUE] };
    expect(computeDrift(expected, { forward: forward({ [TG_BLUE]: 0 }), otherRoutes: [route(0)] })).toBeNull();
    const drift = computeDrift(expected, { forward: forward({ [TG_BLUE]: 0 }), otherRoutes: [route(3)] });
    expect(drift?.routes).toEqual([route(3)]);
    expect(drift?.summary).toBe('payments-blue is forwarded to by rule arn:rule/10 (priority 10) with weight 3');
    // A group that may be in rotation is not judged for other rules.
    expect(computeDrift({ weights: { [TG_BLUE]: 1 } }, { forward: forward({ [TG_BLUE]: 1 }), otherRoutes: [route(3)] })).toBeNull();
    expect(computeDrift(expected, { forward: forward({ [TG_BLUE]: 0 }), otherRoutes: [{ ...route(1), priority: null }] })?.summary).toBe(
      'payments-blue is forwarded to by the default action of listener arn:listener with weight 1',
    );
  });

  it('names groups by their ARN name part', () => {
    expect(groupName(TG_BLUE)).toBe('payments-blue');
    expect(groupName('not-an-arn')).toBe('not-an-arn');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadBalancerDimension, targetGroupDimension, targetGroupDimensions } from '../../src/plan/arn.js';
import { LB_ARN, LISTENER_ARN, RULE_ARN, TG_BLUE } from '../helpers/aws-fixtures.js';

const dims = { targetGroup: 'targetgroup/payments-blue/1111111111111111', loadBalancer: 'app/payments/0123456789abcdef' };

describe('CloudWatch dimension helpers', () => {
  it('derives targetgroup/<name>/<id> and app/<name>/<id>', () => {
    expect(targetGroupDimension(TG_BLUE)).toBe('targetgroup/payments-blue/1111111111111111');
    expect(loadBalancerDimension(LB_ARN)).toBe('app/payments/0123456789abcdef');
    expect(loadBalancerDimension(LISTENER_ARN)).toBe('app/payments/0123456789abcdef');
    expect(loadBalancerDimension(RULE_ARN)).toBe('app/payments/0123456789abcdef');
    expect(targetGroupDimensions(TG_BLUE, LISTENER_ARN)).toEqual(dims);
  });

  it('rejects ARNs of the wrong kind with a ConfigError', () => {
    expect(() => targetGroupDimension(LB_ARN)).toThrow(ConfigError);
    expect(() => loadBalancerDimension(TG_BLUE)).toThrow(ConfigError);
    expect(() => loadBalancerDimension('arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/0123456789abcdef')).toThrow(
      /not an Application Load Balancer/,
    );
  });
});

// Shared plan and helpers for the sandbox tests.
import type { SandboxPlan } from '../../src/sandbox/index.js';

export const REGION = 'eu-west-1';
const PREFIX = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
export const LISTENER_ARN = `${PREFIX}:listener/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
export const RULE_ARN = `${PREFIX}:listener-rule/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;

export function tgArn(name: string, index: number): string {
  return `${PREFIX}:targetgroup/${name}/${String(index).padStart(16, '0')}`;
}

export function planOf(names: string[], options: { ruleArn?: boolean; maxOutOfService?: number } = {}): SandboxPlan {
  return {
    region: REGION,
    fleet: {
      listenerArn: LISTENER_ARN,
      ...(options.ruleArn ? { ruleArn: RULE_ARN } : {}),
      clusters: names.map((name, i) => ({
        name,
        targetGroupArn: tgArn(name, i + 1),
        cache: { replicationGroupId: `${name}-cache` },
      })),
    },
    capacity: { maxOutOfService: options.maxOutOfService ?? 1, minActiveClusters: 1 },
  };
}

export const twoClusters = (): SandboxPlan => planOf(['blue', 'green']);

export const seconds = (n: number): number => n * 1000;
export const minutes = (n: number): number => n * 60_000;

import { describe, expect, it } from 'vitest';
import { clusterSpec } from '../../src/run/run-context.js';
import { targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun } from './sandbox-context.js';

// The run context is an interface the engine fills; its one function finds a cluster of the plan.

describe('clusterSpec', () => {
  it("finds a cluster of the run's plan by name, and names the plan when it has no such cluster", async () => {
    const { ctx } = await sandboxRun({}, '', { clusters: ['blue', 'green'] });
    expect(clusterSpec(ctx, 'green')).toMatchObject({ name: 'green', targetGroupArn: targetGroupArn('green') });
    expect(() => clusterSpec(ctx, 'purple')).toThrow('cluster purple is not in plan deep-checks');
  });
});

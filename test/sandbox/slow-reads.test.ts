import { DescribeTargetHealthCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, seconds, tgArn, twoClusters } from './fixtures.js';

describe('slowReads', () => {
  it('answers reads late, with the world as it was when the call arrived', async () => {
    const world = defaultWorldFromPlan(twoClusters(), { events: [{ from: '0s', to: '10m', slowReads: { service: 'elbv2', operation: 'DescribeTargetHealth', seconds: 40 } }] });
    const { elbv2 } = createSandboxClients(world, { region: REGION });
    const start = world.now();
    const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn('blue', 1) }));
    expect(world.now()).toBe(start + seconds(40));
    expect(out.TargetHealthDescriptions?.map((t) => t.TargetHealth?.State)).toEqual(['healthy', 'healthy', 'healthy']);
  });

  it('leaves mutations and other operations on time', async () => {
    const world = defaultWorldFromPlan(twoClusters(), { events: [{ from: '0s', slowReads: { service: 'elbv2', operation: 'DescribeTargetHealth', seconds: 40 } }] });
    const { elbv2 } = createSandboxClients(world, { region: REGION });
    const start = world.now();
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: LISTENER_ARN,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn('blue', 1), Weight: 1 }, { TargetGroupArn: tgArn('green', 2), Weight: 0 }] } }],
      }),
    );
    expect(world.now()).toBe(start);
  });

  it('is validated like every event: seconds must be a number', () => {
    expect(() => parseWorldFile('events:\n  - { at: "0s", slowReads: { service: elbv2, seconds: "40" } }\n', 'w.yaml')).toThrow(/^w\.yaml: events\[0\]\.slowReads\.seconds: /);
  });
});

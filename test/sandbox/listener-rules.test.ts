import { ModifyReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { DeregisterTargetsCommand, DescribeRulesCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createSandboxClients, defaultWorldFromPlan, parseWorldFile } from '../../src/sandbox/index.js';
import { LISTENER_ARN, REGION, minutes, tgArn, twoClusters } from './fixtures.js';

// Ordinary traffic is a mix of request paths, and each path takes the first rule that matches it: a group
// that a second rule forwards to keeps receiving that rule's share whatever its weight in the fleet's action.

const BLUE = tgArn('blue', 1);
const GREEN = tgArn('green', 2);

const REPORTS = `
traffic:
  ratePerSecond: 100
  paths: { "/": 4, "/reports/daily": 1 }
elbv2:
  rules:
    - { priority: 10, path: ["/reports/*"], forward: { blue: 1 } }
`;

function setup(worldText: string) {
  const world = defaultWorldFromPlan(twoClusters(), parseWorldFile(worldText, 'world.yaml'), 'world.yaml');
  return { world, ...createSandboxClients(world, { region: REGION }) };
}

const fleetWeights = (blue: number, green: number) =>
  new ModifyListenerCommand({
    ListenerArn: LISTENER_ARN,
    DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: blue }, { TargetGroupArn: GREEN, Weight: green }] } }],
  });

describe('traffic through every rule of the listener', () => {
  it('sends each request path through the first rule that matches it, the rest through the default action', async () => {
    const { world, elbv2 } = setup(REPORTS);
    const rules = (await elbv2.send(new DescribeRulesCommand({ ListenerArn: LISTENER_ARN }))).Rules ?? [];
    expect(rules.map((r) => r.Priority)).toEqual(['10', 'default']);
    expect(rules[0]).toMatchObject({ Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/reports/*'] } }], Actions: [{ Type: 'forward', TargetGroupArn: BLUE }] });
    world.advanceBy(minutes(1));
    // 80 requests/s to "/" split 1:1 by the default action; 20/s to /reports/daily, all to blue.
    expect(world.traffic.perCluster).toEqual({ blue: { requests: 3600, failed: 0 }, green: { requests: 2400, failed: 0 } });
  });

  it('keeps sending the second rule its share after the fleet weight goes to 0, so blue is still in rotation', async () => {
    const { world, elbv2, elasticache } = setup(REPORTS);
    await elbv2.send(fleetWeights(0, 1));
    world.advanceBy(minutes(1));
    expect(world.traffic.perCluster.blue).toEqual({ requests: 1200, failed: 0 });
    // Maintenance on a cluster that still takes traffic: the audit says so, and the traffic shows it.
    await elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'blue-cache', EngineVersion: '7.1', ApplyImmediately: true }));
    expect(world.violations).toEqual([expect.objectContaining({ kind: 'maintenance-in-rotation', cluster: 'blue' })]);
    world.advanceBy(minutes(1));
    expect(world.traffic.perCluster.blue).toEqual({ requests: 2400, failed: 1200 });
  });

  it('fails the second rule\'s requests with 503 once the group has no registered target', async () => {
    const { world, elbv2 } = setup(`${REPORTS}defaults: { deregistrationDelay: "0s" }\n`);
    await elbv2.send(fleetWeights(0, 1));
    const targets = world.state.elbv2.targetGroups[BLUE]!.targets.map((t) => ({ Id: t.id, Port: t.port }));
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: BLUE, Targets: targets }));
    world.advanceBy(minutes(1));
    // Every request of the minute fails, and so do the 4 in flight when the targets went (no delay to finish).
    expect(world.traffic.perCluster.blue).toEqual({ requests: 1200, failed: 1204 });
  });

  it('counts a weight-0 entry in another rule as no route', () => {
    const { world } = setup(REPORTS.replace('forward: { blue: 1 }', 'forward: { blue: 0, green: 1 }'));
    world.advanceBy(minutes(1));
    expect(world.traffic.perCluster).toEqual({ blue: { requests: 2400, failed: 0 }, green: { requests: 3600, failed: 0 } });
  });

  it('adds a rule by hand at an event time, audited as CreateRule, and deletes it at the end of the window', () => {
    const { world } = setup('traffic: { ratePerSecond: 100, paths: { "/": 4, "/reports/daily": 1 } }\nevents:\n  - { from: "1m", to: "2m", addRule: { priority: 7, path: ["/reports/*"], forward: { blue: 1 } } }\n');
    world.advanceBy(minutes(3));
    expect(world.mutations.filter((m) => m.caller === 'script:addRule').map((m) => m.command)).toEqual(['CreateRule', 'DeleteRule']);
    expect(world.state.elbv2.rules).toEqual([]);
    // 50/s each, and blue alone for the minute the rule existed.
    expect(world.traffic.perCluster).toEqual({ blue: { requests: 9600, failed: 0 }, green: { requests: 8400, failed: 0 } });
  });

  it('rejects a world rule at a priority in use or forwarding to no plan cluster, in one line', () => {
    const bad = (text: string) => () => setup(text);
    expect(bad('elbv2:\n  rules:\n    - { priority: 3, path: ["/a"], forward: { blue: 1 } }\n    - { priority: 3, path: ["/b"], forward: { green: 1 } }\n')).toThrow(
      'world.yaml: elbv2.rules[1]: priority 3 is already in use on the fleet listener',
    );
    expect(bad('elbv2:\n  rules:\n    - { priority: 3, path: ["/a"], forward: { purple: 1 } }\n')).toThrow('world.yaml: elbv2.rules[0]: forward: no such cluster "purple"');
    expect(bad('elbv2:\n  rules:\n    - { priority: 3, forward: { blue: 1 } }\n')).toThrow('world.yaml: elbv2.rules[0]: a rule needs a path or a host condition');
    expect(bad('events:\n  - { at: "1m", addRule: { priority: 3, path: ["/a"], forward: { purple: 1 } } }\n')).toThrow('world.yaml: events[0]: addRule: forward: no such cluster "purple"');
  });
});

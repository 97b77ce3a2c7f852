import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { runCli, tempStateDir, worldOf } from './cli-harness.js';
import { headerRules, journalOf, LISTENER_ARN, planDoc, prepareWorld, quiesceMutations, runScenario, scenario, targetGroupArn, finalWorld } from './deep-checks-harness.js';

// Out of rotation must mean unreachable, and the canary must reach the cluster it verifies: rehearsals of
// examples/reports.plan.yaml against its good world and its bad cases, and of the canary rule's own
// bookkeeping (a CreateRule failing after it took effect, a rule that only looks like this run's).

const PLAN = 'examples/reports.plan.yaml';
const world = (name: string) => `examples/${name}.world.yaml`;

async function rehearse(name: string) {
  const stateDir = tempStateDir();
  const r = await runCli(['run', PLAN, '--sandbox', world(name), '--json', '--state-dir', stateDir]);
  return { ...r, world: () => worldOf(stateDir, r.json.runId) };
}

describe('a target group another rule forwards to (examples/reports.plan.yaml)', () => {
  it('the good world: reports go through the fleet rule, and the run ends done with no failed request', async () => {
    const r = await rehearse('reports');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.sandbox.traffic.failed).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('a second rule forwarding to blue: preflight refuses blue naming the rule, and nothing is changed', async () => {
    const r = await rehearse('reports-blue-rule');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'held' });
    expect(r.json.clusters[0].reason).toMatch(
      /^preflight refused: preflight\.other-rules: rule arn:aws:elasticloadbalancing:\S+:listener-rule\/\S+ \(priority 10 of listener \S+\) forwards to payments-blue with weight 1: weight 0 in the fleet's forward would not take blue out of rotation/,
    );
    expect(quiesceMutations(r.world())).toEqual([]);
    expect(r.json.sandbox.traffic.failed).toBe(0);
    expect(r.json.sandbox.violations).toEqual([]);
  });

  it('a rule forwarding to blue added while it drains: the run pauses (exit 3) with the rule named, and nothing goes back into rotation', async () => {
    const r = await rehearse('reports-rule-added');
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.clusters[0]).toMatchObject({ name: 'blue', state: 'paused' });
    expect(r.json.clusters[0].reason).toMatch(/^drift: payments-blue is forwarded to by rule \S+ \(priority 10\) with weight 1/);
    const w = r.world();
    const added = w.mutations.findIndex((m) => m.caller === 'script:addRule');
    expect(added).toBeGreaterThan(0);
    // No RegisterTargets, no weight raised after the rule appeared.
    expect(w.mutations.slice(added + 1).filter((m) => m.caller === 'quiesce')).toEqual([]);
    expect(r.json.sandbox.violations).toEqual([]);
  });
});

describe('the canary rule comes first, and is known by its tag', () => {
  it('the fleet rule at priority 1 leaves no room ahead of it: preflight refuses the canary, nothing is changed', async () => {
    const r = await rehearse('reports-fleet-first');
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toMatch(
      /^preflight refused: preflight\.canary-priority: no free rule priority below 1 on listener \S+ \(rule \S+ at priority 1 could take the canary request\): canary requests would not reach blue/,
    );
    expect(quiesceMutations(r.world())).toEqual([]);
  });

  it('CreateRule failing after it took effect: the rule is found by its tag, used and deleted; none is left', async () => {
    const s = scenario(
      planDoc({ verify: { stableFor: '1m', timeout: '15m', canary: { requests: 5 } } }),
      'events:\n  - { from: "0s", to: "2h", apiFault: { service: elbv2, operation: CreateRule, kind: http500, when: after } }\n',
    );
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(0);
    const journal = await journalOf(s);
    const created = journal.filter((e) => e.kind === 'intent' && / canary rule \S+ created at priority /.test(e.message)).map((e) => (e.data as { ruleArn: string }).ruleArn);
    const deleted = journal.filter((e) => e.kind === 'effect' && /canary rule \S+ deleted$/.test(e.message)).map((e) => (e.data as { ruleArn: string }).ruleArn);
    expect(created.length).toBeGreaterThan(0);
    expect(deleted).toEqual(created);
    // One rule per canary: the SDK's retry of the 500 met PriorityInUse from the run's own rule.
    expect(finalWorld(s).mutations.filter((m) => m.caller === 'quiesce' && m.command === 'CreateRule')).toHaveLength(created.length);
    expect(headerRules(finalWorld(s))).toEqual([]);
  });

  it("a rule with this run's header value but not its tag is somebody else's: refused, and left in place", async () => {
    const s = scenario(planDoc({ verify: { stableFor: '1m', timeout: '15m', canary: { requests: 5 } } }));
    await prepareWorld(s, async (_world, clients) => {
      await clients.elbv2.send(
        new CreateRuleCommand({
          ListenerArn: LISTENER_ARN,
          Priority: 7,
          Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: [`quiesce-${s.runId}-blue`] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn('green') }],
        }),
      );
    });
    const r = await runScenario(s);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.clusters[0].reason).toMatch(/^preflight refused: preflight\.canary-rule: a canary rule this run did not create is on the listener/);
    expect(headerRules(finalWorld(s))).toEqual([expect.objectContaining({ priority: 7 })]);
    expect(quiesceMutations(finalWorld(s))).toEqual([]);
  });
});

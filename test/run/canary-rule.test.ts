import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../machines/types.js';
import { SHARED_READ_MS } from '../../src/adapters/shared-reads.js';
import { AwsCallError } from '../../src/errors.js';
import type { ClusterSpec } from '../../src/plan/schema.js';
import type { ListenerRule } from '../../src/ports/traffic.js';
import type { ProbeResult } from '../../src/probes/probe-result.js';
import {
  canaryHeaderName,
  canaryHeaderValue,
  CanaryRuleError,
  canaryTagValue,
  canaryThroughRule,
  DEFAULT_CANARY_HEADER,
  foreignCanaryRules,
  isOwnCanaryRule,
  leftoverRulesRemoved,
  removeLeftoverCanaryRules,
} from '../../src/run/canary-rule.js';
import { runPreflight } from '../../src/run/preflight.js';
import { headerRules, LISTENER_ARN, targetGroupArn } from '../e2e/deep-checks-harness.js';
import { sandboxRun, type SandboxRun } from './sandbox-context.js';

// The canary's temporary listener rule: tagged with the run and the cluster, journaled before it is
// created, deleted in the call that created it, and found by its tag (never by its header value) when a
// crash or a failed deletion left it behind. End to end: test/e2e/deep-checks-canary.test.ts.

const canaryPlan = { verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } };
const three = { ...canaryPlan, capacity: { maxOutOfService: 2, minActiveClusters: 1 } };

/** A canary-shaped rule made by hand: one header condition, one forward to one group. */
async function handRule(run: SandboxRun, options: { cluster: string; priority: number; value: string; tag?: string; header?: string }) {
  await run.operator.elbv2.send(
    new CreateRuleCommand({
      ListenerArn: LISTENER_ARN,
      Priority: options.priority,
      Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: options.header ?? DEFAULT_CANARY_HEADER, Values: [options.value] } }],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn(options.cluster), Weight: 1 }] } }],
      ...(options.tag !== undefined ? { Tags: [{ Key: 'quiesce:canary', Value: options.tag }] } : {}),
    }),
  );
}

const ownRule = (run: SandboxRun, cluster: string, priority: number) =>
  handRule(run, { cluster, priority, value: canaryHeaderValue(run.ctx.runId, cluster), tag: canaryTagValue(run.ctx.runId, cluster) });

const deleteFailure = () =>
  new AwsCallError({ service: 'ELBv2', operation: 'DeleteRule', resource: 'rule', code: 'InternalFailure', classification: 'transient', attempts: 3, awsMessage: 'internal failure' });

const checkNamed = (out: Awaited<ReturnType<typeof runPreflight>>, name: string) => out.checks!.find((c) => c.name === name);

const priorities = (run: SandboxRun) => headerRules(run.world).map((r) => r.priority).sort();

function listenerRule(extra: Partial<ListenerRule>): ListenerRule {
  return {
    ruleArn: 'arn:rule/1',
    listenerArn: LISTENER_ARN,
    priority: 5,
    forward: { targetGroups: [{ targetGroupArn: targetGroupArn('blue'), weight: 1 }], stickiness: { enabled: false } },
    headerConditions: [{ name: DEFAULT_CANARY_HEADER, values: ['v'] }],
    otherConditions: 0,
    actions: 1,
    ...extra,
  };
}

describe("whose canary rule it is", () => {
  it("by its tag: this run's for a plan cluster, this run's naming no cluster, an earlier version's header-value tag; not another run's, nor an untagged one", async () => {
    const { ctx } = await sandboxRun(canaryPlan);
    expect(canaryHeaderName(ctx)).toBe(DEFAULT_CANARY_HEADER);
    expect(canaryTagValue(ctx.runId, 'blue')).toBe('run-direct/blue');
    expect(canaryHeaderValue(ctx.runId, 'blue')).toBe('quiesce-run-direct-blue');
    expect(isOwnCanaryRule(ctx, listenerRule({ canaryTag: 'run-direct/blue' }))).toBe(true);
    expect(isOwnCanaryRule(ctx, listenerRule({ canaryTag: 'run-direct/not-a-cluster' }))).toBe(true);
    expect(isOwnCanaryRule(ctx, listenerRule({ canaryTag: 'quiesce-run-direct-green' }))).toBe(true);
    expect(isOwnCanaryRule(ctx, listenerRule({ canaryTag: 'quiesce-run-direct-purple' }))).toBe(false);
    expect(isOwnCanaryRule(ctx, listenerRule({ canaryTag: 'run-other/blue' }))).toBe(false);
    expect(isOwnCanaryRule(ctx, listenerRule({}))).toBe(false);
    // Shaped otherwise, it is no canary rule, whatever its tag.
    expect(isOwnCanaryRule(ctx, listenerRule({ canaryTag: 'run-direct/blue', otherConditions: 1 }))).toBe(false);
  });

  it('the header name is the plan’s when it sets one, else the default (leftovers are looked for under it without a canary)', async () => {
    expect(canaryHeaderName((await sandboxRun()).ctx)).toBe('X-Quiesce-Canary');
    const { ctx } = await sandboxRun({ verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3, headerName: 'X-Probe' } } });
    expect(canaryHeaderName(ctx)).toBe('X-Probe');
  });
});

describe('removeLeftoverCanaryRules', () => {
  it("deletes this run's rules of clusters not in flight, and one naming no plan cluster; leaves in-flight clusters' and others' rules", async () => {
    const run = await sandboxRun(three, '', { clusters: ['blue', 'green', 'gray'] });
    run.ctx.inFlight = () => new Set(['green']);
    await ownRule(run, 'blue', 2);
    await ownRule(run, 'green', 3);
    await handRule(run, { cluster: 'gray', priority: 4, value: 'x', tag: `${run.ctx.runId}/retired` });
    await handRule(run, { cluster: 'gray', priority: 5, value: canaryHeaderValue('run-other', 'gray'), tag: canaryTagValue('run-other', 'gray') });
    await handRule(run, { cluster: 'gray', priority: 6, value: canaryHeaderValue(run.ctx.runId, 'gray') });
    const deleted = await removeLeftoverCanaryRules(run.ctx);
    expect(deleted).toHaveLength(2);
    expect(priorities(run)).toEqual([3, 5, 6]);
    const journal = (await run.store.readJournal(run.ctx.runId)).filter((e) => (e.data as { ruleArn?: string } | undefined)?.ruleArn === deleted[0]);
    // Intent before the call, effect after it.
    expect(journal.map((e) => e.kind)).toEqual(['intent', 'effect']);
    expect(journal[0]!.data).toMatchObject({ compensation: 'canary-rule', tag: canaryTagValue(run.ctx.runId, 'blue') });
  });

  it("with a predicate, deletes only the rules of the clusters it names, and this run's rules naming no plan cluster", async () => {
    const run = await sandboxRun(three, '', { clusters: ['blue', 'green', 'gray'] });
    await ownRule(run, 'blue', 2);
    await ownRule(run, 'green', 3);
    await handRule(run, { cluster: 'gray', priority: 4, value: 'x', tag: `${run.ctx.runId}/retired` });
    expect(await removeLeftoverCanaryRules(run.ctx, (c) => c === 'green')).toHaveLength(2);
    expect(priorities(run)).toEqual([2]);
  });

  it('knows a leftover tagged by an earlier version (the tag was the header value) for its own', async () => {
    const { ctx, operator, world } = await sandboxRun({ verify: { stableFor: '1m', timeout: '10m', canary: { requests: 3 } } });
    await operator.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: LISTENER_ARN,
        Priority: 3,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Quiesce-Canary', Values: [canaryHeaderValue(ctx.runId, 'green')] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn('green'), Weight: 1 }] } }],
        Tags: [{ Key: 'quiesce:canary', Value: canaryHeaderValue(ctx.runId, 'green') }],
      }),
    );
    const out = await runPreflight(ctx, 'blue');
    expect(checkNamed(out, 'preflight.canary-rule')).toMatchObject({ ok: true, observed: 'none' });
    expect(headerRules(world)).toEqual([]);
  });
});

describe('foreignCanaryRules', () => {
  it("lists canary rules under the run's header name (in any case) that are not this run's", async () => {
    const run = await sandboxRun(canaryPlan);
    await ownRule(run, 'blue', 2);
    await handRule(run, { cluster: 'green', priority: 3, value: 'quiesce-run-old-green', header: 'x-quiesce-canary' });
    await handRule(run, { cluster: 'green', priority: 4, value: 'anything', header: 'X-Other-Header' });
    const foreign = await foreignCanaryRules(run.ctx);
    expect(foreign.map((r) => [r.priority, r.headerValue])).toEqual([[3, 'quiesce-run-old-green']]);
  });
});

describe('canaryThroughRule', () => {
  const passed: ProbeResult = { ok: true, checks: [{ name: 'canary', ok: true, observed: '3 of 3 answered 200' }] } as ProbeResult;

  it('journals the intent, creates the rule, sends the canary through it with the header, and deletes it', async () => {
    const run = await sandboxRun(canaryPlan);
    const seen: Array<{ cluster: string; header: { headerName: string; headerValue: string }; rules: number }> = [];
    const probe = async (spec: ClusterSpec, header: { headerName: string; headerValue: string }) => {
      seen.push({ cluster: spec.name, header, rules: headerRules(run.world).length });
      return passed;
    };
    const checks = await canaryThroughRule(run.ctx, 'blue', probe);
    expect(seen).toEqual([{ cluster: 'blue', header: { headerName: DEFAULT_CANARY_HEADER, headerValue: 'quiesce-run-direct-blue', listenerArn: run.ctx.location.listenerArn }, rules: 1 }]);
    expect(headerRules(run.world)).toEqual([]);
    expect(checks).toEqual([...passed.checks, { name: 'canary.rule-removed', ok: true, observed: expect.stringMatching(/^rule at priority \d+ deleted$/), threshold: 'removed after the canary' }]);
    const kinds = (await run.store.readJournal(run.ctx.runId)).filter((e) => (e.data as { compensation?: string; call?: string } | undefined)?.compensation === 'canary-rule' || (e.data as { call?: string } | undefined)?.call === 'DeleteRule');
    expect(kinds.map((e) => e.kind)).toEqual(['intent', 'intent', 'effect']);
    expect(kinds[0]!.data).toMatchObject({ tag: { key: 'quiesce:canary', value: 'run-direct/blue' } });
  });

  it('a canary that throws still has its rule deleted, and its error is the one thrown', async () => {
    const run = await sandboxRun(canaryPlan);
    const err = new Error('connect ECONNREFUSED');
    await expect(canaryThroughRule(run.ctx, 'blue', async () => Promise.reject(err))).rejects.toBe(err);
    expect(headerRules(run.world)).toEqual([]);
  });

  it('a deletion AWS fails is a failed check (the next verification tries again), not an error', async () => {
    const run = await sandboxRun(canaryPlan);
    run.ctx.traffic = { ...run.ctx.traffic, deleteCanaryRule: async () => Promise.reject(deleteFailure()) };
    const checks = await canaryThroughRule(run.ctx, 'blue', async () => passed);
    const removed = checks.find((c) => c.name === 'canary.rule-removed') as Check;
    expect(removed).toMatchObject({ ok: false, observed: 'delete failed: InternalFailure', threshold: 'removed after the canary' });
    expect(removed.message).toMatch(/^could not delete canary rule \S+ \(.*\); the next verification tries again$/);
    expect(checks[0]).toEqual(passed.checks[0]);
  });

  it('a canary that throws and a deletion that fails: one error naming both, caused by the canary’s', async () => {
    const run = await sandboxRun(canaryPlan);
    run.ctx.traffic = { ...run.ctx.traffic, deleteCanaryRule: async () => Promise.reject(deleteFailure()) };
    const probeError = new Error('connect ECONNREFUSED');
    const err = await canaryThroughRule(run.ctx, 'blue', async () => Promise.reject(probeError)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CanaryRuleError);
    expect((err as Error).message).toMatch(/^the canary failed \(connect ECONNREFUSED\) and its rule \S+ could not be deleted \(.*internal failure.*\)$/);
    expect((err as Error).cause).toBe(probeError);
  });

  it('a deletion failing with anything but an AWS call error is thrown as it is', async () => {
    const run = await sandboxRun(canaryPlan);
    const bug = new TypeError('not a function');
    run.ctx.traffic = { ...run.ctx.traffic, deleteCanaryRule: async () => Promise.reject(bug) };
    await expect(canaryThroughRule(run.ctx, 'blue', async () => passed)).rejects.toBe(bug);
  });
});

describe('leftoverRulesRemoved', () => {
  it("nothing when there is no leftover; a passing check when this cluster's were deleted", async () => {
    const run = await sandboxRun(canaryPlan);
    expect(await leftoverRulesRemoved(run.ctx, 'blue')).toBeUndefined();
    await ownRule(run, 'blue', 2);
    await ownRule(run, 'green', 3);
    // Past the window in which reads of one moment are shared: the rules made since are news.
    run.world.advanceBy(SHARED_READ_MS + 1);
    expect(await leftoverRulesRemoved(run.ctx, 'blue')).toEqual({ name: 'canary.rule-removed', ok: true, observed: '1 leftover rule(s) deleted', threshold: 'removed after the canary' });
    expect(priorities(run)).toEqual([3]);
  });

  it('a deletion AWS fails is a failed check; anything else is thrown', async () => {
    const run = await sandboxRun(canaryPlan);
    await ownRule(run, 'blue', 2);
    const traffic = run.ctx.traffic;
    run.ctx.traffic = { ...traffic, deleteCanaryRule: async () => Promise.reject(deleteFailure()) };
    expect(await leftoverRulesRemoved(run.ctx, 'blue')).toMatchObject({ ok: false, observed: 'delete failed: InternalFailure', message: expect.stringMatching(/^could not delete canary rule of run run-direct \(/) });
    const bug = new TypeError('not a function');
    run.ctx.traffic = { ...traffic, deleteCanaryRule: async () => Promise.reject(bug) };
    await expect(leftoverRulesRemoved(run.ctx, 'blue')).rejects.toBe(bug);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { PlanError } from '../../src/plan/plan-error.js';

const EXAMPLE = readFileSync(new URL('../../examples/payments.plan.yaml', import.meta.url), 'utf8');

function rejects(text: string): PlanError {
  try {
    parsePlan(text, 'plan.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(PlanError);
    const e = err as PlanError;
    expect(e.message.split('\n')).toHaveLength(1);
    return e;
  }
  throw new Error('the plan was accepted');
}

const edit = (from: string, to: string) => {
  expect(EXAMPLE).toContain(from);
  return EXAMPLE.replace(from, to);
};

describe('plan files', () => {
  it('accepts the example as written, with defaults filled and durations in ms', () => {
    const plan = parsePlan(EXAMPLE, 'payments.plan.yaml');
    expect(plan.fleet.clusters.map((c) => c.name)).toEqual(['blue', 'green', 'gray']);
    expect(plan.drain).toEqual({ mode: 'weight', minimum: 60_000, timeout: 900_000, quietMinutes: 2 });
    expect(plan.maintenance[1]).toMatchObject({ elasticache: 'modify', engineVersion: '7.1', applyImmediately: true });
    expect(plan.reactivate).toMatchObject({ ramp: [10, 50, 100], hold: 60_000 });
  });

  it('accepts the same plan as JSON', () => {
    const json = JSON.stringify({ ...parsePlanInput(), maintenance: [{ elasticache: 'failover' }] });
    expect(parsePlan(json, 'plan.json').maintenance).toHaveLength(1);
  });

  it('rejects an unquoted version (seed 001: 6.20 reads as 6.2), naming line and field', () => {
    const e = rejects(edit('engineVersion: "7.1"', 'engineVersion: 6.20'));
    expect(e.message).toBe('plan.yaml:29: maintenance[1].engineVersion: must be a quoted string: write "6.20", not 6.20 (unquoted, YAML reads 6.20 as the number 6.2)');
  });

  it('applies the quoted-string rule to every version-like field, even unambiguous ones', () => {
    expect(rejects(edit('engineVersion: "7.1"', 'engineVersion: 7.1.2')).message).toMatch(/engineVersion: must be a quoted string/);
  });

  it('rejects unknown keys with a hint', () => {
    const e = rejects(edit('maxOutOfService: 1', 'maxOutOfSevice: 1'));
    expect(e.message).toBe('plan.yaml:20: capacity.maxOutOfSevice: unknown key "maxOutOfSevice" (did you mean "maxOutOfService"?)');
  });

  it('rejects malformed ARNs, ARNs of the wrong type, and ARNs from another region', () => {
    expect(rejects(edit('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-blue/73e2d6bc24d8a067', 'arn:aws:nope')).message).toMatch(
      /^plan.yaml:11: fleet.clusters\[0\].targetGroupArn: is not a valid ARN/,
    );
    expect(rejects(edit('listener/app/payments/50dc6c495c0c9188/f2f7dc8efc522ab2', 'loadbalancer/app/payments/50dc6c495c0c9188')).message).toMatch(
      /fleet.listenerArn: is a loadbalancer ARN; expected a listener ARN/,
    );
    expect(rejects(edit('us-east-1:123456789012:targetgroup/payments-gray', 'us-west-2:123456789012:targetgroup/payments-gray')).message).toMatch(
      /fleet.clusters\[2\].targetGroupArn: is in region us-west-2, but the plan's region is us-east-1/,
    );
  });

  it('rejects duplicate cluster names and duplicate target groups', () => {
    expect(rejects(edit('name: green', 'name: blue')).message).toMatch(/fleet.clusters\[1\].name: duplicate cluster name "blue"/);
    expect(rejects(edit('targetgroup/payments-green/2453ed029918f21f', 'targetgroup/payments-blue/73e2d6bc24d8a067')).message).toMatch(
      /fleet.clusters\[1\].targetGroupArn: duplicate target group/,
    );
  });

  it('rejects ramp percentages outside 1-100 and durations that do not parse', () => {
    expect(rejects(edit('ramp: [10, 50, 100]', 'ramp: [0, 50, 100]')).message).toMatch(/reactivate.ramp\[0\]: ramp percentages must be 1-100/);
    expect(rejects(edit('ramp: [10, 50, 100]', 'ramp: [10, 50, 150]')).message).toMatch(/reactivate.ramp\[2\]: ramp percentages must be 1-100/);
    expect(rejects(edit('minimum: 60s', 'minimum: sixty')).message).toMatch(/^plan.yaml:24: drain.minimum: "sixty" is not a duration/);
    expect(rejects(edit('minimum: 60s', 'minimum: 60')).message).toMatch(/drain.minimum: must be a duration string/);
  });

  it('rejects minActiveClusters >= the number of clusters: nothing could ever be maintained', () => {
    expect(rejects(edit('minActiveClusters: 2', 'minActiveClusters: 3')).message).toBe(
      'plan.yaml:21: capacity.minActiveClusters: is 3 but the fleet has 3 clusters: nothing could ever be maintained; use at most 2',
    );
  });

  it('rejects more than 5 clusters behind one forward action: the ALB quota "Target groups per action", which AWS does not raise', () => {
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
    expect(parsePlan(withClusters(5), 'plan.yaml').fleet.clusters).toHaveLength(5);
    expect(rejects(withClusters(6)).message).toBe(
      'plan.yaml:10: fleet.clusters: has 6 clusters, all target groups of one forward action; an ALB forward action holds at most 5 (quota "Target groups per action", not adjustable); list more listeners under fleet.locations',
    );
  });

  it('lets more clusters through only with a synthetic allowance (a sandbox world\'s stress setting), and never beyond it', () => {
    expect(parsePlan(withClusters(7), 'plan.yaml', { syntheticTargetGroupsPerForward: 7 }).fleet.clusters).toHaveLength(7);
    expect(() => parsePlan(withClusters(8), 'plan.yaml', { syntheticTargetGroupsPerForward: 7 })).toThrow(
      'plan.yaml:10: fleet.clusters: has 8 clusters, all target groups of one forward action; the sandbox world allows at most 7 (elbv2.syntheticTargetGroupsPerForward, a topology AWS does not allow)',
    );
  });

  it('rejects applyImmediately: false, saying why', () => {
    expect(rejects(edit('applyImmediately: true', 'applyImmediately: false')).message).toMatch(
      /maintenance\[1\].applyImmediately: must be true: with false ElastiCache defers the change to its own maintenance window/,
    );
  });

  it('rejects YAML alias bombs fast, without expanding them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    const started = Date.now();
    expect(rejects(bomb).message).toMatch(/alias/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects __proto__ keys without polluting any prototype', () => {
    expect(rejects('__proto__: { polluted: true }\n').message).toBe('plan.yaml:1: __proto__: is a forbidden key (prototype pollution guard)');
    expect(rejects(edit('capacity:', 'capacity:\n  constructor: { prototype: { polluted: 1 } }')).message).toMatch(/constructor: is a forbidden key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects NUL bytes, deep nesting, empty files and non-mapping documents with one line each', () => {
    expect(rejects(`${EXAMPLE}\n\u0000`).message).toMatch(/contains a NUL byte/);
    expect(rejects(`${'['.repeat(5000)}${']'.repeat(5000)}`).message).toMatch(/nesting|invalid YAML/);
    expect(rejects('').message).toMatch(/is empty/);
    expect(rejects('- a\n- b\n').message).toMatch(/must be a mapping/);
  });

  it('verify.canary.host: a DNS name is taken, a URL is refused in one line', () => {
    const withHost = (host: string) => edit('  maxMemoryPercent: 80', `  maxMemoryPercent: 80\n  canary: { path: /healthz, host: "${host}" }`);
    expect(parsePlan(withHost('api.example.com'), 'plan.yaml').verify.canary).toMatchObject({ host: 'api.example.com', protocol: 'https' });
    expect(rejects(withHost('https://api.example.com/')).message).toMatch(/verify\.canary\.host: must be a DNS name/);
  });

  it('an engine switch: engine valkey with a quoted engineVersion is taken as written', () => {
    const plan = parsePlan(edit('engineVersion: "7.1"', 'engine: valkey\n    engineVersion: "8.0"'), 'plan.yaml');
    expect(plan.maintenance[1]).toMatchObject({ elasticache: 'modify', engine: 'valkey', engineVersion: '8.0' });
  });

  it('an engine switch needs its version, and goes to Valkey only: each refused in one line', () => {
    expect(rejects(edit('engineVersion: "7.1"', 'engine: valkey')).message).toBe(
      'plan.yaml:28: maintenance[1]: engine: valkey needs engineVersion too (e.g. "8.0"): ElastiCache switches the engine only together with a version of it',
    );
    expect(rejects(edit('engineVersion: "7.1"', 'engine: redis\n    engineVersion: "7.1"')).message).toMatch(
      /^plan\.yaml:29: maintenance\[1\]\.engine: must be valkey: the one engine switch ElastiCache makes in place is from Redis OSS to Valkey/,
    );
    expect(rejects(edit('engineVersion: "7.1"', 'engine: valkey\n    engineVersion: 8.0')).message).toMatch(/engineVersion: must be a quoted string/);
  });

  it('rejects a command step written as a shell string', () => {
    expect(rejects(edit('  - elasticache: failover        # move the primary to a replica and prove it moved', '  - command: "rm -rf /tmp/x && echo done"')).message).toMatch(
      /maintenance\[0\].command: must be an argv array/,
    );
  });
});

function parsePlanInput(): Record<string, unknown> {
  // The example, as plain data, for the JSON variant.
  const plan = parsePlan(EXAMPLE);
  return {
    version: 1,
    name: plan.name,
    region: plan.region,
    // The fleet as written: the parsed one also holds its locations and each cluster's placements.
    fleet: { listenerArn: plan.fleet.listenerArn, clusters: plan.fleet.clusters.map(({ placements: _, ...c }) => c) },
    capacity: { maxOutOfService: 1, minActiveClusters: 2 },
  };
}

/** The example with clusters c4, c5, ... added after its three, each with its own target group and cache. */
function withClusters(count: number): string {
  const extra = Array.from({ length: count - 3 }, (_, i) => [
    `    - name: c${i + 4}`,
    `      targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/payments-c${i + 4}/${String(i + 4).padStart(16, '0')}`,
    `      cache: { replicationGroupId: payments-c${i + 4} }`,
  ]).flat();
  return edit('      cache: { replicationGroupId: payments-gray }\n', `      cache: { replicationGroupId: payments-gray }\n${extra.map((l) => `${l}\n`).join('')}`);
}

describe('runbook placeholders in a plan', () => {
  it('accepts known placeholders in argv, url, headers and body', () => {
    const plan = parsePlan(
      edit('  - elasticache: failover', `  - command: ["./patch.sh", "--cluster", "{cluster}", "--tg={targetGroupArn}"]
  - http: { url: "https://hooks.example.com/patch/{cluster}", headers: { X-Run: "{runId}" }, body: '{"targets": "{targets}"}' }
  - elasticache: failover`),
      'plan.yaml',
    );
    expect(plan.maintenance[0]).toMatchObject({ command: ['./patch.sh', '--cluster', '{cluster}', '--tg={targetGroupArn}'] });
  });

  it('refuses an unknown placeholder in one line naming the step field and the known names', () => {
    const e = rejects(edit('  - elasticache: failover', '  - command: ["./patch.sh", "{clustr}"]\n  - elasticache: failover'));
    expect(e.message).toMatch(/^plan\.yaml:\d+: maintenance\[0\]\.command\[1\]: unknown placeholder \{clustr\}; known: \{runId\}, \{cluster\}, \{targetGroupArn\}/);
    const h = rejects(edit('  - elasticache: failover', '  - http: { url: "https://h.example.com/{tg}" }\n  - elasticache: failover'));
    expect(h.message).toMatch(/maintenance\[0\]\.http\.url: unknown placeholder \{tg\}/);
  });
});

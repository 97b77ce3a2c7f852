import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { PlanError } from '../../src/plan/plan-error.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const listener = (lb: string, id: string) => `${ARN}:listener/app/${lb}/${id.padStart(16, '0')}/${id.padStart(16, '1')}`;
const group = (name: string, id: string) => `${ARN}:targetgroup/${name}/${id.padStart(16, '0')}`;

/** Three clusters behind an external and an internal load balancer, as in examples/two-balancers.plan.yaml. */
function twoBalancers(edit: (text: string) => string = (t) => t): string {
  return edit(`version: 1
name: two
region: us-east-1
fleet:
  locations:
    - name: external
      listenerArn: ${listener('ext', 'a1')}
      clusters:
        - { name: blue, targetGroupArn: ${group('ext-blue', 'b1')}, cache: { replicationGroupId: blue } }
        - { name: green, targetGroupArn: ${group('ext-green', 'b2')}, cache: { replicationGroupId: green } }
        - { name: gray, targetGroupArn: ${group('ext-gray', 'b3')} }
    - listenerArn: ${listener('int', 'a2')}
      clusters:
        - { name: blue, targetGroupArn: ${group('int-blue', 'c1')} }
        - { name: green, targetGroupArn: ${group('int-green', 'c2')} }
        - { name: gray, targetGroupArn: ${group('int-gray', 'c3')}, cache: { replicationGroupId: gray } }
maintenance:
  - elasticache: failover
`);
}

function rejects(text: string): string {
  try {
    parsePlan(text, 'plan.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(PlanError);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    return (err as Error).message;
  }
  throw new Error('the plan was accepted');
}

describe('a fleet at several locations', () => {
  it('is one list of clusters, each with its target group at every location it is at', () => {
    const plan = parsePlan(twoBalancers(), 'plan.yaml');
    expect(plan.fleet.locations).toEqual([
      { name: 'external', listenerArn: listener('ext', 'a1') },
      // Unnamed: its load balancer's name.
      { name: 'int', listenerArn: listener('int', 'a2') },
    ]);
    expect(plan.fleet.clusters.map((c) => c.name)).toEqual(['blue', 'green', 'gray']);
    expect(plan.fleet.clusters[0]!.placements).toEqual([
      { location: 'external', targetGroupArn: group('ext-blue', 'b1') },
      { location: 'int', targetGroupArn: group('int-blue', 'c1') },
    ]);
    // A cache named at either location is the cluster's.
    expect(plan.fleet.clusters.map((c) => c.cache?.replicationGroupId)).toEqual(['blue', 'green', 'gray']);
    expect(plan.fleet.listenerArn).toBe(listener('ext', 'a1'));
  });

  it('reads a plan in the one-listener form as one location, unchanged', () => {
    const plan = parsePlan(
      `version: 1
name: one
region: us-east-1
fleet:
  listenerArn: ${listener('ext', 'a1')}
  clusters:
    - { name: blue, targetGroupArn: ${group('ext-blue', 'b1')} }
    - { name: green, targetGroupArn: ${group('ext-green', 'b2')} }
maintenance:
  - { command: [./patch.sh] }
`,
      'plan.yaml',
    );
    expect(plan.fleet.locations).toEqual([{ name: 'ext', listenerArn: listener('ext', 'a1') }]);
    expect(plan.fleet.clusters[1]!.placements).toEqual([{ location: 'ext', targetGroupArn: group('ext-green', 'b2') }]);
  });

  it('refuses both forms at once, and neither', () => {
    expect(rejects(twoBalancers((t) => t.replace('fleet:\n', `fleet:\n  listenerArn: ${listener('ext', 'a1')}\n`)))).toBe(
      'plan.yaml:5: fleet: give either listenerArn with clusters (one listener) or locations (several), not both',
    );
    expect(rejects(twoBalancers((t) => t.replace(/fleet:\n[\s\S]*?maintenance:/, `fleet:\n  listenerArn: ${listener('ext', 'a1')}\nmaintenance:`)))).toMatch(
      /fleet: needs clusters: give listenerArn with clusters \(one listener\), or locations \(several\)$/,
    );
  });

  it('refuses two caches for one cluster, one target group for two clusters, and the same forward twice', () => {
    expect(rejects(twoBalancers((t) => t.replace("targetGroupArn: " + group('int-blue', 'c1') + " }", `targetGroupArn: ${group('int-blue', 'c1')}, cache: { replicationGroupId: other } }`)))).toMatch(
      /locations\[1\]\.clusters\[0\]\.cache\.replicationGroupId: is "other" but cluster blue has "blue" at locations\[0\]: a cluster has one cache$/,
    );
    expect(rejects(twoBalancers((t) => t.replace(group('int-green', 'c2'), group('int-blue', 'c1'))))).toMatch(
      /locations\[1\]\.clusters\[1\]\.targetGroupArn: duplicate target group ".*int-blue.*" \(also cluster blue\)$/,
    );
    expect(rejects(twoBalancers((t) => t.replace(listener('int', 'a2'), listener('ext', 'a1'))))).toMatch(
      /fleet\.locations\[1\]: is the same forward action as locations\[0\]: list its clusters once$/,
    );
  });

  it('holds capacity at every location: a location needs more clusters than minActiveClusters', () => {
    const text = twoBalancers((t) => t.replace(/        - \{ name: green, targetGroupArn: .*int-green.*\n        - \{ name: gray, targetGroupArn: .*int-gray.*\n/, ''));
    expect(rejects(text)).toMatch(/fleet\.locations\[1\]\.clusters: has 1 cluster\(s\) but capacity\.minActiveClusters is 1 at every location: none of them could ever be maintained/);
  });

  it('refuses deregister mode for a cluster with a target group at each of two locations', () => {
    expect(rejects(twoBalancers((t) => `${t}drain: { mode: deregister }\n`))).toMatch(/drain\.mode: deregister mode takes a cluster's targets out of its one target group, but cluster blue has one per location; use mode: weight$/);
  });

  it('counts the forward-action quota per location: 5 clusters each at two listeners is 10 clusters', () => {
    const five = (lb: string, offset: number) =>
      Array.from({ length: 5 }, (_, i) => `        - { name: c${offset + i}, targetGroupArn: ${group(`${lb}-c${offset + i}`, `${offset + i + 10}`)} }`).join('\n');
    const text = `version: 1
name: ten
region: us-east-1
fleet:
  locations:
    - listenerArn: ${listener('shop-a', 'a1')}
      clusters:
${five('a', 0)}
    - listenerArn: ${listener('shop-b', 'a2')}
      clusters:
${five('b', 5)}
maintenance:
  - { command: [./patch.sh] }
`;
    const plan = parsePlan(text, 'plan.yaml');
    expect(plan.fleet.clusters).toHaveLength(10);
    expect(plan.fleet.locations.map((l) => l.name)).toEqual(['shop-a', 'shop-b']);
    const six = text.replace(/(    - listenerArn: .*shop-b.*\n      clusters:\n)/, `$1        - { name: c99, targetGroupArn: ${group('b-c99', '99')} }\n`);
    expect(rejects(six)).toMatch(/fleet\.locations\[1\]\.clusters: has 6 clusters, all target groups of one forward action; an ALB forward action holds at most 5 \(quota "Target groups per action", not adjustable\)$/);
  });
});

import { describe, expect, it } from 'vitest';
import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import type { ClusterMachineInput } from '../../machines/cluster.contract.js';
import { checkClusterMachine, checkFleetMachine } from './model-check.js';

const clusterInput = (over: Partial<ClusterMachineInput> = {}): ClusterMachineInput => ({
  name: 'blue',
  drainMode: 'weight',
  steps: [
    { kind: 'elasticache', label: 'failover', timeoutMs: 1_200_000 },
    { kind: 'approval', label: 'check the dashboards', timeoutMs: 0 },
  ],
  drain: { minimumMs: 60_000, timeoutMs: 900_000 },
  verify: { stableForMs: 120_000, timeoutMs: 1_200_000 },
  reactivate: { ramp: [50, 100], holdMs: 60_000 },
  readBackTimeoutMs: 60_000,
  pollMs: 5_000,
  ...over,
});

describe('model check: cluster machine', () => {
  for (const drainMode of ['weight', 'deregister'] as const) {
    it(`holds invariants (a), (b), (d), (f) on every path, drain mode ${drainMode}`, () => {
      const report = checkClusterMachine(clusterMachine, clusterInput({ drainMode }));
      console.log(
        `cluster machine (${drainMode}): ${Number(report.walks).toExponential(1)} paths of up to ${report.walkDepth} events checked, through ${report.productStates} reachable (state x monitor) pairs, ${report.transitions} transitions, ${report.machineStates} machine states`,
      );
      expect(report.machineStates).toBeGreaterThan(100);
      expect(report.violations).toEqual([]);
    });
  }

  it('covers a plan with no approval step and a single-step ramp', () => {
    const report = checkClusterMachine(
      clusterMachine,
      clusterInput({ steps: [{ kind: 'command', label: 'patch', timeoutMs: 600_000 }], reactivate: { ramp: [100], holdMs: 60_000 } }),
    );
    console.log(`cluster machine (1 step, 1 ramp): ${Number(report.walks).toExponential(1)} paths checked, ${report.productStates} states`);
    expect(report.violations).toEqual([]);
  });

  it('catches a broken guard: verifiedAndStable always true lets reactivation skip verification', () => {
    const broken = clusterMachine.provide({ guards: { verifiedAndStable: () => true } });
    const report = checkClusterMachine(broken, clusterInput());
    console.log(`broken guard: ${report.violations.length} violating paths reported (first shown below)\n${report.violations[0]}`);
    expect(report.violations.length).toBeGreaterThan(0);
    expect(report.violations[0]).toMatch(/reactivat/);
  });

  it('catches a broken guard: an abort during maintenance that returns the cluster to rotation', () => {
    const broken = clusterMachine.provide({ guards: { abortedInMaintenance: () => false } });
    const report = checkClusterMachine(broken, clusterInput());
    expect(report.violations.some((v) => v.includes('reactivated before maintenance settled'))).toBe(true);
  });
});

describe('model check: fleet machine', () => {
  const configs = [
    { clusters: ['blue', 'green', 'gray'], maxOutOfService: 1, minActiveClusters: 2 },
    { clusters: ['a', 'b', 'c', 'd'], maxOutOfService: 2, minActiveClusters: 1 },
    { clusters: ['a', 'b', 'c'], maxOutOfService: 3, minActiveClusters: 1 },
  ];
  for (const input of configs) {
    it(`holds invariant (c) and ends with reasons: ${input.clusters.length} clusters, maxOutOfService ${input.maxOutOfService}, minActive ${input.minActiveClusters}`, () => {
      const report = checkFleetMachine(fleetMachine, input);
      console.log(
        `fleet machine (${input.clusters.length} clusters, maxOutOfService ${input.maxOutOfService}, minActive ${input.minActiveClusters}): ${Number(report.walks).toExponential(1)} paths checked, through ${report.productStates} states and ${report.transitions} transitions`,
      );
      expect(report.paths).toBeGreaterThan(10);
      expect(report.violations).toEqual([]);
    });
  }

  it('catches a fleet that ends done without its last look (or in spite of what it found)', () => {
    const broken = fleetMachine.provide({ guards: { confirmedDrift: () => false } });
    const report = checkFleetMachine(broken, configs[0]!);
    expect(report.violations.some((v) => v.startsWith('(e)'))).toBe(true);
  });

  // Two locations of two clusters: one out at each at most, whatever order they finish in.
  const atLocations = { clusters: ['a1', 'a2', 'b1', 'b2'], maxOutOfService: 3, minActiveClusters: 1, locations: { a: ['a1', 'a2'], b: ['b1', 'b2'] } };

  it('at several locations, keeps minActiveClusters in rotation at each', () => {
    const report = checkFleetMachine(fleetMachine, atLocations);
    expect(report.paths).toBeGreaterThan(10);
    expect(report.violations).toEqual([]);
  });

  it('catches a fleet that is not told its locations', () => {
    const report = checkFleetMachine(fleetMachine, { ...atLocations, locations: undefined }, atLocations.locations);
    expect(report.violations.some((v) => /at location a < minActiveClusters 1/.test(v))).toBe(true);
  });

  it('catches a broken capacity guard', () => {
    const broken = fleetMachine.provide({ guards: { canStart: ({ context }) => Object.values(context.status).includes('pending') } });
    const report = checkFleetMachine(broken, configs[0]!);
    console.log(`broken capacity guard: ${report.violations.length} violating paths, e.g.\n${report.violations[0]}`);
    expect(report.violations.some((v) => /maxOutOfService|minActiveClusters/.test(v))).toBe(true);
  });
});

import { clusterMachine } from '../../machines/cluster.machine.js';
import { fleetMachine } from '../../machines/fleet.machine.js';
import { machineGraph, renderSvg } from '../diagram/index.js';
import type { ClusterSummary, RunReport } from '../report/run-report.js';

// The machine diagrams of the review page. With a run, each cluster gets its own drawing: the states
// its journal recorded filled in, the one it is in now outlined. Journal states are dotted paths, the
// same ids the SVG puts in `data-state`; anything the drawing does not know is left out, not guessed.

export interface StateMarks {
  /** The SVG state id outlined as current, when the cluster has started. */
  current?: string;
  visited: string[];
}

export interface ReviewDiagrams {
  fleet: string;
  fleetMarks?: StateMarks;
  /** Without a run: the cluster machine, unmarked. */
  cluster?: string;
  /** With a run: one drawing per cluster, by name. */
  perCluster?: Record<string, { svg: string; marks: StateMarks }>;
}

const CLUSTER_STATES = new Set(machineGraph(clusterMachine).nodes.map((n) => n.id));
const FLEET_STATES = new Set(machineGraph(fleetMachine).nodes.map((n) => n.id));
const FLEET_ENDS: ReadonlySet<string> = new Set(['done', 'held', 'aborted']);

/** `a.b.c` and its ancestors `a.b`, `a`, most specific first. */
function lineage(id: string): string[] {
  const parts = id.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

export function clusterMarks(summary: Pick<ClusterSummary, 'current' | 'visited'>, known: ReadonlySet<string> = CLUSTER_STATES): StateMarks {
  const visited = [...new Set(summary.visited.flatMap(lineage))].filter((id) => known.has(id));
  const current = summary.current ? lineage(summary.current).find((id) => known.has(id)) : undefined;
  return { ...(current ? { current } : {}), visited };
}

/**
 * The fleet machine's final states carry the run's status names; anything else is still rolling (a run
 * paused by one of its clusters; a pause of the fleet's own last look is not told apart here). A run that
 * ended done passed the last look (confirming) on its way.
 */
export function fleetMarks(status: RunReport['status']): StateMarks {
  const current = FLEET_STATES.has(status) && FLEET_ENDS.has(status) ? status : 'rolling';
  return { current, visited: [...new Set(['rolling', ...(current === 'done' ? ['confirming'] : []), current])] };
}

export async function renderReviewDiagrams(report?: RunReport): Promise<ReviewDiagrams> {
  if (!report) return { fleet: await renderSvg(fleetMachine), cluster: await renderSvg(clusterMachine) };
  const perCluster: NonNullable<ReviewDiagrams['perCluster']> = {};
  for (const summary of report.clusters) {
    const marks = clusterMarks(summary);
    perCluster[summary.name] = { svg: await renderSvg(clusterMachine, { visited: marks.visited, ...(marks.current ? { highlight: [marks.current] } : {}) }), marks };
  }
  const marks = fleetMarks(report.status);
  return { fleet: await renderSvg(fleetMachine, { visited: marks.visited, ...(marks.current ? { highlight: [marks.current] } : {}) }), fleetMarks: marks, perCluster };
}

import { clusterMachine } from './machines/cluster.machine.js';
import { machineGraph } from './src/diagram/machine-graph.js';
import { layoutMachine } from './src/diagram/elk-layout.js';
const NS = { 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX', 'elk.layered.mergeEdges': 'true' };
const variants: Record<string, Record<string, string>> = {
  D: NS,
  H2: { ...NS, 'elk.layered.considerModelOrder.strategy': 'NONE', 'elk.layered.cycleBreaking.strategy': 'GREEDY' },
  H3: { ...NS, 'elk.layered.considerModelOrder.strategy': 'NONE', 'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER' },
  L1: { ...NS, 'elk.layered.layering.strategy': 'LONGEST_PATH' },
  L2: { ...NS, 'elk.layered.layering.strategy': 'COFFMAN_GRAHAM' },
  L3: { ...NS, 'elk.layered.layering.strategy': 'INTERACTIVE' },
  S: { ...NS, 'elk.layered.spacing.nodeNodeBetweenLayers': '30', 'elk.spacing.edgeEdge': '6', 'elk.layered.spacing.edgeEdgeBetweenLayers': '6' },
  R: { ...NS, 'elk.direction': 'RIGHT', 'elk.layered.considerModelOrder.strategy': 'NONE', 'elk.layered.cycleBreaking.strategy': 'GREEDY' },
  P: { ...NS, 'elk.layered.compaction.postCompaction.strategy': 'EDGE_LENGTH' },
  W: { ...NS, 'elk.layered.wrapping.strategy': 'MULTI_EDGE' },
};
const g = machineGraph(clusterMachine);
for (const [k, v] of Object.entries(variants)) {
  const t0 = Date.now();
  try {
    const L = await layoutMachine(g, v);
    let len = 0;
    for (const e of L.edges) for (const s of e.sections) for (let i = 1; i < s.length; i++) len += Math.abs(s[i]!.x - s[i-1]!.x) + Math.abs(s[i]!.y - s[i-1]!.y);
    console.log(k, L.width, 'x', L.height, 'area', Math.round(L.width * L.height / 1e6 * 10) / 10, 'Mpx edgeLen', Math.round(len), Date.now() - t0, 'ms');
  } catch (e) { console.log(k, 'FAILED', String(e).slice(0, 200)); }
}

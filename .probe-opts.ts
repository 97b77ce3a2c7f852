import { clusterMachine } from './machines/cluster.machine.js';
import { machineGraph } from './src/diagram/machine-graph.js';
import { layoutMachine } from './src/diagram/elk-layout.js';
const variants: Record<string, Record<string, string>> = {
  A: {},
  B: { 'elk.layered.mergeEdges': 'true' },
  C: { 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX' },
  D: { 'elk.layered.mergeEdges': 'true', 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX' },
  E: { 'elk.layered.mergeEdges': 'true', 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX', 'elk.edgeLabels.placement': 'TAIL' },
  F: { 'elk.layered.mergeEdges': 'true', 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX', 'elk.direction': 'RIGHT' },
  G: { 'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF', 'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED' },
  H: { 'elk.layered.considerModelOrder.strategy': 'NONE', 'elk.layered.cycleBreaking.strategy': 'GREEDY' },
  I: { 'elk.layered.mergeEdges': 'true', 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX', 'elk.layered.thoroughness': '30' },
  J: { 'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS' },
  K: { 'elk.layered.mergeEdges': 'true', 'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF', 'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED' },
};
const g = machineGraph(clusterMachine);
for (const [k, v] of Object.entries(variants)) {
  const t0 = Date.now();
  try {
    const L = await layoutMachine(g, v);
    let len = 0;
    for (const e of L.edges) for (const s of e.sections) for (let i = 1; i < s.length; i++) len += Math.abs(s[i]!.x - s[i-1]!.x) + Math.abs(s[i]!.y - s[i-1]!.y);
    console.log(k, L.width, 'x', L.height, 'area', Math.round(L.width * L.height / 1e6 * 10) / 10, 'Mpx edgeLen', Math.round(len), Date.now() - t0, 'ms');
  } catch (e) { console.log(k, 'FAILED', e); }
}

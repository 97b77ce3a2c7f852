import { clusterMachine } from './machines/cluster.machine.js';
import { fleetMachine } from './machines/fleet.machine.js';
import { machineGraph } from './src/diagram/machine-graph.js';
import { layoutMachine } from './src/diagram/elk-layout.js';
for (const m of [clusterMachine, fleetMachine]) {
  const L = await layoutMachine(machineGraph(m));
  let own = 0, other = 0, total = 0;
  for (const e of L.edges) {
    if (!e.label) continue; total++;
    const b = e.label; const x0 = b.x + 1, x1 = b.x + b.width - 1, y0 = b.y + 1, y1 = b.y + b.height - 1;
    for (const f of L.edges) for (const s of f.sections) for (let i = 1; i < s.length; i++) {
      const p = s[i-1]!, q = s[i]!;
      const hits = (Math.min(p.x, q.x) < x1 && Math.max(p.x, q.x) > x0 && Math.min(p.y, q.y) < y1 && Math.max(p.y, q.y) > y0);
      if (hits) { if (f === e) own++; else { other++; if (other < 6) console.log('  crosses', e.label.lines[0], '<-', f.source, f.target); } }
    }
  }
  console.log(m.id, 'labels', total, 'own-edge crossings', own, 'other-edge crossings', other);
}

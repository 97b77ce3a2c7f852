import { clusterMachine } from './machines/cluster.machine.js';
import { fleetMachine } from './machines/fleet.machine.js';
import { machineGraph } from './src/diagram/machine-graph.js';
import { layoutMachine, headerHeight } from './src/diagram/elk-layout.js';
const overlap = (a: any, b: any) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: any, b: any) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
for (const m of [clusterMachine, fleetMachine]) {
  const t0 = Date.now();
  const L = await layoutMachine(machineGraph(m));
  console.log(m.id, 'layout', Date.now() - t0, 'ms', L.width, 'x', L.height, 'edges', L.edges.length);
  const byId = new Map(L.states.map(s => [s.node.id, s]));
  for (const s of L.states) {
    if (s.node.parent) { const p = byId.get(s.node.parent)!; if (!inside(s.box, p.box)) console.log('NOT INSIDE', s.node.id); if (s.box.y < p.box.y + headerHeight(p.details.length)) console.log('UNDER HEADER', s.node.id); }
    for (const t of L.states) if (s !== t && s.node.parent === t.node.parent && s.node.id < t.node.id && overlap(s.box, t.box)) console.log('OVERLAP', s.node.id, t.node.id);
  }
  const labels = L.edges.filter(e => e.label).map(e => e.label!);
  for (const [i, a] of labels.entries()) {
    for (const s of L.states) {
      const leaf = s.node.kind !== 'compound';
      if (leaf && overlap(a, s.box)) console.log('LABEL OVER STATE', a.lines[0], s.node.id);
      if (!leaf && overlap(a, { ...s.box, height: headerHeight(s.details.length) })) console.log('LABEL OVER HEADER', a.lines[0], s.node.id);
    }
    for (const b of labels.slice(i + 1)) if (overlap(a, b)) console.log('LABEL OVER LABEL', a.lines[0], '|', b.lines[0]);
  }
  const onBorder = (p: any, b: any) => Math.abs(p.x - b.x) < 1.5 || Math.abs(p.x - b.x - b.width) < 1.5 || Math.abs(p.y - b.y) < 1.5 || Math.abs(p.y - b.y - b.height) < 1.5;
  for (const e of L.edges) {
    if (e.sections.length !== 1) console.log('SECTIONS', e.sections.length, e.source, e.target);
    const sec = e.sections[0]; if (!sec) continue;
    const tb = byId.get(e.target)?.box; if (tb && !onBorder(sec[sec.length-1], tb)) console.log('END OFF', e.source, e.target, sec[sec.length-1], tb);
    const sb = byId.get(e.source)?.box; if (sb && !onBorder(sec[0], sb)) console.log('START OFF', e.source, e.target, sec[0], sb);
  }
  for (const s of L.states.filter(s => s.node.kind === 'compound')) console.log('  block', s.node.id, JSON.stringify(s.box));
}

import { writeFileSync } from 'node:fs';
import { clusterMachine } from './machines/cluster.machine.js';
import { fleetMachine } from './machines/fleet.machine.js';
import { renderDiagram, renderSvg } from './src/diagram/index.js';
const ms = [{ name: 'cluster', machine: clusterMachine }, { name: 'fleet', machine: fleetMachine }];
for (const f of ['mermaid', 'dot', 'json', 'svg'] as const) {
  const t0 = Date.now();
  const out = await renderDiagram(f, ms);
  writeFileSync(`/tmp/quiesce-diagram.${f === 'mermaid' ? 'mmd' : f}`, out);
  console.log(f, out.length, Date.now() - t0, 'ms');
}
writeFileSync('/tmp/quiesce-cluster.svg', await renderSvg(clusterMachine, { highlight: ['draining.waiting'], visited: ['preflight', 'removing', 'removing.checkDrift', 'removing.setZero', 'confirming', 'confirming.checking', 'draining'] }));
writeFileSync('/tmp/quiesce-fleet.svg', await renderSvg(fleetMachine, { highlight: ['rolling'] }));

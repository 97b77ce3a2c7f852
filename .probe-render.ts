import { writeFileSync } from 'node:fs';
import { clusterMachine } from './machines/cluster.machine.js';
import { fleetMachine } from './machines/fleet.machine.js';
import { renderSvg } from './src/diagram/index.js';
const t0 = Date.now();
writeFileSync('/tmp/quiesce-cluster.svg', await renderSvg(clusterMachine, { highlight: ['draining.waiting'], visited: ['preflight', 'removing', 'removing.checkDrift', 'removing.setZero', 'confirming', 'confirming.checking', 'draining'] }));
writeFileSync('/tmp/quiesce-fleet.svg', await renderSvg(fleetMachine, { highlight: ['rolling'] }));
console.log('ms', Date.now() - t0);

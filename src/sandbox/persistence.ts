// Saving and loading a world. Saves are atomic (temp file, fsync, rename), so a killed
// process leaves either the previous or the new world on disk, never half of one.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { SandboxWorld } from './world.js';

export function saveWorld(world: SandboxWorld, file: string): void {
  world.integrateToNow();
  writeFileAtomic(file, JSON.stringify(world.state));
}

export function loadWorld(file: string): SandboxWorld {
  return SandboxWorld.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
}

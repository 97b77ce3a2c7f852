// Section 5: how long `quiesce validate` takes from process start to exit, as a user runs it
// (`node bin/quiesce.mjs`, the built CLI in dist/), median of fresh processes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function cliStartMs(root: string, samples: number): number[] {
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/build.mjs failed: ${build.stderr}`);
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, [join(root, 'bin/quiesce.mjs'), 'validate', 'examples/payments.plan.yaml'], { cwd: root, encoding: 'utf8' });
    const ms = performance.now() - started;
    if (child.status !== 0) throw new Error(`quiesce validate exited ${child.status}: ${child.stderr}`);
    out.push(ms);
  }
  return out;
}

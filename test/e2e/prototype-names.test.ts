import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeScratchDirs, ROOT, scratchDir } from '../chaos/child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../chaos/crash-sweep.js';
import { quiesce } from '../chaos/in-process-cli.js';

// Found by the hostile inputs: names that are also properties of Object.prototype. A plan whose
// replication group is called "constructor" (a valid id) could not be rehearsed: "replication group used
// twice". (The world's own lookups are in test/sandbox/world-file.test.ts, the Lambda's in
// test/lambda/handler.test.ts.)

afterAll(removeScratchDirs);

describe('names that are also Object.prototype properties', () => {
  it('clusters named constructor, toString and hasOwnProperty, one replication group named constructor: the run completes', async () => {
    const dir = scratchDir('quiesce-prototype-names-');
    mkdirSync(dir, { recursive: true });
    const planFile = join(dir, 'names.plan.yaml');
    writeFileSync(
      planFile,
      readFileSync(join(ROOT, CRASH_SWEEP_FIXTURE.plan), 'utf8')
        .replace('name: blue', 'name: constructor')
        .replace('name: green', 'name: toString')
        .replace('name: gray', 'name: hasOwnProperty')
        .replace('replicationGroupId: payments-blue', 'replicationGroupId: constructor'),
    );
    const r = await quiesce(['run', planFile, '--sandbox', CRASH_SWEEP_FIXTURE.world, '--state-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.clusters.map((c: { name: string; state: string }) => `${c.name} ${c.state}`)).toEqual(['constructor done', 'toString done', 'hasOwnProperty done']);
    expect(json.sandbox.violations).toEqual([]);
    expect(json.sandbox.weights).toEqual({ constructor: 1, toString: 1, hasOwnProperty: 1 });
  });
});

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../../src/lambda/handler.js';
import { defaultWorldFromPlan, parseWorldFile, WorldFileError } from '../../../src/sandbox/index.js';
import { loadPlanFile } from '../../../src/plan/load.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';
import { examplePlan } from '../../infra/fixtures.js';
import { ROOT, scratchDir, removeScratchDirs } from '../child-cli.js';
import { CRASH_SWEEP_FIXTURE } from '../crash-sweep.js';
import { quiesce } from '../in-process-cli.js';

// Found by the hostile inputs: names that are also properties of Object.prototype. A memory event on
// replication group "__proto__" passed the world's "does it exist" check (a plain lookup found
// Object.prototype) and wrote memoryPercent onto every object of the process. A plan whose replication
// group is called "constructor" (a valid id) could not be rehearsed: "replication group used twice".

afterAll(removeScratchDirs);

describe('names that are also Object.prototype properties', () => {
  it('an event naming replication group "__proto__" is refused, and pollutes nothing', () => {
    const plan = loadPlanFile(join(ROOT, CRASH_SWEEP_FIXTURE.plan));
    const file = parseWorldFile('events:\n  - { at: "-2m", memory: { replicationGroupId: __proto__, percent: 85 } }\n', 'w.yaml');
    expect(() => defaultWorldFromPlan(plan, file, 'w.yaml')).toThrow(WorldFileError);
    expect(() => defaultWorldFromPlan(plan, file, 'w.yaml')).toThrow(/no such replication group "__proto__"/);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).memoryPercent).toBeUndefined();
  });

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

  it('a Lambda start whose step names an action String() cannot print gets a BadRequest, not a crash', async () => {
    const handler = createHandler({ store: createMemoryStore(), logger: pino({ level: 'silent' }), connect: async () => Promise.reject(new Error('never')) });
    const plan = { ...examplePlan().document, maintenance: [{ elasticache: Object.create(null) }] };
    const result = await handler({ action: 'start', plan, idempotencyKey: 'k' });
    expect(result.error).toEqual({ code: 'BadRequest', message: 'plan.maintenance[0]: elasticache: "an object" is not a known action (failover, modify, reboot, service-update)' });
  });
});

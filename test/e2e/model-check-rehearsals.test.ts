import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempStateDir, worldOf } from './cli-harness.js';

// Every example plan and seed, with every world shipped beside it, rehearsed through the CLI: the sandbox
// checks each request quiesce sends, each answer it gives and each error it throws against the AWS SDK's
// own model of the service (src/sandbox/model-check.ts, always on), and none may be out of the model.

const plans = [
  ...readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.plan.yaml')).map((f) => `examples/${f}`),
  ...readdirSync(join(ROOT, 'examples/seeds')).filter((f) => f.endsWith('.plan.yaml')).map((f) => `examples/seeds/${f}`),
].sort();
const worlds = [
  ...readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.world.yaml')).map((f) => `examples/${f}`),
  ...readdirSync(join(ROOT, 'examples/seeds')).filter((f) => f.endsWith('.world.yaml')).map((f) => `examples/seeds/${f}`),
].sort();

const seedNumber = (file: string): string | undefined => /\/(\d{3})-[^/]+$/.exec(file)?.[1];
/**
 * examples/valkey-no-switch.world.yaml and examples/valkey.world.yaml go with examples/valkey.plan.yaml;
 * examples/patch-instances-agent-silent.world.yaml with examples/patch-instances.plan.yaml: the longest
 * example plan name the world's name is, or starts with followed by "-".
 */
const examplePlanOf = (world: string): string | undefined => {
  const m = /^examples\/([a-z0-9-]+)\.world\.yaml$/.exec(world);
  if (!m) return undefined;
  const named = plans
    .filter((p) => /^examples\/[^/]+\.plan\.yaml$/.test(p))
    .map((p) => p.slice('examples/'.length, -'.plan.yaml'.length))
    .filter((name) => m[1] === name || m[1]!.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return named === undefined ? undefined : `examples/${named}.plan.yaml`;
};

/**
 * Each plan with the default world; each example world with the plan it is named after; each seed world
 * with the plans of its seed number, else the payments example.
 */
function rehearsals(): Array<{ plan: string; world: string | undefined }> {
  const pairs: Array<{ plan: string; world: string | undefined }> = plans.map((plan) => ({ plan, world: undefined }));
  for (const world of worlds) {
    const named = examplePlanOf(world);
    if (named !== undefined && plans.includes(named)) {
      pairs.push({ plan: named, world });
      continue;
    }
    const number = seedNumber(world);
    const matching = number === undefined ? [] : plans.filter((p) => seedNumber(p) === number);
    for (const plan of matching.length > 0 ? matching : ['examples/payments.plan.yaml']) pairs.push({ plan, world });
  }
  return pairs;
}

describe('every example and seed rehearsal fits the AWS SDK model', () => {
  it('covers every plan and every world shipped in examples/', () => {
    const all = rehearsals();
    expect(plans.length).toBeGreaterThanOrEqual(7);
    expect(worlds.length).toBeGreaterThanOrEqual(16);
    for (const world of worlds) expect(all.some((r) => r.world === world), world).toBe(true);
    expect(all).toContainEqual({ plan: 'examples/patch-instances.plan.yaml', world: 'examples/patch-instances-agent-silent.world.yaml' });
    expect(all).toContainEqual({ plan: 'examples/ecs-deploy.plan.yaml', world: 'examples/ecs-deploy-wrong-image.world.yaml' });
    expect(all).toContainEqual({ plan: 'examples/valkey.plan.yaml', world: 'examples/valkey.world.yaml' });
  });

  it.each(rehearsals().map((r) => [`${r.plan}${r.world ? ` with ${r.world}` : ''}`, r] as const))('%s', async (_name, { plan, world }) => {
    const stateDir = tempStateDir('quiesce-model-');
    const base = ['--json', '--state-dir', stateDir];
    const results = [await runCli(['run', plan, '--sandbox', ...(world ? [world] : []), '--run-id', 'rehearsal', ...base])];
    // A run paused at an approval step is approved through, to rehearse what follows it.
    const atApproval = (json: any): boolean => json.clusters.some((c: any) => /^approval required/.test(c.reason ?? ''));
    while (results.at(-1)!.code === 3 && atApproval(results.at(-1)!.json) && results.length < 6) {
      results.push(await runCli(['approve', 'rehearsal', '--by', 'model-check', ...base]));
    }
    for (const result of results) {
      expect([0, 1, 3], result.stderr).toContain(result.code);
      expect(`${result.stdout}${result.stderr}`).not.toContain('SandboxModelError');
      // The violations the live world saw, as the run reports them, and the world as it was saved.
      expect(result.json.sandbox.violations.filter((v: any) => v.kind === 'sdk-model-mismatch')).toEqual([]);
    }
    expect(worldOf(stateDir, 'rehearsal').violations.filter((v) => v.kind === 'sdk-model-mismatch')).toEqual([]);
  });
});

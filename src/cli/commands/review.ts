import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { QuiesceError } from '../../errors.js';
import { firstLine } from '../../one-line.js';
import type { Plan } from '../../plan/schema.js';
import { buildPreview, type PlanPreview } from '../../preview/plan-preview.js';
import { loadRunReport } from '../../report/load-report.js';
import { buildReviewPage } from '../../review/build-review.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { cliEnvironment, worldPathFor } from '../environment.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { planRegion } from '../plan-region.js';
import { UsageError } from '../usage-error.js';
import { loadPlanFor, readWorldFile, sandboxWorldFor, type WorldFileInput } from '../sandbox-world.js';
import { loadWorld, type SandboxWorld } from '../../sandbox/index.js';
import { awsReaders, sandboxReaders } from './plan.js';

export async function reviewCommand({ values, positionals, sandbox }: CommandInput<FlagsOf<'review'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('review takes exactly one plan file: quiesce review <plan> [--sandbox [world.yaml]] [--run runId] --out review.html');
  const world = readWorldFile(io.cwd, sandbox);
  const plan = loadPlanFor(io.cwd, positionals[0]!, world);
  // Before any read: a wrong region is the user's mistake, not a reason to fall back to plan-only estimates.
  if (sandbox === false) planRegion(plan, values.region);
  let run;
  let env: Awaited<ReturnType<typeof cliEnvironment>> | undefined;
  if (values.run) {
    const runEnv = await cliEnvironment(values, io);
    env = runEnv;
    run = await loadRunReport(runEnv.store, values.run, (id) => worldPathFor(runEnv.stateDir, id));
    if (run.record.planName !== plan.name) throw new UsageError(`run ${values.run} is a run of plan "${run.record.planName}", not of "${plan.name}"`);
  }
  // A rehearsal's review shows its clusters as its world was at the end of the run, not a fresh world.
  const runWorldPath = run && run.record.target.kind === 'sandbox' ? env ? worldPathFor(env.stateDir, run.record.runId) : undefined : undefined;
  const endWorld = runWorldPath && existsSync(runWorldPath) ? loadWorld(runWorldPath) : undefined;
  const { preview, problem } = await previewFor(plan, sandbox, world, values, endWorld);
  if (problem) io.stderr(`quiesce: review uses plan-only estimates: ${problem}\n`);
  const nowLabel = run
    ? endWorld || run.record.target.kind === 'aws'
      ? `${['done', 'held', 'aborted'].includes(run.record.status) ? 'At the end of' : 'Now, in'} run ${run.record.runId} (${preview.source})`
      : `Now (${preview.source}; run ${run.record.runId}'s world was not found)`
    : undefined;
  // The exact bytes reviewed: their hash ties an approval of this page to one file.
  const planPath = resolve(io.cwd, positionals[0]!);
  const text = readFileSync(planPath, 'utf8');
  const planSource = { file: positionals[0]!, sha256: createHash('sha256').update(text, 'utf8').digest('hex'), text };
  const html = await buildReviewPage({
    plan,
    preview,
    ...(problem ? { estimateProblem: problem } : {}),
    ...(run ? { run } : {}),
    planSource,
    ...(nowLabel ? { nowLabel } : {}),
    now: Date.now(),
  });
  if (values.out) {
    writeFileSync(resolve(io.cwd, values.out), html);
    io.stderr(`quiesce: review of ${plan.name} written to ${values.out}\n`);
  } else io.stdout(html);
  return EXIT.done;
}

/**
 * Live estimates when the state can be read; otherwise plan-only ones, and the page says why. A review is
 * written before anyone has credentials for production, so missing access must not stop it.
 */
async function previewFor(
  plan: Plan,
  sandbox: false | true | string,
  world: WorldFileInput | undefined,
  values: { profile?: string | undefined; 'plan-only'?: boolean | undefined },
  endWorld?: SandboxWorld,
): Promise<{ preview: PlanPreview; problem?: string }> {
  if (values['plan-only']) return { preview: await buildPreview(plan), problem: 'asked for with --plan-only' };
  if (endWorld) return { preview: await buildPreview(plan, sandboxReaders(plan, endWorld)) };
  if (sandbox !== false) return { preview: await buildPreview(plan, sandboxReaders(plan, sandboxWorldFor(plan, world))) };
  try {
    return { preview: await buildPreview(plan, await awsReaders(plan, values.profile)) };
  } catch (err) {
    // Known failures (no credentials, access denied, AWS errors) fall back; anything else is a bug.
    if (!(err instanceof QuiesceError)) throw err;
    return { preview: await buildPreview(plan), problem: `AWS could not be read (${firstLine(err)})` };
  }
}

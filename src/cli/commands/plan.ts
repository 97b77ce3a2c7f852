import { createElastiCacheCache } from '../../adapters/elasticache-cache.js';
import { createElbv2Traffic } from '../../adapters/elbv2-traffic.js';
import { createAwsClients, resolveAwsConfig } from '../../aws/clients.js';
import { DEFAULT_RETRY_BUDGET, newFirstContact } from '../../aws/retry-budget.js';
import type { Plan } from '../../plan/schema.js';
import { systemClock } from '../../ports/clock.js';
import { AWS_METRICS_LAG_MS } from '../../ports/metrics.js';
import { buildPreview, TYPICAL_AWS_TIMINGS, type LiveReaders } from '../../preview/plan-preview.js';
import { renderPlanText } from '../../preview/render-terminal.js';
import { createSandboxClients, type SandboxWorld } from '../../sandbox/index.js';
import { VirtualClock } from '../../connect/virtual-clock.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { planRegion } from '../plan-region.js';
import { loadPlanFor, readWorldFile, sandboxWorldFor } from '../sandbox-world.js';
import { UsageError } from '../usage-error.js';
import pino from 'pino';

/** Read-only ports on a sandbox world built from the plan (and world file): nothing is saved or changed. */
export function sandboxReaders(plan: Plan, world: SandboxWorld): LiveReaders {
  const logger = pino({ level: 'silent' });
  const clients = createSandboxClients(world, { region: plan.region });
  const clock = new VirtualClock(() => world.now(), (t) => world.advanceTo(t));
  const common = { clock, budget: DEFAULT_RETRY_BUDGET, logger };
  const t = world.state.settings.elasticache;
  return {
    traffic: createElbv2Traffic({ client: clients.elbv2, ...common }),
    cache: createElastiCacheCache({ client: clients.elasticache, ...common }),
    source: 'sandbox',
    metricsLagMs: world.state.settings.cloudwatch.publishDelayMs,
    timings: { failoverMs: t.failoverMs, recoveryMs: t.recoveryMs, modifyMs: t.modifyMs, rebootMs: t.rebootMs, serviceUpdateMs: t.serviceUpdateMs, source: 'the sandbox world\'s configured durations' },
  };
}

export async function awsReaders(plan: Plan, profile: string | undefined): Promise<LiveReaders> {
  const config = await resolveAwsConfig({ region: plan.region, ...(profile ? { profile } : {}) });
  const logger = pino({ level: 'silent' });
  const clients = createAwsClients({ region: config.region, credentials: config.credentials, maxAttempts: 3, retryMode: 'standard', logger });
  const common = { clock: systemClock, budget: { ...DEFAULT_RETRY_BUDGET, firstContact: newFirstContact() }, logger };
  return {
    traffic: createElbv2Traffic({ client: clients.elbv2, ...common }),
    cache: createElastiCacheCache({ client: clients.elasticache, ...common }),
    source: 'aws',
    metricsLagMs: AWS_METRICS_LAG_MS,
    timings: TYPICAL_AWS_TIMINGS,
  };
}

export async function planCommand({ values, positionals, sandbox }: CommandInput<FlagsOf<'plan'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('plan takes exactly one plan file: quiesce plan <plan> [--sandbox [world.yaml]]');
  const world = readWorldFile(io.cwd, sandbox);
  const plan = loadPlanFor(io.cwd, positionals[0]!, world);
  if (sandbox === false) planRegion(plan, values.region);
  const readers = values['plan-only'] ? undefined : sandbox !== false ? sandboxReaders(plan, sandboxWorldFor(plan, world)) : await awsReaders(plan, values.profile);
  const preview = await buildPreview(plan, readers);
  if (values.json) io.stdout(`${JSON.stringify(preview)}\n`);
  else io.stdout(renderPlanText(preview, { color: io.stdoutIsTTY && !io.env.NO_COLOR }));
  return EXIT.done;
}

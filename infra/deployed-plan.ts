// A plan as the stack deploys it: the validated Plan (for permissions and schedules) and the document as
// written (for the schedule's input). The handler validates the plan it receives with the plan schema,
// whose input takes durations as "15m" strings; the validated Plan holds milliseconds, so it cannot be
// sent back through the schema. Hence both.
import { readFileSync } from 'node:fs';
import { loadPlanFile, parsePlan, parseSafeDocument } from '../src/plan/load.js';
import type { Plan } from '../src/plan/schema.js';
import { parseArn } from '../src/plan/arn.js';
import { ConfigError } from '../src/errors.js';

export interface DeployedPlan {
  /** Where it came from, for error messages. */
  source: string;
  plan: Plan;
  /** The plan as written, as JSON: what a run's `start` event carries. */
  document: Record<string, unknown>;
}

export function loadDeployedPlan(file: string): DeployedPlan {
  const plan = loadPlanFile(file);
  return { source: file, plan, document: planDocument(readFileSync(file, 'utf8'), file) };
}

export function deployedPlanFromText(text: string, source = '<plan>'): DeployedPlan {
  return { source, plan: parsePlan(text, source), document: planDocument(text, source) };
}

function planDocument(text: string, source: string): Record<string, unknown> {
  // Round-trip through JSON so nothing YAML-specific (a Map, a Date) reaches a JSON field.
  return JSON.parse(JSON.stringify(parseSafeDocument(text, source).toJS({ maxAliasCount: 100 }))) as Record<string, unknown>;
}

export interface StackEnvironment {
  account: string;
  region: string;
}

/**
 * The one account and region the plans live in. A stack is regional and its IAM policy names one account,
 * so plans that disagree are refused here rather than deployed half-working.
 */
export function stackEnvironment(plans: readonly DeployedPlan[], fallbackAccount?: string): StackEnvironment {
  if (plans.length === 0) throw new ConfigError('no plans to deploy: pass -c plans=path1,path2 or put plan files in infra/plans/');
  const regions = new Map<string, string[]>();
  const accounts = new Map<string, string[]>();
  const names = new Map<string, string>();
  for (const { plan, source } of plans) {
    regions.set(plan.region, [...(regions.get(plan.region) ?? []), source]);
    const account = parseArn(plan.fleet.listenerArn)?.account;
    if (account) accounts.set(account, [...(accounts.get(account) ?? []), source]);
    const sameName = names.get(plan.name);
    if (sameName !== undefined) {
      throw new ConfigError(
        `plans ${sameName} and ${source} are both named "${plan.name}": scheduled runs are keyed by plan name, so names must be unique in a stack`,
      );
    }
    names.set(plan.name, source);
  }
  if (regions.size > 1) {
    throw new ConfigError(
      `all plans of one stack must share a region, but these differ: ${describe(regions)}; deploy one stack per region`,
    );
  }
  if (accounts.size > 1) {
    throw new ConfigError(`all plans of one stack must be in one account, but these differ: ${describe(accounts)}`);
  }
  const account = [...accounts.keys()][0] ?? fallbackAccount;
  if (!account) throw new ConfigError('cannot tell the account: the plans carry no ARN account and CDK_DEFAULT_ACCOUNT is not set');
  return { account, region: [...regions.keys()][0]! };
}

function describe(groups: Map<string, string[]>): string {
  return [...groups].map(([key, sources]) => `${key} (${sources.join(', ')})`).join('; ');
}

/**
 * The deployed engine runs in Lambda: it cannot run the operator's scripts, so a plan with a `command` step
 * would hold every cluster at its first step. Refused at synth, in one line naming the step.
 */
export function refuseLocalOnlySteps(plans: readonly DeployedPlan[]): void {
  for (const { plan, source } of plans) {
    const index = plan.maintenance.findIndex((s) => 'command' in s);
    if (index === -1) continue;
    const step = plan.maintenance[index]!;
    const named = step.name ? ` ("${step.name}")` : '';
    throw new ConfigError(
      `${source}: maintenance[${index}]${named} is a command step, which the deployed engine (Lambda) cannot run; run the script on the instances with an ssm step (e.g. ssm: AWS-RunShellScript) or run this plan from the CLI`,
    );
  }
}

// Builds the CDK app from plan files. Shared by app.ts (the cdk CLI's entry), synth.ts (offline synth
// without the CLI) and tests. No AWS lookups: account and region come from the plans.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { ConfigError } from '../src/errors.js';
import { loadDeployedPlan, refuseLocalOnlySteps, stackEnvironment, type DeployedPlan } from './deployed-plan.js';
import { DEFAULT_PLANS_DIR, EXAMPLE_PLAN } from './paths.js';
import type { HandlerNetwork } from './constructs/handler-network.js';
import { QuiesceStack, type QuiesceStackProps } from './quiesce-stack.js';

const PLAN_FILE = /\.plan\.(ya?ml|json)$/;
export const DEFAULT_STACK_NAME = 'Quiesce';

/**
 * The plan files to deploy: `-c plans=a.yaml,b.yaml` if given, else every `*.plan.yaml|yml|json` in
 * infra/plans/, else the example plan (so a fresh checkout synthesizes).
 */
export function resolvePlanFiles(context: unknown, plansDir = DEFAULT_PLANS_DIR, cwd = process.cwd()): string[] {
  if (context !== undefined && context !== null && context !== '') {
    const list = Array.isArray(context) ? context.map(String) : String(context).split(',');
    const files = list.map((f) => f.trim()).filter((f) => f.length > 0);
    if (files.length === 0) throw new ConfigError('context "plans" is empty: pass -c plans=path1,path2');
    return files.map((f) => resolve(cwd, f));
  }
  if (existsSync(plansDir) && statSync(plansDir).isDirectory()) {
    const found = readdirSync(plansDir)
      .filter((f) => PLAN_FILE.test(f))
      .sort()
      .map((f) => join(plansDir, f));
    if (found.length > 0) return found;
  }
  return [EXAMPLE_PLAN];
}

export interface BuildAppOptions {
  /** Plans to deploy; default from the app's `plans` context (see resolvePlanFiles). */
  plans?: readonly DeployedPlan[];
  appProps?: AppProps;
  stack?: Omit<QuiesceStackProps, 'plans' | 'env'>;
}

export function buildApp(options: BuildAppOptions = {}): { app: App; stack: QuiesceStack } {
  const app = new App(options.appProps);
  const plans = options.plans ?? resolvePlanFiles(app.node.tryGetContext('plans')).map(loadDeployedPlan);
  refuseLocalOnlySteps(plans);
  const env = stackEnvironment(plans, process.env.CDK_DEFAULT_ACCOUNT);
  const stackName = String(app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME);
  const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
  const network = networkFromContext(app.node.tryGetContext('subnetIds'), app.node.tryGetContext('securityGroupIds'));
  const inlineWaitSeconds = inlineWaitFromContext(app.node.tryGetContext('inlineWaitSeconds'));
  const stack = new QuiesceStack(app, stackName, {
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(network ? { network } : {}),
    ...(inlineWaitSeconds !== undefined ? { inlineWaitSeconds } : {}),
    ...options.stack,
    plans,
    env,
    description: `quiesce: maintenance runs for ${plans.map((p) => p.plan.name).join(', ')}`.slice(0, 1024),
  });
  return { app, stack };
}

/** `-c inlineWaitSeconds=10`: a whole number of seconds, 0 to 600. */
export function inlineWaitFromContext(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) > 600) throw new ConfigError(`-c inlineWaitSeconds must be a whole number of seconds from 0 to 600, got "${text}"`);
  return Number(text);
}

/** `-c subnetIds=subnet-a,subnet-b -c securityGroupIds=sg-1`: both or neither. */
export function networkFromContext(subnets: unknown, securityGroups: unknown): HandlerNetwork | undefined {
  const subnetIds = list(subnets);
  const securityGroupIds = list(securityGroups);
  if (subnetIds.length === 0 && securityGroupIds.length === 0) return undefined;
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    throw new ConfigError('give both -c subnetIds=... and -c securityGroupIds=... to run the handler in a VPC, or neither');
  }
  return { subnetIds, securityGroupIds };
}

function list(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

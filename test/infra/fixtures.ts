// Shared inputs for the infra tests: plans, and a handler entry to bundle while the real one
// (src/lambda/handler.ts) does not exist yet.
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerSource } from '../../infra/constructs/run-handler.js';
import { deployedPlanFromText, loadDeployedPlan, type DeployedPlan } from '../../infra/deployed-plan.js';
import { DEFAULT_HANDLER_ENTRY, EXAMPLE_PLAN, REPO_ROOT } from '../../infra/paths.js';

export const ACCOUNT = '123456789012';
export const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders/6d0ecf831eec9f09/9f2b7c1d3e4a5b6c';
export const RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/orders/6d0ecf831eec9f09/9f2b7c1d3e4a5b6c/0a1b2c3d4e5f6a7b';
export const ORDERS_TG = [
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-a/aaaaaaaaaaaaaaaa',
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-b/bbbbbbbbbbbbbbbb',
];

/** A scheduled plan that uses every permission-bearing feature: rule weights, deregister, reboot, service update, canary, Redis secret. */
export const NIGHTLY_ORDERS = `
version: 1
name: nightly-orders
region: us-east-1
schedule:
  cron: "cron(0 3 ? * SUN *)"
  timezone: Europe/Berlin
  flexibleWindow: 15m
fleet:
  listenerArn: ${LISTENER}
  ruleArn: ${RULE}
  clusters:
    - name: a
      targetGroupArn: ${ORDERS_TG[0]}
      cache: { replicationGroupId: orders-a }
    - name: b
      targetGroupArn: ${ORDERS_TG[1]}
      cache: { replicationGroupId: orders-b }
drain:
  mode: deregister
  minimum: 30s
  timeout: 10m
maintenance:
  - elasticache: reboot
    nodes: replicas
  - elasticache: service-update
    serviceUpdateName: elasticache-20240101-001
verify:
  stableFor: 1m
  timeout: 10m
  redis:
    authTokenSecretId: orders/redis-auth
  canary:
    path: /healthz
`;

export function examplePlan(): DeployedPlan {
  return loadDeployedPlan(EXAMPLE_PLAN);
}

export function nightlyOrders(): DeployedPlan {
  return deployedPlanFromText(NIGHTLY_ORDERS, 'nightly-orders.plan.yaml');
}

export const REAL_HANDLER_EXISTS = existsSync(DEFAULT_HANDLER_ENTRY);

/**
 * The real handler once it exists; until then a stub in the OS temp dir. NodejsFunction bundles with
 * `npx --no-install esbuild` in the project root, so the stub's root links this repo's node_modules.
 */
export function handlerSource(): Partial<HandlerSource> {
  if (REAL_HANDLER_EXISTS) return {};
  stub ??= writeStub();
  return stub;
}

let stub: HandlerSource | undefined;

function writeStub(): HandlerSource {
  const root = mkdtempSync(join(tmpdir(), 'quiesce-handler-'));
  mkdirSync(join(root, 'src'));
  const entry = join(root, 'src', 'handler.ts');
  writeFileSync(entry, "export async function handler(event: { action: string }) {\n  return { runId: 'run-1', status: 'done', waitSeconds: 0, action: event.action };\n}\n");
  writeFileSync(join(root, 'package.json'), '{ "name": "quiesce-handler-stub", "private": true, "type": "module" }\n');
  writeFileSync(join(root, 'package-lock.json'), '{ "name": "quiesce-handler-stub", "lockfileVersion": 3, "requires": true, "packages": {} }\n');
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { entry, projectRoot: root, depsLockFilePath: join(root, 'package-lock.json') };
}

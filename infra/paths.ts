// Paths inside the repository, found from this file rather than from the working directory, so the app
// synthesizes the same way from `npx tsx infra/synth.ts`, the cdk CLI, or a test run from anywhere.
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_HANDLER_ENTRY = fileURLToPath(new URL('../src/lambda/handler.ts', import.meta.url));
export const DEFAULT_LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));
export const DEFAULT_PLANS_DIR = fileURLToPath(new URL('./plans/', import.meta.url));
export const EXAMPLE_PLAN = fileURLToPath(new URL('../examples/payments.plan.yaml', import.meta.url));

// Prints the Step Functions input for an on-demand run of a plan file:
//   npx tsx infra/print-execution-input.ts plans/payments.plan.yaml [idempotency-key] > input.json
//   aws stepfunctions start-execution --state-machine-arn <arn> --input file://input.json
import { loadDeployedPlan } from './deployed-plan.js';
import { executionInput } from './execution-input.js';
import { QuiesceError } from '../src/errors.js';

function main(argv: string[]): number {
  const [file, key] = argv;
  if (!file) {
    process.stderr.write('usage: npx tsx infra/print-execution-input.ts <plan file> [idempotency key]\n');
    return 2;
  }
  const deployed = loadDeployedPlan(file);
  // Without a key, one per minute: starting the same plan twice within a minute returns the same run.
  const idempotencyKey = key ?? `${deployed.plan.name}-manual-${new Date().toISOString().slice(0, 16)}`;
  process.stdout.write(`${JSON.stringify(executionInput(deployed, idempotencyKey))}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof QuiesceError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 2;
}

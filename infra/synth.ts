// Synthesizes the stack without the cdk CLI and without AWS credentials:
//   npx tsx infra/synth.ts [-c plans=a.plan.yaml,b.plan.yaml] [-c stackName=Quiesce] [-o cdk.out]
// and prints the template path. Deploying still needs the CLI (see docs/aws.md).
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QuiesceError } from '../src/errors.js';
import { buildApp } from './build-app.js';

const USAGE = 'usage: npx tsx infra/synth.ts [-c plans=a.plan.yaml,b.plan.yaml] [-c stackName=Quiesce] [-c alarmEmail=...] [-c subnetIds=... -c securityGroupIds=...] [-c inlineWaitSeconds=60] [-o cdk.out]';

function main(argv: string[]): number {
  let values: { context?: string[]; output: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        context: { type: 'string', short: 'c', multiple: true },
        output: { type: 'string', short: 'o', default: 'cdk.out' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new QuiesceError(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  const context: Record<string, string> = {};
  for (const pair of values.context ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new QuiesceError(`-c ${pair}: expected key=value\n${USAGE}`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const outdir = resolve(values.output);
  const { app, stack } = buildApp({ appProps: { outdir, context } });
  const assembly = app.synth();
  const template = join(assembly.directory, stack.templateFile);
  process.stdout.write(`${relative(process.cwd(), template) || template}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof QuiesceError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 2;
}

// The Lambda that advances runs. Its role is built by hand instead of taking the managed
// AWSLambdaBasicExecutionRole, whose log permissions are on "*": here it may write to its own log group
// only, and everything else comes from permissionsForPlans.
import { existsSync } from 'node:fs';
import type { Duration } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ConfigError } from '../../src/errors.js';
import type { PermissionStatement } from '../../src/plan/permissions.js';
import { attachNetwork, type HandlerNetwork } from './handler-network.js';

export interface HandlerSource {
  /** The TypeScript file exporting `handler`. */
  entry: string;
  /** Directory esbuild runs in; the entry must be under it. */
  projectRoot: string;
  /** Lock file under projectRoot (names the package manager; local bundling installs nothing). */
  depsLockFilePath: string;
}

export interface RunHandlerProps {
  source: HandlerSource;
  table: ITable;
  permissions: readonly PermissionStatement[];
  /** Well under the 900 s cap: an `advance` persists and returns long before. */
  timeout: Duration;
  logRetention: RetentionDays;
  logLevel: string;
  /** Waits up to this long happen inside one invocation (fewer transitions, more Lambda time). */
  inlineWaitSeconds?: number;
  /** Place the function in these subnets (needed to reach ElastiCache for verify.redis). */
  network?: HandlerNetwork;
}

// ESM bundles have no `require`; CommonJS dependencies bundled inside (pino, ioredis) still call it.
const REQUIRE_SHIM = "import { createRequire as __quiesceCreateRequire } from 'node:module'; const require = __quiesceCreateRequire(import.meta.url);";

/**
 * How the handler is bundled; `npm run bench` builds the same bundle from these options to measure it
 * (docs/performance.md).
 *
 * The output is one file, so esbuild tree-shakes only what the handler reaches through static imports:
 * a dynamic import() wraps every module behind it, and the SDK clients' `export *` then keeps all their
 * commands (src/lambda/handler.ts says so where it imports them; docs/performance.md, finding 7).
 *
 * The AWS SDK is bundled (bundleAwsSDK). Leaving it to the runtime would make the bundle 0.49 MB
 * instead of 0.96 MB, but: the runtime's SDK is a version this code was never tested with, and AWS
 * updates it under a deployed function without a deploy (AWS's advice for production functions is to
 * ship the SDK with the code), while a run's safety rests on the SDK's error classes and retries behaving
 * as in the tests; and the cold import gets slower, not faster (about 200 ms against about 100 ms in the
 * benchmark), because esbuild hoists the external SDK imports to the top of the bundle, so the SDK's many
 * unbundled files load on import. The source map keeps file names and positions but not the sources
 * (sourcesContent), so the stack traces stay readable while the map a cold start may parse under
 * `--enable-source-maps` stays at 1.5 MB. Output in UTF-8 saves 70 KB of escapes; it is an
 * esbuild argument because this CDK version does not forward the `charset` bundling option.
 */
export const HANDLER_BUNDLING = {
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: REQUIRE_SHIM,
  esbuildArgs: { '--charset': 'utf8' },
  bundleAwsSDK: true,
} as const satisfies BundlingOptions;

export class RunHandler extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: RunHandlerProps) {
    super(scope, id);
    if (props.timeout.toSeconds() > 900) throw new ConfigError(`Lambda timeout ${props.timeout.toSeconds()} s exceeds the 900 s cap`);
    if (!existsSync(props.source.entry)) throw new ConfigError(`the Lambda handler ${props.source.entry} does not exist`);

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'quiesce run handler: the plans\' ELBv2 and ElastiCache resources, its table and its log group only',
    });
    this.logGroup.grantWrite(this.role);
    for (const p of props.permissions) {
      this.role.addToPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: p.actions, resources: p.resources, ...(p.conditions ? { conditions: p.conditions } : {}) }));
    }

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.source.entry,
      projectRoot: props.source.projectRoot,
      depsLockFilePath: props.source.depsLockFilePath,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        QUIESCE_TABLE: props.table.tableName,
        LOG_LEVEL: props.logLevel,
        ...(props.inlineWaitSeconds !== undefined ? { QUIESCE_INLINE_WAIT_SECONDS: String(props.inlineWaitSeconds) } : {}),
        // Stack traces point into the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
      },
      description: 'quiesce: start, advance, approve, abort and report maintenance runs',
      bundling: HANDLER_BUNDLING,
    });
    props.table.grantReadWriteData(this.fn);
    if (props.network) attachNetwork(this.fn, this.role, props.network);
  }
}

// The Lambda that advances runs. Its role is built by hand instead of taking the managed
// AWSLambdaBasicExecutionRole, whose log permissions are on "*": here it may write to its own log group
// only, and everything else comes from permissionsForPlans.
import { existsSync } from 'node:fs';
import type { Duration } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ConfigError } from '../../src/errors.js';
import type { PermissionStatement } from '../permissions.js';
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
  /** Place the function in these subnets (needed to reach ElastiCache for verify.redis). */
  network?: HandlerNetwork;
}

// ESM bundles have no `require`; CommonJS dependencies bundled inside (pino, ioredis) still call it.
const REQUIRE_SHIM = "import { createRequire as __quiesceCreateRequire } from 'node:module'; const require = __quiesceCreateRequire(import.meta.url);";

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
      this.role.addToPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: p.actions, resources: p.resources }));
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
        // Stack traces point into the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
      },
      description: 'quiesce: start, advance, approve, abort and report maintenance runs',
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        // Bundle the SDK: the run uses the versions it was tested with, not whatever the runtime ships.
        bundleAwsSDK: true,
      },
    });
    props.table.grantReadWriteData(this.fn);
    if (props.network) attachNetwork(this.fn, this.role, props.network);
  }
}

// The run state machine's definition as plain ASL JSON, read back from a synthesized template, for
// local interpreters (aws-local-stepfunctions) that cannot resolve CloudFormation functions.
import { Stack, Stage, Token } from 'aws-cdk-lib';

export type AslDefinition = {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
};

export interface AslOptions {
  /** Value for `Fn::GetAtt [logicalId, attribute]`; default a fake Lambda ARN naming the logical id. */
  getAtt?: (logicalId: string, attribute: string) => string;
  /** Values for `Ref` (pseudo parameters included); default the stack's region and account, else placeholders. */
  refs?: Record<string, string>;
}

type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** From a stack (synthesized here) or from a template object (e.g. cdk.out/<stack>.template.json). */
export function aslDefinition(source: Stack | Template, options: AslOptions = {}): AslDefinition {
  const template = source instanceof Stack ? templateOf(source) : source;
  const machines = Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one AWS::StepFunctions::StateMachine, found ${machines.length}`);
  const [, machine] = machines[0]!;
  const known = (v: string | undefined) => (v !== undefined && !Token.isUnresolved(v) ? v : undefined);
  const stack = source instanceof Stack ? source : undefined;
  const refs = {
    'AWS::Partition': 'aws',
    'AWS::Region': known(stack?.region) ?? 'us-east-1',
    'AWS::AccountId': known(stack?.account) ?? '123456789012',
    'AWS::URLSuffix': 'amazonaws.com',
    ...options.refs,
  };
  const region = refs['AWS::Region'];
  const account = refs['AWS::AccountId'];
  const getAtt = options.getAtt ?? ((id: string) => `arn:aws:lambda:${region}:${account}:function:${id}`);
  const text = resolveString(machine.Properties?.DefinitionString, refs, getAtt);
  return JSON.parse(text) as AslDefinition;
}

function templateOf(stack: Stack): Template {
  const stage = Stage.of(stack);
  if (!stage) throw new Error(`stack ${stack.stackName} is not in an app`);
  return stage.synth().getStackArtifact(stack.artifactId).template as Template;
}

function resolveString(value: unknown, refs: Record<string, string>, getAtt: (id: string, attr: string) => string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const fn = value as Record<string, unknown>;
    if ('Fn::Join' in fn) {
      const [sep, parts] = fn['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolveString(p, refs, getAtt)).join(sep);
    }
    if ('Fn::GetAtt' in fn) {
      const [id, attr] = fn['Fn::GetAtt'] as [string, string];
      return getAtt(id, attr);
    }
    if ('Ref' in fn) {
      const name = fn.Ref as string;
      const ref = refs[name];
      if (ref === undefined) throw new Error(`no value for Ref ${name}: pass it in options.refs`);
      return ref;
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
}

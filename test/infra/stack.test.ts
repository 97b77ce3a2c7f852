import { beforeAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { QuiesceStack } from '../../infra/quiesce-stack.js';
import { stackEnvironment } from '../../infra/deployed-plan.js';
import { aslDefinition, type AslDefinition } from '../../infra/asl.js';
import { RETRIED_LAMBDA_ERRORS, RUN_STATES } from '../../infra/run-states.js';
import { QUIESCE_MUTATIONS, actionsOf, allStatements, mutatingOnStar, resourcesOf, type Json } from './iam-statements.js';
import { ACCOUNT, LISTENER, ORDERS_TG, RULE, examplePlan, handlerSource, nightlyOrders } from './fixtures.js';

describe('QuiesceStack', () => {
  let template: Template;
  let asl: AslDefinition;
  const payments = examplePlan();
  const nightly = nightlyOrders();

  beforeAll(() => {
    // One synthesis, bundling included, shared by every test below.
    const app = new App();
    const plans = [payments, nightly];
    const stack = new QuiesceStack(app, 'QuiesceTest', { plans, env: stackEnvironment(plans), handler: handlerSource() });
    template = Template.fromStack(stack);
    asl = aslDefinition(template.toJSON());
  }, 120_000);

  it('keeps runs in a pay-per-request table with TTL and point-in-time recovery, retained on delete', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    });
  });

  it('runs the handler on Node.js 22, arm64, 512 MB, under the 900 s cap, with the table name in its environment', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(1);
    const props = (Object.values(fns)[0] as Json).Properties as Json;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.MemorySize).toBe(512);
    expect(props.Timeout as number).toBeLessThan(900);
    expect((props.Environment as { Variables: Json }).Variables).toMatchObject({ QUIESCE_TABLE: { Ref: expect.any(String) } });
    expect(props.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
  });

  it('gives the handler role no managed policies (its log permissions are on its own log group)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(((role as Json).Properties as Json).ManagedPolicyArns).toBeUndefined();
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
  });

  it('defines a STANDARD state machine logging errors, without X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ERROR' }),
      TracingConfiguration: { Enabled: false },
    });
  });

  it('starts, then loops Advance -> Choice on status -> Wait (SecondsPath) -> Advance', () => {
    const s = asl.States;
    expect(asl.StartAt).toBe(RUN_STATES.start);
    expect(s[RUN_STATES.start]).toMatchObject({
      Type: 'Task',
      ResultPath: '$.run',
      Parameters: { action: 'start', 'plan.$': '$.plan', 'idempotencyKey.$': '$.idempotencyKey' },
      Next: RUN_STATES.advance,
    });
    expect(s[RUN_STATES.advance]).toMatchObject({
      Type: 'Task',
      ResultPath: '$.run',
      Parameters: { action: 'advance', 'runId.$': '$.run.runId' },
      Next: RUN_STATES.choose,
    });
    expect(s[RUN_STATES.choose]!.Type).toBe('Choice');
    expect(s[RUN_STATES.waitForWork]).toEqual(expect.objectContaining({ Type: 'Wait', SecondsPath: '$.run.waitSeconds', Next: RUN_STATES.advance }));
    expect(s[RUN_STATES.awaitApproval]).toEqual(expect.objectContaining({ Type: 'Wait', Next: RUN_STATES.advance }));
    expect(s[RUN_STATES.done]!.Type).toBe('Succeed');
    expect(s[RUN_STATES.stopped]).toMatchObject({ Type: 'Fail', ErrorPath: '$.run.status', CausePath: '$.run.reason' });
    // No Pass states anywhere, so no transition is spent on reshaping data.
    expect(Object.values(s).filter((st) => st.Type === 'Pass')).toEqual([]);
  });

  it('routes every status of the contract', () => {
    const choices = (asl.States[RUN_STATES.choose] as { Choices: Json[] }).Choices;
    const text = JSON.stringify(choices);
    for (const status of ['done', 'held', 'aborted', 'paused', 'running']) expect(text).toContain(`"StringEquals":"${status}"`);
    // Choice rules are evaluated in order: the first rule naming a status is where that status goes.
    const targetOf = (status: string) => choices.find((c) => JSON.stringify(c).includes(`"StringEquals":"${status}"`))?.Next;
    expect(targetOf('done')).toBe(RUN_STATES.done);
    expect(targetOf('held')).toBe(RUN_STATES.stopped);
    expect(targetOf('paused')).toBe(RUN_STATES.awaitApproval);
    expect(choices.some((c) => c.Next === RUN_STATES.waitForWork)).toBe(true);
    expect((asl.States[RUN_STATES.choose] as Json).Default).toBe(RUN_STATES.badOutput);
  });

  it('retries only Lambda service errors, a few times with backoff', () => {
    for (const name of [RUN_STATES.start, RUN_STATES.advance]) {
      const retry = asl.States[name]!.Retry as Array<Json>;
      expect(retry).toHaveLength(1);
      expect(retry[0]!.ErrorEquals).toEqual([...RETRIED_LAMBDA_ERRORS]);
      expect(retry[0]!.MaxAttempts as number).toBeLessThanOrEqual(3);
      expect(retry[0]!.BackoffRate as number).toBeGreaterThan(1);
    }
  });

  it('schedules only the plan that declares a schedule, with its timezone, flexible window and a scheduled-time key', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as Json[];
    expect(schedules).toHaveLength(1);
    const props = schedules[0]!.Properties as Json & { Target: Json };
    expect(props).toMatchObject({
      ScheduleExpression: 'cron(0 3 ? * SUN *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      State: 'ENABLED',
    });
    expect(props.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
    expect(props.Target.Arn).toEqual({ Ref: expect.stringMatching(/StateMachine/) });
    const input = JSON.parse(props.Target.Input as string) as { plan: Json; idempotencyKey: string };
    expect(input.idempotencyKey).toBe('nightly-orders-<aws.scheduler.scheduled-time>');
    // The plan as written (durations as strings), which the handler's plan schema accepts.
    expect(input.plan).toEqual(nightly.document);
    expect((input.plan.drain as Json).minimum).toBe('30s');
  });

  it('lets Scheduler start this state machine and nothing else', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] } },
    });
    const [roleId] = Object.keys(roles);
    expect(roleId).toBeDefined();
    const statements = allStatements(template).filter(({ where }) =>
      JSON.stringify(template.findResources('AWS::IAM::Policy')[where] ?? {}).includes(roleId!),
    );
    expect(statements.map(({ statement }) => [actionsOf(statement), statement.Resource])).toEqual([
      [['states:StartExecution'], { Ref: expect.stringMatching(/StateMachine/) }],
    ]);
  });

  it('raises alarms on failed, timed-out and stopped executions and on long pauses, into one SNS topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[];
    const metrics = alarms.map((a) => (a.Properties as Json).MetricName);
    expect(metrics).toEqual(expect.arrayContaining(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'PausedAdvances']));
    for (const a of alarms) expect((a.Properties as Json).AlarmActions).toEqual([{ Ref: expect.stringMatching(/Topic/) }]);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = "paused" }',
      MetricTransformations: [Match.objectLike({ MetricName: 'PausedAdvances', MetricValue: '1' })],
    });
  });

  it('routes quiesce paused and held events, and failed executions, to the topic with run id, plan and reason', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as Json[];
    const patterns = rules.map((r) => (r.Properties as Json).EventPattern as Json);
    expect(patterns).toEqual(
      expect.arrayContaining([
        { source: ['quiesce'], 'detail-type': ['paused', 'held'] },
        {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: expect.stringMatching(/StateMachine/) }] },
        },
      ]),
    );
    const needsPerson = rules.find((r) => JSON.stringify((r.Properties as Json).EventPattern).includes('"quiesce"'))!;
    const target = ((needsPerson.Properties as Json).Targets as Json[])[0]!;
    expect(target.Arn).toEqual({ Ref: expect.stringMatching(/Topic/) });
    const transformer = target.InputTransformer as { InputPathsMap: Record<string, string>; InputTemplate: string };
    expect(Object.values(transformer.InputPathsMap)).toEqual(expect.arrayContaining(['$.detail.runId', '$.detail.plan', '$.detail.reason', '$.detail-type', '$.detail.commands.approve']));
    expect(transformer.InputTemplate).toMatch(/quiesce run <detail-runId> \(plan <detail-plan>\) <detail-type>: <detail-reason>/);
    // EventBridge may publish to the topic, and only it.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } })]) }),
    });
  });

  it('lets the handler publish run events to the default event bus only', () => {
    const statements = allStatements(template).filter(({ statement }) => actionsOf(statement).includes('events:PutEvents'));
    expect(statements.map(({ statement }) => statement.Resource)).toEqual([
      'arn:aws:events:us-east-1:123456789012:event-bus/default',
    ]);
  });

  it('never grants a mutating action on Resource "*"', () => {
    const offenders = mutatingOnStar(template);
    expect(offenders).toEqual([]);
    // Wildcard actions ("elasticache:*") would dodge the check above: there are none.
    const wildcards = allStatements(template).flatMap(({ statement }) => actionsOf(statement).filter((a) => /:\*$|^\*$/.test(a)));
    expect(wildcards).toEqual([]);
  });

  it('scopes every quiesce mutation to resources named by the plans', () => {
    const granted = new Map<string, Set<string>>();
    for (const { statement } of allStatements(template)) {
      for (const action of actionsOf(statement)) {
        if (!QUIESCE_MUTATIONS.includes(action)) continue;
        const set = granted.get(action) ?? new Set<string>();
        for (const r of resourcesOf(statement)) {
          expect(typeof r).toBe('string');
          expect(r).not.toBe('*');
          set.add(r as string);
        }
        granted.set(action, set);
      }
    }
    const paymentsGroups = payments.plan.fleet.clusters.map((c) => c.targetGroupArn);
    // payments (weights on the listener default action, failover + modify) ...
    expect([...granted.get('elasticloadbalancing:ModifyListener')!]).toEqual([payments.plan.fleet.listenerArn]);
    for (const id of ['payments-blue', 'payments-green', 'payments-gray']) {
      expect(granted.get('elasticache:TestFailover')).toContain(`arn:aws:elasticache:us-east-1:${ACCOUNT}:replicationgroup:${id}`);
      expect(granted.get('elasticache:ModifyReplicationGroup')).toContain(`arn:aws:elasticache:us-east-1:${ACCOUNT}:replicationgroup:${id}`);
    }
    // ... nightly-orders (weights on a rule, deregister, canary, reboot, service update, Redis secret).
    expect([...granted.get('elasticloadbalancing:ModifyRule')!]).toEqual([RULE]);
    expect([...granted.get('elasticloadbalancing:DeregisterTargets')!].sort()).toEqual([...ORDERS_TG].sort());
    expect([...granted.get('elasticloadbalancing:RegisterTargets')!].sort()).toEqual([...ORDERS_TG].sort());
    const ruleWildcard = `${LISTENER.replace(':listener/', ':listener-rule/')}/*`;
    expect([...granted.get('elasticloadbalancing:CreateRule')!].sort()).toEqual([LISTENER, ruleWildcard, ...ORDERS_TG].sort());
    expect([...granted.get('elasticloadbalancing:DeleteRule')!]).toEqual([ruleWildcard]);
    expect([...granted.get('elasticloadbalancing:AddTags')!]).toEqual([ruleWildcard]);
    const deleteRule = allStatements(template).find(({ statement }) => actionsOf(statement).includes('elasticloadbalancing:DeleteRule'))!;
    expect(deleteRule.statement.Condition).toEqual({ Null: { 'aws:ResourceTag/quiesce:canary': 'false' } });
    expect([...granted.get('elasticache:RebootCacheCluster')!].sort()).toEqual([
      `arn:aws:elasticache:us-east-1:${ACCOUNT}:cluster:orders-a-*`,
      `arn:aws:elasticache:us-east-1:${ACCOUNT}:cluster:orders-b-*`,
    ]);
    expect([...granted.get('secretsmanager:GetSecretValue')!]).toEqual([
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders/redis-auth-??????`,
    ]);
    // The example plan drains by weight and has no canary: its target groups are only ever read, so no
    // mutation names them (test/infra/permissions.test.ts shows them granted once it deregisters).
    const everyMutatedResource = new Set([...granted.values()].flatMap((s) => [...s]));
    for (const tg of paymentsGroups) expect(everyMutatedResource.has(tg)).toBe(false);
    // Nothing beyond the plans' ARNs, the canary rule pattern, member clusters and the secret.
    const expected = new Set([
      payments.plan.fleet.listenerArn,
      LISTENER,
      RULE,
      ruleWildcard,
      ...ORDERS_TG,
      ...['payments-blue', 'payments-green', 'payments-gray', 'orders-a', 'orders-b'].map(
        (id) => `arn:aws:elasticache:us-east-1:${ACCOUNT}:replicationgroup:${id}`,
      ),
      `arn:aws:elasticache:us-east-1:${ACCOUNT}:cluster:orders-a-*`,
      `arn:aws:elasticache:us-east-1:${ACCOUNT}:cluster:orders-b-*`,
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders/redis-auth-??????`,
    ]);
    expect([...everyMutatedResource].filter((r) => !expected.has(r))).toEqual([]);
  });

  it('allows the state machine to invoke only the handler', () => {
    const invokes = allStatements(template).filter(({ statement }) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(invokes).toHaveLength(1);
    for (const r of resourcesOf(invokes[0]!.statement)) expect(JSON.stringify(r)).toMatch(/HandlerFunction/);
  });

  it('stays out of any VPC unless asked', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as Json;
    expect((fn.Properties as Json).VpcConfig).toBeUndefined();
  });
});

describe('QuiesceStack in a VPC', () => {
  it('places the handler in the given subnets and scopes its network-interface permissions to the account and region', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const plans = [examplePlan()];
    const stack = new QuiesceStack(app, 'QuiesceVpc', {
      plans,
      env: stackEnvironment(plans),
      handler: handlerSource(),
      network: { subnetIds: ['subnet-0a', 'subnet-0b'], securityGroupIds: ['sg-0c'] },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0c'] },
    });
    expect(mutatingOnStar(template)).toEqual([]);
    const eni = allStatements(template).find(({ statement }) => actionsOf(statement).includes('ec2:CreateNetworkInterface'));
    expect(JSON.stringify(eni?.statement.Resource)).toContain(':ec2:us-east-1:123456789012:*/*');
  });
});

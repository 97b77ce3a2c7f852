// A real run's notifications, end to end through the engine: EventBridge (aws-sdk-client-mock) and a
// webhook (a local HTTPS receiver with a certificate made for the test). A notification that cannot be
// delivered is retried and logged, and the run ends as it would have without it.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connectToWorld, sandboxReport } from '../../src/connect/sandbox.js';
import { awsNotifications } from '../../src/connect/notifications.js';
import { loadPlanFile } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/schema.js';
import type { NotificationPort, RunEvent } from '../../src/ports/notifications.js';
import { createRun, driveRun, type Connection } from '../../src/run/engine.js';
import { defaultWorldFromPlan, HISTORY_MS, parseWorldFile } from '../../src/sandbox/index.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startHttpsReceiver, type HttpsReceiver } from '../helpers/https-receiver.js';
import { REPO_ROOT } from '../helpers/sandbox-runs.js';
import { join } from 'node:path';

const silent = pino({ level: 'silent' });
const eventBridge = mockClient(EventBridgeClient);
let receiver: HttpsReceiver | undefined;

afterEach(async () => {
  eventBridge.reset();
  await receiver?.stop();
  receiver = undefined;
});

function examplePlan(extra: Partial<Plan> = {}): Plan {
  return { ...loadPlanFile(join(REPO_ROOT, 'examples/payments.plan.yaml')), ...extra };
}

/** Drives the plan to its end on a sandbox world (target aws, as a deployed run), announcing through `notifications`. */
async function runWith(plan: Plan, notifications: NotificationPort, worldText = '') {
  const store = createMemoryStore();
  const world = defaultWorldFromPlan(plan, parseWorldFile(worldText, 'world.yaml'), 'world.yaml', { historyMs: HISTORY_MS });
  const connection: Connection = { ...connectToWorld(world, plan, silent), notifications, sandboxReport: (final) => sandboxReport(world, final) };
  await createRun({ store }, { runId: 'run-notify', plan, target: { kind: 'aws', region: plan.region }, now: world.now() });
  const result = await driveRun({ store, logger: silent, owner: 'test', connect: async () => connection }, 'run-notify', { until: 'end' });
  return { result, store };
}

const sentTypes = () => eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries![0]!.DetailType);
const sentDetails = () => eventBridge.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries![0]!.Detail!) as RunEvent);

describe('run notifications', () => {
  it('publishes started, every phase change and done to EventBridge, source quiesce', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const plan = examplePlan();
    const notifications = awsNotifications(plan, { logger: silent, region: plan.region, operatorFlags: '--table runs', eventBridge: new EventBridgeClient({ region: plan.region }) });
    const { result } = await runWith(plan, notifications);
    expect(result.status).toBe('done');
    const types = sentTypes();
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('done');
    const phases = sentDetails().filter((d) => d.type === 'cluster phase changed');
    expect(phases.filter((d) => d.cluster === 'blue').map((d) => d.to)).toEqual(['removing', 'confirming', 'draining', 'maintaining', 'verifying', 'reactivating', 'done']);
    expect(phases.some((d) => d.cluster === 'gray' && d.to === 'verifying')).toBe(true);
    for (const call of eventBridge.commandCalls(PutEventsCommand)) expect(call.args[0].input.Entries![0]!.Source).toBe('quiesce');
    expect(sentDetails().every((d) => d.runId === 'run-notify' && d.plan === 'payments-core')).toBe(true);
  });

  it('a paused run announces the reason and the exact approve and abort commands', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const plan = examplePlan();
    const notifications = awsNotifications(plan, { logger: silent, region: plan.region, operatorFlags: '--table runs', eventBridge: new EventBridgeClient({ region: plan.region }) });
    const { result } = await runWith(plan, notifications, 'events:\n  - { at: "1m", manualWeight: { cluster: blue, weight: 1 } }\n');
    expect(result.status).toBe('paused');
    const paused = sentDetails().find((d) => d.type === 'paused')!;
    expect(paused.reason).toMatch(/blue/);
    expect(paused.commands).toEqual({ approve: 'quiesce approve run-notify --table runs', abort: 'quiesce abort run-notify --table runs' });
  });

  it('a held run announces the reason and names reinstate', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const plan = examplePlan();
    const notifications = awsNotifications(plan, { logger: silent, region: plan.region, operatorFlags: '--table runs', eventBridge: new EventBridgeClient({ region: plan.region }) });
    const { result } = await runWith(plan, notifications, 'events:\n  - { at: "0s", versionReported: { replicationGroupId: payments-blue, engineVersion: "7.10" } }\n');
    expect(result.status).toBe('held');
    const held = sentDetails().find((d) => d.type === 'held')!;
    expect(held.reason).toMatch(/7\.10/);
    expect(held.commands?.reinstate).toBe('quiesce reinstate run-notify <cluster> --table runs');
  });

  it('EventBridge failing every time (throwing, or rejecting the entry): logged, retried, and the run still ends done', async () => {
    let calls = 0;
    eventBridge.on(PutEventsCommand).callsFake(async () => {
      calls++;
      if (calls % 2) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] };
    });
    const plan = examplePlan();
    const { logger, text } = captureLogger();
    const notifications = awsNotifications(plan, { logger, region: plan.region, operatorFlags: '', eventBridge: new EventBridgeClient({ region: plan.region }), delivery: { attempts: 3, backoffMs: 1 } });
    const { result } = await runWith(plan, notifications);
    expect(result.status).toBe('done');
    await notifications.settle(5_000);
    const started = eventBridge.commandCalls(PutEventsCommand).filter((c) => c.args[0].input.Entries![0]!.DetailType === 'started');
    expect(started).toHaveLength(3);
    expect(text()).toContain('notification \\"started\\" to eventbridge given up after 3 tries; the run is not affected');
    expect(text()).toContain('InternalFailure');
  });

  it('the plan\'s webhook (URL from an environment variable) gets Slack-compatible JSON over HTTPS, retried after a 500', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    receiver = await startHttpsReceiver([500]);
    const plan = examplePlan({ notify: { webhook: { urlEnv: 'QUIESCE_TEST_WEBHOOK' } } });
    const { logger, text } = captureLogger();
    const notifications = awsNotifications(plan, {
      logger,
      region: plan.region,
      operatorFlags: '--table runs',
      eventBridge: new EventBridgeClient({ region: plan.region }),
      env: { QUIESCE_TEST_WEBHOOK: receiver.url },
      webhookCa: receiver.ca,
      delivery: { backoffMs: 1 },
    });
    const { result } = await runWith(plan, notifications, 'events:\n  - { at: "1m", manualWeight: { cluster: blue, weight: 1 } }\n');
    expect(result.status).toBe('paused');
    await notifications.settle(5_000);
    const bodies = receiver.bodies as Array<{ text: string; quiesce: RunEvent }>;
    // The first delivery got a 500 and was sent again: started arrives twice.
    expect(bodies.filter((b) => b.quiesce.type === 'started')).toHaveLength(2);
    const paused = bodies.find((b) => b.quiesce.type === 'paused')!;
    expect(paused.text).toContain('quiesce payments-core: run run-notify paused: blue');
    expect(paused.text).toContain('approve: quiesce approve run-notify --table runs');
    expect(text()).toContain('webhook answered HTTP 500');
    // The URL is a credential: never in the logs.
    expect(text()).not.toContain('secret-part');
  });

  it('a webhook whose environment variable is unset is a logged delivery failure, not a failed run', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const plan = examplePlan({ notify: { webhook: { urlEnv: 'QUIESCE_TEST_UNSET_WEBHOOK' } } });
    const { logger, text } = captureLogger();
    const notifications = awsNotifications(plan, { logger, region: plan.region, operatorFlags: '', eventBridge: new EventBridgeClient({ region: plan.region }), env: {}, delivery: { attempts: 2, backoffMs: 1 } });
    const { result } = await runWith(plan, notifications);
    expect(result.status).toBe('done');
    await notifications.settle(5_000);
    expect(text()).toContain('environment variable QUIESCE_TEST_UNSET_WEBHOOK (the notification webhook URL) is not set or empty');
    expect(sentTypes().at(-1)).toBe('done');
  });
});

describe('rehearsal notifications', () => {
  it('a sandbox run sends nothing to EventBridge and journals what it would have announced', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const { cli, tempDir } = await import('../helpers/sandbox-runs.js');
    const stateDir = tempDir('quiesce-rehearsal-notify-');
    const run = await cli(['run', 'examples/payments.plan.yaml', '--sandbox', '--state-dir', stateDir, '--run-id', 'run-rehearsed', '--json']);
    expect(run.code).toBe(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    const { createFileStore } = await import('../../src/store/file-store.js');
    const journal = await createFileStore(stateDir).readJournal('run-rehearsed');
    const lines = journal.filter((e) => e.kind === 'sandbox' && e.message.startsWith('rehearsal: notification')).map((e) => e.message);
    expect(lines).toEqual(['rehearsal: notification "started" recorded, not sent', 'rehearsal: notification "done" recorded, not sent']);
  });
});

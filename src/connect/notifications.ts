import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Logger } from 'pino';
import { eventBridgeSink } from '../adapters/eventbridge-notifications.js';
import { webhookSink } from '../adapters/webhook-notifications.js';
import { attachCallLog } from '../aws/call-log.js';
import { backgroundDelivery, type NotificationSink } from '../notify/background-delivery.js';
import type { Plan } from '../plan/schema.js';
import type { NotificationPort, RunEvent } from '../ports/notifications.js';

// Wiring of a real run's notifications: EventBridge always, the plan's webhook when it names one. The
// webhook URL is resolved when the first notification goes out (from the environment or Secrets Manager),
// so a URL that cannot be read is a delivery failure, logged and retried, never a failed run.

export interface NotificationWiring {
  logger: Logger;
  region: string;
  credentials?: AwsCredentialIdentityProvider;
  /** Where the operator's commands must point: `--table T` for a deployed run, `--state-dir D` for a CLI run. */
  operatorFlags: string;
  /** Defaults to process.env; the webhook URL's environment variable is read here. */
  env?: Readonly<Record<string, string | undefined>>;
  eventBridge?: EventBridgeClient;
  secretsManager?: () => SecretsManagerClient;
  /** Extra CA certificates trusted for the webhook (a private CA). */
  webhookCa?: string;
  delivery?: { attempts?: number; backoffMs?: number };
}

export function awsNotifications(plan: Plan, wiring: NotificationWiring): NotificationPort {
  const eventBridge = wiring.eventBridge ?? new EventBridgeClient({ region: wiring.region, maxAttempts: 3, ...(wiring.credentials ? { credentials: wiring.credentials } : {}) });
  if (!wiring.eventBridge) attachCallLog(eventBridge, wiring.logger);
  const sinks: NotificationSink[] = [eventBridgeSink(eventBridge)];
  const webhook = plan.notify?.webhook;
  if (webhook) sinks.push(lazyWebhook(() => webhookUrl(webhook, wiring), wiring.webhookCa));
  return withOperatorCommands(backgroundDelivery(sinks, { logger: wiring.logger, ...wiring.delivery }), wiring.operatorFlags);
}

/** Paused and held events carry the exact commands to run next, pointed at where the run lives. */
export function withOperatorCommands(port: NotificationPort, operatorFlags: string): NotificationPort {
  const flags = operatorFlags ? ` ${operatorFlags}` : '';
  const commands = (event: RunEvent): RunEvent['commands'] => {
    if (event.type === 'paused') return { approve: `quiesce approve ${event.runId}${flags}`, abort: `quiesce abort ${event.runId}${flags}` };
    if (event.type === 'held') return { status: `quiesce status ${event.runId}${flags}`, report: `quiesce report ${event.runId}${flags}`, reinstate: `quiesce reinstate ${event.runId} <cluster>${flags}` };
    return undefined;
  };
  return {
    mode: port.mode,
    publish(event) {
      const next = commands(event);
      port.publish(next ? { ...event, commands: next } : event);
    },
    settle: (maxMs) => port.settle(maxMs),
  };
}

function lazyWebhook(url: () => Promise<string>, ca: string | undefined): NotificationSink {
  let sink: NotificationSink | undefined;
  return {
    name: 'webhook',
    async send(event) {
      sink ??= webhookSink({ url: await url(), ...(ca ? { ca } : {}) });
      await sink.send(event);
    },
  };
}

async function webhookUrl(ref: NonNullable<NonNullable<Plan['notify']>['webhook']>, wiring: NotificationWiring): Promise<string> {
  if (ref.urlEnv !== undefined) {
    const value = (wiring.env ?? process.env)[ref.urlEnv];
    if (!value) throw new Error(`environment variable ${ref.urlEnv} (the notification webhook URL) is not set or empty`);
    return value;
  }
  if (!wiring.secretsManager) throw new Error('the webhook URL is in Secrets Manager but no client was provided');
  const out = await wiring.secretsManager().send(new GetSecretValueCommand({ SecretId: ref.urlSecretId }));
  const text = out.SecretString;
  if (!text) throw new Error(`secret "${ref.urlSecretId}" has no SecretString`);
  if (ref.urlSecretKey === undefined) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // The parser's message quotes the text, which is a credential: say only what is wrong.
    if (err instanceof SyntaxError) throw new Error(`secret "${ref.urlSecretId}" is not JSON, so key "${ref.urlSecretKey}" cannot be read`);
    throw err;
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[ref.urlSecretKey] : undefined;
  if (typeof value !== 'string' || !value) throw new Error(`secret "${ref.urlSecretId}": key "${ref.urlSecretKey}" is not a non-empty string`);
  return value;
}

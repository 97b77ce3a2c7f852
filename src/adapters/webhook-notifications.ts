import { request } from 'node:https';
import type { NotificationSink } from '../notify/background-delivery.js';
import type { RunEvent } from '../ports/notifications.js';

// A run's lifecycle to an HTTPS webhook, as Slack's incoming webhooks take it: a JSON object whose `text`
// is the message (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks/); the
// event itself rides along under `quiesce` for receivers that want fields. Only 2xx counts as delivered.
// The URL is a credential (it is the whole authorisation of a Slack webhook): it comes from the
// environment or Secrets Manager, is never logged, and never sits in the plan.

export interface WebhookOptions {
  url: string;
  /** Extra trusted CA certificates (PEM), e.g. a private CA; tests pass their self-signed one. */
  ca?: string;
  timeoutMs?: number;
}

export function webhookSink(options: WebhookOptions): NotificationSink {
  const url = new URL(options.url);
  if (url.protocol !== 'https:') throw new Error('the notification webhook URL must be https');
  return {
    name: 'webhook',
    send: (event) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ text: messageText(event), quiesce: event });
        const req = request(
          url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            timeout: options.timeoutMs ?? 10_000,
            ...(options.ca ? { ca: options.ca } : {}),
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) resolve();
              else reject(new Error(`webhook answered HTTP ${status}`));
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('webhook did not answer in time')));
        req.on('error', (err) => reject(new Error(`webhook request failed: ${err.message.replaceAll(url.href, '<webhook>')}`)));
        req.end(body);
      }),
  };
}

/** One human message: what happened, why, and what to run next. */
export function messageText(event: RunEvent): string {
  const head =
    event.type === 'cluster phase changed'
      ? `quiesce ${event.plan}: run ${event.runId}: ${event.cluster} ${event.from} -> ${event.to}`
      : `quiesce ${event.plan}: run ${event.runId} ${event.type}`;
  const lines = [`${head}${event.reason ? `: ${event.reason}` : ''}`];
  for (const [name, command] of Object.entries(event.commands ?? {})) lines.push(`${name}: ${command}`);
  return lines.join('\n');
}

import type { Logger } from 'pino';
import { redactedErrorLine } from '../one-line.js';
import type { NotificationPort, RunEvent } from '../ports/notifications.js';

// Delivers each notification to every sink in the background: a failed send is logged and tried again
// after a backoff, a bounded number of times, then given up with an error log. Nothing here throws into
// the run, and the run never waits for a delivery (settle is for the very end of a process or invocation).

export interface NotificationSink {
  /** For logs: `eventbridge`, `webhook`. */
  name: string;
  /** Resolves once the receiver acknowledged the event; rejects otherwise. */
  send(event: RunEvent): Promise<void>;
}

export interface DeliveryOptions {
  logger: Logger;
  /** Tries per event and sink, the first included (default 4). */
  attempts?: number;
  /** Wait before try n+1 is backoffMs * 2^(n-1) (default 1 s: 1, 2, 4 s). */
  backoffMs?: number;
}

export function backgroundDelivery(sinks: readonly NotificationSink[], options: DeliveryOptions): NotificationPort {
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 1000;
  const pending = new Set<Promise<void>>();

  const deliver = async (sink: NotificationSink, event: RunEvent): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await sink.send(event);
        options.logger.debug({ runId: event.runId, sink: sink.name, type: event.type, attempt }, 'notification delivered');
        return;
      } catch (err) {
        const context = { runId: event.runId, sink: sink.name, type: event.type, attempt, error: redactedErrorLine(err) };
        if (attempt >= attempts) {
          options.logger.error(context, `notification "${event.type}" to ${sink.name} given up after ${attempt} tries; the run is not affected`);
          return;
        }
        options.logger.warn(context, `notification "${event.type}" to ${sink.name} failed; trying again`);
        await new Promise<void>((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)).unref());
      }
    }
  };

  return {
    mode: 'deliver',
    publish(event) {
      for (const sink of sinks) {
        const delivery = deliver(sink, event);
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      }
    },
    async settle(maxMs) {
      if (!pending.size) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), maxMs)));
      const outcome = await Promise.race([Promise.all([...pending]).then(() => 'settled' as const), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') options.logger.error({ pending: pending.size }, `${pending.size} notification deliveries still pending after ${maxMs} ms; given up`);
    },
  };
}

/** Sandbox runs: nothing leaves the machine; each event is kept (and logged) so the rehearsal shows what would be sent. */
export function rehearsalNotifications(logger: Logger): NotificationPort & { readonly recorded: readonly RunEvent[] } {
  const recorded: RunEvent[] = [];
  return {
    mode: 'rehearsal',
    recorded,
    publish(event) {
      recorded.push(event);
      logger.info({ runId: event.runId, notification: event }, `rehearsal: notification "${event.type}" recorded, not sent`);
    },
    async settle() {},
  };
}

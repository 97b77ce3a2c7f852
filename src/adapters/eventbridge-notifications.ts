import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { NotificationSink } from '../notify/background-delivery.js';
import { RUN_EVENT_SOURCE, type RunEvent } from '../ports/notifications.js';

// A run's lifecycle as EventBridge events: source `quiesce`, the detail-type the event's type, the detail
// the event itself. PutEvents answers 200 even when it rejected an entry (FailedEntryCount, with the
// entry's ErrorCode), so an entry counts as delivered only when it came back with an EventId.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html

export function eventBridgeSink(client: EventBridgeClient, eventBusName?: string): NotificationSink {
  return {
    name: 'eventbridge',
    async send(event: RunEvent) {
      const out = await client.send(
        new PutEventsCommand({
          Entries: [{ Source: RUN_EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), ...(eventBusName ? { EventBusName: eventBusName } : {}) }],
        }),
      );
      const entry = out.Entries?.[0];
      if (out.FailedEntryCount || !entry?.EventId) {
        throw new Error(`EventBridge rejected the event: ${entry?.ErrorCode ?? 'no EventId returned'}${entry?.ErrorMessage ? ` (${entry.ErrorMessage})` : ''}`);
      }
    },
  };
}

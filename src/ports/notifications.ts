// The run's lifecycle as notifications: one narrow port, published from the engine's edge (never from the
// machines). Delivery is fire-and-forget: a notification that cannot be delivered is logged and retried in
// the background, and never fails or blocks the run.

/** EventBridge detail-types (source `quiesce`); the deployed stack routes paused and held to its SNS topic. */
export const RUN_EVENT_TYPES = ['started', 'cluster phase changed', 'paused', 'held', 'done', 'aborted'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

export const RUN_EVENT_SOURCE = 'quiesce';

export interface RunEvent {
  type: RunEventType;
  runId: string;
  plan: string;
  /** ISO 8601, on the run's clock. */
  at: string;
  reason?: string;
  /** cluster phase changed: which cluster, from and to which top state. */
  cluster?: string;
  from?: string;
  to?: string;
  /** paused and held: the exact commands an operator runs next. */
  commands?: Record<string, string>;
}

export interface NotificationPort {
  /** `deliver` sends to the real world; `rehearsal` (sandbox runs) only records. */
  readonly mode: 'deliver' | 'rehearsal';
  /** Queues the event and returns at once; delivery failures are logged and retried, never thrown. */
  publish(event: RunEvent): void;
  /** Waits for queued deliveries, at most `maxMs`; what is still pending then is logged and given up. */
  settle(maxMs: number): Promise<void>;
}

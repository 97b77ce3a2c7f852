import { describe, expect, it } from 'vitest';
import { backgroundDelivery, rehearsalNotifications } from '../../src/notify/background-delivery.js';
import type { RunEvent } from '../../src/ports/notifications.js';
import { captureLogger } from '../helpers/capture-logger.js';

const event: RunEvent = { type: 'paused', runId: 'run-1', plan: 'p', at: '2026-01-01T00:00:00.000Z', reason: 'approval' };

describe('background delivery', () => {
  it('publish returns before the sink answers; a failing sink is tried a bounded number of times, then given up with an error log', async () => {
    const { logger, text } = captureLogger();
    let tries = 0;
    const port = backgroundDelivery([{ name: 'flaky', send: async () => { tries++; throw new Error('connection reset'); } }], { logger, attempts: 3, backoffMs: 1 });
    port.publish(event);
    expect(tries).toBe(1); // the first try starts at once; the retries come later, in the background
    await port.settle(5_000);
    expect(tries).toBe(3);
    expect(text()).toContain('notification \\"paused\\" to flaky given up after 3 tries');
  });

  it('settle gives up after its bound, saying how many deliveries are still pending', async () => {
    const { logger, text } = captureLogger();
    const port = backgroundDelivery([{ name: 'stuck', send: () => new Promise<void>(() => {}) }], { logger });
    port.publish(event);
    const started = Date.now();
    await port.settle(50);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(text()).toContain('1 notification deliveries still pending after 50 ms');
  });

  it('a rehearsal records, never sends', () => {
    const { logger, text } = captureLogger();
    const port = rehearsalNotifications(logger);
    port.publish(event);
    expect(port.mode).toBe('rehearsal');
    expect(port.recorded).toEqual([event]);
    expect(text()).toContain('rehearsal: notification \\"paused\\" recorded, not sent');
  });
});

import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ports/clock.js';
import { RunbookStepError } from '../../src/runbook/errors.js';
import { runHttpStep, type HttpStepInput } from '../../src/runbook/http-step.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { freePort } from '../helpers/free-port.js';
import { startHttpServer, type LocalHttpServer, type RecordedRequest } from '../helpers/http-server.js';
import { ManualClock } from '../helpers/manual-clock.js';

const BEARER = 'Bearer sk-live-51f0a9';
const API_KEY = 'k-0c4b1d';

let server: LocalHttpServer;
let statusSequence: unknown[] = [];
let statusCalls = 0;
const timers = new Set<NodeJS.Timeout>();

function route(req: RecordedRequest, res: ServerResponse): void {
  const path = req.url.split('?')[0];
  switch (path) {
    case '/hooks/patch':
      res.statusCode = 202;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ job: 'j-1', echo: req.headers.authorization }));
      return;
    case '/hooks/broken':
      res.statusCode = 500;
      res.end('internal error');
      return;
    case '/hooks/slow': {
      timers.add(setTimeout(() => res.end('late'), 5_000));
      return;
    }
    case '/jobs/j-1': {
      const next = statusSequence[Math.min(statusCalls++, statusSequence.length - 1)];
      if (typeof next === 'number') {
        res.statusCode = next;
        res.end();
      } else if (typeof next === 'string') {
        res.end(next);
      } else {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(next));
      }
      return;
    }
    default:
      res.statusCode = 404;
      res.end();
  }
}

beforeAll(async () => {
  server = await startHttpServer(route);
});

afterAll(async () => {
  for (const t of timers) clearTimeout(t);
  await server.close();
});

beforeEach(() => {
  statusSequence = [];
  statusCalls = 0;
});

const webhook = (extra: Partial<HttpStepInput> = {}): HttpStepInput => ({
  method: 'POST',
  url: `${server.origin}/hooks/patch`,
  headers: { Authorization: BEARER, 'X-Api-Key': API_KEY, 'Content-Type': 'application/json' },
  body: '{"cluster":"blue"}',
  expectStatus: [200, 202],
  timeout: 2_000,
  ...extra,
});

describe('runHttpStep', () => {
  it('calls the webhook and accepts any listed status, redacting secret headers and echoes', async () => {
    const captured = captureLogger();
    const result = await runHttpStep(webhook(), { logger: captured.logger, clock: systemClock });

    expect(result).toMatchObject({ ok: true, status: 202 });
    expect(result.request).toEqual({
      method: 'POST',
      url: `${server.origin}/hooks/patch`,
      headers: { Authorization: '[REDACTED]', 'X-Api-Key': '[REDACTED]', 'Content-Type': 'application/json' },
    });
    const sent = server.requests.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', body: '{"cluster":"blue"}' });
    expect(sent.headers.authorization).toBe(BEARER);
    expect(result.responseBody).toBe('{"job":"j-1","echo":"[REDACTED]"}');
    const everything = JSON.stringify(result) + captured.text();
    expect(everything).not.toContain('sk-live-51f0a9');
    expect(everything).not.toContain(API_KEY);
  });

  it('fails on an unexpected status', async () => {
    const result = await runHttpStep(webhook({ url: `${server.origin}/hooks/broken`, expectStatus: 200 }), { ...captureLogger(), clock: systemClock });
    expect(result).toMatchObject({ ok: false, status: 500, responseBody: 'internal error' });
    expect(result.reason).toBe(`POST ${server.origin}/hooks/broken answered 500, expected 200`);
  });

  it('fails when the webhook does not answer within the timeout', async () => {
    const result = await runHttpStep(webhook({ url: `${server.origin}/hooks/slow`, timeout: 200 }), { ...captureLogger(), clock: systemClock });
    expect(result.ok).toBe(false);
    expect(result.status).toBeUndefined();
    expect(result.reason).toBe(`POST ${server.origin}/hooks/slow failed: no response within 200ms`);
  });

  it('fails when nothing listens', async () => {
    const port = await freePort();
    const result = await runHttpStep(webhook({ url: `http://127.0.0.1:${port}/x` }), { ...captureLogger(), clock: systemClock });
    expect(result.reason).toBe(`POST http://127.0.0.1:${port}/x failed: connection refused (ECONNREFUSED)`);
  });

  it('redacts secret query parameters in the recorded URL', async () => {
    const result = await runHttpStep(webhook({ url: `${server.origin}/hooks/patch?token=abc123&cluster=blue` }), { ...captureLogger(), clock: systemClock });
    expect(result.request.url).toBe(`${server.origin}/hooks/patch?token=REDACTED&cluster=blue`);
  });

  it('polls the status URL on the clock until the field has the value', async () => {
    statusSequence = [503, { status: { phase: 'running' } }, 'not json', { status: { phase: 'done' } }];
    const clock = new ManualClock(0, { autoAdvance: true });
    const result = await runHttpStep(
      webhook({ poll: { url: `${server.origin}/jobs/j-1`, field: 'status.phase', equals: 'done', interval: 5_000, timeout: 60_000 } }),
      { ...captureLogger(), clock },
    );

    expect(result.reason).toBeUndefined();
    expect(result).toMatchObject({ ok: true, poll: { matched: true, attempts: 4, lastObserved: '"done"' } });
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000]);
    expect(result.durationMs).toBe(15_000);
    const polls = server.requests.filter((r) => r.url === '/jobs/j-1');
    expect(polls.every((r) => r.method === 'GET' && r.headers.authorization === BEARER)).toBe(true);
  });

  it('fails on poll timeout with the last observed value', async () => {
    statusSequence = [{ status: { phase: 'running' } }];
    const clock = new ManualClock(0, { autoAdvance: true });
    const result = await runHttpStep(
      webhook({ poll: { url: `${server.origin}/jobs/j-1`, field: 'status.phase', equals: 'done', interval: 4_000, timeout: 10_000 } }),
      { ...captureLogger(), clock },
    );

    expect(result.ok).toBe(false);
    expect(clock.sleeps).toEqual([4_000, 4_000, 2_000]);
    expect(result.poll).toEqual({ url: `${server.origin}/jobs/j-1`, matched: false, attempts: 4, lastObserved: '"running"' });
    expect(result.reason).toBe(`polling ${server.origin}/jobs/j-1 timed out after 10000ms (4 attempts): status.phase was "running", expected "done"`);
  });

  it('compares types exactly and reads array indexes in the path', async () => {
    statusSequence = [{ items: [{ ready: 'true', count: '3' }] }];
    const clock = new ManualClock(0, { autoAdvance: true });
    const poll = { url: `${server.origin}/jobs/j-1`, interval: 1_000, timeout: 1_000 };
    const asBoolean = await runHttpStep(webhook({ poll: { ...poll, field: 'items.0.ready', equals: true } }), { ...captureLogger(), clock });
    expect(asBoolean.reason).toMatch(/items\.0\.ready was "true", expected true$/);

    const absent = await runHttpStep(webhook({ poll: { ...poll, field: 'items.1.ready', equals: true } }), { ...captureLogger(), clock });
    expect(absent.reason).toMatch(/items\.1\.ready was absent, expected true$/);

    const asString = await runHttpStep(webhook({ poll: { ...poll, field: 'items.0.count', equals: '3' } }), { ...captureLogger(), clock });
    expect(asString.ok).toBe(true);
  });

  it('reports an unreachable status URL as the last observation', async () => {
    statusSequence = [502];
    const clock = new ManualClock(0, { autoAdvance: true });
    const result = await runHttpStep(
      webhook({ poll: { url: `${server.origin}/jobs/j-1`, field: 'state', equals: 'done', interval: 1_000, timeout: 1_000 } }),
      { ...captureLogger(), clock },
    );
    expect(result.reason).toMatch(/state was unavailable \(status 502\), expected "done"$/);
  });

  it('uses an injected fetch and rethrows what it cannot classify, with cause', async () => {
    const bug = new RangeError('simulator bug');
    const run = runHttpStep(webhook({ url: 'https://hooks.example/x' }), { ...captureLogger(), clock: systemClock, fetch: async () => Promise.reject(bug) });
    await expect(run).rejects.toBeInstanceOf(RunbookStepError);
    await expect(run).rejects.toMatchObject({ cause: bug });
  });

  it('refuses a body on GET and a non-http URL before sending anything', async () => {
    const d = { ...captureLogger(), clock: systemClock };
    await expect(runHttpStep(webhook({ method: 'GET' }), d)).rejects.toThrow('a GET request cannot carry a body');
    await expect(runHttpStep(webhook({ url: 'file:///etc/passwd' }), d)).rejects.toThrow('url must be http or https');
  });
});

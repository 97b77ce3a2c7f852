import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/ports/clock.js';
import { ProbeError } from '../../src/probes/errors.js';
import type { FetchFn } from '../../src/probes/fetch-outcome.js';
import { runHttpCanary } from '../../src/probes/http-canary.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startHttpServer, type LocalHttpServer, type RecordedRequest } from '../helpers/http-server.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { freePort } from '../helpers/free-port.js';

let server: LocalHttpServer;
const timers = new Set<NodeJS.Timeout>();
let flaky = 0;

function route(req: RecordedRequest, res: ServerResponse): void {
  switch (req.url) {
    case '/healthz':
      res.end('{"status":"healthy"}');
      return;
    case '/down':
      res.statusCode = 503;
      res.end('unavailable');
      return;
    case '/flaky':
      res.statusCode = ++flaky % 4 === 0 ? 502 : 200;
      res.end('ok');
      return;
    case '/redirect':
      res.statusCode = 301;
      res.setHeader('location', '/healthz');
      res.end();
      return;
    case '/slow': {
      const t = setTimeout(() => res.end('late'), 5_000);
      timers.add(t);
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

const deps = () => ({ ...captureLogger(), clock: systemClock });

describe('runHttpCanary against a local server', () => {
  it('passes when every request returns the expected status, and sends the canary header', async () => {
    const before = server.requests.length;
    const result = await runHttpCanary(
      { url: `${server.origin}/healthz`, requests: 20, headerValue: 'run-42', timeoutMs: 2_000 },
      deps(),
    );

    expect(result).toMatchObject({ ok: true });
    expect(result.checks).toEqual([
      expect.objectContaining({ name: 'canary.requests', ok: true, observed: '20/20 returned 200', threshold: '20/20 return 200' }),
    ]);
    const seen = server.requests.slice(before);
    expect(seen).toHaveLength(20);
    expect(seen.every((r) => r.headers['x-canary'] === 'run-42')).toBe(true);
  });

  it('matches the body by substring or regex, with concurrency', async () => {
    const bySubstring = await runHttpCanary({ url: `${server.origin}/healthz`, requests: 6, concurrency: 3, bodyMatch: '"healthy"', timeoutMs: 2_000 }, deps());
    expect(bySubstring.ok).toBe(true);
    expect(bySubstring.checks[0]!.observed).toBe('6/6 returned 200 with a matching body');

    const byRegex = await runHttpCanary({ url: `${server.origin}/healthz`, requests: 6, concurrency: 3, bodyMatch: /"status":"heal\w+"/g, timeoutMs: 2_000 }, deps());
    expect(byRegex.ok).toBe(true);
  });

  it('fails on a body mismatch', async () => {
    const result = await runHttpCanary({ url: `${server.origin}/healthz`, requests: 2, bodyMatch: /degraded/, timeoutMs: 2_000 }, deps());
    expect(result.ok).toBe(false);
    expect(result.checks[0]!.observed).toBe('0/2 returned 200 with a matching body');
    expect(result.reason).toBe(
      `2/2 canary requests to ${server.origin}/healthz failed (2× body did not match /degraded/); first: request 1: body did not match /degraded/`,
    );
  });

  it('fails on a wrong status, counting each kind of failure', async () => {
    flaky = 0;
    const result = await runHttpCanary({ url: `${server.origin}/flaky`, requests: 8, timeoutMs: 2_000 }, deps());
    expect(result.ok).toBe(false);
    expect(result.checks[0]!.observed).toBe('6/8 returned 200');
    expect(result.reason).toBe(`2/8 canary requests to ${server.origin}/flaky failed (2× status 502); first: request 4: status 502`);
  });

  it('reports a redirect as the status the load balancer answered, not the page it points to', async () => {
    const result = await runHttpCanary({ url: `${server.origin}/redirect`, requests: 1, timeoutMs: 2_000 }, deps());
    expect(result.reason).toMatch(/first: request 1: status 301$/);
  });

  it('accepts another expected status', async () => {
    const result = await runHttpCanary({ url: `${server.origin}/down`, requests: 2, expectStatus: 503, timeoutMs: 2_000 }, deps());
    expect(result.ok).toBe(true);
    expect(result.checks[0]!.observed).toBe('2/2 returned 503');
  });

  it('fails each request that does not answer within the timeout', async () => {
    const started = Date.now();
    const result = await runHttpCanary({ url: `${server.origin}/slow`, requests: 2, concurrency: 2, timeoutMs: 200 }, deps());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.ok).toBe(false);
    expect(result.reason).toBe(`2/2 canary requests to ${server.origin}/slow failed (2× no response within 200ms); first: request 1: no response within 200ms`);
  });

  it('fails with "connection refused" when nothing listens', async () => {
    const port = await freePort();
    const result = await runHttpCanary({ url: `http://127.0.0.1:${port}/healthz`, requests: 3, timeoutMs: 1_000 }, deps());
    expect(result.ok).toBe(false);
    expect(result.checks[0]!.observed).toBe('0/3 returned 200');
    expect(result.reason).toMatch(/\(3× connection refused \(ECONNREFUSED\)\); first: request 1: connection refused/);
  });
});

describe('runHttpCanary with an injected fetch', () => {
  it('lets a simulated load balancer answer, pausing between requests on the clock', async () => {
    const seen: Array<{ url: string; header: string | null }> = [];
    const simulated: FetchFn = async (url, init) => {
      seen.push({ url, header: new Headers(init.headers).get('x-quiesce-canary') });
      return new Response('ok', { status: 200 });
    };
    const clock = new ManualClock(0, { autoAdvance: true });
    const { logger } = captureLogger();
    const result = await runHttpCanary(
      { url: 'https://alb.example/healthz', requests: 3, headerName: 'X-Quiesce-Canary', headerValue: 'v', intervalMs: 1_000, timeoutMs: 1_000 },
      { logger, clock, fetch: simulated },
    );
    expect(result.ok).toBe(true);
    expect(seen).toEqual(Array(3).fill({ url: 'https://alb.example/healthz', header: 'v' }));
    expect(clock.sleeps).toEqual([1_000, 1_000]);
    expect(result.checks[0]!.at).toBe(2_000);
  });

  it('rethrows an unexpected error with cause instead of counting it as a failed request', async () => {
    const bug = new RangeError('simulator bug');
    const { logger } = captureLogger();
    const run = runHttpCanary({ url: 'https://alb.example/', requests: 1, timeoutMs: 1_000 }, { logger, clock: systemClock, fetch: async () => Promise.reject(bug) });
    await expect(run).rejects.toBeInstanceOf(ProbeError);
    await expect(run).rejects.toMatchObject({ cause: bug });
  });

  it('refuses a URL that is not http(s)', async () => {
    const { logger } = captureLogger();
    await expect(runHttpCanary({ url: 'ftp://x/', timeoutMs: 1 }, { logger, clock: systemClock })).rejects.toThrow('must be http or https');
    await expect(runHttpCanary({ url: 'not a url', timeoutMs: 1 }, { logger, clock: systemClock })).rejects.toThrow('is not a valid URL');
  });
});

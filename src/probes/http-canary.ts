import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Check } from '../../machines/types.js';
import type { Clock } from '../ports/clock.js';
import { ProbeError } from './errors.js';
import { describeFetchFailure, readBodyBounded, type FetchFn } from './fetch-outcome.js';
import { probeResult, type ProbeResult } from './probe-result.js';

export interface HttpCanaryInput {
  /** The load balancer's DNS name plus path, http or https. */
  url: string;
  /** How many requests; all must pass. Default 20. */
  requests?: number;
  /** Requests in flight at once. Default 1 (sequential). */
  concurrency?: number;
  headerName?: string;
  /** Default: `quiesce-<uuid>`, one per canary run, so the requests can be found in access logs. */
  headerValue?: string;
  expectStatus?: number;
  /** A string must appear in the body; a RegExp must match it (first 64 KiB). */
  bodyMatch?: string | RegExp;
  /** Per request, covering the body too. */
  timeoutMs: number;
  /** Pause between one worker's requests, on the clock. Default 0. */
  intervalMs?: number;
}

export interface HttpCanaryDeps {
  logger: Logger;
  clock: Clock;
  fetch?: FetchFn;
}

const BODY_LIMIT = 64 * 1024;

interface Attempt {
  index: number;
  ok: boolean;
  /** e.g. "status 503", "body did not match /ok/", "no response within 2000ms". */
  problem?: string;
  ms: number;
}

/** Sends canary requests through the real load balancer path and demands every one of them succeed. */
export async function runHttpCanary(input: HttpCanaryInput, deps: HttpCanaryDeps): Promise<ProbeResult> {
  const url = parseHttpUrl(input.url);
  const total = input.requests ?? 20;
  const expectStatus = input.expectStatus ?? 200;
  const headerName = input.headerName ?? 'X-Canary';
  const headerValue = input.headerValue ?? `quiesce-${randomUUID()}`;
  const doFetch = deps.fetch ?? fetch;
  const log = deps.logger.child({ probe: 'http-canary', url: url.href, [headerName]: headerValue });
  const bodyMatch = input.bodyMatch;

  const attemptOne = async (index: number): Promise<Attempt> => {
    const started = performance.now();
    const done = (problem?: string): Attempt => {
      const ms = Math.round(performance.now() - started);
      return problem === undefined ? { index, ok: true, ms } : { index, ok: false, problem, ms };
    };
    try {
      const response = await doFetch(url.href, {
        method: 'GET',
        headers: { [headerName]: headerValue },
        // The status the load balancer answered is the evidence; a redirect is not a 200.
        redirect: 'manual',
        signal: AbortSignal.timeout(input.timeoutMs),
      });
      if (response.status !== expectStatus) {
        await response.body?.cancel();
        return done(`status ${response.status}`);
      }
      if (bodyMatch === undefined) {
        await response.body?.cancel();
        return done();
      }
      const { text } = await readBodyBounded(response, BODY_LIMIT);
      // search(), unlike test(), ignores a /g regex's lastIndex, so concurrent requests cannot disturb each other.
      const matched = typeof bodyMatch === 'string' ? text.includes(bodyMatch) : text.search(bodyMatch) !== -1;
      return matched ? done() : done(`body did not match ${describeMatch(bodyMatch)}`);
    } catch (err) {
      const failure = describeFetchFailure(err, input.timeoutMs);
      if (!failure) throw new ProbeError(`canary request to ${url.href} failed unexpectedly`, { cause: err });
      return done(failure.message);
    }
  };

  const attempts: Attempt[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const attempt = await attemptOne(index + 1);
      attempts.push(attempt);
      if (attempt.ok) log.debug({ request: attempt.index, ms: attempt.ms }, 'canary request ok');
      else log.warn({ request: attempt.index, ms: attempt.ms, problem: attempt.problem }, 'canary request failed');
      if (input.intervalMs && next < total) await deps.clock.sleep(input.intervalMs);
    }
  };
  const workers = Math.max(1, Math.min(input.concurrency ?? 1, total));
  await Promise.all(Array.from({ length: workers }, worker));
  attempts.sort((a, b) => a.index - b.index);

  const passed = attempts.filter((a) => a.ok).length;
  const expectation = `${total}/${total} return ${expectStatus}${bodyMatch === undefined ? '' : ` with a body matching ${describeMatch(bodyMatch)}`}`;
  const check: Check = {
    name: 'canary.requests',
    ok: passed === total,
    observed: `${passed}/${total} returned ${expectStatus}${bodyMatch === undefined ? '' : ' with a matching body'}`,
    threshold: expectation,
    at: deps.clock.now(),
  };
  if (!check.ok) {
    const first = attempts.find((a) => !a.ok)!;
    check.message = `${total - passed}/${total} canary requests to ${url.href} failed (${tally(attempts)}); first: request ${first.index}: ${first.problem}`;
  }
  const slowest = Math.max(0, ...attempts.map((a) => a.ms));
  log.info({ passed, total, slowestMs: slowest }, check.ok ? 'canary passed' : 'canary failed');
  return probeResult([check]);
}

function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new ProbeError(`canary url "${text}" is not a valid URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProbeError(`canary url "${text}" must be http or https`);
  }
  return url;
}

function describeMatch(match: string | RegExp): string {
  return typeof match === 'string' ? JSON.stringify(match) : String(match);
}

function tally(attempts: Attempt[]): string {
  const counts = new Map<string, number>();
  for (const a of attempts) if (!a.ok) counts.set(a.problem!, (counts.get(a.problem!) ?? 0) + 1);
  return [...counts].map(([problem, n]) => `${n}× ${problem}`).join(', ');
}

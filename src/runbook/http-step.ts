import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import { describeFetchFailure, readBodyBounded, type FetchFn } from '../probes/fetch-outcome.js';
import { redactSecrets } from '../probes/redact.js';
import { RunbookStepError } from './errors.js';
import { getJsonPath } from './json-path.js';
import { redactHeaders, redactUrl, secretValues } from './redaction.js';

export interface HttpStepPoll {
  url: string;
  /** Dot path into the JSON body, e.g. `status.phase`. */
  field: string;
  equals: string | number | boolean;
  /** Milliseconds between polls, on the clock. */
  interval: number;
  /** Milliseconds of polling before the step fails. */
  timeout: number;
}

export interface HttpStepInput {
  method: string;
  url: string;
  /** Also sent with every poll request. Secret-looking ones are redacted in the result. */
  headers?: Record<string, string>;
  body?: string;
  expectStatus: number | number[];
  /** Per request (the webhook call and each poll), covering the body. */
  timeout: number;
  poll?: HttpStepPoll;
}

export interface HttpStepDeps {
  logger: Logger;
  clock: Clock;
  fetch?: FetchFn;
}

export interface HttpStepPollResult {
  url: string;
  matched: boolean;
  attempts: number;
  /** What the last attempt saw: the field's value as JSON, or why there was none. */
  lastObserved: string;
}

export interface HttpStepResult {
  ok: boolean;
  request: { method: string; url: string; headers: Record<string, string> };
  status?: number;
  /** The first 4 KiB of the webhook's response body, secrets scrubbed. */
  responseBody?: string;
  durationMs: number;
  poll?: HttpStepPollResult;
  /** One line; absent when ok. */
  reason?: string;
}

const BODY_READ_LIMIT = 64 * 1024;
const BODY_KEEP = 4 * 1024;

/** Calls a webhook, checks its status, then (optionally) polls a status URL until a JSON field has the wanted value. */
export async function runHttpStep(input: HttpStepInput, deps: HttpStepDeps): Promise<HttpStepResult> {
  const { clock } = deps;
  const doFetch = deps.fetch ?? fetch;
  const method = input.method.toUpperCase();
  checkHttpUrl(input.url, 'url');
  if (input.poll) checkHttpUrl(input.poll.url, 'poll.url');
  if (input.body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new RunbookStepError(`http step: a ${method} request cannot carry a body`);
  }
  const headers = input.headers ?? {};
  const secrets = secretValues(headers);
  const scrub = (text: string) => redactSecrets(text, secrets);
  const shownUrl = redactUrl(input.url);
  const log = deps.logger.child({ step: 'http', method, url: shownUrl });
  const expected = Array.isArray(input.expectStatus) ? input.expectStatus : [input.expectStatus];
  const started = clock.now();
  const result: HttpStepResult = {
    ok: false,
    request: { method, url: shownUrl, headers: redactHeaders(headers) },
    durationMs: 0,
  };
  const finish = (reason?: string): HttpStepResult => {
    result.durationMs = clock.now() - started;
    if (reason === undefined) {
      result.ok = true;
      log.info({ status: result.status, durationMs: result.durationMs, poll: result.poll }, 'http step done');
    } else {
      result.reason = scrub(reason);
      log.warn({ status: result.status, durationMs: result.durationMs, poll: result.poll }, result.reason);
    }
    return result;
  };

  const call = await request(doFetch, input.url, { method, headers, body: input.body }, input.timeout);
  if (call.kind === 'failed') return finish(`${method} ${shownUrl} failed: ${call.message}`);
  result.status = call.status;
  result.responseBody = scrub(call.body.slice(0, BODY_KEEP));
  if (!expected.includes(call.status)) {
    return finish(`${method} ${shownUrl} answered ${call.status}, expected ${expected.join(' or ')}`);
  }
  if (!input.poll) return finish();

  const poll = input.poll;
  const pollUrl = redactUrl(poll.url);
  const want = JSON.stringify(poll.equals);
  const progress: HttpStepPollResult = { url: pollUrl, matched: false, attempts: 0, lastObserved: 'nothing yet' };
  result.poll = progress;
  const deadline = clock.now() + poll.timeout;
  for (;;) {
    progress.attempts += 1;
    const seen = await request(doFetch, poll.url, { method: 'GET', headers }, input.timeout);
    const observed = observe(seen, poll.field, poll.equals);
    progress.lastObserved = scrub(observed.text);
    if (observed.matched) {
      progress.matched = true;
      return finish();
    }
    log.debug({ attempt: progress.attempts, observed: progress.lastObserved }, 'poll not there yet');
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      return finish(
        `polling ${pollUrl} timed out after ${poll.timeout}ms (${progress.attempts} attempts): ${poll.field} was ${progress.lastObserved}, expected ${want}`,
      );
    }
    await clock.sleep(Math.min(poll.interval, remaining));
  }
}

type Reply = { kind: 'answered'; status: number; body: string } | { kind: 'failed'; message: string };

async function request(
  doFetch: FetchFn,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | undefined },
  timeoutMs: number,
): Promise<Reply> {
  try {
    const requestInit: RequestInit = { method: init.method, headers: init.headers, signal: AbortSignal.timeout(timeoutMs) };
    if (init.body !== undefined) requestInit.body = init.body;
    const response = await doFetch(url, requestInit);
    const { text } = await readBodyBounded(response, BODY_READ_LIMIT);
    return { kind: 'answered', status: response.status, body: text };
  } catch (err) {
    const failure = describeFetchFailure(err, timeoutMs);
    if (!failure) throw new RunbookStepError(`http step: ${init.method} ${redactUrl(url)} failed unexpectedly`, { cause: err });
    return { kind: 'failed', message: failure.message };
  }
}

/** What one poll saw: the field's value as JSON when it could be read, otherwise why not. Types must match too. */
function observe(reply: Reply, field: string, equals: string | number | boolean): { matched: boolean; text: string } {
  const unavailable = (why: string) => ({ matched: false, text: `unavailable (${why})` });
  if (reply.kind === 'failed') return unavailable(reply.message);
  if (reply.status < 200 || reply.status > 299) return unavailable(`status ${reply.status}`);
  let json: unknown;
  try {
    json = JSON.parse(reply.body);
  } catch (err) {
    if (err instanceof SyntaxError) return unavailable('the body is not JSON');
    throw err;
  }
  const found = getJsonPath(json, field);
  if (!found.found) return { matched: false, text: 'absent' };
  const text = JSON.stringify(found.value) ?? String(found.value);
  // A long value must not flood the reason line; showing that it differs is enough.
  return { matched: found.value === equals, text: text.length > 200 ? `${text.slice(0, 197)}...` : text };
}

function checkHttpUrl(text: string, field: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new RunbookStepError(`http step: ${field} "${redactUrl(text)}" is not a valid URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RunbookStepError(`http step: ${field} must be http or https`);
  }
}

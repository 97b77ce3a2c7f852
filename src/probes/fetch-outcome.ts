// Shared by the HTTP canary and the http runbook step: what a failed fetch means, and reading a body
// without trusting its size.

/** The slice of `fetch` quiesce uses; global fetch fits, and a simulated load balancer can too. */
export type FetchFn = (url: string, init: RequestInit) => Promise<Response>;

export interface FetchFailure {
  kind: 'timeout' | 'network';
  /** One line, e.g. "no response within 2000ms" or "connection refused (ECONNREFUSED)". */
  message: string;
}

/**
 * Classifies the rejections fetch uses for remote outcomes: a timeout/abort, or a network failure
 * (undici's TypeError "fetch failed" with the socket error as cause, or "terminated" mid-body).
 * Returns undefined for anything else, which the caller must rethrow.
 */
export function describeFetchFailure(err: unknown, timeoutMs: number): FetchFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return { kind: 'timeout', message: `no response within ${timeoutMs}ms` };
  }
  if (err instanceof TypeError && (err.message === 'fetch failed' || err.message === 'terminated')) {
    const cause = err.cause as (Error & { code?: string }) | undefined;
    if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError') {
      return { kind: 'timeout', message: `no response within ${timeoutMs}ms` };
    }
    const code = cause?.code;
    if (code === 'ECONNREFUSED') return { kind: 'network', message: 'connection refused (ECONNREFUSED)' };
    if (code === 'ENOTFOUND') return { kind: 'network', message: 'host not found (ENOTFOUND)' };
    const detail = cause?.message ? `: ${cause.message}` : '';
    return { kind: 'network', message: `${err.message}${detail}${code && !detail.includes(code) ? ` (${code})` : ''}` };
  }
  return undefined;
}

/** Reads at most `maxBytes` of the body (then cancels the rest), decoded as UTF-8. */
export async function readBodyBounded(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - size;
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel();
    reader.releaseLock();
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

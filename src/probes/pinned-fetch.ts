// A fetch that names one host and connects to another: the canary's requests carry the service's own
// name (Host header, TLS SNI, certificate check) but travel to the load balancer the plan names, so they
// cross its listener and the canary rule. fetch() cannot do this: it drops a Host header it is given.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchFn } from './fetch-outcome.js';

export interface PinnedFetchOptions {
  /** Extra trusted certificates (tests with their own CA); production uses the system's. */
  ca?: string;
}

/** Statuses whose responses have no body, which `new Response` refuses one for. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` for canary requests whose URL names the service (e.g. https://api.example.com/healthz) while
 * every connection goes to `connectTo` (the load balancer's DNS name). Failures are shaped as fetch's
 * are (TypeError "fetch failed" with the socket error as cause), so describeFetchFailure reads both.
 */
export function pinnedFetch(connectTo: string, options: PinnedFetchOptions = {}): FetchFn {
  const lookup = ((_hostname: string, opts: LookupOneOptions | LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) =>
    dnsLookup(connectTo, opts as LookupAllOptions, callback as (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void)) as LookupFunction;
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
      if (!send) {
        reject(new TypeError(`pinnedFetch supports http and https, not ${target.protocol}`));
        return;
      }
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => (headers[key] = value));
      const req = send(
        target,
        {
          method: init.method ?? 'GET',
          headers,
          lookup,
          ...(init.signal ? { signal: init.signal } : {}),
          ...(options.ca ? { ca: options.ca } : {}),
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
          }
          if (NULL_BODY.has(status)) {
            res.resume();
            resolve(new Response(null, { status, headers: responseHeaders }));
            return;
          }
          resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers: responseHeaders }));
        },
      );
      req.on('error', (err: Error) => {
        // A timeout keeps its own name (describeFetchFailure reads it); anything else is fetch's shape.
        reject(err.name === 'AbortError' || err.name === 'TimeoutError' ? err : new TypeError('fetch failed', { cause: err }));
      });
      req.end();
    });
}

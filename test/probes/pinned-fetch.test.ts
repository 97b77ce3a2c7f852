import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHttpCanary } from '../../src/probes/http-canary.js';
import { pinnedFetch } from '../../src/probes/pinned-fetch.js';
import { systemClock } from '../../src/ports/clock.js';

// An HTTPS canary against a real ALB: the certificate names the service (api.example.test), never the
// load balancer's DNS name. The requests must name the service (Host, SNI, certificate check) and still
// travel to the load balancer, here a local TLS server reached as "localhost".

const SERVICE = 'api.example.test';
let dir: string;
let cert: string;
let server: Server;
let port: number;
const seen: Array<{ host: string | undefined; sni: string | false | null | undefined; header: string | undefined }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${SERVICE}`, '-addext', `subjectAltName=DNS:${SERVICE}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    seen.push({ host: req.headers.host, sni: (req.socket as TLSSocket).servername, header: req.headers['x-quiesce-canary'] as string | undefined });
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({ logger: pino({ level: 'silent' }), clock: systemClock });

describe('pinnedFetch', () => {
  it('names the service in Host and SNI, checks the certificate against it, and connects to the load balancer', async () => {
    seen.length = 0;
    const fetch = pinnedFetch('localhost', { ca: cert });
    const response = await fetch(`https://${SERVICE}:${port}/healthz`, { method: 'GET', headers: { 'X-Quiesce-Canary': 'run-1' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(seen).toEqual([{ host: `${SERVICE}:${port}`, sni: SERVICE, header: 'run-1' }]);
  });

  it('a canary through it passes every request', async () => {
    const result = await runHttpCanary({ url: `https://${SERVICE}:${port}/healthz`, requests: 3, headerName: 'X-Quiesce-Canary', headerValue: 'run-2', bodyMatch: 'ok', timeoutMs: 5_000 }, { ...deps(), fetch: pinnedFetch('localhost', { ca: cert }) });
    expect(result.checks.map((c) => [c.name, c.ok, c.observed])).toEqual([['canary.requests', true, '3/3 returned 200 with a matching body']]);
  });

  it('the load balancer DNS name in the URL fails the certificate check: why verify.canary.host exists', async () => {
    const result = await runHttpCanary({ url: `https://localhost:${port}/healthz`, requests: 1, timeoutMs: 5_000 }, { ...deps(), fetch: pinnedFetch('localhost', { ca: cert }) });
    expect(result.checks[0]!.ok).toBe(false);
    expect(result.checks[0]!.message).toMatch(/certificate|altname/i);
  });

  it('an unreachable load balancer is a failed request, not a crash', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const result = await runHttpCanary({ url: `https://${SERVICE}:${closed}/healthz`, requests: 1, timeoutMs: 5_000 }, { ...deps(), fetch: pinnedFetch('localhost', { ca: cert }) });
    expect(result.checks[0]!.ok).toBe(false);
    expect(result.checks[0]!.message).toContain('ECONNREFUSED');
  });
});

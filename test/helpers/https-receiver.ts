// A local HTTPS receiver for webhook tests: a certificate made for 127.0.0.1 at start (openssl), on an
// ephemeral loopback port, keeping every request body; it answers each with the next status in `statuses`
// (then 200).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HttpsReceiver {
  url: string;
  /** The self-signed certificate (PEM), to trust as a CA. */
  ca: string;
  bodies: unknown[];
  stop(): Promise<void>;
}

export async function startHttpsReceiver(statuses: number[] = []): Promise<HttpsReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'quiesce-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const bodies: unknown[] = [];
    const server = createServer({ key, cert }, (req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.statusCode = statuses.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `https://127.0.0.1:${port}/hooks/T000/B000/secret-part`,
      ca: cert,
      bodies,
      stop: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

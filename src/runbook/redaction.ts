import { REDACTED } from '../probes/redact.js';

const SECRET_NAME = /authorization|token|secret|key|password|passwd|credential|cookie|signature/i;

/** Header, env or query parameter names whose values are treated as secrets. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, isSecretName(k) ? REDACTED : v]));
}

/** The values behind secret-looking names, so they can be scrubbed from text echoed back (bodies, output). */
export function secretValues(entries: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(entries ?? {})
    .filter(([k, v]) => isSecretName(k) && v !== '')
    .map(([, v]) => v);
}

// Brackets would be percent-encoded inside a URL, so URLs get a bare marker.
const URL_REDACTED = 'REDACTED';

/** Drops a password in the userinfo and secret-looking query parameters. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    // Not a URL: nothing structured to redact; callers validate URLs before acting on them.
    if (err instanceof TypeError) return text;
    throw err;
  }
  if (url.password) url.password = URL_REDACTED;
  for (const name of [...url.searchParams.keys()]) {
    if (isSecretName(name)) url.searchParams.set(name, URL_REDACTED);
  }
  return url.href;
}

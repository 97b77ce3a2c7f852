import { describe, expect, it } from 'vitest';
import { isSecretName, redactHeaders, redactUrl, secretValues } from '../../src/runbook/redaction.js';

describe('redaction', () => {
  it.each(['Authorization', 'X-Api-Key', 'x-auth-token', 'Client-Secret', 'PASSWORD', 'Cookie'])('treats %s as secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(['Content-Type', 'Accept', 'X-Request-Id'])('keeps %s', (name) => {
    expect(isSecretName(name)).toBe(false);
  });

  it('redacts header values and collects the secret ones', () => {
    const headers = { Authorization: 'Bearer x', Accept: 'application/json' };
    expect(redactHeaders(headers)).toEqual({ Authorization: '[REDACTED]', Accept: 'application/json' });
    expect(secretValues(headers)).toEqual(['Bearer x']);
  });

  it('redacts a URL password and secret query parameters', () => {
    expect(redactUrl('https://user:pw@hooks.example/run?api_key=k&x=1')).toBe('https://user:REDACTED@hooks.example/run?api_key=REDACTED&x=1');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

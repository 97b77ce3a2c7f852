export const REDACTED = '[REDACTED]';

/** Replaces every occurrence of each secret in `text`. Empty secrets are ignored (they would match everywhere). */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  return out;
}

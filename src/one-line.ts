// Text that must fit on one line, for three readers, each served differently on purpose: the journal keeps
// the first line of an error (the rest is in the log), a message printed or logged keeps all of its text
// collapsed with echoed secrets masked, and a terminal gets control characters escaped, never obeyed.

/** Every run of white space, line breaks included, as one space, trimmed: labels and messages. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The first line of an error's message (of a thrown value's text otherwise): what the journal records. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/**
 * Collapsed to one line, with the values AWS validation messages echo back for secret-looking fields
 * masked (`Value 'x' at 'authToken' failed to satisfy constraint`), so a message is safe to print and log.
 */
export function redactedLine(text: string): string {
  return collapseWhitespace(text.replace(/Value '[^']*' at '([^']*(?:token|secret|password|credential)[^']*)'/gi, "Value '[REDACTED]' at '$1'"));
}

/** An error's whole message (a thrown value's text otherwise) as a redacted line. */
export function redactedErrorLine(error: unknown): string {
  return redactedLine(error instanceof Error ? error.message : String(error));
}

/**
 * A message as one safe terminal line. Messages quote user input (a key from a plan, a world file path),
 * and input may carry control characters: a carriage return that rewrites the line, escape sequences that
 * clear the screen or retitle the window, bidirectional overrides that reorder what is read. Those are
 * shown escaped (\u001b), never sent to the terminal; a message stays one line.
 */
export function terminalLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

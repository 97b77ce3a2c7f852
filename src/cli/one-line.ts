/**
 * An error message as one safe terminal line. Messages quote user input (a key from a plan, a world file
 * path), and input may carry control characters: a carriage return that rewrites the line, escape
 * sequences that clear the screen or retitle the window, bidirectional overrides that reorder what is
 * read. Those are shown escaped (\u001b), never sent to the terminal; a message stays one line.
 */
export function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

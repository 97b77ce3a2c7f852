import { describe, expect, it } from 'vitest';
import { collapseWhitespace, firstLine, redactedErrorLine, redactedLine, terminalLine } from '../src/one-line.js';

// Three readers of one-line text, three treatments: each is tested for what it keeps and what it drops.

describe('one-line text', () => {
  it('collapseWhitespace: every run of white space as one space, trimmed', () => {
    expect(collapseWhitespace('  a\n\tb   c \r\n')).toBe('a b c');
  });

  it('firstLine: the first line of an error message, or of a thrown value as text', () => {
    expect(firstLine(new Error('failed: x\n    at stack'))).toBe('failed: x');
    expect(firstLine('plain\nsecond')).toBe('plain');
    expect(firstLine(42)).toBe('42');
  });

  it('redactedLine: all of the text on one line, secret values AWS echoes masked', () => {
    expect(redactedLine("1 validation error:\n Value 'hunter2' at 'authToken' failed to satisfy constraint")).toBe(
      "1 validation error: Value '[REDACTED]' at 'authToken' failed to satisfy constraint",
    );
    expect(redactedLine("Value 'cache.r7g' at 'cacheNodeType' is invalid")).toBe("Value 'cache.r7g' at 'cacheNodeType' is invalid");
    expect(redactedErrorLine(new Error("a\nValue 'x' at 'clientSecret'"))).toBe("a Value '[REDACTED]' at 'clientSecret'");
  });

  it('terminalLine: control and bidirectional characters shown escaped, nothing else touched', () => {
    expect(terminalLine('plan.yaml: \u001b[2Jkey\r\nx\u202e')).toBe('plan.yaml: \\u001b[2Jkey\\u000d\\u000ax\\u202e');
    expect(terminalLine('  spaced  ')).toBe('  spaced  ');
  });
});

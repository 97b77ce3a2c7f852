// Text is measured without a browser: an estimate from per-character widths of a Helvetica-like font,
// rounded up, so boxes and label slots laid out by elkjs hold the text in the fonts viewers fall back to.

export const FONT_FAMILY = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

const NARROW = new Set([...'iljtfrI!.,:;|\'()[]{} ']);
const WIDE = new Set([...'mwMW@%']);

/** Estimated advance width, in px, of `text` at `fontSize` px. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const c of text) {
    if (NARROW.has(c)) em += 0.3;
    else if (WIDE.has(c)) em += 0.86;
    else if (c >= 'A' && c <= 'Z') em += 0.68;
    else em += 0.57;
  }
  return Math.ceil(em * fontSize * (bold ? 1.08 : 1));
}

/** Width of the widest of `lines`. */
export function linesWidth(lines: readonly string[], fontSize: number, bold = false): number {
  return lines.reduce((max, line) => Math.max(max, textWidth(line, fontSize, bold)), 0);
}

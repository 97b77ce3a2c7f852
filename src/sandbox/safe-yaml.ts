// World files are input like plans: parsed with the same guards (size, NUL bytes, nesting, alias
// expansion, prototype keys) before any value is built, so hostile YAML is one clear line, never a crash.
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

export const MAX_WORLD_BYTES = 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_ALIASES = 100;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses `text` or calls `fail` (which throws) with a one-line reason. */
export function parseGuardedYaml(text: string, fail: (reason: string) => never): Document {
  if (text.length > MAX_WORLD_BYTES) fail(`input is larger than ${MAX_WORLD_BYTES} bytes`);
  if (text.includes('\u0000')) fail('contains a NUL byte; world files are text');
  let doc: Document;
  try {
    // logLevel error: the yaml library would otherwise print process warnings (complex keys) to stderr.
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  } catch (err) {
    // The parser recurses on nesting; a stack overflow here is hostile input.
    if (err instanceof RangeError) fail(`nesting is deeper than ${MAX_DEPTH} levels`);
    throw err;
  }
  const yamlError = doc.errors[0];
  if (yamlError) fail(yamlError.message.split('\n')[0] ?? 'invalid YAML');
  checkNode(doc.contents as Node | null, 0, fail);
  try {
    doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError || err instanceof RangeError) fail(`rejected: ${err.message.split('\n')[0]} (YAML alias expansion is limited)`);
    throw err;
  }
  return doc;
}

function checkNode(node: Node | null, depth: number, fail: (reason: string) => never): void {
  if (depth > MAX_DEPTH) fail(`nesting is deeper than ${MAX_DEPTH} levels`);
  if (!isMap(node) && !isSeq(node)) return;
  for (const item of node.items) {
    if (isPair(item)) {
      if (item.key !== null && !isScalar(item.key)) fail('a key is a mapping or a list; keys must be plain names');
      const key = isScalar(item.key) ? String(item.key.value) : undefined;
      if (key !== undefined && FORBIDDEN_KEYS.has(key)) fail(`"${key}" is a forbidden key (prototype pollution guard)`);
      checkNode(item.value as Node | null, depth + 1, fail);
    } else checkNode(item as Node | null, depth + 1, fail);
  }
}

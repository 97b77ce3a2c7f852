import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The docs send readers to test and source files as evidence; a file moved without its mention leaves the
// reader a dead end. Every repo path the docs name (test/, src/, machines/, examples/, scripts/, infra/) exists.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const PATH = /\b(?:test|src|machines|examples|scripts|infra)\/[A-Za-z0-9_.\-/]+\.(?:ts|mjs|yaml|json)\b/g;

describe('paths the docs name', () => {
  it.each(docs)('%s names only files that exist', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const missing = [...new Set(text.match(PATH) ?? [])].filter((p) => !p.includes('*') && !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRedisServer } from '../helpers/redis-server.js';

describe('findRedisServer', () => {
  it('fails with the Debian package to install when no redis-server binary is found', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'quiesce-nobin-'));
    try {
      expect(() => findRedisServer([empty])).toThrow(/install the Debian package `redis-server`/);
    } finally {
      await rm(empty, { recursive: true });
    }
  });

  it('finds the installed binary', () => {
    expect(findRedisServer()).toMatch(/redis-server$/);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalCrashHook } from '../../src/store/file/crash-hook.js';

// The crash sweep's hook (docs/reliability.md): it needs both variables, so a stray
// QUIESCE_CRASH_AFTER_JOURNAL in a production environment does nothing.

describe('journalCrashHook', () => {
  it('is off unless QUIESCE_TEST_HOOKS=1 and QUIESCE_CRASH_AFTER_JOURNAL are both set', () => {
    expect(journalCrashHook({})).toBeUndefined();
    expect(journalCrashHook({ QUIESCE_CRASH_AFTER_JOURNAL: '3' })).toBeUndefined();
    expect(journalCrashHook({ QUIESCE_TEST_HOOKS: 'true', QUIESCE_CRASH_AFTER_JOURNAL: '3' })).toBeUndefined();
    expect(journalCrashHook({ QUIESCE_TEST_HOOKS: '1' })).toBeUndefined();
    expect(journalCrashHook({ QUIESCE_TEST_HOOKS: '1', QUIESCE_CRASH_AFTER_JOURNAL: '3' })).toBeTypeOf('function');
  });

  it('refuses a crash point that is not a positive whole number', () => {
    for (const bad of ['0', '-1', '2.5', 'three', '']) {
      expect(() => journalCrashHook({ QUIESCE_TEST_HOOKS: '1', QUIESCE_CRASH_AFTER_JOURNAL: bad })).toThrow(/must be a positive integer/);
    }
  });

  it('kills the process right after the append that writes entry k is durable, and not before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-crash-hook-'));
    const store = resolve(import.meta.dirname, '../../src/store/file-store.ts');
    const script = `
      const { createFileStore } = await import(${JSON.stringify(store)});
      const s = createFileStore(${JSON.stringify(dir)});
      await s.createRun({ runId: 'r', planName: 'p', listenerArn: 'l', plan: {}, status: 'running', createdAt: 0, updatedAt: 0, target: { kind: 'sandbox' } });
      for (let i = 1; i <= 5; i++) await s.appendJournal('r', [{ at: i, kind: 'run', message: 'entry ' + i }]);
      console.log('survived');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, QUIESCE_TEST_HOOKS: '1', QUIESCE_CRASH_AFTER_JOURNAL: '3' },
      encoding: 'utf8',
    });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('survived');
    const lines = readFileSync(join(dir, 'runs', 'r', 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['entry 1', 'entry 2', 'entry 3']);
  });
});

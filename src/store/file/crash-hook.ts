// A test hook for the crash sweep (docs/reliability.md): with QUIESCE_TEST_HOOKS=1 and
// QUIESCE_CRASH_AFTER_JOURNAL=k, the process SIGKILLs itself right after the journal append that
// writes entry k is durable. Both variables are needed, so a stray one in production does nothing.

export type JournalCrashHook = (lastSeq: number) => void;

export function journalCrashHook(env: NodeJS.ProcessEnv = process.env): JournalCrashHook | undefined {
  if (env.QUIESCE_TEST_HOOKS !== '1') return undefined;
  const raw = env.QUIESCE_CRASH_AFTER_JOURNAL;
  if (raw === undefined) return undefined;
  const after = Number(raw);
  if (!Number.isSafeInteger(after) || after < 1) throw new Error(`QUIESCE_CRASH_AFTER_JOURNAL must be a positive integer, got "${raw}"`);
  return (lastSeq) => {
    if (lastSeq >= after) process.kill(process.pid, 'SIGKILL');
  };
}

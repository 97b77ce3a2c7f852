// Where the file store keeps things under its state dir (the CLI default is .quiesce/):
//   runs/<runId>/run.json                  the RunRecord, replaced atomically
//   runs/<runId>/journal.jsonl             append-only, one JournalEntry per line
//   runs/<runId>/intents/<sha256(key)>.json  one remembered value per file, created once
//   locks/<sha256(key)>.json               a Lease
//   idempotency/<sha256(key)>              the claim of an idempotency key: its run id and initial record
// Files ending in .mutex are short-lived inter-process mutexes; dot-files ending in .tmp are writes in flight.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export interface FileLayout {
  runsDir: string;
  locksDir: string;
  idempotencyDir: string;
  runDir(runId: string): string;
  runFile(runId: string): string;
  journalFile(runId: string): string;
  intentsDir(runId: string): string;
  intentFile(runId: string, key: string): string;
  lockFile(key: string): string;
  idempotencyFile(key: string): string;
}

export function fileLayout(stateDir: string): FileLayout {
  const runsDir = join(stateDir, 'runs');
  const locksDir = join(stateDir, 'locks');
  const idempotencyDir = join(stateDir, 'idempotency');
  const runDir = (runId: string) => join(runsDir, runId);
  return {
    runsDir,
    locksDir,
    idempotencyDir,
    runDir,
    runFile: (runId) => join(runDir(runId), 'run.json'),
    journalFile: (runId) => join(runDir(runId), 'journal.jsonl'),
    intentsDir: (runId) => join(runDir(runId), 'intents'),
    intentFile: (runId, key) => join(runDir(runId), 'intents', `${sha256(key)}.json`),
    lockFile: (key) => join(locksDir, `${sha256(key)}.json`),
    idempotencyFile: (key) => join(idempotencyDir, sha256(key)),
  };
}

export const mutexOf = (file: string): string => `${file}.mutex`;

// Types of scripts/test-prerequisites.mjs (a plain script, so that `npm test` needs nothing built to run it).

export interface PrerequisiteFacts {
  which(name: string): string | undefined;
  isExecutable(path: string): boolean;
  isRoot: boolean;
}

export interface PrerequisiteEffects extends PrerequisiteFacts {
  run(argv: string[], env: Record<string, string>): number;
  say(line: string): void;
}

export type Decision =
  | { action: 'none' }
  | { action: 'install'; missing: string[]; announce: string; commands: string[][] }
  | { action: 'stop'; message: string };

export declare const PREREQUISITES: readonly { pkg: string; present(facts: PrerequisiteFacts): boolean }[];
export declare function decide(facts: PrerequisiteFacts): Decision;
export declare function ensurePrerequisites(effects: PrerequisiteEffects): number;
export declare function systemEffects(): PrerequisiteEffects;

// Run by `npm test` (the pretest script) before anything else: the tests start real services as child
// processes and need two Debian packages, redis-server and chromium. When one is missing, this installs it
// where it can (root, with apt-get), saying so; otherwise it stops before the tests with the one command to
// run. Silent when both are there.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the tests look for, where they look (test/helpers/redis-server.ts, test/review/browser.test.ts). */
export const PREREQUISITES = [
  { pkg: 'redis-server', present: (facts) => facts.which('redis-server') !== undefined },
  { pkg: 'chromium', present: (facts) => facts.isExecutable('/usr/bin/chromium') },
];

/**
 * What to do, from the facts alone: nothing, install the missing packages, or stop with the command to run.
 * `facts`: { which(name) -> path | undefined, isExecutable(path) -> boolean, isRoot: boolean }.
 */
export function decide(facts) {
  const missing = PREREQUISITES.filter((p) => !p.present(facts)).map((p) => p.pkg);
  if (missing.length === 0) return { action: 'none' };
  const names = missing.join(' and ');
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  if (facts.isRoot && facts.which('apt-get') !== undefined) {
    return {
      action: 'install',
      missing,
      announce: `npm test needs ${names}: installing with apt-get update, then DEBIAN_FRONTEND=noninteractive ${install.join(' ')}`,
      commands: [['apt-get', 'update'], install],
    };
  }
  return { action: 'stop', message: `npm test needs ${names}: run \`sudo apt-get install ${missing.join(' ')}\`` };
}

/**
 * Checks, installs if it may, checks again. Returns the exit code: 0 when every prerequisite is present.
 * `effects`: the facts, plus run(argv, env) -> exit status, and say(line) for stderr.
 */
export function ensurePrerequisites(effects) {
  const decision = decide(effects);
  if (decision.action === 'none') return 0;
  if (decision.action === 'stop') {
    effects.say(decision.message);
    return 1;
  }
  effects.say(decision.announce);
  for (const argv of decision.commands) {
    const status = effects.run(argv, { DEBIAN_FRONTEND: 'noninteractive' });
    if (status !== 0) {
      effects.say(`npm test: \`${argv.join(' ')}\` failed (exit ${status}); install ${decision.missing.join(' ')} and run npm test again`);
      return 1;
    }
  }
  // Installed is what a second look shows, not what apt-get said.
  const after = decide(effects);
  if (after.action !== 'none') {
    const still = PREREQUISITES.filter((p) => !p.present(effects)).map((p) => p.pkg);
    effects.say(`npm test: after apt-get, still missing: ${still.join(' and ')}`);
    return 1;
  }
  return 0;
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ENOTDIR') return false;
    throw err;
  }
}

/** Like `command -v`, plus the sbin and bin directories a non-login PATH may lack. */
function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

export function systemEffects() {
  return {
    which,
    isExecutable,
    isRoot: process.getuid?.() === 0,
    run: (argv, env) => {
      const child = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
      if (child.error) throw child.error;
      return child.status ?? 1;
    },
    say: (line) => process.stderr.write(`${line}\n`),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = ensurePrerequisites(systemEffects());
}

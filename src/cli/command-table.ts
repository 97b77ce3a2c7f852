// Every command and flag of the CLI, in one table: the parser (args.ts) and --help (help.ts) are both
// made from it, so a flag cannot be listed without being accepted, nor accepted without being listed.
// Each command's module takes its flags' types from here; main.ts loads the modules, lazily.
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in help (DIR, FILE, N); for string flags. */
  value?: string;
  /**
   * The value may be left out: `--sandbox`, `--sandbox world.yaml`, `--sandbox=world.yaml`. node:util
   * parseArgs has no optional values, so args.ts lifts such a flag out before parsing.
   */
  optionalValue?: true;
  default?: string;
  help: string;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

/** Flags shared by several commands: declared once, here. */
export const COMMON_FLAGS = {
  sandbox: {
    type: 'string',
    value: 'world.yaml',
    optionalValue: true,
    help: 'use the built-in sandbox AWS world instead of AWS (default world from the plan)',
  },
  profile: { type: 'string', value: 'NAME', help: 'AWS credentials profile (default: the provider chain)' },
  region: { type: 'string', value: 'R', help: "AWS region; must be the plan's (default: the plan's)" },
  'state-dir': { type: 'string', value: 'DIR', help: 'where runs are kept (default .quiesce)' },
  json: { type: 'boolean', help: 'print exactly one JSON object on stdout at the end' },
  'log-file': { type: 'string', value: 'FILE', help: 'write pino JSON logs to FILE' },
  'log-format': { type: 'string', value: 'json', help: 'write pino JSON logs to stderr (json is the only format)' },
  speed: { type: 'string', value: 'N', help: 'run the sandbox clock at N times real time (default: as fast as possible)' },
  table: { type: 'string', value: 'NAME', help: "a deployed stack's DynamoDB run table: runs are read and kept there, not in --state-dir" },
  stack: { type: 'string', value: 'NAME', help: "a deployed quiesce stack: its run table, from the stack's TableName output" },
} as const satisfies Flags;

const { sandbox, profile, region, json, speed } = COMMON_FLAGS;
const stateDir = { 'state-dir': COMMON_FLAGS['state-dir'] };
const logs = { 'log-file': COMMON_FLAGS['log-file'], 'log-format': COMMON_FLAGS['log-format'] };
/** The flags of the commands that drive a run: they log, and pace the sandbox's clock. */
const driving = { json, ...stateDir, ...logs, speed } as const;
const by = { type: 'string', value: 'NAME', help: 'who acts (default $QUIESCE_OPERATOR, then $USER)' } as const;
/** Where runs live when they are a deployed stack's: its table, in the region and with the credentials given. */
const remote = { table: COMMON_FLAGS.table, stack: COMMON_FLAGS.stack, profile, region } as const;

/** What a command receives: its flags parsed by the table, positionals as given. */
export interface CommandInput<F extends Flags> {
  values: FlagValues<F>;
  positionals: string[];
  /** `--sandbox` alone is true, with a world file its path; false when not given (or not a flag of the command). */
  sandbox: false | true | string;
}

export type FlagValues<F extends Flags> = {
  -readonly [K in keyof F as F[K] extends { optionalValue: true } ? never : K]: F[K] extends { type: 'boolean' }
    ? boolean | undefined
    : F[K] extends { default: string }
      ? string
      : string | undefined;
};

export type Command<F extends Flags> = (input: CommandInput<F>, io: CliIo) => Promise<ExitCode>;

export interface CommandSpec<F extends Flags = Flags> {
  /** Positional arguments, as shown in help. */
  args: string;
  /** One line for the command list of `quiesce --help`. */
  summary: string;
  /** The paragraph under the usage line of `quiesce <command> --help`. */
  about: string;
  flags: F;
}

const spec = <F extends Flags>(s: CommandSpec<F>): CommandSpec<F> => s;

export const COMMANDS = {
  validate: spec({
    args: '<plan.yaml|plan.json>',
    summary: 'check a plan file; exit 0 if valid, 2 with one line naming line and field if not (--json: every problem)',
    about: `Checks the plan without touching AWS. Versions must be quoted strings, keys must be known,
ARNs must match the plan's region and resource types.
Exit 0 when valid; 2 when not, with one line "file:line: field: problem" naming the first problem and how
many more; with --json, one object listing every problem.`,
    flags: { json },
  }),
  plan: spec({
    args: '<plan>',
    summary: 'dry run: read the live (or sandbox) state and show what each cluster would go through',
    about: `A dry run: reads the live state and prints, in order, what each cluster would go through and which
checks it would make, with the values read now. Mutates nothing.`,
    flags: {
      sandbox,
      profile,
      region,
      'plan-only': { type: 'boolean', help: 'read nothing: plan-only values and typical AWS timings' },
      json,
    },
  }),
  run: spec({
    args: '<plan>',
    summary: 'run the maintenance, one cluster at a time',
    about: `Runs the plan. Progress goes to stderr (a live view on a terminal, plain lines otherwise).
With --sandbox, a rehearsal never acts on the real world: the plan's command and http steps are simulated
(the world file's runbook key scripts their outcome and duration) unless --real-steps is given.
Exit 0 done, 1 held, 3 paused, 4 locked.`,
    flags: {
      sandbox,
      'real-steps': {
        type: 'boolean',
        help: "with --sandbox: run the plan's command and http steps for real (by default a rehearsal simulates them)",
      },
      profile,
      region,
      'run-id': { type: 'string', value: 'ID', help: 'the run id (default: run-<time>-<random>)' },
      ...driving,
      table: COMMON_FLAGS.table,
      stack: COMMON_FLAGS.stack,
    },
  }),
  demo: spec({
    args: '',
    summary: 'run examples/payments.plan.yaml on the built-in sandbox, at a watchable pace',
    about: `Runs examples/payments.plan.yaml against the default sandbox world at about 60x real time
and ends with a summary of traffic, failed requests and violations.`,
    flags: {
      fast: { type: 'boolean', help: 'skip ahead: run the sandbox clock as fast as possible' },
      speed: { ...speed, help: 'run the sandbox clock at N times real time (default 60)' },
      ...stateDir,
      json,
    },
  }),
  status: spec({
    args: '[runId]',
    summary: 'show a run (or list runs)',
    about: 'Shows one run: its status, each cluster\'s state and the last journal entries. Without a run id, lists the runs.',
    flags: { journal: { type: 'string', value: 'N', help: 'how many journal entries to show (default 8)' }, json, ...stateDir, ...remote },
  }),
  resume: spec({
    args: '<runId>',
    summary: 'continue a run that was interrupted (killed, crashed, or yielded)',
    about: 'Continues a run from its last persisted step; AWS (or the sandbox world) is read, not assumed.',
    // The run knows its target (AWS and region, or the sandbox): no --sandbox or --region.
    flags: { ...driving, ...remote },
  }),
  approve: spec({
    args: '<runId>',
    summary: 'approve a paused run (drift acknowledged, or an approval step) and continue it',
    about: `Approves every paused cluster of the run and continues it. With --table or --stack the approval is
recorded in the table and the run's driver takes it up: a deployed execution at its next poll (within a
minute), a CLI run at its next quiesce resume; the command returns at once.`,
    flags: { by, ...driving, ...remote },
  }),
  abort: spec({
    args: '<runId>',
    summary: 'stop a run safely: clusters still in rotation stay, clusters out return only through verification, clusters in maintenance are held',
    about: `Requests an abort. If no process is driving the run, this one drives it to a safe end. With --table or
--stack the request is recorded in the table for the run's driver (a deployed execution acts on it at
its next advance); the command returns at once.`,
    flags: { by, reason: { type: 'string', value: 'TEXT', help: 'why, for the journal and the report' }, ...driving, ...remote },
  }),
  reinstate: spec({
    args: '<runId> <cluster>',
    summary: 'take a held cluster back: through verification, then the ramp (never straight into rotation)',
    about: `Takes a cluster that a run held out of rotation back into service: it is verified again (every
check, for the whole stable window) and only then ramped. Check first why it was held (quiesce status,
quiesce report) and fix that. Steps that did not complete are not run again. If verification fails
again the cluster stays held. Exit 0 when the run is then done, 1 while a cluster is still held.`,
    flags: { by, ...driving, ...remote },
  }),
  report: spec({
    args: '<runId>',
    summary: "the run's timeline, like an incident report (--format md|json)",
    about: `The run's timeline as an incident report: status, who started, approved or aborted it, time in each
phase per cluster, then every phase change, AWS call (with before and after), check (observed value
and threshold), drift (the exact diff) and operator action, in UTC. Works for runs that are done, held,
paused or aborted.`,
    flags: {
      format: { type: 'string', value: 'md|json', default: 'md', help: 'markdown (default), or the same report as one JSON object' },
      json: { ...json, help: 'the same as --format json' },
      out: { type: 'string', value: 'FILE', help: 'write the report to FILE instead of stdout' },
      ...stateDir,
      ...remote,
    },
  }),
  review: spec({
    args: '<plan>',
    summary: 'a self-contained HTML page for change review (--out review.html)',
    about: `Writes one self-contained HTML page for change review: the fleet, each cluster's steps, checks and
thresholds, estimated durations, the AWS permissions the plan needs and the state machines. It loads
nothing from anywhere. Estimates use the target groups' own settings from the sandbox (--sandbox) or
AWS; without access it falls back to plan-only estimates and says so.`,
    flags: {
      sandbox,
      profile,
      region,
      'plan-only': { type: 'boolean', help: 'plan-only estimates, without reading AWS or the sandbox' },
      run: { type: 'string', value: 'runId', help: 'overlay a run: the states each cluster went through, where it is now, its timeline and checks' },
      out: { type: 'string', value: 'FILE', help: 'write the page to FILE instead of stdout' },
      ...stateDir,
      table: COMMON_FLAGS.table,
      stack: COMMON_FLAGS.stack,
    },
  }),
  diagram: spec({
    args: '',
    summary: 'the state machines (--format mermaid|dot|json|svg)',
    about: `Prints the state machines, generated from the machine definitions themselves.
mermaid (default) is stateDiagram-v2 and renders in a GitHub pull request. svg is laid out offline.`,
    flags: {
      format: { type: 'string', value: 'mermaid|dot|json|svg', default: 'mermaid', help: 'the output format' },
      machine: { type: 'string', value: 'cluster|fleet|all', default: 'all', help: 'which machine' },
    },
  }),
} as const;

export type CommandName = keyof typeof COMMANDS;

/** The flags of one command, for its module's signature. */
export type FlagsOf<N extends CommandName> = (typeof COMMANDS)[N]['flags'];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

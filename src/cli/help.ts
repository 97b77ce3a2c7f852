// Static help text: what the user sees is exactly what is written here.
export const MAIN_HELP = `quiesce: load-balancer-aware maintenance for AWS ALB fleets with ElastiCache

Usage: quiesce <command> [options]

Commands:
  validate <plan>            check a plan file; exit 0 if valid, 2 with one line naming line and field if not
  plan <plan>                dry run: read the live (or sandbox) state and show what each cluster would go through
  run <plan>                 run the maintenance, one cluster at a time
  demo                       run examples/payments.plan.yaml on the built-in sandbox, at a watchable pace
  status [runId]             show a run (or list runs)
  resume <runId>             continue a run that was interrupted (killed, crashed, or yielded)
  approve <runId>            approve a paused run (drift acknowledged, or an approval step) and continue it
  abort <runId>              stop a run safely: clusters still in rotation stay, clusters out return only
                             through verification, clusters in maintenance are held
  report <runId>             the run's timeline, like an incident report (--format md|json)
  review <plan>              a self-contained HTML page for change review (--out review.html)
  diagram                    the state machines (--format mermaid|dot|json|svg)

Common options:
  --sandbox [world.yaml]     use the built-in sandbox AWS world instead of AWS (default world from the plan)
  --state-dir DIR            where runs are kept (default .quiesce)
  --profile NAME, --region R AWS credentials profile and region (default provider chain)
  --json                     print exactly one JSON object on stdout at the end
  --log-file FILE            write pino JSON logs to FILE; --log-format json writes them to stderr
  -h, --help                 help for a command

Exit codes:
  0  done
  1  held, or failed with every cluster left safe
  2  bad input (nothing was changed)
  3  paused, waiting for an operator (quiesce approve <runId>)
  4  another run holds the lock on this listener
`;

export const COMMAND_HELP: Record<string, string> = {
  validate: `Usage: quiesce validate <plan.yaml|plan.json> [--json]

Checks the plan without touching AWS. Versions must be quoted strings, keys must be known,
ARNs must match the plan's region and resource types.
Exit 0 when valid; 2 with one line "file:line: field: problem" when not.
`,
  diagram: `Usage: quiesce diagram [--format mermaid|dot|json|svg] [--machine cluster|fleet|all]

Prints the state machines, generated from the machine definitions themselves.
mermaid (default) is stateDiagram-v2 and renders in a GitHub pull request. svg is laid out offline.
`,
  plan: `Usage: quiesce plan <plan> [--sandbox [world.yaml]] [--profile P] [--region R] [--json]

A dry run: reads the live state and prints, in order, what each cluster would go through and which
checks it would make, with the values read now. Mutates nothing.
`,
  run: `Usage: quiesce run <plan> [--sandbox [world.yaml]] [--speed N] [--json] [--state-dir DIR]
                        [--run-id ID] [--log-file FILE] [--log-format json] [--profile P] [--region R]

Runs the plan. Progress goes to stderr (a live view on a terminal, plain lines otherwise).
--speed N runs the sandbox clock at N times real time (default: as fast as possible).
Exit 0 done, 1 held, 3 paused, 4 locked.
`,
  demo: `Usage: quiesce demo [--fast] [--state-dir DIR] [--json]

Runs examples/payments.plan.yaml against the default sandbox world at about 60x real time
(--fast: instantly) and ends with a summary of traffic, failed requests and violations.
`,
  status: `Usage: quiesce status [runId] [--json] [--state-dir DIR]`,
  resume: `Usage: quiesce resume <runId> [--speed N] [--json] [--state-dir DIR]

Continues a run from its last persisted step; AWS (or the sandbox world) is read, not assumed.
`,
  approve: `Usage: quiesce approve <runId> [--by NAME] [--json] [--state-dir DIR]

Approves every paused cluster of the run and continues it. NAME defaults to $QUIESCE_OPERATOR or $USER.
`,
  abort: `Usage: quiesce abort <runId> [--by NAME] [--reason TEXT] [--json] [--state-dir DIR]

Requests an abort. If no process is driving the run, this one drives it to a safe end.
`,
  report: `Usage: quiesce report <runId> [--format md|json] [--out FILE] [--state-dir DIR]

The run's timeline as an incident report: status, who started, approved or aborted it, time in each
phase per cluster, then every phase change, AWS call (with before and after), check (observed value
and threshold), drift (the exact diff) and operator action, in UTC. Works for runs that are done, held,
paused or aborted. --format json prints the same report as one JSON object.
`,
  review: `Usage: quiesce review <plan> [--sandbox [world.yaml]] [--run runId] [--out review.html]
                      [--state-dir DIR] [--profile P] [--plan-only]

Writes one self-contained HTML page for change review (to stdout without --out): the fleet, each
cluster's steps, checks and thresholds, estimated durations, the AWS permissions the plan needs and
the state machines. It loads nothing from anywhere. Estimates use the target groups' own settings from
the sandbox (--sandbox) or AWS; without access it falls back to plan-only estimates and says so.
--run overlays a run: the states each cluster went through, where it is now, its timeline and checks.
`,
};

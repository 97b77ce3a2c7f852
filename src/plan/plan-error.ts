import { QuiesceError } from '../errors.js';

/** One problem of a plan: where it is and what is wrong, as one line says it. */
export interface PlanProblem {
  line?: number;
  field?: string;
  detail: string;
}

export function problemLine(file: string, p: PlanProblem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}`;
  return `${where}: ${p.field ? `${p.field}: ` : ''}${p.detail}`;
}

/**
 * Bad plan or world input: always one line, naming the file, line and field. The CLI maps it to exit 2.
 * `problems` holds every problem found (the first is the message's), for `validate --json` to list them all.
 */
export class PlanError extends QuiesceError {
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly detail: string;
  readonly problems: PlanProblem[];

  constructor(
    file: string,
    line: number | undefined,
    field: string | undefined,
    detail: string,
    options?: ErrorOptions & { more?: number; problems?: PlanProblem[] },
  ) {
    const first: PlanProblem = { ...(line !== undefined ? { line } : {}), ...(field ? { field } : {}), detail };
    const problems = options?.problems?.length ? options.problems : [first];
    const moreCount = options?.more ?? problems.length - 1;
    const more = moreCount ? ` (and ${moreCount} more problem${moreCount > 1 ? 's' : ''}; quiesce validate --json lists them all)` : '';
    super(`${problemLine(file, first)}${more}`, options);
    this.name = 'PlanError';
    this.file = file;
    this.line = line;
    this.field = field;
    this.detail = detail;
    this.problems = problems;
  }
}

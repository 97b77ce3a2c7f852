import { QuiesceError } from '../errors.js';

/** Bad plan or world input: always one line, naming the file, line and field. The CLI maps it to exit 2. */
export class PlanError extends QuiesceError {
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly detail: string;

  constructor(
    file: string,
    line: number | undefined,
    field: string | undefined,
    detail: string,
    options?: ErrorOptions & { more?: number },
  ) {
    const where = line === undefined ? file : `${file}:${line}`;
    const more = options?.more ? ` (and ${options.more} more problem${options.more > 1 ? 's' : ''})` : '';
    super(`${where}: ${field ? `${field}: ` : ''}${detail}${more}`, options);
    this.name = 'PlanError';
    this.file = file;
    this.line = line;
    this.field = field;
    this.detail = detail;
  }
}

/**
 * One error type per kind of failure. Every error carries a stable `code` (used by servers to pick
 * an HTTP status and by the CLI to pick an exit code) and a message that names what was wrong and
 * where, written for the person who has to fix it.
 */

export type ErrorCode =
  | 'INVALID_INPUT' // malformed data a user handed us: CSV, JSON, tensors
  | 'INVALID_PARAMETER' // a parameter or option out of its domain
  | 'NOT_FOUND' // a file, model, run or column that does not exist
  | 'MODEL_PACKAGE' // a model package that is corrupt, tampered with or of an unknown format
  | 'NOT_FITTED' // an estimator used before fit()
  | 'UNAVAILABLE' // a service the user named (a remote, a bucket, a server) cannot be reached or refuses
  | 'INTERNAL';

/**
 * Exit code used by the CLI for each error kind: 2 when the fix is the user's (their input, or a
 * service they named that is down or refuses them), 1 only for a bug in mlship.
 */
const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_INPUT: 2,
  INVALID_PARAMETER: 2,
  NOT_FOUND: 2,
  MODEL_PACKAGE: 2,
  UNAVAILABLE: 2,
  NOT_FITTED: 1,
  INTERNAL: 1,
};

export class MlshipError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** Where in a text file something went wrong; line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
  columnName?: string;
}

/** Malformed input data. The message starts with `file:line:column:` when the location is known. */
export class InvalidInputError extends MlshipError {
  readonly location: SourceLocation | undefined;
  constructor(message: string, location?: SourceLocation) {
    super('INVALID_INPUT', location ? `${formatLocation(location)}: ${message}` : message);
    this.location = location;
  }
}

export class InvalidParameterError extends MlshipError {
  constructor(message: string) {
    super('INVALID_PARAMETER', message);
  }
}

export class NotFoundError extends MlshipError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ModelPackageError extends MlshipError {
  constructor(message: string) {
    super('MODEL_PACKAGE', message);
  }
}

export class NotFittedError extends MlshipError {
  constructor(what: string) {
    super('NOT_FITTED', `${what} is not fitted yet: call fit() first`);
  }
}

export function formatLocation(loc: SourceLocation): string {
  let s = `${loc.file}:${loc.line}`;
  if (loc.column !== undefined) s += `:${loc.column}`;
  if (loc.columnName !== undefined) s += ` (column "${loc.columnName}")`;
  return s;
}

/**
 * The first few of `names` for a one-line message ("a, b, c and 4 more"): enough to say what is in
 * the way without letting a long list break the one line.
 */
export function nameSome(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

/** `s` as a shell word, quoted only when it needs to be, for commands a message suggests. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

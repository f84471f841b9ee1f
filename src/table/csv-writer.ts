/**
 * Table to CSV (RFC 4180), written so that reading it back gives the same table: numbers use
 * JavaScript's shortest round-trip formatting (so every double, -0 included, reads back
 * bit-identical), ±Infinity are written as pandas writes them ("inf", "-inf"), a missing value is
 * an empty field, and a field holding a comma, quote, CR or LF is quoted with quotes doubled.
 * `formatCsv` and `writeCsv` both consume the same generator of text chunks.
 */

import { InvalidParameterError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { type Column, MISSING_CODE, type Table } from './table.js';

export interface WriteCsvOptions {
  /** Record terminator: LF (the default, as pandas writes on Unix) or CRLF (RFC 4180's). */
  lineTerminator?: '\n' | '\r\n';
}

/** Rows per text chunk: big enough to amortise a write call, small enough to bound memory. */
const ROWS_PER_CHUNK = 8192;

const NEEDS_QUOTES = /[",\r\n]/;

/** The field as RFC 4180 writes it: quoted (quotes doubled) only when it must be. */
export function quoteField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Shortest text that reads back as exactly `x`; empty for NaN (missing). */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return '';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  // String(-0) is "0", which would read back as +0.
  if (x === 0 && 1 / x < 0) return '-0';
  return String(x);
}

/** The CSV text of `table`, in chunks of whole rows (the header first). */
export function* csvChunks(table: Table, options: WriteCsvOptions = {}): Generator<string, void, undefined> {
  const eol = options.lineTerminator ?? '\n';
  const { columns, nRows } = table;
  if (columns.length === 0) throw new InvalidParameterError('cannot write a table with no columns as CSV');
  for (const column of columns) {
    const length = column.kind === 'numeric' ? column.values.length : column.codes.length;
    if (length !== nRows) {
      throw new InvalidParameterError(
        `column "${column.name}" has ${length} values but the table has ${nRows} rows`,
      );
    }
  }
  yield columns.map((c) => quoteField(c.name)).join(',') + eol;
  // With one column a missing value would make an empty line, which readers skip as blank;
  // `""` is the same empty field, but visible.
  const missing = columns.length === 1 ? '""' : '';
  const cells = columns.map((c) => cellFormatter(c, missing));
  for (let from = 0; from < nRows; from += ROWS_PER_CHUNK) {
    const to = Math.min(nRows, from + ROWS_PER_CHUNK);
    let text = '';
    for (let row = from; row < to; row++) {
      text += cells[0](row);
      for (let j = 1; j < cells.length; j++) text += `,${cells[j](row)}`;
      text += eol;
    }
    yield text;
  }
}

function cellFormatter(column: Column, missing: string): (row: number) => string {
  if (column.kind === 'numeric') {
    const values = column.values;
    return (row) => (Number.isNaN(values[row]) ? missing : formatNumber(values[row]));
  }
  const codes = column.codes;
  const quoted = column.dictionary.map(quoteField);
  return (row) => {
    const code = codes[row];
    if (code === MISSING_CODE) return missing;
    const text = quoted[code];
    if (text === undefined) {
      throw new InvalidParameterError(
        `column "${column.name}" row ${row}: category code ${code} is outside its dictionary of ${quoted.length}`,
      );
    }
    return text;
  };
}

/** The whole CSV text of `table`. */
export function formatCsv(table: Table, options: WriteCsvOptions = {}): string {
  let text = '';
  for (const chunk of csvChunks(table, options)) text += chunk;
  return text;
}

/**
 * Writes `table` to `path` atomically (core/fs writeFileAtomic: temp file in the same directory,
 * fsync, rename), streaming chunk by chunk. A reader of `path` sees the old file or the new one,
 * never a half-written one. Missing parent directories are created.
 */
export async function writeCsv(path: string, table: Table, options: WriteCsvOptions = {}): Promise<void> {
  await writeFileAtomic(path, csvChunks(table, options));
}

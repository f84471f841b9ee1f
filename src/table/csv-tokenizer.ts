/**
 * The RFC 4180 state machine, over bytes. It is fed chunks of any size (a chunk may end inside a
 * field, inside quotes, between a CR and its LF, or inside a UTF-8 sequence) and hands each field
 * to a sink as a byte range, so the reader never builds a string or an array per row.
 *
 * Grammar (RFC 4180 section 2, with the usual relaxations pandas and Python's csv module share):
 * - records end with CRLF, LF, or a lone CR; the last record may lack one;
 * - fields are separated by commas; a field may be enclosed in double quotes, and then may hold
 *   commas, CR and LF, and `""` for one quote;
 * - a line with no bytes at all is skipped wherever it is (pandas' skip_blank_lines), so blank
 *   trailing lines are ignored; a one-column file writes a missing value as `""` to stay visible;
 * - a UTF-8 byte order mark at the start of the input is skipped.
 * Refused, with the record's line and the field's 1-based index: a quote inside an unquoted
 * field, text after a closing quote, and a quoted field still open at the end of the input.
 */

import { InvalidInputError } from '../core/errors.js';

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** The field was enclosed in quotes. */
export const FIELD_QUOTED = 1;
/** The field's bytes contain `""` pairs, each standing for one quote. */
export const FIELD_ESCAPED = 2;

export interface CsvSink {
  /**
   * Field `index` (0-based) of the current record is `buf[start, end)`, without its enclosing
   * quotes. The bytes are only valid during the call: the buffer is reused afterwards.
   */
  field(index: number, buf: Buffer, start: number, end: number, flags: number): void;
  /** The current record ended after `nFields` fields. */
  endRecord(nFields: number): void;
}

const S_FIELD_START = 0;
const S_UNQUOTED = 1;
const S_QUOTED = 2;
/** Just after a quote inside a quoted field: either `""` or the closing quote. */
const S_QUOTED_QUOTE = 3;

const BOM = [0xef, 0xbb, 0xbf];

export class CsvTokenizer {
  /** 1-based physical line where the current record starts; valid during sink calls. */
  recordLine = 1;
  /** Names of the columns, once known, so errors can name the column a field belongs to. */
  columnNames: readonly string[] | undefined;

  private readonly file: string;
  private readonly sink: CsvSink;
  /** 1-based physical line at the scan position. */
  private line = 1;
  private state = S_FIELD_START;
  private fieldIndex = 0;
  private flags = 0;
  /** Some byte of the current record has been seen (so a line break ends it, not skips it). */
  private inRecord = false;
  /** The last record ended with CR; an LF right after it belongs to the same line break. */
  private skipLF = false;
  private quoteLine = 0;
  private bomChecked = false;
  /**
   * Bytes of the field still open at the end of the previous chunk (and, before the BOM check,
   * the first bytes of the input). Grown by doubling, so a field spanning many chunks costs
   * linear time.
   */
  private carry: Buffer = Buffer.allocUnsafe(0);
  private carryLength = 0;
  /** Where scanning resumes in `carry`: the bytes before it were already examined. */
  private resumeAt = 0;
  private ended = false;

  constructor(file: string, sink: CsvSink) {
    this.file = file;
    this.sink = sink;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('CsvTokenizer.push() after end()');
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return;
    if (this.carryLength === 0 && this.bomChecked) {
      this.scan(bytes, 0, 0, bytes.length, false);
      return;
    }
    this.append(bytes);
    if (!this.bomChecked) {
      if (this.carryLength < BOM.length) return;
      this.checkBom(false);
      return;
    }
    this.scan(this.carry, 0, this.resumeAt, this.carryLength, false);
  }

  /** Ends the input: closes the last record and reports an unterminated quoted field. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.bomChecked) {
      this.checkBom(true);
      return;
    }
    this.scan(this.carry, 0, this.resumeAt, this.carryLength, true);
  }

  private checkBom(final: boolean): void {
    this.bomChecked = true;
    const c = this.carry;
    const start =
      this.carryLength >= 3 && c[0] === BOM[0] && c[1] === BOM[1] && c[2] === BOM[2] ? BOM.length : 0;
    this.scan(c, start, start, this.carryLength, final);
  }

  private append(bytes: Buffer): void {
    const needed = this.carryLength + bytes.length;
    if (needed > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.carry.length * 2));
      this.carry.copy(grown, 0, 0, this.carryLength);
      this.carry = grown;
    }
    bytes.copy(this.carry, this.carryLength);
    this.carryLength = needed;
  }

  /**
   * Scans `buf[pos, end)`. `fieldStart` is where the open field's content begins (it equals `pos`
   * between fields). Without `final`, bytes of a field that is still open are kept for the next
   * chunk; with it, the input ends here.
   */
  private scan(buf: Buffer, fieldStart: number, pos: number, end: number, final: boolean): void {
    const sink = this.sink;
    let state = this.state;
    let line = this.line;
    let c = 0;
    scanning: while (pos < end) {
      switch (state) {
        case S_FIELD_START: {
          c = buf[pos];
          if (this.skipLF) {
            this.skipLF = false;
            if (c === LF) {
              fieldStart = ++pos;
              continue;
            }
          }
          if (!this.inRecord) {
            if (c === LF || c === CR) {
              // A blank line: no record at all.
              line++;
              this.skipLF = c === CR;
              fieldStart = ++pos;
              continue;
            }
            this.inRecord = true;
            this.recordLine = line;
          }
          if (c === QUOTE) {
            state = S_QUOTED;
            this.flags = FIELD_QUOTED;
            this.quoteLine = line;
            fieldStart = ++pos;
          } else {
            state = S_UNQUOTED;
            this.flags = 0;
            fieldStart = pos;
          }
          break;
        }
        case S_UNQUOTED: {
          while (pos < end) {
            c = buf[pos];
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            pos++;
          }
          if (pos === end) break scanning;
          if (c === QUOTE) {
            throw this.error(
              'a quote inside an unquoted field; enclose the whole field in quotes and double the quote ("")',
            );
          }
          sink.field(this.fieldIndex, buf, fieldStart, pos, 0);
          line = this.afterField(c, line);
          state = S_FIELD_START;
          fieldStart = ++pos;
          break;
        }
        case S_QUOTED: {
          while (pos < end) {
            c = buf[pos];
            if (c === QUOTE) break;
            if (c === LF) {
              line++;
            } else if (c === CR) {
              // CRLF counts once, at its LF; a lone CR is a line break of its own. At the end of a
              // chunk the next byte is unknown yet: stop before the CR and look again later.
              if (pos + 1 === end) {
                if (!final) break;
                line++;
              } else if (buf[pos + 1] !== LF) {
                line++;
              }
            }
            pos++;
          }
          if (pos === end || c !== QUOTE) break scanning;
          state = S_QUOTED_QUOTE;
          pos++;
          break;
        }
        case S_QUOTED_QUOTE: {
          c = buf[pos];
          if (c === QUOTE) {
            this.flags |= FIELD_ESCAPED;
            state = S_QUOTED;
            pos++;
            break;
          }
          if (c !== COMMA && c !== LF && c !== CR) {
            throw this.error(
              'text after the closing quote of a quoted field; a quote inside a quoted field is written as ""',
            );
          }
          sink.field(this.fieldIndex, buf, fieldStart, pos - 1, this.flags);
          line = this.afterField(c, line);
          state = S_FIELD_START;
          fieldStart = ++pos;
          break;
        }
      }
    }
    this.state = state;
    this.line = line;
    if (final) {
      this.finish(buf, fieldStart, end);
      return;
    }
    // Keep the open field's bytes (and where scanning stopped) for the next chunk.
    const kept = end - fieldStart;
    if (buf === this.carry) {
      if (fieldStart > 0) buf.copy(buf, 0, fieldStart, end);
      this.carryLength = kept;
    } else {
      this.carryLength = 0;
      if (kept > 0) this.append(buf.subarray(fieldStart, end));
    }
    this.resumeAt = pos - fieldStart;
  }

  /** After a field ended at delimiter `c`: next field, or end of record. Returns the new line. */
  private afterField(c: number, line: number): number {
    if (c === COMMA) {
      this.fieldIndex++;
      return line;
    }
    this.sink.endRecord(this.fieldIndex + 1);
    this.fieldIndex = 0;
    this.inRecord = false;
    this.skipLF = c === CR;
    return line + 1;
  }

  private finish(buf: Buffer, fieldStart: number, end: number): void {
    this.carryLength = 0;
    switch (this.state) {
      case S_FIELD_START:
        // After a trailing comma the record still has one (empty) last field.
        if (this.inRecord) this.sink.field(this.fieldIndex, buf, end, end, 0);
        break;
      case S_UNQUOTED:
        this.sink.field(this.fieldIndex, buf, fieldStart, end, 0);
        break;
      case S_QUOTED:
        throw this.error(
          `a quoted field is not closed: the input ends inside the quotes opened on line ${this.quoteLine}`,
        );
      case S_QUOTED_QUOTE:
        this.sink.field(this.fieldIndex, buf, fieldStart, end - 1, this.flags);
        break;
    }
    if (this.inRecord) {
      this.sink.endRecord(this.fieldIndex + 1);
      this.inRecord = false;
    }
  }

  private error(message: string): InvalidInputError {
    return new InvalidInputError(message, {
      file: this.file,
      line: this.recordLine,
      column: this.fieldIndex + 1,
      columnName: this.columnNames?.[this.fieldIndex],
    });
  }
}

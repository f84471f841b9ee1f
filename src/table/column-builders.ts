/**
 * Typed-array builders that turn CSV field bytes into columns. A categorical builder
 * looks a field's bytes up in a hash table and decodes UTF-8 only the first time a value is seen,
 * so a million rows of a five-category column make five strings, not a million.
 */

import { FIELD_ESCAPED } from './csv-tokenizer.js';
import { parseNumberBytes } from './parse-number.js';
import { type CategoricalColumn, MISSING_CODE, type NumericColumn } from './table.js';

const QUOTE = 0x22;

/** Fatal: invalid UTF-8 is an input error, as in pandas, not silently replaced with U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a field: UTF-8 decoded, `""` turned back into `"`. Undefined if the bytes are not
 * valid UTF-8.
 */
export function fieldText(buf: Uint8Array, start: number, end: number, flags: number): string | undefined {
  const bytes = flags & FIELD_ESCAPED ? unescapeQuotes(buf, start, end) : buf.subarray(start, end);
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The field's bytes with each `""` pair made one `"` (pairs are all the tokenizer lets through). */
function unescapeQuotes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    out[n++] = buf[i];
    if (buf[i] === QUOTE) i++;
  }
  return out.subarray(0, n);
}

/**
 * Builders are sized once, to the row count an earlier pass found, so the arrays they fill are the
 * ones the table keeps: no growth, no copy, no garbage. A row past the capacity is not stored
 * (typed arrays ignore writes out of bounds); the reader reports it as the file having changed.
 */
export class NumericBuilder {
  private readonly values: Float64Array;
  private length = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  /** Appends the field's number; returns false (appending nothing) if it is not a number. */
  add(buf: Uint8Array, start: number, end: number): boolean {
    const v = parseNumberBytes(buf, start, end);
    if (v === undefined) return false;
    this.values[this.length++] = v;
    return true;
  }

  build(name: string): NumericColumn {
    return { kind: 'numeric', name, values: this.values };
  }
}

/** FNV-1a over bytes; Math.imul keeps it in 32-bit integer arithmetic. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h;
}

export class CategoricalBuilder {
  private readonly codes: Int32Array;
  private length = 0;
  private readonly dictionary: string[] = [];
  /** The raw bytes of each dictionary entry, back to back, for comparing against fields. */
  private pool = new Uint8Array(1024);
  private poolLength = 0;
  private entryStart = new Int32Array(16);
  private entryEnd = new Int32Array(16);
  private entryHash = new Int32Array(16);
  /** Open addressing, linear probing: entry index + 1, 0 = empty slot. Load kept ≤ 1/2. */
  private slots = new Int32Array(64);

  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
  }

  /** Appends the field's code; returns false (appending nothing) if it is not valid UTF-8. */
  add(buf: Uint8Array, start: number, end: number, flags: number): boolean {
    let code = MISSING_CODE;
    if (end > start) {
      if (flags & FIELD_ESCAPED) {
        const unescaped = unescapeQuotes(buf, start, end);
        buf = unescaped;
        start = 0;
        end = unescaped.length;
      }
      code = this.lookup(buf, start, end);
      if (code < 0) return false;
    }
    this.codes[this.length++] = code;
    return true;
  }

  /** The code of the value in `buf[start, end)`, adding it if new; -1 if it is not UTF-8. */
  private lookup(buf: Uint8Array, start: number, end: number): number {
    const h = hashBytes(buf, start, end);
    const mask = this.slots.length - 1;
    const n = end - start;
    let s = h & mask;
    for (;;) {
      const entry = this.slots[s] - 1;
      if (entry < 0) break;
      if (this.entryHash[entry] === h) {
        const from = this.entryStart[entry];
        if (this.entryEnd[entry] - from === n) {
          let k = 0;
          while (k < n && this.pool[from + k] === buf[start + k]) k++;
          if (k === n) return entry;
        }
      }
      s = (s + 1) & mask;
    }
    const text = fieldText(buf, start, end, 0);
    if (text === undefined) return -1;
    return this.addEntry(buf, start, end, h, s, text);
  }

  private addEntry(
    buf: Uint8Array,
    start: number,
    end: number,
    h: number,
    slot: number,
    text: string,
  ): number {
    const entry = this.dictionary.length;
    this.dictionary.push(text);
    if (entry === this.entryHash.length) {
      this.entryStart = growInt32(this.entryStart);
      this.entryEnd = growInt32(this.entryEnd);
      this.entryHash = growInt32(this.entryHash);
    }
    const n = end - start;
    if (this.poolLength + n > this.pool.length) {
      const grown = new Uint8Array(Math.max(this.pool.length * 2, this.poolLength + n));
      grown.set(this.pool.subarray(0, this.poolLength));
      this.pool = grown;
    }
    this.pool.set(buf.subarray(start, end), this.poolLength);
    this.entryStart[entry] = this.poolLength;
    this.entryEnd[entry] = this.poolLength + n;
    this.entryHash[entry] = h;
    this.poolLength += n;
    this.slots[slot] = entry + 1;
    if (2 * (entry + 1) > this.slots.length) this.rehash();
    return entry;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.dictionary.length; entry++) {
      let s = this.entryHash[entry] & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = entry + 1;
    }
    this.slots = slots;
  }

  build(name: string): CategoricalColumn {
    return {
      kind: 'categorical',
      name,
      codes: this.codes,
      dictionary: this.dictionary,
    };
  }
}

function growInt32(a: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(a.length * 2);
  grown.set(a);
  return grown;
}

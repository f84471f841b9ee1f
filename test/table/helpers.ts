import { expect } from 'vitest';
import { parseCsv, type ReadCsvOptions } from '../../src/table/csv-reader.js';
import type { Column, Table } from '../../src/table/table.js';

/** A column's values as plain JS: numbers (NaN for missing) or strings (null for missing). */
export function valuesOf(column: Column): (number | string | null)[] {
  if (column.kind === 'numeric') return Array.from(column.values);
  return Array.from(column.codes, (code) => (code === -1 ? null : column.dictionary[code]));
}

/** `{name: [values…]}` for a whole table, with each column's kind. */
export function tableValues(
  table: Table,
): Record<string, { kind: Column['kind']; values: (number | string | null)[] }> {
  const out: Record<string, { kind: Column['kind']; values: (number | string | null)[] }> = {};
  for (const c of table.columns) out[c.name] = { kind: c.kind, values: valuesOf(c) };
  return out;
}

/**
 * Chunk sizes that put chunk boundaries everywhere in small inputs: inside fields, between a
 * quote and its twin, between CR and LF, inside the BOM and inside multi-byte UTF-8 characters.
 */
export const SPLITS = [1, 2, 3, 4, 5, 7, 11, 13, 64];

/**
 * Parses `text` with each chunk size and checks every result equals the one-chunk result;
 * returns that result.
 */
export function parseAllSplits(
  text: string | Uint8Array,
  options: ReadCsvOptions & { file?: string } = {},
): Table {
  const whole = parseCsv(text, { ...options, highWaterMark: 1 << 20 });
  for (const highWaterMark of SPLITS) {
    expect(parseCsv(text, { ...options, highWaterMark }), `highWaterMark ${highWaterMark}`).toEqual(whole);
  }
  return whole;
}

/**
 * The error message `parseCsv` throws for `text`, checked to be the same for every chunk size
 * (line counting and field indices must not depend on where chunks end).
 */
export function parseErrorAllSplits(
  text: string | Uint8Array,
  options: ReadCsvOptions & { file?: string } = {},
): string {
  const messages = new Set<string>();
  for (const highWaterMark of [...SPLITS, 1 << 20]) {
    try {
      parseCsv(text, { ...options, highWaterMark });
      messages.add('(no error)');
    } catch (err) {
      messages.add(`${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  expect(messages.size, [...messages].join('\n')).toBe(1);
  return [...messages][0];
}

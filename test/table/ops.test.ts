import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError, NotFoundError } from '../../src/core/errors.js';
import { parseCsv } from '../../src/table/csv-reader.js';
import { categoricalColumn, columnNames, getColumn, numericColumn, takeRows } from '../../src/table/ops.js';
import { tableValues } from './helpers.js';

const table = parseCsv('n,c\n1,a\n2,b\n,a\n4,\n');

describe('column lookup', () => {
  it('lists and finds columns by name', () => {
    expect(columnNames(table)).toEqual(['n', 'c']);
    expect(getColumn(table, 'c').kind).toBe('categorical');
    expect(Array.from(numericColumn(table, 'n').values)).toEqual([1, 2, Number.NaN, 4]);
    expect(categoricalColumn(table, 'c').dictionary).toEqual(['a', 'b']);
  });

  it('says which columns exist when one is missing', () => {
    expect(() => getColumn(table, 'median_house_value')).toThrow(NotFoundError);
    expect(() => getColumn(table, 'median_house_value')).toThrow(
      'no column "median_house_value"; the table has: n, c',
    );
  });

  it('refuses a column of the wrong kind', () => {
    expect(() => numericColumn(table, 'c')).toThrow(InvalidInputError);
    expect(() => numericColumn(table, 'c')).toThrow(
      'column "c" is categorical, but a numeric column is needed here',
    );
    expect(() => categoricalColumn(table, 'n')).toThrow(
      'column "n" is numeric, but a categorical column is needed here',
    );
  });
});

describe('takeRows', () => {
  it('copies the rows at the indices, in their order, repeats allowed, keeping the dictionary', () => {
    const taken = takeRows(table, Int32Array.from([3, 0, 0, 2]));
    expect(taken.nRows).toBe(4);
    expect(tableValues(taken)).toEqual({
      n: { kind: 'numeric', values: [4, 1, 1, Number.NaN] },
      c: { kind: 'categorical', values: [null, 'a', 'a', 'a'] },
    });
    expect(categoricalColumn(taken, 'c').dictionary).toBe(categoricalColumn(table, 'c').dictionary);
    // A copy: writing to it leaves the source alone.
    numericColumn(taken, 'n').values[1] = 99;
    expect(numericColumn(table, 'n').values[0]).toBe(1);
    expect(takeRows(table, new Int32Array(0)).nRows).toBe(0);
  });

  it('refuses an index outside the table', () => {
    expect(() => takeRows(table, Int32Array.from([0, 4]))).toThrow(InvalidParameterError);
    expect(() => takeRows(table, Int32Array.from([0, -1]))).toThrow(
      'row index -1 (at position 1) is out of range for a table of 4 rows',
    );
  });
});

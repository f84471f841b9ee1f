/**
 * Small lookups and row selection on tables, with errors that say what the table does have.
 */

import { InvalidInputError, InvalidParameterError, NotFoundError } from '../core/errors.js';
import type { CategoricalColumn, Column, NumericColumn, Table } from './table.js';

export function columnNames(table: Table): string[] {
  return table.columns.map((c) => c.name);
}

export function getColumn(table: Table, name: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    throw new NotFoundError(`no column "${name}"; the table has: ${columnNames(table).join(', ')}`);
  }
  return column;
}

export function numericColumn(table: Table, name: string): NumericColumn {
  const column = getColumn(table, name);
  if (column.kind !== 'numeric') {
    throw new InvalidInputError(`column "${name}" is categorical, but a numeric column is needed here`);
  }
  return column;
}

export function categoricalColumn(table: Table, name: string): CategoricalColumn {
  const column = getColumn(table, name);
  if (column.kind !== 'categorical') {
    throw new InvalidInputError(`column "${name}" is numeric, but a categorical column is needed here`);
  }
  return column;
}

/**
 * A new table of the rows at `indices`, in that order (repeats allowed). Values are copied;
 * categorical columns keep the same dictionary, so codes mean the same category in both tables
 * (a train and a test split encode alike).
 */
export function takeRows(table: Table, indices: Int32Array): Table {
  const nRows = table.nRows;
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    if (row < 0 || row >= nRows) {
      throw new InvalidParameterError(
        `row index ${row} (at position ${i}) is out of range for a table of ${nRows} rows`,
      );
    }
  }
  const columns = table.columns.map((column): Column => {
    if (column.kind === 'numeric') {
      const values = new Float64Array(indices.length);
      for (let i = 0; i < indices.length; i++) values[i] = column.values[indices[i]];
      return { kind: 'numeric', name: column.name, values };
    }
    const codes = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) codes[i] = column.codes[indices[i]];
    return { kind: 'categorical', name: column.name, codes, dictionary: column.dictionary };
  });
  return { nRows: indices.length, columns };
}

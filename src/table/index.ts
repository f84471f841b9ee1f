/**
 * table/: typed columnar tables (Float64Array numbers, Int32Array category codes) and CSV I/O:
 * a streaming RFC 4180 reader with type inference, and an atomic round-tripping writer.
 * It may import only from core/; everything from ml/ upward may import from here.
 */
export { parseCsv, type ReadCsvOptions, readCsv } from './csv-reader.js';
export {
  csvChunks,
  formatCsv,
  formatNumber,
  quoteField,
  type WriteCsvOptions,
  writeCsv,
} from './csv-writer.js';
export { categoricalColumn, columnNames, getColumn, numericColumn, takeRows } from './ops.js';
export { NUMERIC_NA_STRINGS } from './parse-number.js';
export * from './table.js';

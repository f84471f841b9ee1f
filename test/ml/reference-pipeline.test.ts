/**
 * The flagship's model input matrix, column for column and value for value, against the
 * reference's own steps run with scikit-learn 1.2.1 (test/fixtures/reference_pipeline.json, written
 * by test/fixtures/gen_reference_pipeline.py with bench/sklearn_train.py's `features`), for both of
 * params.yaml's `preprocessing.order` values:
 * - impute_encode_ratios, the committed flagship: the reference's pipelines/train.py — median
 *   imputation of total_bedrooms only, one-hot ocean_proximity appended after the numeric columns,
 *   then the three ratios from the imputed values, appended last;
 * - ratios_impute_encode, mlship's earlier order: ratios from the raw values, every numeric and ratio
 *   column imputed, one-hot last (a ColumnTransformer).
 * On this split all 207 rows missing total_bedrooms fall in the test rows, so the test matrix is
 * where the two orders differ.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Matrix } from '../../src/ml/matrix.js';
import type { PreprocessingOrder } from '../../src/ml/preprocess.js';
import { FLAGSHIP_CSV, HAVE_FLAGSHIP, loadFlagship } from '../helpers/flagship.js';

interface OrderFixture {
  columns: string[];
  imputer_statistics: number[];
  train_sha256: string;
  test_sha256: string;
  train_head: (number | null)[][];
  test_head: (number | null)[][];
  train_missing_rows: (number | null)[][];
  test_missing_rows: (number | null)[][];
}
type Fixture = {
  versions: { sklearn: string };
  data_md5: string;
  missing_total_bedrooms: { train: number[]; test: number[] };
} & Record<PreprocessingOrder, OrderFixture>;

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/reference_pipeline.json', import.meta.url), 'utf8'),
) as Fixture;

/** As the fixture hashes it: column-major float64 little-endian, every NaN the canonical quiet NaN. */
function matrixSha256(m: Matrix): string {
  const bytes = Buffer.alloc(m.data.length * 8);
  for (let k = 0; k < m.data.length; k++)
    bytes.writeDoubleLE(Number.isNaN(m.data[k]) ? Number.NaN : m.data[k], k * 8);
  return createHash('sha256').update(bytes).digest('hex');
}

function rows(m: Matrix, indices: readonly number[]): (number | null)[][] {
  return indices.map((i) =>
    Array.from({ length: m.nCols }, (_, j) => {
      const v = m.data[j * m.nRows + i];
      return Number.isNaN(v) ? null : v;
    }),
  );
}

describe.skipIf(!HAVE_FLAGSHIP)('the flagship input matrix, as scikit-learn builds it', () => {
  it('reads the data the fixture was made from', () => {
    expect(fixture.versions.sklearn).toBe('1.2.1');
    expect(createHash('md5').update(readFileSync(FLAGSHIP_CSV)).digest('hex')).toBe(fixture.data_md5);
    expect(fixture.missing_total_bedrooms.test).toHaveLength(207);
  });

  for (const order of ['impute_encode_ratios', 'ratios_impute_encode'] as const) {
    it(`${order}: same columns, imputer statistics and every value, train and test`, async () => {
      const want = fixture[order];
      const data = await loadFlagship(order);
      expect(data.params.preprocessing.order).toBe(order);
      expect(data.Xtr.names).toEqual(want.columns);
      expect(data.Xte.names).toEqual(want.columns);
      expect(Array.from(data.features.imputer!.statistics)).toEqual(want.imputer_statistics);
      expect(rows(data.Xtr, [0, 1, 2, 3, 4])).toEqual(want.train_head);
      expect(rows(data.Xte, [0, 1, 2, 3, 4])).toEqual(want.test_head);
      expect(rows(data.Xtr, fixture.missing_total_bedrooms.train)).toEqual(want.train_missing_rows);
      expect(rows(data.Xte, fixture.missing_total_bedrooms.test)).toEqual(want.test_missing_rows);
      expect(matrixSha256(data.Xtr)).toBe(want.train_sha256);
      expect(matrixSha256(data.Xte)).toBe(want.test_sha256);
    });
  }

  it('the committed params.yaml is the reference: 8 numeric, 5 one-hot, 3 ratio columns, total_bedrooms imputed', async () => {
    const data = await loadFlagship();
    expect(data.params.preprocessing).toMatchObject({
      order: 'impute_encode_ratios',
      imputeColumns: ['total_bedrooms'],
      imputeStrategy: 'median',
      handleUnknown: 'ignore',
    });
    expect(data.Xtr.names).toEqual(fixture.impute_encode_ratios.columns);
  });
});

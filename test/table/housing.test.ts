import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/table/csv-reader.js';
import { categoricalColumn, columnNames, numericColumn } from '../../src/table/ops.js';

// The flagship data set: from the shared data folder, or pulled by `mlship data pull` (DVC).
const HOUSING = ['/work/shared/data/housing.csv', 'data/raw/housing.csv'].find((p) => existsSync(p));

// Reference values from pandas 1.5.3: `pd.read_csv(path)`, then for each numeric column the plain
// left-to-right sum of its non-missing values (Python `sum` order, which a JS loop reproduces).
// Equal sums to the last bit mean every value parsed to the same double as pandas'.
const PANDAS_SUMS: Record<string, number> = {
  longitude: -2467918.699999941,
  latitude: 735441.6200000036,
  housing_median_age: 591119.0,
  total_rooms: 54402150.0,
  total_bedrooms: 10990309.0,
  population: 29421840.0,
  households: 10310499.0,
  median_income: 79890.64950000099,
  median_house_value: 4269504061.0,
};

describe.skipIf(HOUSING === undefined)('housing.csv (md5 d1c47305887e2252bf1ccbd74ff159a6)', () => {
  it('reads 20,640 rows of 9 numeric columns and 1 categorical, as pandas does', async () => {
    const table = await readCsv(HOUSING!, { required: ['median_house_value'] });
    expect(table.nRows).toBe(20640);
    expect(columnNames(table)).toEqual([...Object.keys(PANDAS_SUMS), 'ocean_proximity']);

    for (const [name, pandasSum] of Object.entries(PANDAS_SUMS)) {
      const values = numericColumn(table, name).values;
      let sum = 0;
      let missing = 0;
      for (const v of values) {
        if (Number.isNaN(v)) missing++;
        else sum += v;
      }
      expect(sum, name).toBe(pandasSum);
      // pandas: df.isna().sum() is 207 for total_bedrooms and 0 elsewhere.
      expect(missing, name).toBe(name === 'total_bedrooms' ? 207 : 0);
    }
    const bedrooms = numericColumn(table, 'total_bedrooms').values;
    // pandas: df.total_bedrooms.isna().to_numpy().nonzero()[0][:5]
    const firstMissing = [];
    for (let i = 0; i < bedrooms.length && firstMissing.length < 5; i++)
      if (Number.isNaN(bedrooms[i])) firstMissing.push(i);
    expect(firstMissing).toEqual([290, 341, 538, 563, 696]);

    const ocean = categoricalColumn(table, 'ocean_proximity');
    // pandas: list(df.ocean_proximity.unique()), in order of first appearance.
    expect(ocean.dictionary).toEqual(['NEAR BAY', '<1H OCEAN', 'INLAND', 'NEAR OCEAN', 'ISLAND']);
    const counts: Record<string, number> = {};
    for (const code of ocean.codes)
      counts[ocean.dictionary[code]] = (counts[ocean.dictionary[code]] ?? 0) + 1;
    // pandas: df.ocean_proximity.value_counts(dropna=False)
    expect(counts).toEqual({
      '<1H OCEAN': 9136,
      INLAND: 6551,
      'NEAR OCEAN': 2658,
      'NEAR BAY': 2290,
      ISLAND: 5,
    });

    // First and last rows, as pandas prints them.
    const row = (i: number) =>
      table.columns.map((c) => (c.kind === 'numeric' ? c.values[i] : c.dictionary[c.codes[i]]));
    expect(row(0)).toEqual([-122.23, 37.88, 41, 880, 129, 322, 126, 8.3252, 452600, 'NEAR BAY']);
    expect(row(20639)).toEqual([-121.24, 39.37, 16, 2785, 616, 1387, 530, 2.3886, 89400, 'INLAND']);
  });
});

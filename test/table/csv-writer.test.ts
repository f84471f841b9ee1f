import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { parseCsv, readCsv } from '../../src/table/csv-reader.js';
import { formatCsv, formatNumber, writeCsv } from '../../src/table/csv-writer.js';
import type { CategoricalColumn, NumericColumn, Table } from '../../src/table/table.js';
import { valuesOf } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlship-csv-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function numeric(name: string, values: number[]): NumericColumn {
  return { kind: 'numeric', name, values: Float64Array.from(values) };
}
function categorical(name: string, dictionary: string[], codes: number[]): CategoricalColumn {
  return { kind: 'categorical', name, dictionary, codes: Int32Array.from(codes) };
}

describe('formatCsv', () => {
  it('writes a header, quotes only fields that need it (RFC 4180 rules 6 and 7), and leaves missing values empty', () => {
    const table: Table = {
      nRows: 4,
      columns: [
        numeric('x', [1.5, Number.NaN, -0, 1e21]),
        categorical(
          'say "what"',
          ['plain', 'a,b', 'say "hi"', 'two\nlines', ' spaced ', 'cr\r'],
          [0, 1, -1, 2],
        ),
        categorical('more', ['two\nlines', ' spaced ', 'cr\r'], [0, 1, 2, -1]),
      ],
    };
    expect(formatCsv(table)).toBe(
      'x,"say ""what""",more\n' +
        '1.5,plain,"two\nlines"\n' +
        ',"a,b", spaced \n' +
        '-0,,"cr\r"\n' +
        '1e+21,"say ""hi""",\n',
    );
    expect(formatCsv(table, { lineTerminator: '\r\n' }).split('\r\n')[0]).toBe('x,"say ""what""",more');
  });

  it('writes numbers as the shortest text that reads back exactly, infinities as pandas does', () => {
    expect(
      [0.1, 0.1 + 0.2, -0, 0, 5e-324, 1e21, 123456789012345680, Infinity, -Infinity, Number.NaN].map(
        formatNumber,
      ),
    ).toEqual([
      '0.1',
      '0.30000000000000004',
      '-0',
      '0',
      '5e-324',
      '1e+21',
      '123456789012345680',
      'inf',
      '-inf',
      '',
    ]);
  });

  it('writes a missing value in a one-column table as "" so that the line is not blank', () => {
    const table: Table = { nRows: 3, columns: [numeric('x', [1, Number.NaN, 2])] };
    const text = formatCsv(table);
    expect(text).toBe('x\n1\n""\n2\n');
    expect(parseCsv(text)).toEqual(table);
  });

  it('refuses tables it cannot write', () => {
    expect(() => formatCsv({ nRows: 0, columns: [] })).toThrow(InvalidParameterError);
    expect(() => formatCsv({ nRows: 3, columns: [numeric('x', [1, 2])] })).toThrow(
      'column "x" has 2 values but the table has 3 rows',
    );
    expect(() => formatCsv({ nRows: 1, columns: [categorical('c', ['a'], [1])] })).toThrow(
      'column "c" row 0: category code 1 is outside its dictionary of 1',
    );
  });
});

describe('round trip', () => {
  it('reads back every double bit-identical, and every string exactly', () => {
    const n = 5000;
    const bits = new Uint32Array(2 * n);
    let s = 12345;
    for (let i = 0; i < bits.length; i++) {
      // LCG (Numerical Recipes): enough to reach every exponent and mantissa pattern.
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      bits[i] = s;
    }
    const randomDoubles = new Float64Array(bits.buffer);
    const special = [
      0,
      -0,
      5e-324,
      -5e-324,
      1.7976931348623157e308,
      Infinity,
      -Infinity,
      Number.NaN,
      0.1,
      1 / 3,
    ];
    special.forEach((x, i) => {
      randomDoubles[i] = x;
    });
    const dictionary = [
      'plain',
      'a,b',
      '"quoted"',
      'line\nbreak',
      'crlf\r\nbreak',
      ' pad ',
      'NA',
      'São Paulo 🇧🇷',
      '1.0',
    ];
    const codes = Int32Array.from({ length: n }, (_, i) => (i % 11 === 10 ? -1 : i % dictionary.length));
    const table: Table = {
      nRows: n,
      columns: [
        { kind: 'numeric', name: 'x', values: randomDoubles },
        { kind: 'categorical', name: 'label, "quoted"', codes, dictionary },
      ],
    };
    const back = parseCsv(formatCsv(table), { highWaterMark: 4093 });
    expect(back.nRows).toBe(n);
    const x = back.columns[0] as NumericColumn;
    expect(x.kind).toBe('numeric');
    // Compare bits, not values: -0 and 0 must differ, NaN must be NaN.
    const want = new Uint32Array(randomDoubles.buffer);
    const got = new Uint32Array(x.values.buffer);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(randomDoubles[i])) expect(x.values[i]).toBeNaN();
      else if (got[2 * i] !== want[2 * i] || got[2 * i + 1] !== want[2 * i + 1]) {
        throw new Error(`row ${i}: wrote ${randomDoubles[i]}, read ${x.values[i]}`);
      }
    }
    expect(back.columns[1].name).toBe('label, "quoted"');
    expect(valuesOf(back.columns[1])).toEqual(valuesOf(table.columns[1]));
  });
});

describe('writeCsv', () => {
  it('writes the file and reads back the same table', async () => {
    const path = join(tmp, 'out.csv');
    const table: Table = {
      nRows: 2,
      // Dictionary in order of first appearance, as the reader builds it, so the tables compare equal.
      columns: [numeric('a', [1.25, Number.NaN]), categorical('b', ['z', 'x,y'], [0, 1])],
    };
    await writeCsv(path, table);
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1.25,z\n,"x,y"\n');
    expect(await readCsv(path)).toEqual(table);
  });

  it('creates missing parent directories', async () => {
    const path = join(tmp, 'new', 'dir', 'out.csv');
    await writeCsv(path, { nRows: 1, columns: [numeric('a', [1])] });
    expect(readFileSync(path, 'utf8')).toBe('a\n1\n');
  });

  it('replaces an existing file atomically and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmp, 'atomic-'));
    const path = join(dir, 'data.csv');
    writeFileSync(path, 'old\n');
    await writeCsv(path, { nRows: 1, columns: [numeric('new', [1])] });
    expect(readFileSync(path, 'utf8')).toBe('new\n1\n');
    expect(readdirSync(dir)).toEqual(['data.csv']);
  });

  it('on failure leaves the old file as it was and removes the temporary file', async () => {
    const dir = mkdtempSync(join(tmp, 'fail-'));
    const path = join(dir, 'data.csv');
    writeFileSync(path, 'old\n');
    // The bad category code is found only after the header has been written to the temporary file.
    const bad: Table = { nRows: 1, columns: [categorical('c', ['a'], [5])] };
    await expect(writeCsv(path, bad)).rejects.toThrow('category code 5 is outside its dictionary');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['data.csv']);
  });
});

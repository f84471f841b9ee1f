import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../src/core/errors.js';
import { parseCsv, readCsv } from '../../src/table/csv-reader.js';
import { parseAllSplits, parseErrorAllSplits, tableValues, valuesOf } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlship-csv-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('RFC 4180 syntax', () => {
  it('rule 1: "Each record is located on a separate line, delimited by a line break (CRLF)"', () => {
    const t = parseAllSplits('a,b\r\n1,x\r\n2,y\r\n');
    expect(tableValues(t)).toEqual({
      a: { kind: 'numeric', values: [1, 2] },
      b: { kind: 'categorical', values: ['x', 'y'] },
    });
    // LF alone, and a lone CR (old Mac files; pandas and Python's csv accept it), end records too.
    expect(parseAllSplits('a,b\n1,x\n2,y\n')).toEqual(t);
    expect(parseAllSplits('a,b\r1,x\r2,y\r')).toEqual(t);
    expect(parseAllSplits('a,b\r\n1,x\n2,y\r')).toEqual(t);
  });

  it('rule 2: "The last record in the file may or may not have an ending line break"', () => {
    expect(parseAllSplits('a,b\n1,x\n2,y')).toEqual(parseCsv('a,b\n1,x\n2,y\n'));
    expect(parseAllSplits('a,b\r\n1,x\r\n2,"y"')).toEqual(parseCsv('a,b\n1,x\n2,y\n'));
  });

  it('rule 3: the first line is the header, with the same format as records', () => {
    const t = parseAllSplits('"a ""q""","b,c","d\r\ne"\n1,2,3\n');
    expect(t.columns.map((c) => c.name)).toEqual(['a "q"', 'b,c', 'd\r\ne']);
  });

  it('rule 4: "Spaces are considered part of a field and should not be ignored"', () => {
    const t = parseAllSplits('a,b\n x , y\nz,w\n');
    expect(valuesOf(t.columns[0])).toEqual([' x ', 'z']);
    expect(valuesOf(t.columns[1])).toEqual([' y', 'w']);
  });

  it('rule 5: fields "may or may not be enclosed in double quotes"', () => {
    const t = parseAllSplits('a,b\n"1","x"\n2,y\n');
    expect(tableValues(t)).toEqual({
      a: { kind: 'numeric', values: [1, 2] },
      b: { kind: 'categorical', values: ['x', 'y'] },
    });
  });

  it('rule 6: "Fields containing line breaks (CRLF), double quotes, and commas should be enclosed in double-quotes"', () => {
    const t = parseAllSplits('id,text\n1,"a,b"\n2,"line1\r\nline2"\n3,"lf\nonly"\n4,"say ""hi"""\n5,","\n');
    expect(valuesOf(t.columns[1])).toEqual(['a,b', 'line1\r\nline2', 'lf\nonly', 'say "hi"', ',']);
    expect(valuesOf(t.columns[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('rule 7: "a double-quote appearing inside a field must be escaped by preceding it with another double quote"', () => {
    const t = parseAllSplits('q\n""""\n"a""b"\n"""x"""\n');
    expect(valuesOf(t.columns[0])).toEqual(['"', 'a"b', '"x"']);
  });

  it('skips a UTF-8 byte order mark at the start, even split across chunks, and only there', () => {
    const t = parseAllSplits('\uFEFFa,b\n1,\uFEFFx\n');
    expect(t.columns.map((c) => c.name)).toEqual(['a', 'b']);
    // A BOM inside the data is text like any other.
    expect(valuesOf(t.columns[1])).toEqual(['\uFEFFx']);
    expect(parseAllSplits(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x0a, 0x31]))).toEqual(parseCsv('a\n1'));
  });

  it('reads multi-byte UTF-8 split across chunks', () => {
    const t = parseAllSplits('city,n\nSão Paulo,1\n東京,2\n"Zürich, 🇨🇭",3\nSão Paulo,4\n');
    expect(valuesOf(t.columns[0])).toEqual(['São Paulo', '東京', 'Zürich, 🇨🇭', 'São Paulo']);
    expect(t.columns[0].kind === 'categorical' && t.columns[0].dictionary.length).toBe(3);
  });

  it('reads an empty field, and a quoted empty string, as missing', () => {
    const t = parseAllSplits('a,b,c\n,,\n"","",""\n1,x,\n');
    expect(tableValues(t)).toEqual({
      a: { kind: 'numeric', values: [Number.NaN, Number.NaN, 1] },
      b: { kind: 'categorical', values: [null, null, 'x'] },
      c: { kind: 'numeric', values: [Number.NaN, Number.NaN, Number.NaN] },
    });
  });

  it('gives a record ending in a comma an empty last field, with or without a final line break', () => {
    expect(tableValues(parseAllSplits('a,b\n1,\n'))).toEqual({
      a: { kind: 'numeric', values: [1] },
      b: { kind: 'numeric', values: [Number.NaN] },
    });
    expect(parseAllSplits('a,b\n1,')).toEqual(parseCsv('a,b\n1,\n'));
  });

  it('skips blank lines (trailing or not) and keeps counting them as lines', () => {
    expect(parseAllSplits('a,b\n1,x\n2,y\n\n\r\n\n')).toEqual(parseCsv('a,b\n1,x\n2,y\n'));
    expect(parseAllSplits('\n\na,b\n1,x\n\r\n2,y')).toEqual(parseCsv('a,b\n1,x\n2,y\n'));
    expect(parseErrorAllSplits('a,b\n\n\r\n1\n', { file: 'f.csv' })).toBe(
      'InvalidInputError: f.csv:4:2 (column "b"): expected 2 fields, found 1',
    );
  });

  it('reads a header-only file as zero rows', () => {
    const t = parseAllSplits('a,b\n');
    expect(t.nRows).toBe(0);
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([
      ['a', 'numeric'],
      ['b', 'numeric'],
    ]);
  });
});

describe('column typing', () => {
  it('infers numeric when every non-empty field is a number, categorical otherwise', () => {
    const t = parseAllSplits('n,c,m\n1.5,x,\n-2e3,3,7\n,y,8\n');
    expect(tableValues(t)).toEqual({
      n: { kind: 'numeric', values: [1.5, -2000, Number.NaN] },
      c: { kind: 'categorical', values: ['x', '3', 'y'] },
      m: { kind: 'numeric', values: [Number.NaN, 7, 8] },
    });
  });

  it("reads pandas' default missing-value strings as missing in numeric columns only", () => {
    const na = ['#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN'];
    const na2 = ['<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'n/a', 'nan', 'null'];
    const all = [...na, ...na2];
    const numeric = parseAllSplits(`x\n${all.map((s) => `"${s}"`).join('\n')}\n1\n`);
    expect(tableValues(numeric).x).toEqual({ kind: 'numeric', values: [...all.map(() => Number.NaN), 1] });
    // In a text column the same strings are categories: "NA" may be North America.
    const text = parseAllSplits('x\nNA\nEurope\nnull\n');
    expect(tableValues(text).x).toEqual({ kind: 'categorical', values: ['NA', 'Europe', 'null'] });
    // Exact matches only, as in pandas: other spellings are text.
    expect(parseCsv('x\nNAN\n1\n').columns[0].kind).toBe('categorical');
    expect(parseCsv('x\n NA\n1\n').columns[0].kind).toBe('categorical');
  });

  it('reads infinities as pandas does, and refuses hex and underscores as pandas does', () => {
    const t = parseCsv('x\ninf\n-inf\nInfinity\n+INF\n-infinity\n');
    expect(valuesOf(t.columns[0])).toEqual([Infinity, -Infinity, Infinity, Infinity, -Infinity]);
    expect(parseCsv('x\n1\n0x10\n').columns[0].kind).toBe('categorical');
    expect(parseCsv('x\n1\n1_000\n').columns[0].kind).toBe('categorical');
    expect(parseCsv('x\n1\n"1,5"\n').columns[0].kind).toBe('categorical');
  });

  it('accepts spaces around numbers (as pandas and float() do) but keeps them in text', () => {
    expect(valuesOf(parseCsv('x\n 1.5\n2 \n\t3\t\n').columns[0])).toEqual([1.5, 2, 3]);
  });

  it('switches a column to categorical when a non-number appears mid-file, keeping the earlier text exactly', () => {
    // The early values would all read as numbers; their text must survive anyway ("1.0" is not "1").
    const early = ['1.0', '01', '1e3', '-0', '', '+5', '.5', 'NaN', '0.1000'];
    const rows = [...early, 'oops', '"q,""uote"""', '7'];
    const text = `id,v,w\n${rows.map((v, i) => `${i},${v},${i * 2}`).join('\r\n')}\r\n`;
    const t = parseAllSplits(text, { file: 's.csv' });
    expect(tableValues(t)).toEqual({
      id: { kind: 'numeric', values: rows.map((_, i) => i) },
      v: {
        kind: 'categorical',
        values: ['1.0', '01', '1e3', '-0', null, '+5', '.5', 'NaN', '0.1000', 'oops', 'q,"uote"', '7'],
      },
      w: { kind: 'numeric', values: rows.map((_, i) => i * 2) },
    });
  });

  it('switches late in a long file, across many chunk boundaries', async () => {
    const n = 5000;
    let text = 'a,b,c\n';
    for (let i = 0; i < n; i++) text += `${i},${i}.50,"${i % 7 === 0 ? 'multi\nline' : 'k'}"\n`;
    text += `${n},not a number,last\n`;
    const path = join(tmp, 'late-switch.csv');
    writeFileSync(path, text);
    for (const highWaterMark of [7, 1000, 1 << 16]) {
      const t = await readCsv(path, { highWaterMark });
      expect(t.nRows).toBe(n + 1);
      const b = t.columns[1];
      expect(b.kind).toBe('categorical');
      const bValues = valuesOf(b);
      expect(bValues[0]).toBe('0.50');
      expect(bValues[4999]).toBe('4999.50');
      expect(bValues[n]).toBe('not a number');
      expect(valuesOf(t.columns[2])[7]).toBe('multi\nline');
      expect(valuesOf(t.columns[0])[n]).toBe(n);
    }
  });

  it('forces types with a schema: numbers kept as text, text refused as a number', () => {
    const t = parseAllSplits('zip,n\n01234,1\n,2\n', { schema: { zip: 'categorical', n: 'numeric' } });
    expect(tableValues(t)).toEqual({
      zip: { kind: 'categorical', values: ['01234', null] },
      n: { kind: 'numeric', values: [1, 2] },
    });
  });

  it('gives categories codes in order of first appearance', () => {
    const t = parseAllSplits('c\nb\na\nb\n\nc\na\n');
    const c = t.columns[0];
    expect(c.kind === 'categorical' && [c.dictionary, Array.from(c.codes)]).toEqual([
      ['b', 'a', 'c'],
      [0, 1, 0, 2, 1],
    ]);
    const missing = parseCsv('c,d\nb,1\n,2\nb,3\n').columns[0];
    expect(missing.kind === 'categorical' && Array.from(missing.codes)).toEqual([0, -1, 0]);
  });

  it('keeps distinct values apart in a large dictionary (hash collisions, rehashing)', () => {
    const values = Array.from({ length: 3000 }, (_, i) => `v${(i * 7919) % 3000}`);
    const t = parseCsv(`x\n${values.join('\n')}\n${values.join('\n')}\n`);
    const c = t.columns[0];
    expect(c.kind).toBe('categorical');
    expect(c.kind === 'categorical' && c.dictionary.length).toBe(3000);
    expect(valuesOf(c)).toEqual([...values, ...values]);
  });
});

describe('options', () => {
  const text = 'a,b,c,d\n1,x,2,y\n3,z,4,w\n';

  it('reads only the requested columns, in file order', () => {
    const t = parseAllSplits(text, { columns: ['d', 'a'] });
    expect(tableValues(t)).toEqual({
      a: { kind: 'numeric', values: [1, 3] },
      d: { kind: 'categorical', values: ['y', 'w'] },
    });
    expect(t.columns.map((c) => c.name)).toEqual(['a', 'd']);
  });

  it('checks required columns, read or not', () => {
    expect(parseCsv(text, { required: ['b', 'c'], columns: ['a'] }).columns.map((c) => c.name)).toEqual([
      'a',
    ]);
    expect(parseErrorAllSplits(text, { file: 'h.csv', required: ['a', 'median_house_value'] })).toBe(
      'InvalidInputError: h.csv:1: missing required column "median_house_value"; the header has: a, b, c, d',
    );
    expect(parseErrorAllSplits(text, { file: 'h.csv', columns: ['a', 'e'] })).toBe(
      'InvalidInputError: h.csv:1: missing required column "e"; the header has: a, b, c, d',
    );
  });

  it('refuses a schema type that does not exist and a chunk size below one byte', () => {
    expect(() => parseCsv(text, { schema: { a: 'float' as 'numeric' } })).toThrow(
      'schema: column "a" has type "float"; expected "numeric" or "categorical"',
    );
    expect(() => parseCsv(text, { highWaterMark: 0 })).toThrow(
      'highWaterMark must be a positive integer, got 0',
    );
  });
});

describe('errors name the file, line, field and column', () => {
  const f = { file: 'data.csv' };

  it('an empty file (no header)', () => {
    const expected =
      'InvalidInputError: data.csv:1: the file is empty: a header row naming the columns is required';
    expect(parseErrorAllSplits('', f)).toBe(expected);
    expect(parseErrorAllSplits('\uFEFF', f)).toBe(expected);
    expect(parseErrorAllSplits('\n\r\n\n', f)).toBe(expected);
  });

  it('a duplicate or empty column name', () => {
    expect(parseErrorAllSplits('a,b,a\n1,2,3\n', f)).toBe(
      'InvalidInputError: data.csv:1:3 (column "a"): duplicate column name "a" (also column 1)',
    );
    expect(parseErrorAllSplits('a,,c\n1,2,3\n', f)).toBe(
      'InvalidInputError: data.csv:1:2: empty column name in the header',
    );
    expect(parseErrorAllSplits('a,""\n1,2\n', f)).toBe(
      'InvalidInputError: data.csv:1:2: empty column name in the header',
    );
    expect(parseErrorAllSplits('a,b,\n1,2,\n', f)).toBe(
      'InvalidInputError: data.csv:1:3: empty column name in the header',
    );
  });

  it('a row with too few or too many fields', () => {
    const header = 'a,b,c,d,e,f,g,h,i,j\n';
    expect(parseErrorAllSplits(`${header}1,2,3,4,5,6,7,8,9,10\n1,2,3,4,5,6,7,8,9\n`, f)).toBe(
      'InvalidInputError: data.csv:3:10 (column "j"): expected 10 fields, found 9',
    );
    expect(parseErrorAllSplits(`${header}1,2,3,4,5,6,7,8,9,10,11,12\n`, f)).toBe(
      'InvalidInputError: data.csv:2:11: expected 10 fields, found 12',
    );
  });

  it('reports the line where the record starts, counting line breaks inside quotes', () => {
    // Lines: 1 header; 2-3 one record (LF in quotes); 4-5 one record (CRLF in quotes counts once);
    // 6-7 one record (lone CR in quotes); 8 the bad record.
    const text = 'a,b\n"x\ny",1\r\n"p\r\nq",2\n"r\rs",3\nz\n';
    expect(parseErrorAllSplits(text, f)).toBe(
      'InvalidInputError: data.csv:8:2 (column "b"): expected 2 fields, found 1',
    );
  });

  it('text in a column the schema says is numeric', () => {
    expect(parseErrorAllSplits('a,b\n1,2\n3,abc\n', { ...f, schema: { b: 'numeric' } })).toBe(
      'InvalidInputError: data.csv:3:2 (column "b"): "abc" is not a number, and the schema says the column is numeric',
    );
    const long = 'y'.repeat(100);
    expect(parseErrorAllSplits(`a\n"${long}\n"\n`, { ...f, schema: { a: 'numeric' } })).toBe(
      `InvalidInputError: data.csv:2:1 (column "a"): "${'y'.repeat(59)}…" is not a number, and the schema says the column is numeric`,
    );
  });

  it('a quoted field left open at the end of the input', () => {
    expect(parseErrorAllSplits('a,b\n1,2\n3,"abc\n4,5\n', f)).toBe(
      'InvalidInputError: data.csv:3:2 (column "b"): a quoted field is not closed: the input ends inside the quotes opened on line 3',
    );
    expect(parseErrorAllSplits('a,b\n1,"', f)).toBe(
      'InvalidInputError: data.csv:2:2 (column "b"): a quoted field is not closed: the input ends inside the quotes opened on line 2',
    );
  });

  it('a stray quote in an unquoted field, and text after a closing quote', () => {
    expect(parseErrorAllSplits('a,b\n1,ab"c\n', f)).toBe(
      'InvalidInputError: data.csv:2:2 (column "b"): a quote inside an unquoted field; enclose the whole field in quotes and double the quote ("")',
    );
    expect(parseErrorAllSplits('a,b\n1, "x"\n', f)).toBe(
      'InvalidInputError: data.csv:2:2 (column "b"): a quote inside an unquoted field; enclose the whole field in quotes and double the quote ("")',
    );
    expect(parseErrorAllSplits('a,b\n"x"y,1\n', f)).toBe(
      'InvalidInputError: data.csv:2:1 (column "a"): text after the closing quote of a quoted field; a quote inside a quoted field is written as ""',
    );
  });

  it('bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(parseErrorAllSplits(bytes, f)).toBe(
      'InvalidInputError: data.csv:2:2 (column "b"): the field is not valid UTF-8 text',
    );
  });

  it('are InvalidInputError with a structured location', () => {
    try {
      parseCsv('a,b\n1\n', f);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).location).toEqual({
        file: 'data.csv',
        line: 2,
        column: 2,
        columnName: 'b',
      });
      expect((err as InvalidInputError).exitCode).toBe(2);
    }
  });
});

describe('readCsv', () => {
  it('streams a file and gives the same table as parsing it in memory, for any chunk size', async () => {
    const text = '\uFEFFname,score,note\r\n"Doe, J",1.5,"two\r\nlines"\r\nRoe,,"say ""hi"""\r\n\r\n';
    const path = join(tmp, 'tricky.csv');
    writeFileSync(path, text);
    const expected = parseCsv(text);
    for (const highWaterMark of [1, 2, 3, 5, 64 * 1024])
      expect(await readCsv(path, { highWaterMark })).toEqual(expected);
    expect(tableValues(expected)).toEqual({
      name: { kind: 'categorical', values: ['Doe, J', 'Roe'] },
      score: { kind: 'numeric', values: [1.5, Number.NaN] },
      note: { kind: 'categorical', values: ['two\r\nlines', 'say "hi"'] },
    });
  });

  it('names the file in errors', async () => {
    const path = join(tmp, 'ragged.csv');
    writeFileSync(path, 'a,b\n1,2\n3\n');
    await expect(readCsv(path)).rejects.toThrow(`${path}:3:2 (column "b"): expected 2 fields, found 1`);
  });

  it('refuses a missing file with NotFoundError, and a directory', async () => {
    const missing = join(tmp, 'nope.csv');
    await expect(readCsv(missing)).rejects.toThrow(NotFoundError);
    await expect(readCsv(missing)).rejects.toThrow(`file not found: ${missing}`);
    await expect(readCsv(tmp)).rejects.toThrow(`${tmp} is a directory, not a CSV file`);
  });
});

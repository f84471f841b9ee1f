import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LinearRegression } from '../../src/ml/linear.js';
import { FeaturePipeline } from '../../src/ml/preprocess.js';
import { sha256 } from '../../src/model/manifest.js';
import { loadModel, saveModel } from '../../src/model/package.js';
import { parseCsv } from '../../src/table/index.js';

const CSV = `a,b,city,y
1,10,north,5
2,,south,7
3,30,north,9.5
4,40,east,12
5,50,south,13
6,61,north,16
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlship-model-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fitAndSave(): Promise<{ pkg: string; expected: Float64Array }> {
  const table = parseCsv(CSV, { file: 'train.csv' });
  const features = new FeaturePipeline({
    numeric: ['a', 'b'],
    categorical: ['city'],
    ratios: [{ name: 'b_per_a', numerator: 'b', denominator: 'a' }],
    imputeStrategy: 'median',
    handleUnknown: 'ignore',
  }).fit(table);
  const y = (table.columns[3] as { values: Float64Array }).values;
  const estimator = new LinearRegression().fit(features.transform(table), y);
  const pkg = join(dir, 'model');
  await saveModel(pkg, {
    target: 'y',
    features,
    estimator,
    exampleRows: table,
    exampleIndices: Int32Array.from([0, 1]),
  });
  return { pkg, expected: estimator.predict(features.transform(table)) };
}

/** Rewrite one file of a package and fix up its checksum, as a careless or hostile editor would. */
async function rewrite(pkg: string, file: string, edit: (s: string) => string): Promise<void> {
  const text = edit(await readFile(join(pkg, file), 'utf8'));
  await writeFile(join(pkg, file), text);
  const sums = await readFile(join(pkg, 'SHA256SUMS'), 'utf8');
  await writeFile(
    join(pkg, 'SHA256SUMS'),
    sums.replace(new RegExp(`^[0-9a-f]{64}  ${file}$`, 'm'), `${sha256(text)}  ${file}`),
  );
}

describe('model package', () => {
  it('round-trips: the loaded package predicts exactly what the fitted pipeline did', async () => {
    const { pkg, expected } = await fitAndSave();
    const model = await loadModel(pkg);
    const table = parseCsv(CSV, { file: 'again.csv' });
    expect(Array.from(model.predict(table))).toEqual(Array.from(expected));
    expect(model.target).toBe('y');
  });

  it('writes an MLmodel in MLflow layout: sorted keys, quoted timestamp, JSON-string signature', async () => {
    const { pkg } = await fitAndSave();
    const text = await readFile(join(pkg, 'MLmodel'), 'utf8');
    const doc = parseYaml(text);
    // mlflow/models/model.py writes yaml.safe_dump(to_dict()), whose keys are sorted
    expect(Object.keys(doc)).toEqual([...Object.keys(doc)].sort());
    expect(doc.flavors.mlship).toMatchObject({ format_version: 1, model_file: 'model.json' });
    expect(doc.model_uuid).toMatch(/^[0-9a-f]{32}$/); // uuid.uuid4().hex in MLflow
    // Python's str(datetime.utcnow()); PyYAML would read it unquoted as a timestamp, so it is quoted
    expect(text).toMatch(/^utc_time_created: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}'$/m);
    // MLflow 2.x ColSpec.to_dict -> {"type", "name", "required"}, serialised by json.dumps
    expect(doc.signature.inputs).toBe(
      '[{"type": "double", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}, ' +
        '{"type": "string", "name": "city", "required": true}]',
    );
    expect(doc.signature.outputs).toBe(
      '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]',
    );
    expect(doc.saved_input_example_info).toEqual({
      artifact_path: 'input_example.json',
      pandas_orient: 'split',
      type: 'dataframe',
    });
    // pandas to_json(orient="split") without the index; a missing number is null
    expect(JSON.parse(await readFile(join(pkg, 'input_example.json'), 'utf8'))).toEqual({
      columns: ['a', 'b', 'city'],
      data: [
        [1, 10, 'north'],
        [2, null, 'south'],
      ],
    });
  });

  it('is byte-identical across saves apart from MLmodel (uuid, time)', async () => {
    const a = await fitAndSave();
    const first = await readFile(join(a.pkg, 'model.json'), 'utf8');
    await rm(a.pkg, { recursive: true });
    const b = await fitAndSave();
    expect(await readFile(join(b.pkg, 'model.json'), 'utf8')).toBe(first);
  });

  it('applies the bundled preprocessing: unknown category and NaN at predict time', async () => {
    const { pkg } = await fitAndSave();
    const model = await loadModel(pkg);
    const pred = model.predict(parseCsv('a,b,city\n2,,west\n,20,\n', { file: 'new.csv' }));
    expect(pred.length).toBe(2);
    expect(Number.isFinite(pred[0]) && Number.isFinite(pred[1])).toBe(true);
  });

  it('refuses a package whose file was changed after saving', async () => {
    const { pkg } = await fitAndSave();
    const text = await readFile(join(pkg, 'model.json'), 'utf8');
    await writeFile(join(pkg, 'model.json'), text.replace('"target":"y"', '"target":"z"'));
    await expect(loadModel(pkg)).rejects.toThrow(/checksum mismatch for model\.json/);
  });

  it('refuses an unknown format version', async () => {
    const { pkg } = await fitAndSave();
    await rewrite(pkg, 'MLmodel', (s) => s.replace('format_version: 1', 'format_version: 7'));
    await expect(loadModel(pkg)).rejects.toThrow(
      /unsupported model format version 7 \(this mlship reads version 1\)/,
    );
  });

  it('refuses an unknown estimator type and never evaluates anything', async () => {
    const { pkg } = await fitAndSave();
    await rewrite(pkg, 'model.json', (s) => s.replace('"type":"LinearRegression"', '"type":"constructor"'));
    await expect(loadModel(pkg)).rejects.toThrow(/unknown estimator type "constructor"/);
  });

  it('refuses a manifest that names a file outside the package', async () => {
    const { pkg } = await fitAndSave();
    const sums = await readFile(join(pkg, 'SHA256SUMS'), 'utf8');
    await writeFile(join(pkg, 'SHA256SUMS'), `${sums}${'0'.repeat(64)}  ../secret\n`);
    await expect(loadModel(pkg)).rejects.toThrow(/must be a plain name/);
  });

  it('refuses a folder that is not a package, and a missing one', async () => {
    await expect(loadModel(dir)).rejects.toThrow(/no SHA256SUMS checksum manifest/);
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(/model not found/);
  });

  it('names every missing input column at predict time', async () => {
    const { pkg } = await fitAndSave();
    const model = await loadModel(pkg);
    expect(() => model.predict(parseCsv('a\n1\n', { file: 'x.csv' }))).toThrow(
      'missing required input columns "b", "city"',
    );
    expect(() => model.predict(parseCsv('a,b,city\n1,x,north\n', { file: 'x.csv' }))).toThrow(
      'input column "b" must be numeric (double), got text',
    );
  });
});

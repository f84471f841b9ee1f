/**
 * The model package: a directory MLflow recognises as a model (an `MLmodel` file with a signature
 * and an input example) whose content is data only:
 *   MLmodel              MLflow descriptor, `mlship` flavor
 *   model.json           fitted preprocessing + estimator (numbers round-trip exactly)
 *   input_example.json   a few raw input rows, pandas "split" orient, as MLflow saves examples
 *   SHA256SUMS           checksums of the three files above, verified on every load
 * Loading never evaluates anything from the package: JSON and YAML are parsed as data, every
 * structure is validated, and a checksum mismatch refuses the whole package.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, ModelPackageError, NotFoundError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { Regressor, RegressorState } from '../ml/estimator.js';
import { FeaturePipeline, type FeaturePipelineState } from '../ml/preprocess.js';
import type { Table } from '../table/table.js';
import { estimatorFromJSON } from './estimators.js';
import { formatManifest, MANIFEST_FILE, readVerified } from './manifest.js';
import {
  FORMAT_VERSION,
  formatMLmodel,
  type MLmodel,
  parseMLmodel,
  pythonUtcNow,
  REGRESSION_OUTPUT,
} from './mlmodel.js';
import type { ColSpec } from './signature.js';

export const MLMODEL_FILE = 'MLmodel';
export const MODEL_FILE = 'model.json';
export const INPUT_EXAMPLE_FILE = 'input_example.json';
/** Refuse to read package files larger than this: a model of ours is megabytes, not gigabytes. */
const MAX_FILE_BYTES = 1 << 30;

export interface ModelDocument {
  format: 'mlship-model';
  format_version: number;
  target: string;
  features: FeaturePipelineState;
  estimator: RegressorState;
}

export interface SaveModelOptions {
  target: string;
  features: FeaturePipeline;
  estimator: Regressor;
  /** rows to copy into input_example.json (raw input columns only) */
  exampleRows?: Table;
  exampleIndices?: Int32Array;
  runId?: string;
  artifactPath?: string;
}

function inputSignature(features: FeaturePipeline): ColSpec[] {
  return features.inputColumns.map((c) => ({ type: c.type, name: c.name, required: true }));
}

/** pandas DataFrame.to_json(orient="split") without the index: {"columns": [...], "data": [[...]]}. */
function inputExample(features: FeaturePipeline, table: Table, rows: Int32Array): string {
  const cols = features.inputColumns.map((c) => {
    const col = table.columns.find((t) => t.name === c.name);
    if (!col) throw new InvalidInputError(`input example: the data has no column "${c.name}"`);
    return col;
  });
  const data = Array.from(rows, (r) =>
    cols.map((col) => {
      if (col.kind === 'numeric') return Number.isNaN(col.values[r]) ? null : col.values[r];
      const code = col.codes[r];
      return code < 0 ? null : col.dictionary[code];
    }),
  );
  return `${JSON.stringify({ columns: cols.map((c) => c.name), data })}\n`;
}

/** Write a model package into `dir` (created; must not hold another package's files). */
export async function saveModel(dir: string, opts: SaveModelOptions): Promise<MLmodel> {
  await mkdir(dir, { recursive: true });
  const doc: ModelDocument = {
    format: 'mlship-model',
    format_version: FORMAT_VERSION,
    target: opts.target,
    features: opts.features.toJSON(),
    estimator: opts.estimator.toJSON(),
  };
  const files = new Map<string, string>();
  files.set(MODEL_FILE, `${JSON.stringify(doc)}\n`);
  const withExample = opts.exampleRows !== undefined && opts.exampleIndices !== undefined;
  if (withExample) {
    files.set(INPUT_EXAMPLE_FILE, inputExample(opts.features, opts.exampleRows!, opts.exampleIndices!));
  }
  const mlmodel: MLmodel = {
    artifactPath: opts.artifactPath,
    runId: opts.runId,
    modelUuid: randomUUID().replace(/-/g, ''),
    utcTimeCreated: pythonUtcNow(),
    mlshipVersion: VERSION,
    flavor: { formatVersion: FORMAT_VERSION, modelFile: MODEL_FILE, estimator: doc.estimator.type },
    signature: { inputs: inputSignature(opts.features), outputs: [REGRESSION_OUTPUT] },
    inputExample: withExample
      ? { artifactPath: INPUT_EXAMPLE_FILE, type: 'dataframe', pandasOrient: 'split' }
      : undefined,
    modelSizeBytes: [...files.values()].reduce((n, s) => n + Buffer.byteLength(s), 0),
  };
  files.set(MLMODEL_FILE, formatMLmodel(mlmodel));
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  await writeFile(join(dir, MANIFEST_FILE), formatManifest(files));
  return mlmodel;
}

export class LoadedModel {
  constructor(
    readonly dir: string,
    readonly mlmodel: MLmodel,
    readonly target: string,
    readonly features: FeaturePipeline,
    readonly estimator: Regressor,
  ) {}

  get inputs(): ColSpec[] {
    return this.mlmodel.signature.inputs;
  }

  /** Checks `table` against the signature: every required column present, with a usable type. */
  checkInput(table: Table): void {
    const missing = this.inputs.filter((c) => c.required && !table.columns.some((t) => t.name === c.name));
    if (missing.length > 0) {
      throw new InvalidInputError(
        `missing required input column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c.name}"`).join(', ')}`,
      );
    }
    for (const spec of this.inputs) {
      const col = table.columns.find((t) => t.name === spec.name);
      if (col && spec.type === 'double' && col.kind !== 'numeric') {
        throw new InvalidInputError(`input column "${spec.name}" must be numeric (double), got text`);
      }
    }
  }

  /** One prediction per row of `table`, preprocessing included. */
  predict(table: Table): Float64Array {
    this.checkInput(table);
    return this.estimator.predict(this.features.transform(table));
  }
}

/** The package's files, each checked against SHA256SUMS, and its parsed MLmodel. */
async function readPackage(dir: string): Promise<{ mlmodel: MLmodel; files: Map<string, Buffer> }> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new NotFoundError(`model not found: ${dir}`);
  if (!s.isDirectory())
    throw new ModelPackageError(`${dir}: a model package is a directory holding ${MLMODEL_FILE}`);
  const files = await readVerified(dir, [MLMODEL_FILE], MAX_FILE_BYTES);
  const mlmodel = parseMLmodel(files.get(MLMODEL_FILE)!.toString('utf8'), join(dir, MLMODEL_FILE));
  return { mlmodel, files };
}

/**
 * Check a model package without building its model: every file SHA256SUMS lists matches its
 * checksum and MLmodel is valid. Returns the MLmodel; throws ModelPackageError otherwise.
 */
export async function verifyModel(dir: string): Promise<MLmodel> {
  return (await readPackage(dir)).mlmodel;
}

/** Load and verify a model package directory. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const { mlmodel, files } = await readPackage(dir);
  const modelText = files.get(mlmodel.flavor.modelFile);
  if (!modelText) {
    throw new ModelPackageError(`${dir}: ${MANIFEST_FILE} does not list ${mlmodel.flavor.modelFile}`);
  }
  let doc: Partial<ModelDocument>;
  try {
    doc = JSON.parse(modelText.toString('utf8'));
  } catch (e) {
    throw new ModelPackageError(
      `${join(dir, mlmodel.flavor.modelFile)}: not valid JSON (${(e as Error).message})`,
    );
  }
  if (typeof doc !== 'object' || doc === null || doc.format !== 'mlship-model') {
    throw new ModelPackageError(`${join(dir, mlmodel.flavor.modelFile)}: not an mlship model document`);
  }
  if (doc.format_version !== FORMAT_VERSION) {
    throw new ModelPackageError(
      `${join(dir, mlmodel.flavor.modelFile)}: unsupported model format version ${JSON.stringify(doc.format_version)} (this mlship reads version ${FORMAT_VERSION})`,
    );
  }
  if (typeof doc.target !== 'string') throw new ModelPackageError(`${dir}: model.json has no target name`);
  const features = FeaturePipeline.fromJSON(doc.features);
  const estimator = estimatorFromJSON(doc.estimator);
  const expected = inputSignature(features)
    .map((c) => `${c.name}:${c.type}`)
    .join(',');
  const declared = mlmodel.signature.inputs.map((c) => `${c.name}:${c.type}`).join(',');
  if (expected !== declared) {
    throw new ModelPackageError(`${dir}: the MLmodel signature does not match the model's input columns`);
  }
  return new LoadedModel(dir, mlmodel, doc.target, features, estimator);
}

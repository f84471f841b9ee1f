/**
 * The MLmodel file: MLflow's model descriptor (mlflow/models/model.py, Model.to_yaml =
 * yaml.safe_dump(to_dict()), so keys are sorted and timestamps are quoted strings). Ours carries
 * an `mlship` flavor naming the data file; no `python_function` flavor is claimed, because no
 * Python loader exists for it.
 */
import { Document, parse as parseYaml, Scalar } from 'yaml';
import { ModelPackageError } from '../core/errors.js';
import {
  type ColSpec,
  type ModelSignature,
  parseSchema,
  serializeSchema,
  type TensorSpec,
} from './signature.js';

export const FLAVOR = 'mlship';
export const FORMAT_VERSION = 1;

export interface MLmodel {
  artifactPath?: string;
  runId?: string;
  modelUuid: string;
  /** "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, as Python's str(datetime.utcnow()) */
  utcTimeCreated: string;
  mlshipVersion: string;
  flavor: { formatVersion: number; modelFile: string; estimator: string };
  signature: ModelSignature;
  inputExample?: { artifactPath: string; type: 'dataframe'; pandasOrient: 'split' };
  modelSizeBytes?: number;
}

export function pythonUtcNow(d = new Date()): string {
  // JS dates have millisecond precision; Python prints microseconds, so pad with three zeros.
  return `${d.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

function quoted(s: string): Scalar {
  const sc = new Scalar(s);
  sc.type = Scalar.QUOTE_SINGLE;
  return sc;
}

export function formatMLmodel(m: MLmodel): string {
  // Keys in sorted order, as PyYAML's safe_dump writes them.
  const doc: Record<string, unknown> = {};
  if (m.artifactPath !== undefined) doc.artifact_path = m.artifactPath;
  doc.flavors = {
    [FLAVOR]: {
      estimator: m.flavor.estimator,
      format_version: m.flavor.formatVersion,
      mlship_version: m.mlshipVersion,
      model_file: m.flavor.modelFile,
    },
  };
  doc.mlship_version = m.mlshipVersion;
  if (m.modelSizeBytes !== undefined) doc.model_size_bytes = m.modelSizeBytes;
  doc.model_uuid = m.modelUuid;
  if (m.runId !== undefined) doc.run_id = m.runId;
  if (m.inputExample) {
    doc.saved_input_example_info = {
      artifact_path: m.inputExample.artifactPath,
      pandas_orient: m.inputExample.pandasOrient,
      type: m.inputExample.type,
    };
  }
  doc.signature = {
    inputs: quoted(serializeSchema(m.signature.inputs)),
    outputs: quoted(serializeSchema(m.signature.outputs)),
    params: null,
  };
  doc.utc_time_created = quoted(m.utcTimeCreated);
  return new Document(doc).toString({ lineWidth: 0 });
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ModelPackageError(`${where}: expected a mapping`);
  return v as Record<string, unknown>;
}

export function parseMLmodel(text: string, where = 'MLmodel'): MLmodel {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ModelPackageError(`${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const doc = obj(raw, where);
  const flavors = obj(doc.flavors, `${where}: flavors`);
  if (!(FLAVOR in flavors)) {
    const names = Object.keys(flavors).join(', ') || 'none';
    throw new ModelPackageError(
      `${where}: no "${FLAVOR}" flavor (flavors: ${names}); mlship cannot load this model`,
    );
  }
  const fl = obj(flavors[FLAVOR], `${where}: flavors.${FLAVOR}`);
  const formatVersion = fl.format_version;
  if (formatVersion !== FORMAT_VERSION) {
    throw new ModelPackageError(
      `${where}: unsupported model format version ${JSON.stringify(formatVersion)} (this mlship reads version ${FORMAT_VERSION})`,
    );
  }
  const modelFile = fl.model_file;
  if (typeof modelFile !== 'string' || !/^[A-Za-z0-9._-]+$/.test(modelFile) || modelFile.startsWith('.')) {
    throw new ModelPackageError(`${where}: flavors.${FLAVOR}.model_file must be a plain file name`);
  }
  const sig = obj(doc.signature, `${where}: signature`);
  const inputs = parseSchema(sig.inputs, `${where}: signature.inputs`);
  if (inputs.some((s) => s.type === 'tensor')) {
    throw new ModelPackageError(`${where}: signature.inputs must be column specs, not tensors`);
  }
  const ex = doc.saved_input_example_info;
  return {
    artifactPath: typeof doc.artifact_path === 'string' ? doc.artifact_path : undefined,
    runId: typeof doc.run_id === 'string' ? doc.run_id : undefined,
    modelUuid: String(doc.model_uuid ?? ''),
    utcTimeCreated: String(doc.utc_time_created ?? ''),
    mlshipVersion: String(fl.mlship_version ?? doc.mlship_version ?? ''),
    flavor: { formatVersion, modelFile, estimator: String(fl.estimator ?? '') },
    signature: {
      inputs: inputs as ColSpec[],
      outputs: parseSchema(sig.outputs, `${where}: signature.outputs`),
    },
    inputExample:
      ex && typeof ex === 'object'
        ? {
            artifactPath: String((ex as Record<string, unknown>).artifact_path),
            type: 'dataframe',
            pandasOrient: 'split',
          }
        : undefined,
    modelSizeBytes: typeof doc.model_size_bytes === 'number' ? doc.model_size_bytes : undefined,
  };
}

export const REGRESSION_OUTPUT: TensorSpec = {
  type: 'tensor',
  'tensor-spec': { dtype: 'float64', shape: [-1] },
};

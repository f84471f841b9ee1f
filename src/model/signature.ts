/**
 * MLflow model signatures, in MLflow's own serialisation so that MLflow's tools, MLServer and
 * KServe read our MLmodel files. In MLmodel, `signature.inputs` and `signature.outputs` are JSON
 * *strings* holding a list of column specs (mlflow/types/schema.py, ColSpec.to_dict in MLflow 2.x:
 * `{"type": "double", "name": "longitude", "required": true}`) or tensor specs
 * (`{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}`), written by Python's
 * json.dumps, i.e. with ", " and ": " separators.
 */
import { ModelPackageError } from '../core/errors.js';
import { pyJsonDumps } from '../core/python.js';

/** MLflow DataType names (mlflow/types/schema.py). */
export type MlflowDataType =
  | 'boolean'
  | 'integer'
  | 'long'
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'datetime';

const DATA_TYPES: ReadonlySet<string> = new Set([
  'boolean',
  'integer',
  'long',
  'float',
  'double',
  'string',
  'binary',
  'datetime',
]);

export interface ColSpec {
  type: MlflowDataType;
  name: string;
  required: boolean;
}

export interface TensorSpec {
  type: 'tensor';
  'tensor-spec': { dtype: string; shape: number[] };
  name?: string;
}

export interface ModelSignature {
  inputs: ColSpec[];
  outputs: (ColSpec | TensorSpec)[];
}

export function serializeSchema(specs: readonly (ColSpec | TensorSpec)[]): string {
  return pyJsonDumps(specs);
}

export function parseSchema(text: unknown, where: string): (ColSpec | TensorSpec)[] {
  if (typeof text !== 'string')
    throw new ModelPackageError(`${where}: expected a JSON string of column specs`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelPackageError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new ModelPackageError(`${where}: expected a list of column specs`);
  return parsed.map((spec, i) => {
    if (typeof spec !== 'object' || spec === null)
      throw new ModelPackageError(`${where}[${i}]: not an object`);
    const s = spec as Record<string, unknown>;
    if (s.type === 'tensor') {
      const ts = s['tensor-spec'] as Record<string, unknown> | undefined;
      if (!ts || typeof ts.dtype !== 'string' || !Array.isArray(ts.shape)) {
        throw new ModelPackageError(`${where}[${i}]: tensor spec needs "tensor-spec" with dtype and shape`);
      }
      return s as unknown as TensorSpec;
    }
    if (typeof s.type !== 'string' || !DATA_TYPES.has(s.type)) {
      throw new ModelPackageError(`${where}[${i}]: unknown column type ${JSON.stringify(s.type)}`);
    }
    if (typeof s.name !== 'string') throw new ModelPackageError(`${where}[${i}]: column spec without a name`);
    return { type: s.type as MlflowDataType, name: s.name, required: s.required !== false };
  });
}

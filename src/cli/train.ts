import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidParameterError } from '../core/errors.js';
import { createProgress } from '../core/progress.js';
import {
  DEFAULT_PARAMS,
  loadParams,
  MODEL_TYPES,
  type ModelType,
  type PipelineParams,
} from '../pipeline/params.js';
import { type TrainResult, train } from '../pipeline/train.js';
import { action } from './run.js';

export interface TrainCliOptions {
  config: string;
  data?: string;
  out: string;
  model?: string;
  json?: boolean;
}

/** params.yaml if it exists; the built-in flagship defaults when the default file is absent. */
export async function resolveParams(config: string, explicit: boolean): Promise<PipelineParams> {
  if (!explicit && !existsSync(config)) return DEFAULT_PARAMS;
  return loadParams(config);
}

export function parseModelType(model: string | undefined): ModelType | undefined {
  if (model === undefined) return undefined;
  if (!(MODEL_TYPES as readonly string[]).includes(model)) {
    throw new InvalidParameterError(`--model must be one of ${MODEL_TYPES.join(', ')}; got "${model}"`);
  }
  return model as ModelType;
}

/** Train with a progress bar on a terminal; returns the result. */
export async function runTraining(params: PipelineParams, opts: TrainCliOptions): Promise<TrainResult> {
  const modelType = parseModelType(opts.model) ?? params.model.type;
  const maxIter = Number(params.model.params.hgb.max_iter ?? 100);
  const bar = modelType === 'hgb' ? createProgress('training', maxIter) : undefined;
  let last = 0;
  const result = await train({
    params,
    dataPath: opts.data,
    outDir: opts.out,
    modelType,
    onIteration: (info) => {
      last = info.iteration;
      const v = info.validationLoss === null ? '' : `  val loss ${info.validationLoss.toExponential(4)}`;
      bar?.update(info.iteration, `train loss ${info.trainLoss.toExponential(4)}${v}`);
    },
  });
  bar?.finish(last);
  return result;
}

export function printResult(result: TrainResult, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ out: result.outDir, model: result.modelDir, model_type: result.modelType, ...result.metrics })}\n`,
    );
    return;
  }
  const m = result.metrics;
  const f = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });
  process.stdout.write(
    [
      `model      ${result.modelType}${m.n_iter === null ? '' : ` (${m.n_iter} iterations)`}, fit in ${m.fit_seconds.toFixed(2)} s`,
      `rows       ${m.n_train} train / ${m.n_test} test, data md5 ${m.data_md5}`,
      `train      RMSE ${f(m.train.rmse)}  MAE ${f(m.train.mae)}  R² ${m.train.r2.toFixed(4)}`,
      `test       RMSE ${f(m.test.rmse)}  MAE ${f(m.test.mae)}  R² ${m.test.r2.toFixed(4)}`,
      `written    ${result.modelDir}, ${result.outDir}/metrics.json, ${result.outDir}/split.json`,
      '',
    ].join('\n'),
  );
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train the pipeline described by params.yaml and write a model package, metrics and split')
    .option('--config <file>', 'pipeline parameters (YAML); the flagship defaults when absent', 'params.yaml')
    .option('--data <path>', 'CSV to train on (default: data.path in the config)')
    .option('--out <dir>', 'output folder: model/, metrics.json, split.json (replaced atomically)', 'out')
    .option('--model <type>', `estimator: ${MODEL_TYPES.join(' | ')} (default: model.type in the config)`)
    .option('--json', 'print the metrics as one JSON object on stdout')
    .addHelpText(
      'after',
      `
Outputs in --out:
  model/         MLflow-style model package (MLmodel, model.json, input_example.json, SHA256SUMS)
  metrics.json   train/test rmse, mae, r2; n_train, n_test, n_iter, fit_seconds, data_md5
  split.json     the train and test row indices (scikit-learn's train_test_split rows)
Exit codes: 0 ok, 2 bad input (CSV, params, options), 1 internal error.`,
    )
    .action(
      action(async (opts: TrainCliOptions, cmd: Command) => {
        const explicit = cmd.getOptionValueSource('config') === 'cli';
        const params = await resolveParams(opts.config, explicit);
        printResult(await runTraining(params, opts), opts.json);
      }),
    );
}

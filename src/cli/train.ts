import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidParameterError } from '../core/errors.js';
import { requireFile } from '../core/fs.js';
import { createProgress } from '../core/progress.js';
import {
  DEFAULT_PARAMS,
  loadParams,
  MODEL_TYPES,
  type ModelType,
  type PipelineParams,
} from '../pipeline/params.js';
import { DEFAULT_EXPERIMENT, type TrackedRun, trainWithTracking } from '../pipeline/tracking.js';
import { type TrainOptions, type TrainResult, train } from '../pipeline/train.js';
import { describeRetry, openTrackingClient, TRACKING_URI_ENV } from '../tracking/client.js';
import { action } from './run.js';

export interface TrainCliOptions {
  config: string;
  data?: string;
  out: string;
  model?: string;
  json?: boolean;
  trackingUri?: string;
  experiment?: string;
  runName?: string;
}

/** The tracking URI to log to: --tracking-uri, else MLFLOW_TRACKING_URI, else none (no tracking). */
export function trackingUriOf(opts: TrainCliOptions, env = process.env): string | undefined {
  const uri = opts.trackingUri ?? env[TRACKING_URI_ENV];
  return uri === undefined || uri.trim() === '' ? undefined : uri;
}

/** params.yaml if it exists; the built-in flagship defaults when the default file is absent. */
export async function resolveParams(config: string, explicit: boolean): Promise<PipelineParams> {
  if (!explicit && !existsSync(config)) return DEFAULT_PARAMS;
  // a folder (or a path through a file) is named as such, not reported as "not found"
  if (existsSync(config)) await requireFile(config, '--config');
  return loadParams(config);
}

export function parseModelType(model: string | undefined): ModelType | undefined {
  if (model === undefined) return undefined;
  if (!(MODEL_TYPES as readonly string[]).includes(model)) {
    throw new InvalidParameterError(`--model must be one of ${MODEL_TYPES.join(', ')}; got "${model}"`);
  }
  return model as ModelType;
}

/**
 * Train with a progress bar on a terminal; returns the result, and the run when a tracking URI is
 * given (--tracking-uri or MLFLOW_TRACKING_URI). With tracking, the server is checked before any
 * work with a short, bounded attempt (a wrong URI or a stopped server fails in seconds, not after
 * MLflow's 250 s of retries), every retry is said on stderr, and a training that fails leaves its
 * run FAILED; the training error is still what the command reports.
 */
export async function runTraining(
  params: PipelineParams,
  opts: TrainCliOptions,
): Promise<TrainResult & { run?: TrackedRun }> {
  const modelType = parseModelType(opts.model) ?? params.model.type;
  const maxIter = Number(params.model.params.hgb.max_iter ?? 100);
  const bar = modelType === 'hgb' ? createProgress('training', maxIter) : undefined;
  // a forest's size is known once the estimator is built; its bar is made on the first tree
  let trees: ReturnType<typeof createProgress> | undefined;
  let last = 0;
  const trainOptions: TrainOptions = {
    params,
    dataPath: opts.data,
    outDir: opts.out,
    modelType,
    onIteration: (info) => {
      last = info.iteration;
      const v = info.validationLoss === null ? '' : `  val loss ${info.validationLoss.toExponential(4)}`;
      bar?.update(info.iteration, `train loss ${info.trainLoss.toExponential(4)}${v}`);
    },
    onTree: (done, total) => {
      trees ??= createProgress('trees', total);
      if (done === total) trees.finish(done);
      else trees.update(done);
    },
  };
  const uri = trackingUriOf(opts);
  if (uri === undefined) {
    const result = await train(trainOptions);
    bar?.finish(last);
    return result;
  }
  const client = await openTrackingClient(uri, {
    onRetry: (notice) => process.stderr.write(`mlship: ${describeRetry(notice)}\n`),
  });
  try {
    await client.checkReachable();
    const result = await trainWithTracking(trainOptions, {
      client,
      experimentName: opts.experiment ?? (process.env.MLFLOW_EXPERIMENT_NAME || undefined),
      runName: opts.runName,
      onRunCreated: (run) =>
        process.stderr.write(
          `mlship: logging run ${run.runId} to experiment "${run.experimentName}" at ${run.trackingUri}\n`,
        ),
      onWarning: (message) => process.stderr.write(`mlship: warning: ${message}\n`),
    });
    bar?.finish(last);
    return result;
  } finally {
    await client.close();
  }
}

export function printResult(result: TrainResult & { run?: TrackedRun }, json: boolean | undefined): void {
  const run = result.run;
  if (json) {
    const tracking = run
      ? {
          run_id: run.runId,
          experiment_id: run.experimentId,
          experiment_name: run.experimentName,
          artifact_uri: run.artifactUri,
          tracking_uri: run.trackingUri,
        }
      : {};
    process.stdout.write(
      `${JSON.stringify({ out: result.outDir, model: result.modelDir, model_type: result.modelType, ...result.metrics, ...tracking })}\n`,
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
      ...(run
        ? [
            `run        ${run.runId} in experiment "${run.experimentName}" (id ${run.experimentId}) at ${run.trackingUri}`,
            `artifacts  ${run.artifactUri}/model`,
          ]
        : []),
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
    .option(
      '--out <dir>',
      'output folder: model/, metrics.json, split.json (replaced atomically, and only if empty or written by mlship)',
      'out',
    )
    .option('--model <type>', `estimator: ${MODEL_TYPES.join(' | ')} (default: model.type in the config)`)
    .option('--json', 'print the metrics as one JSON object on stdout')
    .option(
      '--tracking-uri <uri>',
      `log the run to an MLflow-compatible tracking server (http://host:5000) or database (sqlite:///mlruns.db); default $${TRACKING_URI_ENV}, else no tracking`,
    )
    .option(
      '--experiment <name>',
      `experiment to log the run in (default $MLFLOW_EXPERIMENT_NAME, else ${DEFAULT_EXPERIMENT})`,
    )
    .option('--run-name <name>', "the run's name (default: the estimator's, e.g. hist_gradient_boosting)")
    .addHelpText(
      'after',
      `
Outputs in --out:
  model/         MLflow-style model package (MLmodel, model.json, input_example.json, SHA256SUMS)
  metrics.json   train/test rmse, mae, r2; n_train, n_test, n_iter, fit_seconds, data_md5
  split.json     the train and test row indices (scikit-learn's train_test_split rows)
With --tracking-uri (or MLFLOW_TRACKING_URI), one run is logged: params, train_/test_ metrics,
training_loss/validation_loss per iteration, lineage tags, the dataset input, and the artifacts
model/, metrics.json, split.json. Credentials: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME
and MLFLOW_TRACKING_PASSWORD. A failed training marks its run FAILED.
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

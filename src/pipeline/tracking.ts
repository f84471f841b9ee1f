/**
 * Training with tracking: one MLflow run per `train`, logged through the tracking client the way
 * the reference stack's training script logs to its MLflow server, so the run reads the same in
 * MLflow's UI, `mlflow.search_runs` and mlship.
 *
 * The run is created before training starts, so a failure anywhere after that (bad estimator
 * parameter, data error, a logging error at the end) leaves the run FAILED with an end time, never
 * RUNNING, and the original error is what the caller sees. Logging changes nothing that training
 * writes except MLmodel's `run_id`/`artifact_path`, which name the run; model.json and split.json
 * are byte-identical to an untracked run's.
 *
 * What a run holds (names chosen to match params.yaml and scikit-learn, documented in README.md):
 * - params: every params.yaml setting that applies, flattened with dots (`data.path`, `data.name`,
 *   `split.test_size`, `features.ratios.rooms_per_household`, `preprocessing.order`,
 *   `model.type`, `model.hgb.max_depth`), plus every resolved estimator parameter, defaults
 *   included (`model.hgb.max_leaf_nodes` = 31), as the fitted model records them. Values are
 *   written as Python's str() writes them, which is what `mlflow.log_params` would store for the
 *   same YAML (lists as `['a', 'b']`, booleans as `True`, null as `None`);
 * - metrics: `train_rmse`, `train_mae`, `train_r2`, `test_rmse`, `test_mae`, `test_r2`,
 *   `fit_seconds`, `n_iter` (iterating models), and the per-iteration `training_loss` and
 *   `validation_loss` histories with step = iteration (1..n_iter) and the time each was reached;
 * - tags: `mlflow.runName` (default: defaultRunName()), `mlflow.user`, `mlflow.source.type` = LOCAL, `mlflow.source.name`,
 *   `mlflow.source.git.commit` (in a git checkout), `mlship_version`, `data_uri`, `data_dvc_md5`,
 *   `mlflow.log-model.history` (what MLflow's `log_model` records, so UIs list the model);
 * - the dataset input (log-inputs) with context `training`, named as datasetName() says;
 * - artifacts: the model package under `model/`, plus `metrics.json` and `split.json` (the exact
 *   rows of the split) at the root.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { pyJsonDumps, pyStr } from '../core/python.js';
import { VERSION } from '../core/version.js';
import { readDvcFile } from '../data/index.js';
import type { MetricPoint, TrackingClient } from '../tracking/client.js';
import type { DatasetInput, Param, RunTag } from '../tracking/entities.js';
import type { IterationInfo } from './estimators.js';
import type { ModelType, PipelineParams } from './params.js';
import { type TrainOptions, type TrainResult, train } from './train.js';

/** The flagship's experiment, as the reference stack names it. */
export const DEFAULT_EXPERIMENT = 'california_housing_price';
/** Where the model package goes among the run's artifacts (MLflow's `artifact_path`). */
export const MODEL_ARTIFACT_PATH = 'model';

/**
 * A run's name when none is given: its estimator's scikit-learn class in snake_case, without the
 * Regressor suffix, as the reference names its HistGradientBoostingRegressor run.
 */
const RUN_NAMES: Record<ModelType, string> = {
  hgb: 'hist_gradient_boosting',
  random_forest: 'random_forest',
  decision_tree: 'decision_tree',
  linear: 'linear_regression',
  ridge: 'ridge',
};

export function defaultRunName(modelType: ModelType): string {
  return RUN_NAMES[modelType];
}

/**
 * The dataset input's name: params.yaml's data.name (the flagship's `california_housing_raw`, as
 * the reference names it) when training on the file it names, else the stem of the file trained on
 * — a name given for one file would mislabel another passed with --data.
 */
export function datasetName(params: PipelineParams, dataPath: string): string {
  const own = params.data.name !== undefined && resolve(dataPath) === resolve(params.data.path);
  return own ? params.data.name! : basename(dataPath, extname(dataPath));
}

export interface TrackingOptions {
  /** An open client; the caller closes it. */
  client: TrackingClient;
  /** Default DEFAULT_EXPERIMENT; created when absent. */
  experimentName?: string;
  /** Default: defaultRunName(model type), e.g. `hist_gradient_boosting`. */
  runName?: string;
  /** `mlflow.source.name`: what ran (default "mlship train"). */
  sourceName?: string;
  /** Where to look for the git checkout (default the working directory). */
  cwd?: string;
  /** Told about problems that must not replace the training error (e.g. the run could not be marked FAILED). */
  onWarning?: (message: string) => void;
  /** Called once the run exists, before training starts. */
  onRunCreated?: (run: TrackedRun) => void;
}

export interface TrackedRun {
  runId: string;
  experimentId: string;
  experimentName: string;
  artifactUri: string;
  /** The server or database the run was logged to. */
  trackingUri: string;
}

export interface TrackedTrainResult extends TrainResult {
  run: TrackedRun;
}

// Python's str() of YAML values, as mlflow.log_param stores them, is core/python.ts pyStr.

/** The params.yaml settings a run used, flattened (the model's own section only). */
export function pipelineParams(params: PipelineParams, dataPath: string, modelType: ModelType): Param[] {
  const out: Param[] = [];
  const add = (key: string, value: unknown) => out.push({ key, value: pyStr(value) });
  add('data.path', dataPath);
  add('data.name', datasetName(params, dataPath));
  add('data.target', params.data.target);
  add('split.test_size', params.split.testSize);
  add('split.random_state', params.split.randomState);
  add('features.numeric', params.features.numeric);
  add('features.categorical', params.features.categorical);
  for (const r of params.features.ratios) add(`features.ratios.${r.name}`, [r.numerator, r.denominator]);
  add('preprocessing.order', params.preprocessing.order);
  if (params.preprocessing.imputeColumns !== null) {
    add('preprocessing.impute_columns', params.preprocessing.imputeColumns);
  }
  add('preprocessing.impute_strategy', params.preprocessing.imputeStrategy);
  add('preprocessing.handle_unknown', params.preprocessing.handleUnknown);
  add('model.type', modelType);
  for (const [k, v] of Object.entries(params.model.params[modelType] ?? {}))
    add(`model.${modelType}.${k}`, v);
  return out;
}

// --- lineage: user, git commit, data origin ----------------------------------------------------

/** getpass.getuser(), which MLflow uses for `mlflow.user`: LOGNAME, USER, LNAME, USERNAME, then the account. */
export function currentUser(env: Record<string, string | undefined> = process.env): string {
  for (const name of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    if (env[name]) return env[name]!;
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * The commit checked out in the git work tree containing `start`, read from `.git` without running
 * git: HEAD, then the ref it names as a loose file or in packed-refs, in the common directory for
 * linked worktrees and submodules (`.git` as a `gitdir:` file). undefined outside a checkout, on
 * an unborn branch, or on anything unexpected — the tag is then simply not set, as in MLflow.
 */
export async function gitCommit(start: string = process.cwd()): Promise<string | undefined> {
  let dir = resolve(start);
  let gitDir: string | undefined;
  for (;;) {
    const dotGit = join(dir, '.git');
    const s = await stat(dotGit).catch(() => undefined);
    if (s?.isDirectory()) {
      gitDir = dotGit;
      break;
    }
    if (s?.isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec((await readText(dotGit)) ?? '')?.[1];
      if (!pointer) return undefined;
      gitDir = resolve(dir, pointer.trim());
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  const common = await readText(join(gitDir, 'commondir'));
  const commonDir = common ? resolve(gitDir, common) : gitDir;
  let head = await readText(join(gitDir, 'HEAD'));
  // Symbolic refs can chain (HEAD → refs/heads/x → …); git stops at 5 levels too.
  for (let depth = 0; head !== undefined && depth < 5; depth++) {
    if (SHA.test(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref || ref.includes('..')) return undefined;
    const loose = (await readText(join(gitDir, ref))) ?? (await readText(join(commonDir, ref)));
    if (loose !== undefined) {
      head = loose;
      continue;
    }
    const packed = (await readText(join(commonDir, 'packed-refs'))) ?? '';
    const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`) && !l.startsWith('#'));
    head = line?.split(' ')[0];
  }
  return undefined;
}

/**
 * `data_uri`: where the data came from. For a file imported with `mlship data import-url` / `dvc
 * import-url`, the origin URL its `.dvc` file records; otherwise the path trained on.
 */
export async function dataOrigin(dataPath: string): Promise<string> {
  const dvcPath = `${dataPath}.dvc`;
  if (existsSync(dvcPath)) {
    try {
      const dvc = await readDvcFile(dvcPath);
      const origin = dvc.deps[0]?.path;
      if (origin && /^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(origin)) return origin;
    } catch {
      // train() verifies the .dvc file and reports its problems; the tag falls back to the path
    }
  }
  return dataPath;
}

/**
 * The dataset input as MLflow's PandasDataset logs a CSV read with pandas (mlflow/data/
 * pandas_dataset.py `to_dict`, artifact_dataset_sources.py for the `local` source): source
 * `{"uri": …}`, schema `{"mlflow_colspec": [...]}` and profile `{"num_rows", "num_elements"}`, all
 * as Python's json.dumps writes them. The digest is the data's DVC md5 (32 hex, within MLflow's
 * 36-character limit) rather than MLflow's 8-character pandas hash, which depends on pandas'
 * internal hashing and cannot be reproduced outside it; it equals the `data_dvc_md5` tag.
 */
export function datasetInput(result: TrainResult, name: string): DatasetInput {
  const { path, nRows, columns } = result.dataset;
  const abs = isAbsolute(path) ? path : resolve(path);
  return {
    tags: [{ key: 'mlflow.data.context', value: 'training' }],
    dataset: {
      name,
      digest: result.metrics.data_md5,
      source_type: 'local',
      source: pyJsonDumps({ uri: abs }),
      schema: pyJsonDumps({
        mlflow_colspec: columns.map((c) => ({
          type: c.kind === 'numeric' ? 'double' : 'string',
          name: c.name,
          required: true,
        })),
      }),
      profile: pyJsonDumps({ num_rows: nRows, num_elements: nRows * columns.length }),
    },
  };
}

/** What MLflow's log_model records in `mlflow.log-model.history` (Model.get_tags_dict). */
async function loggedModelTag(modelDir: string): Promise<string> {
  const doc = parseYaml(await readFile(join(modelDir, 'MLmodel'), 'utf8')) as Record<string, unknown>;
  const flavors: Record<string, unknown> = {};
  for (const [name, config] of Object.entries((doc.flavors ?? {}) as Record<string, unknown>)) {
    if (config && typeof config === 'object') {
      flavors[name] = Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'config'));
    } else flavors[name] = config;
  }
  const entry: Record<string, unknown> = {};
  for (const k of ['run_id', 'artifact_path', 'utc_time_created', 'model_uuid']) {
    if (doc[k] !== undefined) entry[k] = doc[k];
  }
  entry.flavors = flavors;
  return JSON.stringify([entry]);
}

/** The fitted estimator's parameters, defaults included, as the model package records them. */
async function estimatorParams(modelDir: string): Promise<Record<string, unknown>> {
  const doc = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as {
    estimator?: { params?: Record<string, unknown> };
  };
  return doc.estimator?.params ?? {};
}

function scoreMetrics(result: TrainResult, timestamp: number): MetricPoint[] {
  const m = result.metrics;
  const out: MetricPoint[] = [];
  for (const split of ['train', 'test'] as const) {
    for (const name of ['rmse', 'mae', 'r2'] as const) {
      out.push({ key: `${split}_${name}`, value: m[split][name], timestamp, step: 0 });
    }
  }
  out.push({ key: 'fit_seconds', value: m.fit_seconds, timestamp, step: 0 });
  if (m.n_iter !== null) out.push({ key: 'n_iter', value: m.n_iter, timestamp, step: 0 });
  return out;
}

function historyMetrics(history: IterationInfo[], times: number[]): MetricPoint[] {
  const out: MetricPoint[] = [];
  history.forEach((h, i) => {
    const timestamp = times[i] ?? Date.now();
    out.push({ key: 'training_loss', value: h.trainLoss, timestamp, step: h.iteration });
    if (h.validationLoss !== null) {
      out.push({ key: 'validation_loss', value: h.validationLoss, timestamp, step: h.iteration });
    }
  });
  return out;
}

/** Train as `train()` does, logging one run to the tracking client's server or database. */
export async function trainWithTracking(
  opts: TrainOptions,
  tracking: TrackingOptions,
): Promise<TrackedTrainResult> {
  const { client } = tracking;
  const experimentName = tracking.experimentName ?? DEFAULT_EXPERIMENT;
  const dataPath = opts.dataPath ?? opts.params.data.path;
  const modelType = opts.modelType ?? opts.params.model.type;

  const experiment = await client.getOrCreateExperiment(experimentName);
  const user = currentUser();
  const tags: RunTag[] = [
    { key: 'mlflow.user', value: user },
    { key: 'mlflow.source.type', value: 'LOCAL' },
    { key: 'mlflow.source.name', value: tracking.sourceName ?? 'mlship train' },
    { key: 'mlship_version', value: VERSION },
    { key: 'data_uri', value: await dataOrigin(dataPath) },
  ];
  const commit = await gitCommit(tracking.cwd);
  if (commit) tags.push({ key: 'mlflow.source.git.commit', value: commit });
  const created = await client.createRun({
    experimentId: experiment.experiment_id,
    runName: tracking.runName ?? defaultRunName(modelType),
    startTime: Date.now(),
    tags,
    // MLflow's client copies the mlflow.user tag into the deprecated user_id attribute.
    userId: user,
  });
  const run: TrackedRun = {
    runId: created.info.run_id,
    experimentId: experiment.experiment_id,
    experimentName,
    artifactUri: created.info.artifact_uri,
    trackingUri: client.target,
  };
  tracking.onRunCreated?.(run);
  const runId = run.runId;

  try {
    const logged = pipelineParams(opts.params, dataPath, modelType);
    await client.logBatch(runId, { params: logged });

    const times: number[] = [];
    const result = await train({
      ...opts,
      runId,
      artifactPath: MODEL_ARTIFACT_PATH,
      onIteration: (info) => {
        times.push(Date.now());
        opts.onIteration?.(info);
      },
    });

    // The estimator's full parameter set; keys params.yaml already gave keep their logged value.
    const seen = new Set(logged.map((p) => p.key));
    const resolved = Object.entries(await estimatorParams(result.modelDir))
      .map(([k, v]) => ({ key: `model.${modelType}.${k}`, value: pyStr(v) }))
      .filter((p) => !seen.has(p.key));
    await client.logBatch(runId, {
      params: resolved,
      metrics: [...scoreMetrics(result, Date.now()), ...historyMetrics(result.history, times)],
      tags: [
        { key: 'data_dvc_md5', value: result.metrics.data_md5 },
        { key: 'mlflow.log-model.history', value: await loggedModelTag(result.modelDir) },
      ],
    });
    await client.logInputs(runId, [datasetInput(result, datasetName(opts.params, dataPath))]);
    await client.logArtifacts(runId, result.modelDir, MODEL_ARTIFACT_PATH);
    await client.logArtifact(runId, join(result.outDir, 'metrics.json'));
    await client.logArtifact(runId, join(result.outDir, 'split.json'));
    await client.setTerminated(runId, 'FINISHED');
    return { ...result, run };
  } catch (err) {
    try {
      await client.setTerminated(runId, 'FAILED');
    } catch (markErr) {
      tracking.onWarning?.(
        `run ${runId} could not be marked FAILED on ${client.target}: ${(markErr as Error).message}`,
      );
    }
    throw err;
  }
}

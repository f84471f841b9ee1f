/**
 * Part of the store contract suite (called from conformance.ts, so it runs on SQLite and on
 * PostgreSQL): the hostile inputs of issue 8 §5.1, §5.2 and §5.4 that once behaved differently on
 * the two databases or pinned PostgreSQL's pool.
 *
 * - Many-clause searches must answer, with the same runs, order and pages as a search with each
 *   clause once (AND is idempotent; MLflow's sqlalchemy_store ANDs one join per clause).
 * - Every string that reaches the database is checked first: a NUL character (PostgreSQL refuses
 *   it in text, error 22021, and SQLite would store it) and a value longer than its column (MLflow's
 *   limits, mlflow/utils/validation.py, and its column sizes, mlflow/store/tracking/dbmodels/
 *   models.py: runs.name String(250), datasets.dataset_source_type String(36), …) are 400
 *   INVALID_PARAMETER_VALUE naming the field, on both databases, and nothing is written.
 * - Dataset fields keep MLflow's limits (validation._validate_dataset, _validate_input_tag), counted
 *   in characters as Python's len() counts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInput } from '../../../src/tracking/entities.js';
import type { TrackingStore } from '../../../src/tracking/store/index.js';
import { expectMlflowError, type Harness, open, unique } from './harness.js';

const NUL = 'a\u0000b';

export function describeHostileInput(harness: Harness): void {
  let store: TrackingStore;
  beforeAll(async () => {
    store = await open(await harness.newDatabase());
  });
  afterAll(async () => {
    await store?.close();
  });

  describe('many-clause searches (issue 8 §5.1)', () => {
    const RUNS = 24;
    let exp: string;
    /** run name → its index; index i logs metric m = i % 3, keys k0..k19 unless i % 4 = 0. */
    const expected: string[] = [];

    beforeAll(async () => {
      exp = await store.createExperiment(unique('many-clauses'));
      for (let i = 0; i < RUNS; i++) {
        const full = i % 4 !== 0;
        const keys = full ? Array.from({ length: 20 }, (_, k) => k) : [0];
        const run = await store.createRun({
          experimentId: exp,
          userId: 'alice',
          startTime: 1000 + i,
          tags: [],
          runName: `r${String(i).padStart(2, '0')}`,
        });
        await store.logBatch(
          run.info.run_id,
          [
            { key: 'm', value: i % 3, timestamp: 1, step: 0 },
            ...keys.map((k) => ({ key: `k${k}`, value: k + i, timestamp: 1, step: 0 })),
          ],
          keys.map((k) => ({ key: `p${k}`, value: `v${i}` })),
          keys.map((k) => ({ key: `t${k}`, value: `tag${k}` })),
        );
        if (full && i % 3 === 1) expected.push(run.info.run_name);
      }
      expected.reverse(); // start_time DESC
    });

    /** 200 clauses: the same one repeated, and distinct ones on metrics, params, tags, attributes. */
    function manyClauses(): string {
      const clauses: string[] = [];
      for (let i = 0; clauses.length < 200; i++) {
        clauses.push('metrics.m = 1');
        clauses.push(`metrics.k${i % 20} >= 0`);
        clauses.push(`params.p${i % 20} LIKE 'v%'`);
        clauses.push(`tags.t${i % 20} = 'tag${i % 20}'`);
        clauses.push(`attributes.status = 'RUNNING'`);
      }
      return clauses.slice(0, 200).join(' AND ');
    }

    it('answers a 200-clause filter with the runs every clause keeps, in order', async () => {
      const page = await store.searchRuns({
        experimentIds: [exp],
        filter: manyClauses(),
        runViewType: 'ACTIVE_ONLY',
        maxResults: 1000,
      });
      expect(page.runs.map((r) => r.info.run_name)).toEqual(expected);
      expect(expected.length).toBeGreaterThan(3);
    });

    it('applies every condition on one key (a range on one metric, a param both LIKE and !=)', async () => {
      const names = async (filter: string) =>
        (
          await store.searchRuns({
            experimentIds: [exp],
            filter,
            runViewType: 'ACTIVE_ONLY',
            maxResults: 100,
          })
        ).runs.map((r) => r.info.run_name);
      expect(await names('metrics.m > 0 AND metrics.k19 >= 0 AND metrics.m < 1')).toEqual([]);
      expect(await names('metrics.m >= 1 AND metrics.k19 >= 0 AND metrics.m <= 1')).toEqual(expected);
      const all = await names('metrics.m >= 0');
      expect(all).toHaveLength(RUNS);
      expect(await names("params.p0 LIKE 'v1%' AND params.p0 != 'v1'")).toEqual(
        all.filter((n) => /^r1\d$/.test(n)),
      );
    });

    it('pages a 200-clause search ordered by many keys exactly as the single-clause search', async () => {
      const orderBy = ['metrics.k3 DESC', 'params.p2', ...Array.from({ length: 18 }, (_, k) => `tags.t${k}`)];
      const all = async (filter: string) => {
        const names: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.searchRuns({
            experimentIds: [exp],
            filter,
            orderBy,
            runViewType: 'ACTIVE_ONLY',
            maxResults: 2,
            pageToken: token,
          });
          names.push(...page.runs.map((r) => r.info.run_name));
          token = page.nextPageToken;
        } while (token);
        return names;
      };
      const reference = await all('metrics.m = 1 AND metrics.k19 >= 0');
      // metrics.k3 DESC = 3 + i DESC: the newest runs first.
      expect(reference).toEqual(expected);
      expect(await all(manyClauses())).toEqual(reference);
    });

    it('orders by 80 keys (more tables than one SQLite join may hold)', async () => {
      const orderBy = [
        ...Array.from({ length: 20 }, (_, k) => `metrics.k${k}`),
        ...Array.from({ length: 20 }, (_, k) => `params.p${k}`),
        ...Array.from({ length: 20 }, (_, k) => `tags.t${k}`),
        ...Array.from({ length: 20 }, (_, k) => `params.absent${k} DESC`),
      ];
      const page = await store.searchRuns({
        experimentIds: [exp],
        filter: 'metrics.m = 1',
        orderBy,
        runViewType: 'ACTIVE_ONLY',
        maxResults: 100,
      });
      // metrics.k0 = i ascending; runs without k1.. still have k0, so they sort among the others.
      const withM1 = Array.from({ length: RUNS }, (_, i) => i)
        .filter((i) => i % 3 === 1)
        .map((i) => `r${String(i).padStart(2, '0')}`);
      expect(page.runs.map((r) => r.info.run_name)).toEqual(withM1);
    });

    it('does not run a search whose signal has already fired (its client is gone): CANCELLED', async () => {
      const controller = new AbortController();
      controller.abort();
      for (const search of [
        store.searchRuns({
          experimentIds: [exp],
          filter: manyClauses(),
          runViewType: 'ALL',
          maxResults: 10,
          signal: controller.signal,
        }),
        store.searchExperiments({ viewType: 'ALL', maxResults: 10, signal: controller.signal }),
      ]) {
        const err = await expectMlflowError(search, 'CANCELLED');
        expect(err.httpStatus).toBe(499);
      }
      // The store goes on serving.
      const page = await store.searchRuns({ experimentIds: [exp], runViewType: 'ALL', maxResults: 1 });
      expect(page.runs).toHaveLength(1);
    });

    it('answers a 200-clause experiment filter', async () => {
      const name = unique('tagged');
      const id = await store.createExperiment(name, undefined, [{ key: 'team', value: 'ml' }]);
      const filter = Array.from({ length: 100 }, () => `tags.team = 'ml' AND name = '${name}'`).join(' AND ');
      const page = await store.searchExperiments({ viewType: 'ALL', filter, maxResults: 10 });
      expect(page.experiments.map((e) => e.experiment_id)).toEqual([id]);
    });
  });

  describe('NUL characters and over-long strings are 400 naming the field (issue 8 §5.2)', () => {
    let exp: string;
    let runId: string;
    beforeAll(async () => {
      exp = await store.createExperiment(unique('hostile'));
      runId = (await store.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [] })).info.run_id;
    });

    const dataset = (over: Partial<DatasetInput['dataset']> = {}): DatasetInput => ({
      tags: [],
      dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}', ...over },
    });

    /** [what, the call, a pattern the message must match (the field's name)] */
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['experiment name', () => store.createExperiment(NUL), /'name'/],
      ['experiment name on rename', () => store.renameExperiment(exp, NUL), /'new_name'|'name'/],
      ['experiment name lookup', () => store.getExperimentByName(NUL), /'experiment_name'/],
      [
        'artifact location',
        () => store.createExperiment(unique('x'), `s3://b/${NUL}`),
        /'artifact_location'/,
      ],
      [
        'experiment tag value',
        () => store.createExperiment(unique('x'), undefined, [{ key: 'k', value: NUL }]),
        /'value'/,
      ],
      ['experiment tag value (set)', () => store.setExperimentTag(exp, 'k', NUL), /'value'/],
      ['experiment tag key (delete)', () => store.deleteExperimentTag(exp, NUL), /'key'/],
      [
        'run name',
        () => store.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [], runName: NUL }),
        /'run_name'/,
      ],
      [
        'user id',
        () => store.createRun({ experimentId: exp, userId: NUL, startTime: 1, tags: [] }),
        /'user_id'/,
      ],
      [
        'run tag value (create)',
        () =>
          store.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [{ key: 't', value: NUL }] }),
        /'tags\[0\]\.value'|'value'/,
      ],
      ['run id (get)', () => store.getRun(NUL), /'run_id'/],
      ['run id (update)', () => store.updateRunInfo(NUL, { status: 'FINISHED' }), /'run_id'/],
      ['run id (delete)', () => store.deleteRun(NUL), /'run_id'/],
      ['run id (restore)', () => store.restoreRun(NUL), /'run_id'/],
      ['run name (update)', () => store.updateRunInfo(runId, { runName: NUL }), /'run_name'/],
      [
        'run id (log-metric)',
        () => store.logMetric(NUL, { key: 'm', value: 1, timestamp: 1, step: 0 }),
        /'run_id'/,
      ],
      ['param value', () => store.logParam(runId, 'p', NUL), /'value'/],
      ['tag value', () => store.setTag(runId, 't', NUL), /'value'/],
      ['run name tag', () => store.setTag(runId, 'mlflow.runName', NUL), /'value'/],
      ['tag key (delete)', () => store.deleteTag(runId, NUL), /'key'/],
      [
        'batch param value',
        () => store.logBatch(runId, [], [{ key: 'bp', value: NUL }], []),
        /'params\[0\]\.value'/,
      ],
      [
        'batch tag value',
        () => store.logBatch(runId, [], [], [{ key: 'bt', value: NUL }]),
        /'tags\[0\]\.value'/,
      ],
      [
        'dataset name',
        () => store.logInputs(runId, [dataset({ name: NUL })]),
        /'dataset\.name'|Dataset name/,
      ],
      ['dataset digest', () => store.logInputs(runId, [dataset({ digest: NUL })]), /digest/],
      ['dataset source type', () => store.logInputs(runId, [dataset({ source_type: NUL })]), /source_type/],
      ['dataset source', () => store.logInputs(runId, [dataset({ source: NUL })]), /source/],
      ['dataset schema', () => store.logInputs(runId, [dataset({ schema: NUL })]), /schema/],
      ['dataset profile', () => store.logInputs(runId, [dataset({ profile: NUL })]), /profile/],
      [
        'input tag value',
        () => store.logInputs(runId, [{ ...dataset(), tags: [{ key: 'k', value: NUL }] }]),
        /value/,
      ],
      [
        'input tag key',
        () => store.logInputs(runId, [{ ...dataset(), tags: [{ key: NUL, value: 'v' }] }]),
        /key/,
      ],
      ['metric history run id', () => store.getMetricHistory(NUL, 'm'), /'run_id'/],
      ['metric history key', () => store.getMetricHistory(runId, NUL), /'metric_key'|'key'/],
      [
        'bulk interval run id',
        () => store.getMetricHistoryBulkInterval([NUL], 'm', { maxResults: 10 }),
        /'run_ids'|'run_id'/,
      ],
      [
        'bulk interval key',
        () => store.getMetricHistoryBulkInterval([runId], NUL, { maxResults: 10 }),
        /'metric_key'|'key'/,
      ],
      [
        'run filter',
        () =>
          store.searchRuns({
            experimentIds: [exp],
            filter: `params.p = '${NUL}'`,
            runViewType: 'ALL',
            maxResults: 10,
          }),
        /'filter'/,
      ],
      [
        'run order_by',
        () =>
          store.searchRuns({
            experimentIds: [exp],
            orderBy: [`params.\`${NUL}\``],
            runViewType: 'ALL',
            maxResults: 10,
          }),
        /'order_by'/,
      ],
      [
        'experiment filter',
        () => store.searchExperiments({ viewType: 'ALL', filter: `name = '${NUL}'`, maxResults: 10 }),
        /'filter'/,
      ],
      [
        'page token',
        () => store.searchExperiments({ viewType: 'ALL', maxResults: 10, pageToken: NUL }),
        /token/,
      ],
    ];

    it.each(cases)('%s', async (_what, call, field) => {
      const err = await expectMlflowError(call(), 'INVALID_PARAMETER_VALUE');
      expect(err.message).toMatch(field);
      expect(err.httpStatus).toBe(400);
    });

    it('nothing of a refused request is written', async () => {
      const run = await store.getRun(runId);
      expect(run.data.params).toEqual([]);
      expect(run.data.tags.map((t) => t.key)).toEqual(['mlflow.runName']);
      expect(run.inputs.dataset_inputs).toEqual([]);
    });

    it('refuses a run name over 250 characters, the size of runs.name (create, update, mlflow.runName tag)', async () => {
      const long = 'n'.repeat(251);
      await expectMlflowError(
        store.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [], runName: long }),
        'INVALID_PARAMETER_VALUE',
        /'run_name'.*250/,
      );
      await expectMlflowError(
        store.createRun({
          experimentId: exp,
          userId: 'u',
          startTime: 1,
          tags: [{ key: 'mlflow.runName', value: long }],
        }),
        'INVALID_PARAMETER_VALUE',
        /250/,
      );
      await expectMlflowError(
        store.updateRunInfo(runId, { runName: long }),
        'INVALID_PARAMETER_VALUE',
        /'run_name'.*250/,
      );
      await expectMlflowError(store.setTag(runId, 'mlflow.runName', long), 'INVALID_PARAMETER_VALUE', /250/);
      // 250 characters (code points, as PostgreSQL's varchar counts them) fit.
      const fits = `${'é'.repeat(249)}😀`;
      const run = await store.createRun({
        experimentId: exp,
        userId: 'u',
        startTime: 1,
        tags: [],
        runName: fits,
      });
      expect((await store.getRun(run.info.run_id)).info.run_name).toBe(fits);
    });

    it('refuses an experiment name over 500 characters and a dataset source_type over 36', async () => {
      await expectMlflowError(
        store.createExperiment('e'.repeat(501)),
        'INVALID_PARAMETER_VALUE',
        /name.*500/,
      );
      await expectMlflowError(
        store.logInputs(runId, [dataset({ source_type: 's'.repeat(37) })]),
        'INVALID_PARAMETER_VALUE',
        /source_type.*36/,
      );
    });

    it('refuses metric timestamps and steps that are not 64-bit integers', async () => {
      for (const m of [
        { key: 'm', value: 1, timestamp: 1.5, step: 0 },
        { key: 'm', value: 1, timestamp: 1e30, step: 0 },
        { key: 'm', value: 1, timestamp: 1, step: 2.5 },
        { key: 'm', value: 1, timestamp: 1, step: -1e30 },
      ]) {
        await expectMlflowError(store.logMetric(runId, m), 'INVALID_PARAMETER_VALUE');
      }
      await expectMlflowError(
        store.createRun({ experimentId: exp, userId: 'u', startTime: 1e30, tags: [] }),
        'INVALID_PARAMETER_VALUE',
        /start_time/,
      );
      await expectMlflowError(
        store.updateRunInfo(runId, { endTime: 0.5 }),
        'INVALID_PARAMETER_VALUE',
        /end_time/,
      );
    });
  });

  describe("dataset fields keep MLflow's size limits (issue 8 §5.4, validation._validate_dataset)", () => {
    let runId: string;
    beforeAll(async () => {
      const exp = await store.createExperiment(unique('datasets'));
      runId = (await store.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [] })).info.run_id;
    });
    const base = { name: 'd', digest: 'abc', source_type: 'local', source: '{}' };
    // A 4-byte character counts once, as Python's len() counts it: the limit is in characters.
    const chars = (n: number) => '😀'.repeat(n);

    const limits: [string, number, (s: string) => DatasetInput, RegExp][] = [
      ['name', 500, (s) => ({ tags: [], dataset: { ...base, name: s } }), /\bname\b.* 500\b/],
      ['digest', 36, (s) => ({ tags: [], dataset: { ...base, digest: s } }), /digest.* 36\b/],
      ['source', 65_535, (s) => ({ tags: [], dataset: { ...base, source: s } }), /source.* 65535\b/],
      ['schema', 1_048_575, (s) => ({ tags: [], dataset: { ...base, schema: s } }), /schema.* 1048575\b/],
      [
        'profile',
        16_777_215,
        (s) => ({ tags: [], dataset: { ...base, profile: s } }),
        /profile.* 16777215\b/,
      ],
      ['input tag key', 255, (s) => ({ tags: [{ key: s, value: 'v' }], dataset: base }), /key.* 255\b/],
      ['input tag value', 500, (s) => ({ tags: [{ key: 'k', value: s }], dataset: base }), /value.* 500\b/],
    ];

    it.each(limits)('%s: %i characters pass, one more is refused', async (what, limit, input, message) => {
      // The largest fields are checked with one-byte characters (16 M of 4-byte ones is 64 MB).
      const big = limit > 100_000;
      const at = big ? 'x'.repeat(limit) : chars(limit);
      const over = big ? `${'x'.repeat(limit)}y` : chars(limit + 1);
      await expectMlflowError(store.logInputs(runId, [input(over)]), 'INVALID_PARAMETER_VALUE', message);
      // Distinct digests so every accepted input is a new dataset.
      const ok = input(at);
      if (what !== 'digest') ok.dataset = { ...ok.dataset, digest: `ok-${what}`.slice(0, 36) };
      await store.logInputs(runId, [ok]);
      const logged = (await store.getRun(runId)).inputs.dataset_inputs;
      expect(logged.some((d) => JSON.stringify(d) === JSON.stringify(ok))).toBe(true);
    });
  });
}

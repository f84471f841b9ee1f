/**
 * RandomForestRegressor against scikit-learn 1.2.1 (Debian), via test/fixtures/forest.json
 * written by test/fixtures/gen_forest.py: per-tree seeds, bootstrap rows from sklearn's own
 * _generate_sample_indices, and whole forests' predictions, which match bit for bit because
 * the trees reproduce sklearn's splitter (tree.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError, ModelPackageError } from '../../src/core/errors.js';
import {
  bootstrapCounts,
  nSamplesBootstrap,
  RandomForestRegressor,
  type RandomForestRegressorParams,
  treeSeeds,
} from '../../src/ml/forest.js';
import { fromRows } from '../../src/ml/matrix.js';

interface ForestCase {
  name: string;
  params: Record<string, unknown>;
  tree_seeds: number[];
  node_counts: number[];
  predict: number[];
  predict_first_tree: number[];
  n_samples_bootstrap?: number;
  sample_indices?: number[][];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/forest.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  X: number[][];
  y: number[];
  X_test: number[][];
  forests: ForestCase[];
};
const X = fromRows(fixture.X);
const y = Float64Array.from(fixture.y);
const Xt = fromRows(fixture.X_test);

function params(p: Record<string, unknown>): RandomForestRegressorParams {
  return {
    nEstimators: p.n_estimators as number,
    randomState: p.random_state as number,
    maxFeatures: p.max_features as RandomForestRegressorParams['maxFeatures'],
    maxDepth: p.max_depth as number | undefined,
    minSamplesLeaf: p.min_samples_leaf as number | undefined,
    minSamplesSplit: p.min_samples_split as number | undefined,
    maxSamples: p.max_samples as number | undefined,
    bootstrap: p.bootstrap as boolean | undefined,
  };
}

describe('RandomForestRegressor seeding matches scikit-learn', () => {
  it('fixture comes from scikit-learn 1.2', () => {
    expect(fixture.versions.sklearn).toMatch(/^1\.2\./);
  });
  for (const c of fixture.forests) {
    it(`tree seeds and bootstrap rows: ${c.name}`, () => {
      expect(treeSeeds(c.params.random_state as number, c.tree_seeds.length)).toEqual(c.tree_seeds);
      if (c.sample_indices) {
        const nBoot = nSamplesBootstrap(
          fixture.X.length,
          (c.params.max_samples as number | undefined) ?? null,
        );
        expect(nBoot).toBe(c.n_samples_bootstrap);
        c.sample_indices.forEach((indices, t) => {
          const expected = new Float64Array(fixture.X.length);
          for (const i of indices) expected[i] += 1;
          expect(Array.from(bootstrapCounts(c.tree_seeds[t], fixture.X.length, nBoot))).toEqual(
            Array.from(expected),
          );
        });
      }
    });
  }
  it("rounds a fractional max_samples half to even, like Python's round()", () => {
    expect(nSamplesBootstrap(5, 0.5)).toBe(2); // round(2.5) == 2
    expect(nSamplesBootstrap(7, 0.5)).toBe(4); // round(3.5) == 4
    expect(nSamplesBootstrap(10, 1)).toBe(10); // 1 is sklearn's 1.0: all rows
    expect(() => nSamplesBootstrap(10, 11)).toThrow(/must be <= n_samples=10/);
  });
});

describe('RandomForestRegressor matches scikit-learn forests bit for bit', () => {
  for (const c of fixture.forests) {
    it(c.name, () => {
      const rf = new RandomForestRegressor({ ...params(c.params), nJobs: 1 }).fit(X, y);
      expect(rf.trees!.map((t) => t.nodeCount)).toEqual(c.node_counts);
      expect(Array.from(rf.predict(Xt))).toEqual(c.predict);
    });
  }
});

describe('RandomForestRegressor threads and persistence', () => {
  it('gives the identical forest on 1, 2 and 3 worker threads', () => {
    const c = fixture.forests[1];
    const one = new RandomForestRegressor({ ...params(c.params), nJobs: 1 }).fit(X, y);
    for (const nJobs of [2, 3]) {
      const many = new RandomForestRegressor({ ...params(c.params), nJobs }).fit(X, y);
      expect(many.toJSON().fitted).toEqual(one.toJSON().fitted);
    }
    expect(Array.from(one.predict(Xt))).toEqual(c.predict);
  });

  it('round-trips through JSON and predicts bit-identically', () => {
    const rf = new RandomForestRegressor({ nEstimators: 5, randomState: 1, nJobs: 1 }).fit(X, y);
    const state = JSON.parse(JSON.stringify(rf.toJSON()));
    const back = RandomForestRegressor.fromJSON(state);
    expect(Array.from(back.predict(Xt))).toEqual(Array.from(rf.predict(Xt)));
    expect(back.toJSON()).toEqual(state);
    state.fitted.estimators.pop();
    expect(() => RandomForestRegressor.fromJSON(state)).toThrow(ModelPackageError);
  });

  it('validates parameters and input', () => {
    expect(() => new RandomForestRegressor({ nEstimators: 0 })).toThrow(InvalidParameterError);
    expect(() => new RandomForestRegressor({ bootstrap: false, maxSamples: 0.5 })).toThrow(/max_sample/);
    expect(() => new RandomForestRegressor({ maxSamples: 1.5 })).toThrow(/max_samples must be/);
    expect(() => new RandomForestRegressor({ nJobs: 0 })).toThrow(/n_jobs/);
    const bad = fromRows([[1, Number.NaN]], ['a', 'b']);
    expect(() => new RandomForestRegressor({ nJobs: 1 }).fit(bad, Float64Array.of(1))).toThrow(
      InvalidInputError,
    );
    expect(() => new RandomForestRegressor({ nJobs: 1 }).fit(bad, Float64Array.of(1))).toThrow(
      /Input X contains NaN \(column 1 \("b"\), row 0\)/,
    );
  });
});

describe('RandomForestRegressor: progress', () => {
  // one thread, and more threads than the machine may have: the count is the same either way
  for (const nJobs of [1, 3]) {
    it(`reports each grown tree to onTree, in count order (n_jobs ${nJobs}), and grows the same forest`, () => {
      const calls: [number, number][] = [];
      const rf = new RandomForestRegressor({ nEstimators: 7, randomState: 0, nJobs });
      rf.fit(X, y, { onTree: (done, total) => calls.push([done, total]) });
      expect(calls).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => [n, 7]));
      const plain = new RandomForestRegressor({ nEstimators: 7, randomState: 0, nJobs }).fit(X, y);
      expect(rf.predict(Xt)).toEqual(plain.predict(Xt));
    });
  }
});

/**
 * DecisionTreeRegressor against scikit-learn 1.2.1 (Debian), via test/fixtures/tree.json written
 * by test/fixtures/gen_tree.py. Our builder reproduces sklearn's splitter (rand_r feature order,
 * introsort, float32 features), so trees are compared node by node and predictions bit for bit.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError, ModelPackageError } from '../../src/core/errors.js';
import { fromRows } from '../../src/ml/matrix.js';
import { DecisionTreeRegressor, type DecisionTreeRegressorParams } from '../../src/ml/tree.js';

interface SkTree {
  children_left: number[];
  children_right: number[];
  feature: number[];
  threshold: number[];
  value: number[];
  impurity: number[];
  n_node_samples: number[];
  weighted_n_node_samples: number[];
}
interface Case {
  name: string;
  data: string;
  params: Record<string, unknown>;
  sample_weight: number[] | null;
  predict: number[];
  predict_train: number[];
  node_count: number;
  max_depth: number;
  tree?: SkTree;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/tree.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  datasets: Record<string, { X: number[][]; y: number[]; X_test: number[][] }>;
  cases: Case[];
};

/** sklearn's snake_case parameters to ours */
function params(p: Record<string, unknown>): DecisionTreeRegressorParams {
  return {
    randomState: p.random_state as number,
    maxDepth: p.max_depth as number | undefined,
    minSamplesSplit: p.min_samples_split as number | undefined,
    minSamplesLeaf: p.min_samples_leaf as number | undefined,
    maxFeatures: p.max_features as DecisionTreeRegressorParams['maxFeatures'],
    minImpurityDecrease: p.min_impurity_decrease as number | undefined,
  };
}

describe('DecisionTreeRegressor matches scikit-learn 1.2.1', () => {
  it('fixture comes from scikit-learn 1.2', () => {
    expect(fixture.versions.sklearn).toMatch(/^1\.2\./);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const d = fixture.datasets[c.data];
      const X = fromRows(d.X);
      const model = new DecisionTreeRegressor(params(c.params)).fit(
        X,
        Float64Array.from(d.y),
        c.sample_weight ? Float64Array.from(c.sample_weight) : undefined,
      );
      const tree = model.tree!;
      expect(tree.nodeCount).toBe(c.node_count);
      expect(tree.maxDepth).toBe(c.max_depth);
      if (c.tree) {
        expect(Array.from(tree.childrenLeft)).toEqual(c.tree.children_left);
        expect(Array.from(tree.childrenRight)).toEqual(c.tree.children_right);
        expect(Array.from(tree.feature)).toEqual(c.tree.feature);
        expect(Array.from(tree.threshold)).toEqual(c.tree.threshold);
        expect(Array.from(tree.value)).toEqual(c.tree.value);
        expect(Array.from(tree.impurity)).toEqual(c.tree.impurity);
        expect(Array.from(tree.nNodeSamples)).toEqual(c.tree.n_node_samples);
        expect(Array.from(tree.weightedNNodeSamples)).toEqual(c.tree.weighted_n_node_samples);
      }
      expect(Array.from(model.predict(fromRows(d.X_test)))).toEqual(c.predict);
      expect(Array.from(model.predict(X))).toEqual(c.predict_train);
    });
  }
});

describe('DecisionTreeRegressor behaviour', () => {
  const X = fromRows(
    [
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [5, 50],
      [6, 60],
    ],
    ['a', 'b'],
  );
  const y = Float64Array.of(1, 1, 2, 2, 8, 9);

  it('fits the training data exactly when grown fully (single-row leaves)', () => {
    const m = new DecisionTreeRegressor({ randomState: 0 }).fit(X, y);
    expect(Array.from(m.predict(X))).toEqual(Array.from(y));
    // every leaf holds one row or rows with equal targets
    const t = m.tree!;
    for (let i = 0; i < t.nodeCount; i++) {
      if (t.childrenLeft[i] === -1) expect(t.impurity[i]).toBe(0);
    }
  });

  it('treats a zero weight as an absent row', () => {
    const w = Float64Array.of(1, 1, 1, 1, 1, 0);
    const m = new DecisionTreeRegressor({ randomState: 0 }).fit(X, y, w);
    expect(m.tree!.nNodeSamples[0]).toBe(5);
    const sub = new DecisionTreeRegressor({ randomState: 0 }).fit(
      fromRows([
        [1, 10],
        [2, 20],
        [3, 30],
        [4, 40],
        [5, 50],
      ]),
      y.slice(0, 5),
    );
    expect(Array.from(m.tree!.threshold)).toEqual(Array.from(sub.tree!.threshold));
  });

  it('refuses NaN (no missing-value support in scikit-learn 1.2 trees), naming the column', () => {
    const bad = fromRows(
      [
        [1, Number.NaN],
        [2, 3],
      ],
      ['x', 'total_bedrooms'],
    );
    expect(() => new DecisionTreeRegressor().fit(bad, Float64Array.of(1, 2))).toThrow(InvalidInputError);
    expect(() => new DecisionTreeRegressor().fit(bad, Float64Array.of(1, 2))).toThrow(
      /Input X contains NaN \(column 1 \("total_bedrooms"\), row 0\)/,
    );
    const m = new DecisionTreeRegressor().fit(X, y);
    expect(() => m.predict(fromRows([[Number.NaN, 1]], ['a', 'b']))).toThrow(/Input X contains NaN/);
    expect(() => m.predict(fromRows([[1e39, 1]], ['a', 'b']))).toThrow(/too large for dtype\('float32'\)/);
  });

  it('validates parameters and weights', () => {
    expect(() => new DecisionTreeRegressor({ maxDepth: 0 })).toThrow(InvalidParameterError);
    expect(() => new DecisionTreeRegressor({ minSamplesSplit: 1.5 })).toThrow(/min_samples_split/);
    expect(() => new DecisionTreeRegressor({ minSamplesLeaf: 0 })).toThrow(/min_samples_leaf/);
    expect(() => new DecisionTreeRegressor({ maxFeatures: 'auto' as never })).toThrow(/max_features/);
    expect(() => new DecisionTreeRegressor({ randomState: -1 })).toThrow(/random_state/);
    expect(() => new DecisionTreeRegressor({ maxFeatures: 3 }).fit(X, y)).toThrow(/max_features must be in/);
    expect(() => new DecisionTreeRegressor().fit(X, y, Float64Array.of(1, 1, 1, -1, 1, 1))).toThrow(
      /sample_weight must be finite and >= 0/,
    );
    expect(() => new DecisionTreeRegressor().fit(X, y, new Float64Array(6))).toThrow(/sums to zero/);
  });

  it('round-trips through JSON and predicts bit-identically; refuses corrupt trees', () => {
    const d = fixture.datasets.larger;
    const Xl = fromRows(d.X);
    const m = new DecisionTreeRegressor({ randomState: 3, maxFeatures: 'sqrt' }).fit(
      Xl,
      Float64Array.from(d.y),
    );
    const state = JSON.parse(JSON.stringify(m.toJSON()));
    const back = DecisionTreeRegressor.fromJSON(state);
    const Xt = fromRows(d.X_test);
    expect(Array.from(back.predict(Xt))).toEqual(Array.from(m.predict(Xt)));
    expect(back.toJSON()).toEqual(state);

    const looping = JSON.parse(JSON.stringify(state));
    looping.fitted.tree.children_left[1] = 0; // a cycle back to the root
    expect(() => DecisionTreeRegressor.fromJSON(looping)).toThrow(ModelPackageError);
    const badFeature = JSON.parse(JSON.stringify(state));
    badFeature.fitted.tree.feature[0] = 99;
    expect(() => DecisionTreeRegressor.fromJSON(badFeature)).toThrow(/invalid children or feature/);
  });
});

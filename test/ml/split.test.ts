/**
 * trainTestSplit against scikit-learn 1.2.1's train_test_split (Debian's python3-sklearn, NumPy
 * 1.24.2), via test/fixtures/split.json written by test/fixtures/gen_random.py: indices for several
 * (n, test_size, train_size, random_state), the flagship housing split, and the ValueError messages
 * of _validate_shuffle_split.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { splitSizes, trainTestSplit } from '../../src/ml/split.js';

interface Case {
  n: number;
  test_size: number | null;
  train_size: number | null;
  random_state: number | null;
  shuffle: boolean;
  train: number[];
  test: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/split.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  cases: Case[];
  housing: {
    n: number;
    test_size: number;
    random_state: number;
    n_train: number;
    n_test: number;
    test_head: number[];
    test_tail: number[];
    train_head: number[];
    train_tail: number[];
    test_checksum: number;
    train_checksum: number;
  };
  errors: { n: number; test_size: number | null; train_size: number | null; message: string }[];
};

const opt = (x: number | null) => (x === null ? undefined : x);

/** Order-sensitive: sum over k of (k + 1) * idx[k], as gen_random.py computes it. */
function orderedChecksum(idx: Int32Array): number {
  let s = 0;
  for (let k = 0; k < idx.length; k++) s += (k + 1) * idx[k];
  return s;
}

describe('trainTestSplit matches sklearn 1.2.1 train_test_split', () => {
  it('fixture is from sklearn 1.2', () => {
    expect(fixture.versions.sklearn).toBe('1.2.1');
  });

  for (const c of fixture.cases) {
    it(`n=${c.n} test_size=${c.test_size} train_size=${c.train_size} random_state=${c.random_state} shuffle=${c.shuffle}`, () => {
      const s = trainTestSplit(c.n, {
        testSize: opt(c.test_size),
        trainSize: opt(c.train_size),
        randomState: opt(c.random_state),
        shuffle: c.shuffle,
      });
      expect(Array.from(s.test)).toEqual(c.test);
      expect(Array.from(s.train)).toEqual(c.train);
    });
  }

  it('the flagship housing split: 20,640 rows, test_size 0.2, random_state 42', () => {
    const h = fixture.housing;
    const s = trainTestSplit(h.n, { testSize: h.test_size, randomState: h.random_state });
    expect(s.test.length).toBe(h.n_test);
    expect(s.train.length).toBe(h.n_train);
    // Quoted in DESIGN.md from the reference run as well as in the fixture.
    expect(Array.from(s.test.subarray(0, 10))).toEqual([
      20046, 3024, 15663, 20484, 9814, 13311, 7113, 7668, 18246, 5723,
    ]);
    expect(Array.from(s.test.subarray(0, 10))).toEqual(h.test_head);
    expect(Array.from(s.test.subarray(-10))).toEqual(h.test_tail);
    expect(Array.from(s.train.subarray(0, 10))).toEqual(h.train_head);
    expect(Array.from(s.train.subarray(-10))).toEqual(h.train_tail);
    expect(orderedChecksum(s.test)).toBe(h.test_checksum);
    expect(orderedChecksum(s.train)).toBe(h.train_checksum);
    // train and test partition the rows
    const seen = new Uint8Array(h.n);
    for (const i of s.train) seen[i]++;
    for (const i of s.test) seen[i]++;
    expect(seen.every((v) => v === 1)).toBe(true);
  });
});

describe('split size errors carry sklearn 1.2.1 messages', () => {
  for (const e of fixture.errors) {
    it(e.message, () => {
      const call = () =>
        trainTestSplit(e.n, { testSize: opt(e.test_size), trainSize: opt(e.train_size), randomState: 0 });
      expect(call).toThrow(InvalidParameterError);
      expect(call).toThrow(e.message);
    });
  }

  it('refuses to shuffle without a seed', () => {
    expect(() => trainTestSplit(10, { testSize: 0.2 })).toThrow(/randomState is required/);
  });

  it('reads an integer-valued number as a row count (JavaScript has no separate int type)', () => {
    expect(splitSizes(10, 1)).toEqual({ nTrain: 9, nTest: 1 });
    expect(splitSizes(10, 0.1)).toEqual({ nTrain: 9, nTest: 1 });
    expect(splitSizes(10, 0.11)).toEqual({ nTrain: 8, nTest: 2 }); // ceil for test
    expect(splitSizes(10, undefined, 0.89)).toEqual({ nTrain: 8, nTest: 2 }); // floor for train
  });
});

import { InvalidParameterError } from '../core/errors.js';
import { RandomState } from './random.js';

export interface SplitOptions {
  /**
   * Rows for the test set: a fraction in (0, 1) or a count in [1, nRows). JavaScript has one number
   * type, so an integer-valued number is read as a count (sklearn's int) and any other as a
   * fraction (sklearn's float): 1.0 means one row here, where sklearn refuses the float 1.0.
   */
  testSize?: number;
  /** fraction or count for the train set; by default the complement of testSize */
  trainSize?: number;
  /** required when shuffling (mlship splits are reproducible: there is no unseeded mode) */
  randomState?: number;
  /** false keeps the input order (sklearn's shuffle=False) */
  shuffle?: boolean;
}

export interface Split {
  /** row indices, in scikit-learn's order */
  train: Int32Array;
  test: Int32Array;
}

/** Python's rendering of an optional size in sklearn's messages (None when not given). */
function pySize(x: number | undefined): string {
  return x === undefined ? 'None' : String(x);
}

/**
 * Row sizes exactly as sklearn 1.2's model_selection._split._validate_shuffle_split, checks and
 * messages in the same order: a fractional test size rounds up (ceil), a fractional train size
 * rounds down (floor), and the default test size is 0.25 when neither is given.
 */
export function splitSizes(
  nRows: number,
  testSize?: number,
  trainSize?: number,
): { nTrain: number; nTest: number } {
  if (testSize === undefined && trainSize === undefined) testSize = 0.25;
  const isCount = (x: number) => Number.isInteger(x);
  const check = (x: number | undefined, what: string) => {
    if (x === undefined) return;
    const bad = isCount(x) ? x >= nRows || x <= 0 : !(x > 0 && x < 1);
    if (bad) {
      throw new InvalidParameterError(
        `${what}=${x} should be either positive and smaller than the number of samples ${nRows} or a float in the (0, 1) range`,
      );
    }
  };
  check(testSize, 'test_size');
  check(trainSize, 'train_size');
  if (testSize !== undefined && trainSize !== undefined && !isCount(testSize) && !isCount(trainSize)) {
    if (trainSize + testSize > 1) {
      throw new InvalidParameterError(
        `The sum of test_size and train_size = ${trainSize + testSize}, should be in the (0, 1) range. Reduce test_size and/or train_size.`,
      );
    }
  }
  let nTest: number | undefined;
  let nTrain: number | undefined;
  if (testSize !== undefined) nTest = isCount(testSize) ? testSize : Math.ceil(testSize * nRows);
  if (trainSize !== undefined) nTrain = isCount(trainSize) ? trainSize : Math.floor(trainSize * nRows);
  if (nTrain === undefined) nTrain = nRows - (nTest as number);
  if (nTest === undefined) nTest = nRows - nTrain;
  if (nTrain + nTest > nRows) {
    throw new InvalidParameterError(
      `The sum of train_size and test_size = ${nTrain + nTest}, should be smaller than the number of samples ${nRows}. Reduce test_size and/or train_size.`,
    );
  }
  if (nTrain === 0) {
    throw new InvalidParameterError(
      `With n_samples=${nRows}, test_size=${pySize(testSize)} and train_size=${pySize(trainSize)}, the resulting train set will be empty. Adjust any of the aforementioned parameters.`,
    );
  }
  return { nTrain, nTest };
}

/**
 * scikit-learn's train_test_split for unstratified data: ShuffleSplit draws one permutation from
 * RandomState(random_state); the test rows are its first n_test entries and the train rows the
 * next n_train. With shuffle=false the train rows come first, then the test rows.
 */
export function trainTestSplit(nRows: number, options: SplitOptions): Split {
  if (!Number.isInteger(nRows) || nRows < 0) {
    throw new InvalidParameterError(`trainTestSplit: nRows must be a non-negative integer, got ${nRows}`);
  }
  const { nTrain, nTest } = splitSizes(nRows, options.testSize, options.trainSize);
  if (options.shuffle === false) {
    const train = new Int32Array(nTrain);
    const test = new Int32Array(nTest);
    for (let i = 0; i < nTrain; i++) train[i] = i;
    for (let i = 0; i < nTest; i++) test[i] = nTrain + i;
    return { train, test };
  }
  if (options.randomState === undefined) {
    throw new InvalidParameterError(
      'trainTestSplit: randomState is required when shuffling, so that the split can be reproduced',
    );
  }
  const perm = new RandomState(options.randomState).permutation(nRows);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}

import { InvalidParameterError } from '../core/errors.js';
import { RandomState } from './random.js';

export interface SplitOptions {
  /** fraction in (0, 1) of rows for the test set, or an absolute count >= 1 */
  testSize?: number;
  /** fraction or count for the train set; by default the complement of testSize */
  trainSize?: number;
  randomState: number;
  /** false keeps the input order (sklearn's shuffle=False) */
  shuffle?: boolean;
}

export interface Split {
  /** row indices, in scikit-learn's order */
  train: Int32Array;
  test: Int32Array;
}

/**
 * Row sizes exactly as sklearn.model_selection._split._validate_shuffle_split:
 * a float test size rounds up (ceil), a float train size rounds down (floor), and the default
 * test size is 0.25 when neither is given.
 */
export function splitSizes(
  nRows: number,
  testSize?: number,
  trainSize?: number,
): { nTrain: number; nTest: number } {
  if (testSize === undefined && trainSize === undefined) testSize = 0.25;
  const isFrac = (x: number) => !Number.isInteger(x) || (x > 0 && x < 1);
  const check = (x: number, what: string) => {
    if (isFrac(x) ? !(x > 0 && x < 1) : !(x >= 1 && x < nRows)) {
      throw new InvalidParameterError(
        `${what}=${x} should be either positive and smaller than the number of samples ${nRows} or a float in the (0, 1) range`,
      );
    }
  };
  if (testSize !== undefined) check(testSize, 'test_size');
  if (trainSize !== undefined) check(trainSize, 'train_size');
  let nTest =
    testSize === undefined
      ? undefined
      : isFrac(testSize)
        ? Math.ceil(testSize * nRows)
        : Math.trunc(testSize);
  let nTrain =
    trainSize === undefined
      ? undefined
      : isFrac(trainSize)
        ? Math.floor(trainSize * nRows)
        : Math.trunc(trainSize);
  if (nTrain === undefined) nTrain = nRows - (nTest as number);
  if (nTest === undefined) nTest = nRows - nTrain;
  if (nTrain + nTest > nRows) {
    throw new InvalidParameterError(
      `The sum of train_size and test_size = ${nTrain + nTest}, should be smaller than the number of samples ${nRows}`,
    );
  }
  if (nTrain === 0) {
    throw new InvalidParameterError(
      `With n_samples=${nRows}, test_size=${testSize} and train_size=${trainSize}, the resulting train set will be empty`,
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
  const { nTrain, nTest } = splitSizes(nRows, options.testSize, options.trainSize);
  if (options.shuffle === false) {
    const train = new Int32Array(nTrain);
    const test = new Int32Array(nTest);
    for (let i = 0; i < nTrain; i++) train[i] = i;
    for (let i = 0; i < nTest; i++) test[i] = nTrain + i;
    return { train, test };
  }
  const perm = new RandomState(options.randomState).permutation(nRows);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}

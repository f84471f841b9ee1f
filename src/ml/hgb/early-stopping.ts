/**
 * Early stopping, as scikit-learn 1.2's BaseHistGradientBoosting.fit and _should_stop
 * (gradient_boosting.py):
 * - early_stopping='auto' turns it on when the training set has more than 10,000 samples;
 * - the model draws one seed first, `rng.randint(np.iinfo(np.uint32).max, dtype="u8")` from
 *   RandomState(random_state), and uses it both for the validation split,
 *   train_test_split(X, y, test_size=validation_fraction, stratify=None, random_state=seed),
 *   and for the bin mapper's subsampling RandomState(seed);
 * - with scoring='loss', the scores are negative mean losses, recorded once before the first tree
 *   and once after each tree (train_score_ and validation_score_ have n_iter_ + 1 entries);
 * - training stops when none of the last n_iter_no_change scores beats the one before them by
 *   more than tol.
 * Only scoring='loss' is supported (intentional difference: sklearn also takes scorer names and
 * callables, evaluated on a 10,000-sample subset of the training data).
 */
import { randomBytes } from 'node:crypto';
import { RandomState } from '../random.js';
import { type Split, trainTestSplit } from '../split.js';

/** np.iinfo(np.uint32).max, the exclusive upper bound of the seed draw. */
const UINT32_MAX = 0xffffffff;

/**
 * sklearn's self._random_seed. With random_state None sklearn draws from NumPy's global generator,
 * so its fits are not reproducible; we draw the seed from the OS instead (same effect).
 */
export function drawRandomSeed(randomState: number | null): number {
  const state = randomState ?? randomBytes(4).readUInt32LE(0);
  return new RandomState(state).randint(0, UINT32_MAX);
}

export function earlyStoppingEnabled(earlyStopping: 'auto' | boolean, nSamples: number): boolean {
  return earlyStopping === 'auto' ? nSamples > 10_000 : earlyStopping;
}

/** The rows held out for validation: train_test_split with the model's seed, unstratified. */
export function validationSplit(nSamples: number, validationFraction: number, seed: number): Split {
  return trainTestSplit(nSamples, { testSize: validationFraction, randomState: seed });
}

/**
 * sklearn's _should_stop: true when none of the last nIterNoChange scores is greater than the
 * score just before them plus tol (higher scores are better).
 */
export function shouldStop(scores: readonly number[], nIterNoChange: number, tol: number): boolean {
  const referencePosition = nIterNoChange + 1;
  if (scores.length < referencePosition) return false;
  const referenceScore = scores[scores.length - referencePosition] + tol;
  for (let i = scores.length - referencePosition + 1; i < scores.length; i++) {
    if (scores[i] > referenceScore) return false;
  }
  return true;
}

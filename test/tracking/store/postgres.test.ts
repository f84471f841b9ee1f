/**
 * The conformance suite on PostgreSQL: each run creates its own databases (mlship_test_<random>)
 * and drops them. Skipped only when no server answers and CI is unset.
 */
import { afterAll, describe } from 'vitest';
import { describeConcurrency } from './concurrency.js';
import { describeTrackingStore } from './conformance.js';
import { postgresAvailable, postgresHarness } from './harness.js';

const harness = postgresHarness();
afterAll(() => harness.cleanup());
const available = await postgresAvailable();

describe.skipIf(!available)('PostgreSQL tracking store', () => {
  describeTrackingStore(harness);
});

describe.skipIf(!available)('PostgreSQL tracking store under concurrency and crashes', () => {
  describeConcurrency(harness, ['one store', 'processes']);
});

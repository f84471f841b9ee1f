/**
 * The conformance suite on SQLite (a temp file per database), plus what only SQLite has: its
 * pragmas (WAL, busy timeout, foreign keys, synchronous) and URI forms.
 */
import { afterAll, describe } from 'vitest';
import { describeConcurrency } from './concurrency.js';
import { describeTrackingStore } from './conformance.js';
import { sqliteHarness } from './harness.js';

const harness = sqliteHarness();
afterAll(() => harness.cleanup());

describe('SQLite tracking store', () => {
  describeTrackingStore(harness);
});

describe('SQLite tracking store under concurrency and crashes', () => {
  describeConcurrency(harness, ['processes', 'one store']);
});

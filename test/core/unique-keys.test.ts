/**
 * `UniqueKeys`, the bounded-memory repeat finder behind the corpus and QA id checks, against a
 * plain `Set`: a repeat is never missed, a new key is never called a certain repeat, and small
 * decimal ids (the bitset) are certain while other ids (the hash table) are suspects to confirm.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UniqueKeys } from '@s3lab/toolkit';

const MAX_BITSET_ID = 2 ** 27;

describe('UniqueKeys', () => {
  test('agrees with a Set on every sequence of keys', () => {
    const key = fc.oneof(
      fc.integer({ min: 0, max: 3000 }).map(String),
      fc.constantFrom('0', '00', '01', ' 1', '-1', '1.0', String(MAX_BITSET_ID - 1), String(MAX_BITSET_ID), '999999999', '1000000000', ''),
      fc.string({ unit: 'binary', maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 400 }), (keys) => {
        const keys2 = new UniqueKeys();
        const seen = new Set<string>();
        for (const k of keys) {
          const sighting = keys2.add(k);
          if (seen.has(k)) assert.notEqual(sighting, 'new', `repeat of ${JSON.stringify(k)} missed`);
          else assert.notEqual(sighting, 'repeat', `${JSON.stringify(k)} called a certain repeat`);
          seen.add(k);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  test('small decimal ids are certain repeats; other ids are suspects', () => {
    const keys = new UniqueKeys();
    for (const k of ['0', '7', String(MAX_BITSET_ID - 1), 'doc-1', '007', String(MAX_BITSET_ID)]) assert.equal(keys.add(k), 'new');
    assert.equal(keys.add('7'), 'repeat');
    assert.equal(keys.add(String(MAX_BITSET_ID - 1)), 'repeat');
    assert.equal(keys.add('doc-1'), 'suspect');
    assert.equal(keys.add('007'), 'suspect');
    assert.equal(keys.add(String(MAX_BITSET_ID)), 'suspect');
  });

  test('200,000 distinct ids of either kind are all new (the table grows; no hash collides)', () => {
    const keys = new UniqueKeys();
    for (let i = 0; i < 100_000; i++) {
      assert.equal(keys.add(String(i * 13)), 'new');
      assert.equal(keys.add(`passage-${i}`), 'new');
    }
    assert.equal(keys.add('passage-99999'), 'suspect');
    assert.equal(keys.add(String(99_999 * 13)), 'repeat');
  });
});

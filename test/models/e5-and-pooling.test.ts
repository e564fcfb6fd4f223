import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { splitContents } from '@s3lab/toolkit';
import { e5Passage, e5PassageFromContents, e5Query, meanPoolNormalize } from '@s3lab/toolkit';
import { padInBatches } from '../../toolkit/src/models/encoder/batches.js';
import { LAB_DIR } from './helpers.js';

describe('e5 texts', () => {
  test('queries and passages read as the s3 retriever writes them', () => {
    assert.equal(e5Query('who founded Cuga Records?'), 'query: who founded Cuga Records?');
    // index_builder.py: 'passage: ' + '"' + title + '"\n' + text
    assert.equal(e5Passage('Paris', 'Paris is the capital.'), 'passage: "Paris"\nParis is the capital.');
    assert.throws(() => e5Passage('Two\nlines', 'text'));
  });

  test('for corpus lines, title + text and contents give the same text', () => {
    const lines = readFileSync(`${LAB_DIR}/corpus.jsonl`, 'utf8').split('\n', 50).filter(Boolean);
    for (const line of lines) {
      const { contents } = JSON.parse(line) as { contents: string };
      const { title, text } = splitContents(contents);
      assert.equal(e5Passage(title, text), e5PassageFromContents(contents));
      assert.equal(e5PassageFromContents(contents), `passage: ${contents}`);
    }
  });
});

describe('pooling and batching', () => {
  test('mean over unmasked tokens, then unit length', () => {
    // batch 2, sequence 2, hidden 2; the second row's second token is padding
    const hidden = new Float32Array([1, 0, 0, 1, 3, 4, 100, 100]);
    const [a, b] = meanPoolNormalize(hidden, [1, 1, 1, 0], 2, 2, 2);
    assert.deepEqual([...a!].map((x) => x.toFixed(6)), [Math.SQRT1_2, Math.SQRT1_2].map((x) => x.toFixed(6)));
    assert.deepEqual([...b!], [0.6000000238418579, 0.800000011920929]);
    assert.deepEqual([...meanPoolNormalize(new Float32Array([0, 0]), [1n], 1, 1, 2)[0]!], [0, 0]);
    assert.throws(() => meanPoolNormalize(new Float32Array(3), [1], 1, 1, 2), RangeError);
  });

  test('batches hold similar lengths, padded with the pad id and masked', () => {
    const text = (n: number) => ({ ids: Array.from({ length: n }, (_, i) => i + 10), typeIds: Array<number>(n).fill(0), attentionMask: Array<number>(n).fill(1) });
    const batches = [...padInBatches([text(2), text(5), text(3)], 7, 2)];
    assert.deepEqual(batches.map((b) => b.indices), [[1, 2], [0]]);
    assert.deepEqual(batches.map((b) => b.width), [5, 2]);
    assert.deepEqual([...batches[0]!.inputIds], [10n, 11n, 12n, 13n, 14n, 10n, 11n, 12n, 7n, 7n]);
    assert.deepEqual([...batches[0]!.attentionMask], [1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n]);
    assert.deepEqual([...padInBatches([], 0, 4)], []);
    assert.throws(() => padInBatches([text(1)], 0, 0), RangeError);
  });
});

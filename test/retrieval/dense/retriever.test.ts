import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateLabWorld, splitContents, type Retriever } from '@s3lab/toolkit';
import { DenseRetriever, buildDenseIndex, encodePassages, type EncodeTexts, type VectorIndex } from '@s3lab/toolkit';
import { temporaryDirectory } from './support.js';

const D = 64;
const lab = generateLabWorld({ seed: 3, scale: 0.05 });

/** A toy encoder: hashed bag of words, L2-normalised (what matters here is that it is deterministic). */
const seen: string[] = [];
const encode: EncodeTexts = async (texts) => {
  seen.push(...texts);
  return texts.map((text) => {
    const vector = new Float32Array(D);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/gu) ?? []) {
      let hash = 2166136261;
      for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
      vector[(hash >>> 0) % D] = (vector[(hash >>> 0) % D] as number) + 1;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((v) => v / norm);
  });
};

async function labIndex(): Promise<VectorIndex> {
  const dir = await temporaryDirectory();
  try {
    return await buildDenseIndex(encodePassages(lab.corpus, encode, { dimension: D, batchSize: 64, prefix: 'passage: ' }), { directory: dir.path, dimension: D, encoder: 'toy-hash' });
  } finally {
    await dir.remove();
  }
}

describe('DenseRetriever', () => {
  test('query → encoder → FAISS → hits with the passage title, text and contents, best first', async () => {
    const index = await labIndex();
    const retriever: Retriever = new DenseRetriever({ index, encode, passages: lab.corpus, queryPrefix: 'query: ' });
    const questions = lab.splits.dev.slice(0, 4).map((q) => q.question);
    seen.length = 0;
    const results = await retriever.search(questions, 5);
    assert.deepEqual(seen, questions.map((q) => `query: ${q}`));
    const vectors = await encode(questions.map((q) => `query: ${q}`));
    for (const [i, hits] of results.entries()) {
      assert.equal(hits.length, 5);
      const [expected] = await index.searchVectors(vectors[i] as Float32Array, 1, 5);
      assert.deepEqual(hits.map((h) => [h.id, h.score]), expected?.map((m) => [m.id, m.score]));
      for (const hit of hits) {
        const passage = lab.corpus[Number(hit.id)];
        assert.equal(hit.contents, passage?.contents);
        assert.deepEqual({ title: hit.title, text: hit.text }, splitContents(passage?.contents ?? ''));
      }
      for (let j = 1; j < hits.length; j++) assert.ok((hits[j - 1]?.score as number) >= (hits[j]?.score as number));
    }
  });

  test('passages can come from a row lookup function (e.g. a file read by offset)', async () => {
    const index = await labIndex();
    const asked: number[][] = [];
    const retriever = new DenseRetriever({
      index,
      encode,
      passages: async (rows) => {
        asked.push([...rows]);
        return rows.map((row) => lab.corpus[row] as (typeof lab.corpus)[number]);
      },
    });
    const viaArray = new DenseRetriever({ index, encode, passages: lab.corpus });
    const questions = ['who founded the town', 'river'];
    assert.deepEqual(await retriever.search(questions, 3), await viaArray.search(questions, 3));
    assert.equal(asked.length, 1, 'one lookup per search call');
  });

  test('k beyond the corpus returns every passage; no queries gives no lists', async () => {
    const index = await labIndex();
    const retriever = new DenseRetriever({ index, encode, passages: lab.corpus });
    const [hits] = await retriever.search(['anything'], lab.corpus.length + 10);
    assert.equal(hits?.length, lab.corpus.length);
    assert.deepEqual(await retriever.search([], 3), []);
  });

  test('a corpus that does not match the index, or an encoder of the wrong dimension, gives a clear error', async () => {
    const index = await labIndex();
    const shifted = lab.corpus.map((doc, i) => ({ ...doc, id: `x${i}` }));
    await assert.rejects(new DenseRetriever({ index, encode, passages: shifted }).search(['river'], 2), /index and corpus do not match/u);
    await assert.rejects(new DenseRetriever({ index, encode, passages: lab.corpus.slice(0, 1) }).search(['river'], 50), /no passage for row \d+ \(the corpus is shorter than the index\)/u);
    const wrong: EncodeTexts = async (texts) => texts.map(() => new Float32Array(D / 2));
    await assert.rejects(new DenseRetriever({ index, encode: wrong, passages: lab.corpus }).search(['river'], 2), /dimension 32 for text 0; the index has dimension 64/u);
    const short: EncodeTexts = async () => [];
    await assert.rejects(new DenseRetriever({ index, encode: short, passages: lab.corpus }).search(['river'], 2), /returned 0 vectors for 1 texts/u);
    await assert.rejects(new DenseRetriever({ index, encode, passages: lab.corpus }).search(['river'], -1));
  });
});

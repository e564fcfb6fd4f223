// The tfjs BERT encoder (the path loadEncoder takes without model.onnx) against PyTorch's
// embeddings for the tiny BERT fixture, and against the ONNX path on the same texts.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadEncoder } from '@s3lab/toolkit';
import { cosine, TINY_BERT, tinyReferences } from './helpers.js';

describe('tfjs encoder on the tiny BERT fixture', async () => {
  // A copy of the fixture without model.onnx: the default runtime must then be tfjs.
  const dir = await mkdtemp(join(tmpdir(), 's3lab-bert-'));
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(TINY_BERT, file), join(dir, file));
  after(() => rm(dir, { recursive: true, force: true }));

  test('matches PyTorch for every reference text, cosine ≥ 0.99999 and elementwise within 1e-5', async () => {
    for (const { maxLength, cases } of tinyReferences()) {
      const encoder = await loadEncoder(dir, { maxLength, batchSize: 4 });
      const vectors = await encoder.encode(cases.map((c) => c.text));
      cases.forEach((c, i) => {
        assert.ok(cosine(vectors[i]!, c.embedding) >= 0.99999, `cosine for ${JSON.stringify(c.text).slice(0, 50)}`);
        const worst = Math.max(...c.embedding.map((v, j) => Math.abs(v - vectors[i]![j]!)));
        assert.ok(worst < 1e-5, `largest difference ${worst} for ${JSON.stringify(c.text).slice(0, 50)}`);
      });
      await encoder.dispose();
    }
  });

  test('gives the ONNX runtime\'s embeddings, batch composition notwithstanding', async () => {
    const texts = tinyReferences()[1]!.cases.map((c) => c.text);
    const viaTfjs = await loadEncoder(TINY_BERT, { runtime: 'tfjs', batchSize: 3 });
    const viaOnnx = await loadEncoder(TINY_BERT, { runtime: 'onnx' });
    const [a, b] = [await viaTfjs.encode(texts), await viaOnnx.encode(texts)];
    a.forEach((v, i) => assert.ok(cosine(v, b[i]!) > 0.99999));
    await Promise.all([viaTfjs.dispose(), viaOnnx.dispose()]);
  });
});

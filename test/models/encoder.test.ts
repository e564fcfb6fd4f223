import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadEncoder, ModelFileError, type Encoder } from '@s3lab/toolkit';
import { cosine, LAB_E5_SMALL, labReferences, TINY_BERT, tinyReferences } from './helpers.js';

const PARITY = 0.99999;
const FIXTURE_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx'];

/** A copy of the tiny fixture without `missing`, and with `replace` written over some files. */
async function fixtureCopy(missing?: string, replace: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 's3lab-encoder-'));
  for (const name of FIXTURE_FILES) if (name !== missing) await copyFile(join(TINY_BERT, name), join(dir, name));
  for (const [name, text] of Object.entries(replace)) await writeFile(join(dir, name), text);
  return dir;
}

describe('ONNX encoder on the tiny BERT fixture', () => {
  const open: Encoder[] = [];
  const load = async (dir: string, options = {}): Promise<Encoder> => {
    const encoder = await loadEncoder(dir, options);
    open.push(encoder);
    return encoder;
  };
  after(() => Promise.all(open.map((e) => e.dispose())));

  test('matches PyTorch (mean pooling, L2 norm) for every reference text, cosine ≥ 0.99999', async () => {
    for (const { maxLength, cases } of tinyReferences()) {
      const encoder = await load(TINY_BERT, { maxLength });
      assert.equal(encoder.dimension, 32);
      const vectors = await encoder.encode(cases.map((c) => c.text));
      cases.forEach((c, i) => {
        const similarity = cosine(vectors[i]!, c.embedding);
        assert.ok(similarity >= PARITY, `cosine ${similarity} for ${JSON.stringify(c.text).slice(0, 60)} at maxLength ${maxLength}`);
      });
    }
  });

  test('embeddings have unit length', async () => {
    const encoder = await load(TINY_BERT);
    for (const v of await encoder.encode(['one', 'two words', ''])) assert.ok(Math.abs(cosine(v, v) - 1) < 1e-6 && Math.abs(Math.hypot(...v) - 1) < 1e-5);
  });

  test('truncates at maxLength: texts that differ only past it embed the same', async () => {
    const cases = tinyReferences()[0]!.cases;
    const long = cases.find((c) => c.text.endsWith('truncation point'))!.text;
    const prefix = long.slice(0, long.indexOf(' and a different ending'));
    const short = await load(TINY_BERT, { maxLength: 32 });
    const [a, b] = await short.encode([long, prefix]);
    assert.deepEqual(a, b);
    assert.equal(short.maxLength, 32);
    const whole = await load(TINY_BERT, { maxLength: 64 });
    const [c] = await whole.encode([long]);
    assert.ok(cosine(a!, c!) < 0.9999, 'a longer window sees more of the text');
  });

  test('maxLength defaults to the model limit and may not exceed its position table', async () => {
    assert.equal((await load(TINY_BERT)).maxLength, 64); // min(256, max_position_embeddings 64)
    await assert.rejects(loadEncoder(TINY_BERT, { maxLength: 65 }), /max_position_embeddings = 64/u);
  });

  test('a batch gives what one text at a time gives, whatever the batch size', async () => {
    const texts = tinyReferences()[1]!.cases.map((c) => c.text);
    const one = await load(TINY_BERT, { batchSize: 1 });
    const alone = await Promise.all(texts.map(async (t) => (await one.encode([t]))[0]!));
    for (const batchSize of [3, 64]) {
      const together = await (await load(TINY_BERT, { batchSize })).encode(texts);
      assert.equal(together.length, texts.length);
      together.forEach((v, i) => {
        assert.ok(cosine(v, alone[i]!) >= 0.999999, `text ${i} at batch size ${batchSize}`);
        for (let h = 0; h < v.length; h++) assert.ok(Math.abs(v[h]! - alone[i]![h]!) < 1e-5);
      });
    }
  });

  test('an empty batch gives an empty result; a non-string text is refused', async () => {
    const encoder = await load(TINY_BERT);
    assert.deepEqual(await encoder.encode([]), []);
    await assert.rejects(encoder.encode([42 as unknown as string]));
  });

  test('a missing file is an error that names it', async () => {
    for (const name of ['config.json', 'tokenizer.json', 'model.onnx']) {
      const dir = await fixtureCopy(name);
      // Without model.onnx the default runtime is tfjs; asking for ONNX must name the missing graph.
      await assert.rejects(loadEncoder(dir, name === 'model.onnx' ? { runtime: 'onnx' } : {}), (e: unknown) => {
        assert.ok(e instanceof ModelFileError, String(e));
        assert.equal(e.file, join(dir, name));
        assert.match(e.message, new RegExp(`has no ${name.replace('.', '\\.')}`, 'u'));
        return true;
      });
    }
    await assert.rejects(loadEncoder(join(tmpdir(), 'no-such-model-dir')), /no-such-model-dir does not exist; expected a model directory with config\.json/u);
    // tokenizer_config.json is optional: the pad token then comes from config.json.
    const withoutTokenizerConfig = await load(await fixtureCopy('tokenizer_config.json'));
    assert.equal((await withoutTokenizerConfig.encode(['still works'])).length, 1);
  });

  test('a malformed config.json or model.onnx is an error that names the file', async () => {
    const noHidden = await fixtureCopy(undefined, { 'config.json': '{"max_position_embeddings": 64}' });
    await assert.rejects(loadEncoder(noHidden), (e: unknown) => e instanceof ModelFileError && e.file.endsWith('config.json') && /hidden_size/u.test(e.message));
    const notJson = await fixtureCopy(undefined, { 'config.json': '{' });
    await assert.rejects(loadEncoder(notJson), /config\.json is not valid JSON/u);
    const notOnnx = await fixtureCopy(undefined, { 'model.onnx': 'not a graph' });
    await assert.rejects(loadEncoder(notOnnx), (e: unknown) => e instanceof ModelFileError && e.file.endsWith('model.onnx'));
  });

  test('a disposed encoder refuses to encode', async () => {
    const encoder = await loadEncoder(TINY_BERT);
    await encoder.dispose();
    await encoder.dispose();
    await assert.rejects(encoder.encode(['x']), /disposed/u);
  });
});

describe('lab encoder (datasets/models/lab-e5-small)', () => {
  test('matches PyTorch on its reference queries and passages, cosine ≥ 0.99999', async () => {
    const { maxLength, cases } = labReferences();
    const encoder = await loadEncoder(LAB_E5_SMALL, { maxLength });
    try {
      assert.equal(encoder.dimension, 192);
      const vectors = await encoder.encode(cases.map((c) => c.text));
      cases.forEach((c, i) => assert.ok(cosine(vectors[i]!, c.embedding) >= PARITY, `case ${i}`));
    } finally {
      await encoder.dispose();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadTokenizer, ModelFileError } from '@s3lab/toolkit';
import { TINY_BERT, LAB_E5_SMALL, labReferences, tinyReferences } from './helpers.js';

describe('tokenizer from tokenizer.json', () => {
  test('gives the ids transformers gives, for every reference text and max length', async () => {
    for (const { maxLength, cases } of tinyReferences()) {
      const tokenizer = await loadTokenizer(TINY_BERT, { maxLength });
      const got = await tokenizer.tokenize(cases.map((c) => c.text));
      cases.forEach((c, i) => assert.deepEqual(got[i]?.ids, c.ids, `ids of ${JSON.stringify(c.text).slice(0, 60)} at maxLength ${maxLength}`));
    }
    const lab = labReferences();
    const tokenizer = await loadTokenizer(`${LAB_E5_SMALL}/tokenizer.json`, { maxLength: lab.maxLength });
    const got = await tokenizer.tokenize(lab.cases.map((c) => c.text));
    lab.cases.forEach((c, i) => assert.deepEqual(got[i]?.ids, c.ids));
  });

  test('truncates at maxLength, keeping [CLS] … [SEP]; without maxLength it does not truncate', async () => {
    const long = 'the river port and the market town '.repeat(40);
    const [cut] = await (await loadTokenizer(TINY_BERT, { maxLength: 16 })).tokenize([long]);
    assert.equal(cut?.ids.length, 16);
    assert.equal(cut?.ids[0], 2); // [CLS]
    assert.equal(cut?.ids[15], 3); // [SEP]
    const [whole] = await (await loadTokenizer(TINY_BERT)).tokenize([long]);
    assert.ok((whole?.ids.length ?? 0) > 200, `${whole?.ids.length} tokens`);
    assert.deepEqual(whole?.attentionMask, whole?.ids.map(() => 1));
    assert.deepEqual(whole?.typeIds, whole?.ids.map(() => 0));
  });

  test('an empty batch gives an empty result; an empty text gives [CLS] [SEP]', async () => {
    const tokenizer = await loadTokenizer(TINY_BERT, { maxLength: 8 });
    assert.deepEqual(await tokenizer.tokenize([]), []);
    assert.deepEqual((await tokenizer.tokenize(['']))[0]?.ids, [2, 3]);
    assert.equal(tokenizer.tokenToId('[PAD]'), 0);
    assert.equal(tokenizer.tokenToId('no-such-token-here'), undefined);
    assert.equal(tokenizer.vocabSize, 1000);
  });

  test('a missing or broken tokenizer.json is an error that names the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-tokenizer-'));
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof ModelFileError && e.file === join(dir, 'tokenizer.json') && /tokenizer\.json/u.test(e.message));
    await writeFile(join(dir, 'tokenizer.json'), '{"version": "1.0", "model": 42}');
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof ModelFileError && /tokenizer\.json is not a tokenizer\.json/u.test(e.message));
    await assert.rejects(loadTokenizer(TINY_BERT, { maxLength: 0 }));
  });
});

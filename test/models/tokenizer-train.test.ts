import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { byteLevelAlphabet, loadTokenizer, trainLabTokenizer, type TextTokenizer } from '@s3lab/toolkit';
import { Tokenizer as NativeTokenizer } from 'tokenizers';
import { LAB_DIR, TINY_BERT } from './helpers.js';

const LAB_TOKENIZER = fileURLToPath(new URL('../../datasets/models/lab-tokenizer', import.meta.url));
const passages = readFileSync(join(LAB_DIR, 'corpus.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { contents: string }).contents);

interface TokenizerJson { added_tokens: { id: number; content: string }[]; model: { vocab: Record<string, number>; merges: [string, string][] } }
const readJson = (dir: string): TokenizerJson => JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson;

/** Textbook BPE: in each pre-tokenized word, merge the adjacent pair of lowest rank until none is a merge. */
function referenceBpe(file: string, texts: string[]): number[][] {
  const json = readJson(file);
  const rank = new Map(json.model.merges.map(([a, b], i) => [`${a} ${b}`, i]));
  const preTokenizer = NativeTokenizer.fromFile(join(file, 'tokenizer.json')).getPreTokenizer();
  assert.ok(preTokenizer);
  return texts.map((text) => preTokenizer.preTokenizeString(text).flatMap(([word]) => {
    let parts = [...word];
    for (;;) {
      let best = -1, bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = rank.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) break;
      parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
    }
    return parts.map((p) => json.model.vocab[p]!);
  }));
}

async function assertRoundTrips(tokenizer: TextTokenizer, texts: string[]): Promise<void> {
  for (const text of texts) assert.equal(await tokenizer.decode(await tokenizer.encode(text)), text);
}

describe('trainLabTokenizer: byte-level BPE, the first merges of one greedy run', () => {
  test('a small vocabulary: exact size, byte alphabet first, merges only of earlier tokens, textbook BPE ids, round trips', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3lab-bpe-test-'));
    const trained = await trainLabTokenizer({ texts: passages.slice(0, 3000), vocabSize: 700, out });
    assert.equal(trained.vocabSize, 700);
    assert.equal(trained.merges, 700 - 256 - 3);
    const json = readJson(out);
    const alphabet = byteLevelAlphabet();
    alphabet.forEach((c, i) => assert.equal(json.model.vocab[c], i));
    json.model.merges.forEach(([a, b], i) => {
      assert.ok(json.model.vocab[a]! < 256 + i && json.model.vocab[b]! < 256 + i, `merge ${i} (${a} ${b}) uses a later token`);
      assert.equal(json.model.vocab[a + b], 256 + i);
    });
    assert.deepEqual(json.added_tokens.map((t) => [t.id, t.content]), [[697, '<|endoftext|>'], [698, '<|im_start|>'], [699, '<|im_end|>']]);

    const tokenizer = await loadTokenizer(out);
    assert.equal(tokenizer.vocabSize, 700);
    const held = passages.slice(10_000, 10_100);
    const ids = await Promise.all(held.map((p) => tokenizer.encode(p)));
    assert.deepEqual(ids, referenceBpe(out, held));
    assert.ok(ids.flat().every((id) => id < 697));
    await assertRoundTrips(tokenizer, [...held, 'Ünïcödé 東京 🙂\ttabs\n\nand "quotes" — any bytes at all', '']);
  });

  test('special tokens are single ids, kept or skipped on decode; eos <|im_end|>, pad <|endoftext|>', async () => {
    const tokenizer = await loadTokenizer(LAB_TOKENIZER);
    const prompt = tokenizer.applyChatTemplate([{ role: 'user', content: 'Where is Festad?' }], { addGenerationPrompt: true });
    const ids = await tokenizer.encode(prompt);
    assert.deepEqual(ids.filter((id) => id >= 4093), [4094, 4095, 4094, 4095, 4094]);
    assert.equal(await tokenizer.decode(ids), prompt);
    assert.equal(await tokenizer.decode(ids, { skipSpecialTokens: true }), prompt.replace(/<\|im_(start|end)\|>/gu, ''));
    assert.deepEqual(await tokenizer.decodeBatch([ids, []]), [prompt, '']);
    assert.deepEqual(tokenizer.eosTokenIds, [4095]);
    assert.equal(tokenizer.tokenToId('<|endoftext|>'), 4093);
    assert.equal(tokenizer.idToToken(4095), '<|im_end|>');
    assert.equal(tokenizer.idToToken(99_999), undefined);
    assert.deepEqual(tokenizer.specialTokens, { eos_token: '<|im_end|>', pad_token: '<|endoftext|>' });
  });

  test('encode adds special tokens by default and not when asked (BERT: [CLS] … [SEP])', async () => {
    const bert = await loadTokenizer(TINY_BERT);
    const withSpecial = await bert.encode('the river port');
    assert.deepEqual([withSpecial[0], withSpecial.at(-1)], [2, 3]);
    assert.deepEqual(await bert.encode('the river port', { addSpecialTokens: false }), withSpecial.slice(1, -1));
    assert.equal(await bert.decode(withSpecial, { skipSpecialTokens: true }), 'the river port');
    assert.ok(bert.specialTokenIds.includes(2) && bert.specialTokenIds.includes(3));
  });

  test('the shipped lab tokenizer: 4096 tokens, small file, textbook BPE ids and round trips on lab passages', async () => {
    assert.ok(statSync(join(LAB_TOKENIZER, 'tokenizer.json')).size < 500_000);
    const tokenizer = await loadTokenizer(LAB_TOKENIZER);
    assert.equal(tokenizer.vocabSize, 4096);
    const sample = passages.filter((_, i) => i % 200 === 0);
    const encoded = await Promise.all(sample.map((p) => tokenizer.encode(p)));
    assert.deepEqual(encoded, referenceBpe(LAB_TOKENIZER, sample));
    await assertRoundTrips(tokenizer, sample);
    const mean = encoded.reduce((s, e) => s + e.length, 0) / encoded.length;
    assert.ok(mean > 80 && mean < 200, `mean ${mean} tokens per passage`);
  });

  test('rejects impossible options', async () => {
    await assert.rejects(trainLabTokenizer({ texts: ['a'], vocabSize: 259, out: '/tmp/x' }), /256 byte tokens/u);
    await assert.rejects(trainLabTokenizer({ vocabSize: 1000, out: '/tmp/x' }), /training files or texts/u);
  });
});

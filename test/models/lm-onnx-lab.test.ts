// The shipped lab models on ONNX Runtime: the generator's logits on real generator prompts (a test
// question with its supporting passages, through the chat template) within 1e-4 of tfjs, the same
// greedy answers token for token, and the searcher's session made in well under a second (the RL
// trainer rebuilds one after every optimizer step).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatorMessages, loadCausalLM, loadTokenizer, OnnxCausalLM, readCorpus, readQa } from '@s3lab/toolkit';

const root = fileURLToPath(new URL('../..', import.meta.url));
const GENERATOR = join(root, 'datasets/models/lab-generator');
const SEARCHER = join(root, 'datasets/models/lab-searcher');

async function generatorPrompts(count: number): Promise<number[][]> {
  const tokenizer = await loadTokenizer(GENERATOR);
  const corpus = new Map((await readCorpus(join(root, 'datasets/lab/corpus.jsonl')).toArray()).map((p) => [p.id, p.contents]));
  const questions = (await readQa(join(root, 'datasets/lab/test.jsonl')).toArray()).slice(0, count);
  return Promise.all(questions.map(async (q) => {
    const context = (q.supporting_facts as string[] | undefined ?? []).map((id, i) => `Doc ${i + 1}: ${corpus.get(id) ?? ''}`).join('\n');
    const prompt = tokenizer.applyChatTemplate(generatorMessages(q.question, context).map(({ role, content }) => ({ role, content })), { addGenerationPrompt: true });
    return tokenizer.encode(prompt, { addSpecialTokens: false });
  }));
}

describe('the lab generator on ONNX Runtime', async () => {
  const [ort, tfjs, prompts] = await Promise.all([OnnxCausalLM.load(GENERATOR, { threads: 2 }), loadCausalLM(GENERATOR), generatorPrompts(3)]);
  after(() => {
    ort.dispose();
    tfjs.dispose();
  });

  it('logits within 1e-4 of tfjs on generator prompts', async () => {
    for (const [i, prompt] of prompts.entries()) {
      assert.ok(prompt.length > 50, `prompt ${i} is a real prompt (${prompt.length} tokens)`);
      const [ours, theirs] = [await ort.logits(prompt), await tfjs.logits(prompt)];
      let worst = 0;
      ours.forEach((row, t) => row.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - theirs[t]![j]!)); }));
      assert.ok(worst < 1e-4, `prompt ${i} (${prompt.length} tokens): largest logit difference ${worst}`);
    }
  });

  it('greedy answers token for token as TransformerLM, as a left-padded batch', async () => {
    const options = { maxNewTokens: 40, stop: [] };
    const ours = await ort.generateBatch(prompts, options);
    assert.deepEqual(ours, await tfjs.generateBatch(prompts, options));
    assert.ok(ours.every((tokens) => tokens.length === 40));
  });
});

it('the lab searcher: an ONNX Runtime copy of its tfjs weights is made in well under a second', async () => {
  const lm = await loadCausalLM(SEARCHER);
  (await OnnxCausalLM.fromTransformerLM(lm, { threads: 1 })).dispose(); // warm-up: the native library loads once
  const started = performance.now();
  const mirror = await OnnxCausalLM.fromTransformerLM(lm, { threads: 1 });
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 1, `${seconds.toFixed(3)} s`);
  assert.ok(mirror.sessionMilliseconds > 0 && mirror.sessionMilliseconds < 1000 * seconds + 1);
  const ids = [1, 2, 3, 4, 5];
  assert.deepEqual(await mirror.generate(ids, { maxNewTokens: 8, stop: [] }), await lm.generate(ids, { maxNewTokens: 8, stop: [] }));
  mirror.dispose();
  lm.dispose();
});

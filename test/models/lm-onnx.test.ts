// OnnxCausalLM (ONNX Runtime) against TransformerLM (tfjs) and the transformers references of the
// tiny fixtures: the same logits, the same tokens through the one decoding loop, the same errors;
// and loadInferenceLM's choice of runtime.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { actionForward } from '../../toolkit/src/rl/action-forward.js';
import {
  createCausalLM, loadCausalLM, loadInferenceLM, OnnxCausalLM, readSafetensors, TransformerLM, type CausalLM,
} from '@s3lab/toolkit';

const FIXTURES = 'test/fixtures/lm';
const THREADS = 2;

function maxAbsDifference(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  assert.equal(a.length, b.length, 'as many rows');
  let worst = 0;
  a.forEach((row, t) => row.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - (b[t]?.[j] ?? Number.NaN))); }));
  return Number.isNaN(worst) ? Infinity : worst;
}

interface Reference { prompts: number[][]; logits: string[]; greedy: number[][]; greedy_batched: number[][] }

for (const name of ['tiny-qwen2', 'tiny-qwen2-tied', 'tiny-llama']) {
  describe(`${name} on ONNX Runtime`, async () => {
    const dir = join(FIXTURES, name);
    const reference = JSON.parse(await readFile(join(dir, 'reference.json'), 'utf8')) as Reference;
    const expected = await readSafetensors(join(dir, 'reference.safetensors'));
    const [ort, tfjs] = await Promise.all([OnnxCausalLM.load(dir, { threads: THREADS }), loadCausalLM(dir)]);
    after(() => {
      ort.dispose();
      tfjs.dispose();
    });

    it('logits within 1e-4 of tfjs and of transformers', async () => {
      for (const [i, prompt] of reference.prompts.entries()) {
        const rows = await ort.logits(prompt);
        const ours = maxAbsDifference(rows, await tfjs.logits(prompt));
        assert.ok(ours < 1e-4, `prompt ${i}: ORT vs tfjs differ by ${ours}`);
        const want = expected.get(reference.logits[i] as string)!.data;
        const theirs = maxAbsDifference(rows, prompt.map((_, t) => want.subarray(t * ort.vocabSize, (t + 1) * ort.vocabSize)));
        assert.ok(theirs < 1e-4, `prompt ${i}: ORT vs transformers differ by ${theirs}`);
      }
    });

    it('greedy continuations of transformers, one by one and as a left-padded batch', async () => {
      for (const [i, prompt] of reference.prompts.entries()) assert.deepEqual(await ort.generate(prompt, { maxNewTokens: 16, stop: [] }), reference.greedy[i]);
      assert.deepEqual(await ort.generateBatch(reference.prompts, { maxNewTokens: 16, stop: [] }), reference.greedy_batched);
    });
  });
}

describe('OnnxCausalLM decoding', async () => {
  const dir = join(FIXTURES, 'tiny-chat');
  const [ort, tfjs] = await Promise.all([OnnxCausalLM.load(dir, { threads: THREADS }), loadCausalLM(dir)]);
  after(() => {
    ort.dispose();
    tfjs.dispose();
  });
  const prompts = [[5, 9, 100, 7], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], [42], [1000, 2000, 3000, 17, 18, 19]];

  it('a sampled left-padded batch equals each prompt alone (per-sequence seeds), past the cache growing', async () => {
    const options = { maxNewTokens: 40, temperature: 0.9, topP: 0.95, stop: [], seeds: [11, 12, 13, 14] };
    const batched = await ort.generateBatch(prompts, options);
    const alone = [];
    for (const [i, prompt] of prompts.entries()) alone.push((await ort.generateBatch([prompt], { ...options, seeds: [options.seeds[i]!] }))[0]);
    assert.deepEqual(batched, alone);
    assert.ok(batched.every((tokens) => tokens.length === 40));
    assert.ok(new Set(batched.map((t) => t.join())).size === prompts.length, 'rows differ, or the test shows nothing');
  });

  it('the same sampled tokens as TransformerLM: one sampler per sequence in one shared loop', async () => {
    const options = { maxNewTokens: 12, temperature: 0.8, topK: 50, stop: [], seeds: [1, 2, 3, 4] };
    assert.deepEqual(await ort.generateBatch(prompts, options), await tfjs.generateBatch(prompts, options));
  });

  it('a seed repeats its draws; another seed draws others', async () => {
    const options = { maxNewTokens: 16, temperature: 1, stop: [], seed: 7 };
    const first = await ort.generate(prompts[1]!, options);
    assert.deepEqual(await ort.generate(prompts[1]!, options), first);
    assert.notDeepEqual(await ort.generate(prompts[1]!, { ...options, seed: 8 }), first);
  });

  it('stop tokens and stopWhen end a sequence, which leaves the batch without changing the others', async () => {
    const free = await ort.generateBatch(prompts, { maxNewTokens: 10, stop: [] });
    const stopAt = free[1]![3]!;
    const options = { maxNewTokens: 10, stop: [stopAt], stopWhen: (tokens: readonly number[], sequence: number) => sequence === 2 && tokens.length === 2 };
    const stopped = await ort.generateBatch(prompts, options);
    assert.deepEqual(stopped, await tfjs.generateBatch(prompts, options));
    assert.equal(stopped[2]!.length, 2);
    assert.deepEqual(stopped[1], free[1]!.slice(0, free[1]!.indexOf(stopAt) + 1));
    for (const i of [0, 3]) {
      const cut = free[i]!.indexOf(stopAt);
      assert.deepEqual(stopped[i], cut < 0 ? free[i] : free[i]!.slice(0, cut + 1));
    }
  });

  it('bad inputs fail with the errors TransformerLM gives', async () => {
    const message = async (lm: CausalLM, call: (lm: CausalLM) => Promise<unknown>): Promise<string> => {
      try {
        await call(lm);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    const cases: [RegExp, (lm: CausalLM) => Promise<unknown>][] = [
      [/ids holds token id 4096, outside the model's vocabulary of 4096/u, (lm) => lm.logits([1, 4096])],
      [/ids must be a list of non-negative integer token ids/u, (lm) => lm.logits([1, 2.5])],
      [/ids has 513 tokens; the model takes at most 512/u, (lm) => lm.logits(new Array<number>(513).fill(1))],
      [/prompts\[1\] holds token id -1|prompts\[1\] must be a list/u, (lm) => lm.generateBatch([[1], [-1]], { maxNewTokens: 2 })],
      [/prompts\[0\] is empty/u, (lm) => lm.generateBatch([[]], { maxNewTokens: 2 })],
      [/prompts\[0\] has 500 tokens; with maxNewTokens 20 it exceeds the model's 512 positions/u, (lm) => lm.generate(new Array<number>(500).fill(3), { maxNewTokens: 20 })],
      [/generateBatch: 1 seeds for 2 prompts/u, (lm) => lm.generateBatch([[1], [2]], { maxNewTokens: 2, seeds: [1] })],
    ];
    for (const [pattern, call] of cases) {
      const ours = await message(ort, call);
      assert.match(ours, pattern);
      assert.equal(ours, await message(tfjs, call));
    }
  });
});

describe('OnnxCausalLM from a TransformerLM', () => {
  const config = { model_type: 'qwen2', vocab_size: 64, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    intermediate_size: 64, max_position_embeddings: 2400, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, initializer_range: 0.5 };

  it('snapshots the current weights (a later snapshot follows training) and saves what loadCausalLM reads back', async () => {
    const lm = await createCausalLM(config, { seed: 3 });
    const ids = [1, 5, 9, 33, 2, 60, 7];
    const before = await OnnxCausalLM.fromTransformerLM(lm, { threads: 1 });
    assert.ok(maxAbsDifference(await before.logits(ids), await lm.logits(ids)) < 1e-4);
    const norm = lm.weights.get('model.norm.weight')!;
    norm.assign(norm.mul(1.5));
    const changed = await lm.logits(ids);
    const after = await OnnxCausalLM.fromTransformerLM(lm, { threads: 1 });
    assert.ok(maxAbsDifference(await after.logits(ids), changed) < 1e-4);
    assert.ok(maxAbsDifference(await before.logits(ids), changed) > 1e-2, 'the first snapshot kept the old weights');
    const dir = await mkdtemp(join(tmpdir(), 's3lab-onnx-save-'));
    try {
      await after.save(dir);
      const reloaded = await loadCausalLM(dir);
      assert.ok(maxAbsDifference(await reloaded.logits(ids), changed) < 1e-5);
      reloaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    before.dispose();
    after.dispose();
    lm.dispose();
    await assert.rejects(after.logits(ids), /disposed/u);
  });

  it('prompts longer than one prefill call are prefilled in groups and generate what each prompt generates alone', async () => {
    const lm = await createCausalLM(config, { seed: 7 });
    const ort = await OnnxCausalLM.fromTransformerLM(lm, { threads: THREADS });
    // 5 rows of about 2,000 tokens: more than one prefill group (8,192 tokens), unequal lengths.
    const prompts = Array.from({ length: 5 }, (_, r) => Array.from({ length: 1950 + 10 * r }, (_, t) => (t * (r + 3) + r) % 64));
    const batched = await ort.generateBatch(prompts, { maxNewTokens: 6, stop: [] });
    const alone = [];
    for (const prompt of prompts) alone.push((await ort.generateBatch([prompt], { maxNewTokens: 6, stop: [] }))[0]);
    assert.deepEqual(batched, alone);
    assert.ok(new Set(batched.map((o) => o.join())).size > 1, 'rows should differ, or the test shows nothing');
    ort.dispose();
    lm.dispose();
  });
});

describe('OnnxCausalLM.tokenLogProbs', () => {
  it('scores chosen tokens as the tfjs trainer does (actionForward), and refuses targets out of order', async () => {
    const lm = await loadCausalLM(join(FIXTURES, 'tiny-qwen2'));
    const copy = await OnnxCausalLM.fromTransformerLM(lm, { threads: THREADS });
    const tokens = Array.from({ length: 40 }, (_, t) => (t * 13 + 5) % lm.vocabSize);
    const actionMask = tokens.map((_, t) => (t >= 10 && t < 14) || t >= 30 ? 1 : 0);
    const targets = actionMask.flatMap((m, t) => (m === 1 ? [t] : []));
    const ort = await copy.tokenLogProbs(tokens, targets);
    const f = actionForward(lm, [{ tokens, actionMask }], 0, undefined, { entropy: false });
    const tfjs = await f.logProbs.array();
    f.logProbs.dispose();
    assert.equal(ort.length, targets.length);
    ort.forEach((x, i) => assert.ok(Math.abs(x - (tfjs[i] as number)) < 1e-4, `token ${targets[i]}: ${x} on ONNX Runtime, ${tfjs[i]} on tfjs`));
    await assert.rejects(copy.tokenLogProbs(tokens, [5, 3]), /targets must ascend/);
    await assert.rejects(copy.tokenLogProbs(tokens, [0]), /targets must ascend/);
    copy.dispose();
    lm.dispose();
  });
});

describe('loadInferenceLM', () => {
  it('runs the llama family on ONNX Runtime on the CPU, GPT-2 (and runtime tfjs) on tfjs', async () => {
    const qwen = await loadInferenceLM(join(FIXTURES, 'tiny-qwen2'), { backend: 'wasm', threads: 1 });
    assert.ok(qwen instanceof OnnxCausalLM);
    assert.equal((qwen as OnnxCausalLM).threads, 1);
    const gpt2 = await loadInferenceLM(join(FIXTURES, 'tiny-gpt2'));
    assert.ok(gpt2 instanceof TransformerLM);
    assert.equal(gpt2.family, 'gpt2');
    const forced = await loadInferenceLM(join(FIXTURES, 'tiny-qwen2'), { runtime: 'tfjs' });
    assert.ok(forced instanceof TransformerLM);
    await assert.rejects(loadInferenceLM(join(FIXTURES, 'tiny-gpt2'), { runtime: 'onnx' }), /ONNX Runtime runs the llama and qwen2 families/u);
    await assert.rejects(loadInferenceLM(join(FIXTURES, 'tiny-qwen2'), { runtime: 'gpu' as never }), /runtime/u);
    for (const lm of [qwen, gpt2, forced]) lm.dispose();
  });
});

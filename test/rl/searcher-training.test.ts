// Training the searcher on real parts: the lab world's BM25 index, the lab tokenizer, the s3 loop,
// a small from-scratch policy. The reward in the learning tests is a rule on what the searcher
// did (keep exactly one document), so the direction PPO and GRPO must move the policy is known.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  createCausalLM, createSearcherTrainer, labSearcherPrompt, latestCheckpoint, loadCheckpoint, loadTokenizer, LmSearcherPolicy, rlConfig,
  runSearchLoop, saveCheckpoint, searcherDemonstrations, trainSft, ValueHead,
  type RewardTrajectory, type RolloutReward, type TextTokenizer, type TrainingQuestion, type TransformerLM,
} from '@s3lab/toolkit';
import * as tf from '@tensorflow/tfjs-core';
import { labIndex, labQuestions } from '../agent/lab.js';

const TINY = { model_type: 'qwen2', vocab_size: 4096, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 3072, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, eos_token_id: 4095 };
const PAD = 4093;
const search = () => ({ retriever: labIndex().index, preset: '3-3-3', initialDocs: 3, retrieverKind: 'bm25' as const, buildPrompt: labSearcherPrompt });

/** Reward 1 for keeping exactly one document, else 0. */
const keepOne: RolloutReward = {
  scoreDetailed: async (items: readonly RewardTrajectory[]) => items.map((t) => {
    const reward = t.documents === 1 ? 1 : 0;
    return { reward, genAcc: reward as 0 | 1, ragGenAcc: 0 as const, gbr: reward, answer: '' };
  }),
};

/** A reward that differs between questions (an untrained policy's rollouts all look alike), so advantages are not 0. */
const byQuestion: RolloutReward = {
  scoreDetailed: async (items: readonly RewardTrajectory[]) => items.map((t) => {
    const reward = t.question.length % 2;
    return { reward, genAcc: reward as 0 | 1, ragGenAcc: 0 as const, gbr: reward, answer: '' };
  }),
};

let tokenizer: TextTokenizer;
const questions = (n: number, from = 0): TrainingQuestion[] => labQuestions('train').slice(from, from + n).map((q) => ({ id: q.id, question: q.question, goldenAnswers: q.golden_answers, type: q.type }));

before(async () => {
  tokenizer = await loadTokenizer('datasets/models/lab-tokenizer');
});

describe('the searcher policy on a language model', () => {
  it('records the exact tokens: its own decode to its outputs, the environment\'s to the observations', async () => {
    const lm = await createCausalLM(TINY, { seed: 3 });
    const policy = new LmSearcherPolicy(lm, tokenizer, { temperature: 1, maxTokens: 12, seed: 5 });
    const trajectories = await runSearchLoop({ ...search(), questions: questions(3).map((q) => q.question), policy });
    for (const [i, t] of trajectories.entries()) {
      const record = policy.records.get(i)!;
      const actions = record.segments.filter((s) => s.action);
      assert.equal(actions.length, t.turns.length, 'one action segment per turn');
      for (const [k, turn] of t.turns.entries()) {
        const tokens = actions[k]!.tokens.filter((id) => id !== 4095);
        assert.equal(await tokenizer.decode(tokens, { skipSpecialTokens: true }), turn.output);
      }
      const observations = record.segments.filter((s) => !s.action).map((s) => s.tokens);
      const expected = t.turns.map((turn) => turn.observation).filter((o) => o !== '');
      assert.deepEqual(await Promise.all(observations.map((o) => tokenizer.decode(o))), expected.slice(0, observations.length));
    }
    lm.dispose();
  });

  it('gives repeated questions their own samples, and the same seed the same samples', async () => {
    const lm = await createCausalLM(TINY, { seed: 3 });
    const run = async (seed: number) => {
      const policy = new LmSearcherPolicy(lm, tokenizer, { temperature: 1, maxTokens: 8, seed });
      await runSearchLoop({ ...search(), preset: '3-0-3', questions: Array(4).fill(questions(1)[0]!.question), policy });
      return [0, 1, 2, 3].map((i) => policy.records.get(i)!.segments[0]!.tokens.join(','));
    };
    const first = await run(1);
    assert.ok(new Set(first).size > 1, 'four samples of one question all alike');
    assert.deepEqual(await run(1), first);
    lm.dispose();
  });
});

describe('demonstrations', () => {
  it('train the searcher\'s own tokens and mask the retrieved ones, over varied scripts', async () => {
    const { examples, trajectories, variants } = await searcherDemonstrations({ ...search(), questions: questions(24).map((q) => q.question), tokenizer, seed: 2, variants: [0, 1].flatMap((followUps) => [1, 3].map((keep) => ({ followUps, keep }))) });
    assert.ok(new Set(variants.map((v) => `${v.followUps}-${v.keep}`)).size >= 4, 'the script should vary');
    assert.ok(trajectories.some((t) => t.counts.searches > 0) && trajectories.some((t) => t.counts.searches === 0), 'some demonstrations search, some stop');
    for (const [i, e] of examples.entries()) {
      const t = trajectories[i]!;
      const trained = e.completion.filter((_, k) => e.completionMask![k] === 1);
      const state = e.completion.filter((_, k) => e.completionMask![k] === 0);
      const responses = t.turns.map((turn) => turn.response + (turn.response.trimEnd().endsWith('</query>') ? '' : '<|im_end|>')).join('');
      assert.equal(await tokenizer.decode(trained), responses);
      assert.equal(await tokenizer.decode(state), t.turns.map((turn) => turn.observation).join(''));
    }
  });
});

/** A tiny searcher that learned the protocol from scripts that never search (keep 1, 2 or 3 documents). */
async function warmStarted(): Promise<TransformerLM> {
  const lm = await createCausalLM(TINY, { seed: 1 });
  const { examples } = await searcherDemonstrations({ ...search(), questions: questions(48, 100).map((q) => q.question), tokenizer, seed: 1, variants: [1, 2, 3].map((keep) => ({ followUps: 0, keep })) });
  await trainSft(lm, examples, { steps: 60, batchSize: 4, learningRate: 1e-2, padId: PAD, seed: 1 });
  return lm;
}

describe('RL on the searcher', () => {
  for (const algorithm of ['ppo', 'grpo'] as const) {
    it(`${algorithm.toUpperCase()} makes the rewarded action more likely`, async () => {
      const lm = await warmStarted();
      const config = rlConfig(algorithm === 'ppo' ? 'lab-ppo' : 'lab', { steps: 6, batchSize: algorithm === 'grpo' ? 3 : 12, miniBatchSize: 12, microBatchSize: 6, actorLearningRate: 3e-3, klCoef: 0, klLossCoef: 0, maxResponseTokens: 40, preset: '3-0-3' });
      const trainer = createSearcherTrainer({ lm, ...(algorithm === 'ppo' ? { valueHead: new ValueHead(32) } : {}), tokenizer, reward: keepOne, search: { ...search(), preset: '3-0-3' }, config, padId: PAD });
      const pool = questions(config.steps * config.batchSize, 200);
      const rewards: number[] = [];
      for (let step = 0; step < config.steps; step++) {
        const { metrics } = await trainer.trainStep(pool.slice(step * config.batchSize, (step + 1) * config.batchSize));
        assert.ok(Number.isFinite(metrics.policyLoss) && Number.isFinite(metrics.gradNorm), JSON.stringify(metrics));
        rewards.push(metrics.reward);
      }
      // Sampled rewards of the last steps against the first: more rollouts keep exactly one document.
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      assert.ok(mean(rewards.slice(-2)) > mean(rewards.slice(0, 2)) + 0.2, `rewards per step ${rewards.map((r) => r.toFixed(2)).join(' ')}`);
      trainer.dispose();
      lm.dispose();
    });
  }

  it('a run resumed from a checkpoint continues exactly as the uninterrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-ckpt-'));
    try {
      const config = rlConfig('lab-ppo', { steps: 2, batchSize: 4, miniBatchSize: 2, microBatchSize: 2, ppoEpochs: 1, actorLearningRate: 1e-3, klCoef: 0, maxResponseTokens: 24, preset: '3-0-3' });
      const pool = questions(8, 400);
      const fresh = async () => {
        const lm = await createCausalLM(TINY, { seed: 9 });
        return { lm, valueHead: new ValueHead(32) };
      };
      // Uninterrupted: two steps.
      const a = await fresh();
      const ta = createSearcherTrainer({ lm: a.lm, valueHead: a.valueHead, tokenizer, reward: byQuestion, search: { ...search(), preset: '3-0-3' }, config, padId: PAD });
      await ta.trainStep(pool.slice(0, 4));
      await ta.trainStep(pool.slice(4, 8));
      // Interrupted: one step, a checkpoint, a new process's worth of objects, the second step.
      const b = await fresh();
      const tb = createSearcherTrainer({ lm: b.lm, valueHead: b.valueHead, tokenizer, reward: byQuestion, search: { ...search(), preset: '3-0-3' }, config, padId: PAD });
      await tb.trainStep(pool.slice(0, 4));
      await saveCheckpoint(dir, { lm: b.lm, valueHead: b.valueHead, actorOptimizer: tb.actorOptimizer, criticOptimizer: tb.criticOptimizer, step: tb.step, config });
      const loaded = await loadCheckpoint((await latestCheckpoint(dir))!);
      assert.equal(loaded.state.step, 1);
      const tc = createSearcherTrainer({ lm: loaded.lm, valueHead: loaded.valueHead!, tokenizer, reward: byQuestion, search: { ...search(), preset: '3-0-3' }, config, padId: PAD, step: loaded.state.step });
      await loaded.restoreOptimizers(tc.actorOptimizer, tc.criticOptimizer);
      await tc.trainStep(pool.slice(4, 8));
      const weights = (lm: TransformerLM) => lm.variables.map((v) => Array.from(v.dataSync()));
      const wa = weights(a.lm);
      const wc = weights(loaded.lm);
      let largest = 0;
      wa.forEach((w, i) => w.forEach((x, j) => { largest = Math.max(largest, Math.abs(x - wc[i]![j]!)); }));
      assert.ok(largest < 1e-6, `resumed weights differ by ${largest}`);
      const wb = weights(b.lm);
      const moved = wa.some((w, i) => w.some((x, j) => Math.abs(x - wb[i]![j]!) > 1e-7));
      assert.ok(moved, 'the second step changed nothing, so the comparison proves nothing');
      for (const t of [ta, tb, tc]) t.dispose();
      for (const m of [a.lm, b.lm, loaded.lm]) m.dispose();
      assert.ok(tf.memory().numTensors < 5000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the lab searcher', () => {
  it('config in TypeScript is the one the PyTorch warm start trains (lab-searcher.json)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { LAB_SEARCHER_CONFIG } = await import('@s3lab/toolkit');
    assert.deepEqual(JSON.parse(await readFile('toolkit/src/agent/lab-searcher/lab-searcher.json', 'utf8')), { ...LAB_SEARCHER_CONFIG });
  });
});

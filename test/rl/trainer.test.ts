// The trainer factory: PPO or GRPO by the configuration's algorithm, each checking what it needs;
// and the micro-batch grouping both use for scoring and for updates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCausalLM, createSearcherTrainer, GrpoTrainer, microBatches, PpoTrainer, rlConfig, ValueHead, type RolloutReward, type SearcherTrainerOptions, type TextTokenizer } from '@s3lab/toolkit';

const TINY = { model_type: 'gpt2', vocab_size: 32, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 32 };
const noReward: RolloutReward = { scoreDetailed: async (items) => items.map(() => ({ reward: 0, genAcc: 0 as const, ragGenAcc: 0 as const, gbr: 0, answer: '' })) };

describe('createSearcherTrainer', () => {
  it('gives PPO or GRPO by config.algorithm, both with an actor and a critic optimizer (checkpoints save both)', async () => {
    const lm = await createCausalLM(TINY, { seed: 1 });
    const valueHead = new ValueHead(16);
    const options = (config: SearcherTrainerOptions['config']): SearcherTrainerOptions => ({ lm, reference: lm, valueHead, tokenizer: {} as TextTokenizer, reward: noReward, search: {} as SearcherTrainerOptions['search'], config, padId: 0, step: 3 });
    const ppo = createSearcherTrainer(options(rlConfig('lab-ppo')));
    const grpo = createSearcherTrainer(options(rlConfig('lab')));
    assert.ok(ppo instanceof PpoTrainer);
    assert.ok(grpo instanceof GrpoTrainer);
    assert.deepEqual([ppo.algorithm, grpo.algorithm, ppo.step, grpo.step], ['ppo', 'grpo', 3, 3]);
    for (const t of [ppo, grpo]) {
      assert.ok(t.actorOptimizer && t.criticOptimizer);
      t.dispose();
    }
    valueHead.dispose();
    lm.dispose();
  });

  it('refuses PPO without a critic, and a KL coefficient without a reference policy', async () => {
    const lm = await createCausalLM(TINY, { seed: 1 });
    const base = { lm, tokenizer: {} as TextTokenizer, reward: noReward, search: {} as SearcherTrainerOptions['search'], padId: 0 };
    assert.throws(() => createSearcherTrainer({ ...base, reference: lm, config: rlConfig('lab-ppo') }), /needs a valueHead/u);
    assert.throws(() => createSearcherTrainer({ ...base, config: rlConfig('lab') }), /no reference policy/u);
    createSearcherTrainer({ ...base, config: rlConfig('lab', { klLossCoef: 0 }) }).dispose();
    lm.dispose();
  });
});

describe('microBatches', () => {
  it('groups longest first, at most maxCount per group and maxTokens padded tokens where it can', () => {
    assert.deepEqual(microBatches([5, 100, 7, 90], 2, 200, (n) => n), [[100, 90], [7, 5]]);
    assert.deepEqual(microBatches([300, 10, 20], 4, 200, (n) => n), [[300], [20, 10]]);
    assert.deepEqual(microBatches([3, 3, 3], 2, 1000, (n) => n), [[3, 3], [3]]);
  });
});

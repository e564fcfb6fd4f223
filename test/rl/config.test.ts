// The RL presets: the paper's PPO run, and the lab's GRPO run with its PPO variant on request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rlConfig } from '@s3lab/toolkit';

test('the lab preset is GRPO (8 questions × 4 rollouts, KL as a loss); algorithm ppo gives the lab PPO run (16 questions, one rollout, KL in the reward)', () => {
  const grpo = rlConfig('lab');
  assert.deepEqual([grpo.algorithm, grpo.steps, grpo.batchSize, grpo.samplesPerQuestion, grpo.klCoef, grpo.klLossCoef], ['grpo', 10, 8, 4, 0, 0.001]);
  const ppo = rlConfig('lab', { algorithm: 'ppo' });
  assert.deepEqual([ppo.algorithm, ppo.steps, ppo.batchSize, ppo.samplesPerQuestion, ppo.klCoef, ppo.klLossCoef], ['ppo', 12, 16, 1, 0.001, 0]);
  // Everything else is shared, and an explicit setting wins over either.
  assert.deepEqual({ ...ppo, algorithm: 0, steps: 0, batchSize: 0, samplesPerQuestion: 0, klCoef: 0, klLossCoef: 0 }, { ...grpo, algorithm: 0, steps: 0, batchSize: 0, samplesPerQuestion: 0, klCoef: 0, klLossCoef: 0 });
  assert.equal(rlConfig('lab', { algorithm: 'ppo', batchSize: 5 }).batchSize, 5);
});

test('the paper preset is the released PPO run; grpo over it takes GRPO\'s defaults', () => {
  const paper = rlConfig('paper');
  assert.deepEqual([paper.algorithm, paper.batchSize, paper.actorLearningRate, paper.temperature], ['ppo', 120, 1e-6, 0.6]);
  const grpo = rlConfig('paper', { algorithm: 'grpo' });
  assert.deepEqual([grpo.samplesPerQuestion, grpo.batchSize, grpo.klCoef, grpo.klLossCoef], [4, 30, 0, 0.001]);
});

test('a bad setting names the field', () => {
  assert.throws(() => rlConfig('lab', { batchSize: 0 }), /batchSize/u);
  assert.throws(() => rlConfig('nope' as 'lab'), /unknown RL preset "nope"/u);
});

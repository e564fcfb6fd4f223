// The RL presets, named explicitly: the paper's PPO run and its GRPO variant, the lab's GRPO run
// and its PPO variant; an override changes only the fields it names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rlConfig, RL_PRESETS, type RlConfig } from '@s3lab/toolkit';

/** The fields in which `a` and `b` differ. */
const differing = (a: RlConfig, b: RlConfig): string[] => (Object.keys(a) as (keyof RlConfig)[]).filter((k) => a[k] !== b[k]);

test('the lab preset is GRPO (8 questions × 4 rollouts, KL as a loss); lab-ppo is the lab PPO run (16 questions, one rollout, KL in the reward)', () => {
  const grpo = rlConfig('lab');
  assert.deepEqual([grpo.algorithm, grpo.steps, grpo.batchSize, grpo.samplesPerQuestion, grpo.klCoef, grpo.klLossCoef], ['grpo', 10, 8, 4, 0, 0.001]);
  const ppo = rlConfig('lab-ppo');
  assert.deepEqual([ppo.algorithm, ppo.steps, ppo.batchSize, ppo.samplesPerQuestion, ppo.klCoef, ppo.klLossCoef], ['ppo', 12, 16, 1, 0.001, 0]);
  // Everything else is shared.
  assert.deepEqual(differing(grpo, ppo), ['algorithm', 'steps', 'batchSize', 'samplesPerQuestion', 'klCoef', 'klLossCoef']);
});

test('the paper preset is the released PPO run; paper-grpo is the paper run with GRPO\'s defaults', () => {
  const paper = rlConfig('paper');
  assert.deepEqual([paper.algorithm, paper.batchSize, paper.samplesPerQuestion, paper.actorLearningRate, paper.temperature, paper.klCoef, paper.klLossCoef], ['ppo', 120, 1, 1e-6, 0.6, 0.001, 0]);
  const grpo = rlConfig('paper-grpo');
  assert.deepEqual([grpo.algorithm, grpo.samplesPerQuestion, grpo.batchSize, grpo.klCoef, grpo.klLossCoef], ['grpo', 4, 30, 0, 0.001]);
  assert.deepEqual(differing(paper, grpo), ['algorithm', 'batchSize', 'samplesPerQuestion', 'klCoef', 'klLossCoef']);
});

test('an override changes only the fields it names, on every preset (an algorithm override swaps no preset)', () => {
  const overrides: Partial<RlConfig>[] = [{ algorithm: 'ppo' }, { algorithm: 'grpo' }, { batchSize: 5 }, { steps: 3, seed: 7 }, { klCoef: 0.5, algorithm: 'grpo' }];
  for (const preset of Object.keys(RL_PRESETS) as (keyof typeof RL_PRESETS)[]) {
    const base = rlConfig(preset);
    for (const override of overrides) {
      const config = rlConfig(preset, override);
      assert.deepEqual(config, { ...base, ...override }, `${preset} with ${JSON.stringify(override)}`);
      const changed = Object.keys(override).filter((k) => base[k as keyof RlConfig] !== override[k as keyof RlConfig]);
      assert.deepEqual(differing(base, config).sort(), changed.sort(), `${preset} with ${JSON.stringify(override)}`);
    }
  }
  // The presets themselves are not changed by a call.
  assert.equal(rlConfig('lab').algorithm, 'grpo');
  assert.equal(rlConfig('paper').samplesPerQuestion, 1);
});

test('a bad setting names the field', () => {
  assert.throws(() => rlConfig('lab', { batchSize: 0 }), /batchSize/u);
  assert.throws(() => rlConfig('nope' as 'lab'), /unknown RL preset "nope"/u);
  assert.throws(() => rlConfig('toString' as 'lab'), /unknown RL preset "toString"/u);
});

/**
 * Training the searcher: the supervised warm start (SFT on scripted demonstrations), PPO and GRPO
 * on the Gain Beyond RAG with the generator frozen, checkpoints, the lab-scale run, and the bridge
 * to verl for paper-scale training (training parquet, the reward endpoint).
 *
 * @example
 * ```ts
 * import { createCausalLM, trainSft } from '@s3lab/toolkit';
 * const lm = await createCausalLM({ model_type: 'gpt2', vocab_size: 32, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 32 });
 * await trainSft(lm, [{ prompt: [1, 2], completion: [3, 4] }], { steps: 20, padId: 0 });
 * ```
 */
export { trainSft, type SftExample, type SftOptions, type SftStepMetrics } from './sft.js';
export { gaeAdvantages, groupRelativeAdvantages, whiten, type GaeOptions, type GaeResult, type GroupAdvantageOptions, type WhitenOptions } from './advantages.js';
export { clippedPolicyLoss, clippedValueLoss, entropyFromLogits, klPenalty, maskedMean, KL_PENALTY_KINDS, type ClippedPolicyLossInput, type ClippedPolicyLossResult, type ClippedValueLossInput, type KlPenaltyKind } from './losses.js';
export { actionForward, actionRuns, type ActionForward, type ActionSequence } from './action-forward.js';
export { ValueHead, VALUE_HEAD_FILE } from './value-head.js';
export { collectRollouts, policyLoopOf, rewardRollouts, sampleRollouts, type RolloutLoop, type SampledRollout, type CollectRolloutsOptions, type CollectedRollouts, type Rollout, type RolloutReward, type RolloutRewardDetail, type SearchSettings, type TrainingQuestion } from './rollouts.js';
export { rlConfig, rlConfigSchema, RL_PRESETS, type RlConfig, type RlPresetName } from './config.js';
export { createSearcherTrainer } from './trainer.js';
export { PpoTrainer } from './ppo.js';
export { GrpoTrainer } from './grpo.js';
export { type RlStepMetrics, type SearcherTrainer, type SearcherTrainerOptions, type StepResult } from './step.js';
export { microBatches } from './micro-batches.js';
export {
  rewardItemSchema, RewardRequestError, RewardService, SERVED_REWARDS, startRewardServer,
  type RewardItem, type RewardItemDetail, type RewardResult, type RewardServerOptions,
  type RewardServiceOptions, type RunningRewardServer, type ServedReward,
} from './verl/index.js';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, checkpointDir, TRAINER_STATE_FILE, type CheckpointParts, type LoadedCheckpoint, type TrainerState } from './checkpoint.js';

/**
 * Training the searcher: supervised warm start (SFT) now; PPO and GRPO arrive with the RL stage.
 *
 * @example
 * ```ts
 * import { createCausalLM, trainSft } from '@s3lab/toolkit';
 * const lm = await createCausalLM({ model_type: 'gpt2', vocab_size: 32, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 32 });
 * await trainSft(lm, [{ prompt: [1, 2], completion: [3, 4] }], { steps: 20, padId: 0 });
 * ```
 */
export { labGeneratorExamples, type LabGeneratorDataOptions } from './lab-generator.js';
export { trainSft, type SftExample, type SftOptions, type SftStepMetrics } from './sft.js';

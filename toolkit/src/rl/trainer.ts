/**
 * The searcher's RL trainer: PPO (ppo.ts, the paper's algorithm) or GRPO (grpo.ts, the lab's
 * default), picked by `config.algorithm`. Both implement {@link SearcherTrainer}, so a caller (the
 * lab run, a notebook) trains, checkpoints and resumes either the same way.
 */
import { GrpoTrainer } from './grpo.js';
import { PpoTrainer } from './ppo.js';
import type { SearcherTrainer, SearcherTrainerOptions } from './step.js';

export type { RlStepMetrics, SearcherTrainer, SearcherTrainerOptions } from './step.js';

/**
 * The trainer of `options.config.algorithm`: {@link PpoTrainer} (needs `valueHead`) or {@link GrpoTrainer}.
 * A reference policy is needed when the configuration sets klCoef or klLossCoef.
 *
 * @example
 * ```ts
 * import { createSearcherTrainer, rlConfig } from '@s3lab/toolkit';
 * const trainer = createSearcherTrainer({ lm, reference, tokenizer, reward, search, config: rlConfig('lab'), padId }); // GRPO
 * const { metrics, rollouts } = await trainer.trainStep(questions);
 * ```
 */
export function createSearcherTrainer(options: SearcherTrainerOptions): SearcherTrainer {
  const algorithm = options.config.algorithm;
  switch (algorithm) {
    case 'ppo':
      return new PpoTrainer(options);
    case 'grpo':
      return new GrpoTrainer(options);
    default:
      throw new RangeError(`createSearcherTrainer: unknown algorithm ${JSON.stringify(algorithm satisfies never)}`);
  }
}

/**
 * DeepRetrieval's reward: the recall of the question's supporting passages among the first `k`
 * documents its query retrieved (DeepRetrieval rewards the recall of the target documents in the
 * retrieved set), no generator. The run's retrieved ids and the question's `goldDocs` are read
 * from the reward trajectory; a question without `goldDocs` is an error (nothing to recall).
 *
 * @example
 * ```ts
 * import { RetrievalRecallReward } from '@s3lab/toolkit';
 * const [d] = await new RetrievalRecallReward({ k: 3 }).scoreDetailed([{ question: 'Q?', goldenAnswers: ['A'], retrievedIds: ['7', '2', '9'], goldDocs: ['2', '5'], context: '', documents: 3, searcherTokens: 12, turns: 1 }]);
 * d!.reward; // 0.5
 * ```
 */
import type { RewardTrajectory } from './types.js';

export interface RetrievalRecallDetail {
  /** Recall of the supporting passages in the first k retrieved: the reward. */
  reward: number;
  recall: number;
  answer: string;
  genAcc: null;
  ragGenAcc: null;
  gbr: null;
}

export class RetrievalRecallReward {
  readonly name = 'retrieval-recall';
  readonly k: number;

  constructor(options: { k: number }) {
    if (!Number.isInteger(options.k) || options.k < 1) throw new RangeError(`RetrievalRecallReward: k must be an integer ≥ 1, got ${options.k}`);
    this.k = options.k;
  }

  async scoreDetailed(trajectories: readonly RewardTrajectory[]): Promise<RetrievalRecallDetail[]> {
    return trajectories.map((t, i) => {
      const gold = t.goldDocs;
      if (gold === undefined || gold.length === 0) throw new Error(`RetrievalRecallReward: trajectories[${i}] (${JSON.stringify(t.question)}) has no goldDocs (the supporting passages' ids) to recall`);
      const retrieved = new Set((t.retrievedIds ?? []).slice(0, this.k));
      const recall = gold.filter((id) => retrieved.has(id)).length / gold.length;
      return { reward: recall, recall, answer: '', genAcc: null, ragGenAcc: null, gbr: null };
    });
  }
}

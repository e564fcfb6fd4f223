/**
 * The record the reward and the evaluation read from a searcher (or a baseline): the agreed
 * contract between `agent/` (which produces it) and `reward/`/`eval/` (which score it). Plain JSON.
 *
 * @example
 * ```ts
 * import { formatGeneratorContext, type RewardTrajectory } from '@s3lab/toolkit';
 * const trajectory: RewardTrajectory = {
 *   question: 'In what year was Dusstad founded?', goldenAnswers: ['1282'],
 *   context: formatGeneratorContext([{ title: 'Dusstad', text: 'Dusstad was founded in 1282.' }]),
 *   documents: 1, searcherTokens: 57, turns: 1,
 * };
 * ```
 */
import { z } from 'zod';
import type { RewardVariant } from '../config/index.js';

/** What the generator is given for one question, and what it cost the searcher to find it. */
export interface RewardTrajectory {
  question: string;
  goldenAnswers: string[];
  /** The generator's context: `formatGeneratorContext(selected docs)` for a searcher. */
  context: string;
  /** Documents in `context`. */
  documents: number;
  /** Tokens the searcher generated (0 for methods without a searcher). */
  searcherTokens: number;
  /** Search turns (0 for methods without a searcher). */
  turns: number;
  /** The RAG-cache section of the question (the original's `data_source`); the reward's default when absent. */
  dataSource?: string;
  /** The method's own answer, where it writes one (Search-R1's `<answer>`): what `OwnAnswerReward` scores. */
  answer?: string | null;
  /** Ids of the documents its searches retrieved, in order (first search first): what `RetrievalRecallReward` reads. */
  retrievedIds?: string[];
  /** Ids of the passages that answer the question (the original's `gt_docs`). */
  goldDocs?: string[];
}

export const rewardTrajectorySchema = z.object({
  question: z.string(),
  goldenAnswers: z.array(z.string()),
  context: z.string(),
  documents: z.number().int().min(0),
  searcherTokens: z.number().int().min(0),
  turns: z.number().int().min(0),
  dataSource: z.string().optional(),
  answer: z.string().nullable().optional(),
  retrievedIds: z.array(z.string()).optional(),
  goldDocs: z.array(z.string()).optional(),
});


/** Scores a batch of trajectories, one number each (DESIGN.md's `Reward.score`). */
export interface Reward {
  readonly variant: RewardVariant;
  score(trajectories: readonly RewardTrajectory[]): Promise<number[]>;
}

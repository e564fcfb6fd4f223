/**
 * A method's trajectory as the reward reads it: the question, the golden answers, the generator's
 * context and what the context cost. The one conversion from `agent/`'s record to `reward/`'s,
 * used by the evaluation harness and the RL rollouts alike.
 *
 * @example
 * ```ts
 * import { runScriptedSearcher, toRewardTrajectory } from '@s3lab/toolkit';
 * const [t] = await runScriptedSearcher({ questions: ['Who founded Cuga Records?'], retriever });
 * const forReward = toRewardTrajectory(t!, ['Mara Voss'], 'lab');
 * ```
 */
import type { Trajectory } from '../agent/trajectory.js';
import type { RewardTrajectory } from './types.js';

/**
 * The reward's record of a trajectory (counts copied, golden answers copied, `dataSource` and the
 * supporting passages' ids `goldDocs` only when given; the method's own answer when it wrote one,
 * and the ids of every document its searches retrieved).
 *
 * @example
 * ```ts
 * toRewardTrajectory({ question: 'Q?', context: '', counts: { documents: 0, searcherTokens: 0, turns: 0, searches: 0 } }, ['A']);
 * // { question: 'Q?', goldenAnswers: ['A'], context: '', documents: 0, searcherTokens: 0, turns: 0 }
 * ```
 */
export function toRewardTrajectory(trajectory: Pick<Trajectory, 'question' | 'context' | 'counts'> & Partial<Pick<Trajectory, 'answer' | 'turns'>>, goldenAnswers: readonly string[], dataSource?: string, goldDocs?: readonly string[]): RewardTrajectory {
  const retrievedIds = trajectory.turns?.flatMap((t) => t.retrieved.map((d) => d.id)) ?? [];
  return {
    question: trajectory.question,
    goldenAnswers: [...goldenAnswers],
    context: trajectory.context,
    documents: trajectory.counts.documents,
    searcherTokens: trajectory.counts.searcherTokens,
    turns: trajectory.counts.turns,
    ...(dataSource === undefined ? {} : { dataSource }),
    ...(trajectory.answer === undefined || trajectory.answer === null ? {} : { answer: trajectory.answer }),
    ...(retrievedIds.length === 0 ? {} : { retrievedIds }),
    ...(goldDocs === undefined ? {} : { goldDocs: [...goldDocs] }),
  };
}

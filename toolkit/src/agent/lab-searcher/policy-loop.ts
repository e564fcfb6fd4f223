/**
 * The loop a lab model runs, by its method: s3's search loop (lab prompt, preset, initial
 * documents, selection), Search-R1's (search until it answers) or DeepRetrieval's (one rewrite),
 * each over any {@link TurnPolicy}. RL samples rollouts through the same loop the evaluation runs
 * greedily, so a trained model is evaluated exactly as it was trained.
 *
 * @example
 * ```ts
 * const loop = labPolicyLoop('search-r1', { retriever });
 * const policy = new LmSearcherPolicy(lm, tokenizer, { stopAfter: loop.stopAfter });
 * const trajectories = await loop.run(['Who founded Cuga Records?'], policy);
 * ```
 */
import { LAB_SCALE } from '../../config/index.js';
import type { Retriever } from '../../retrieval/types.js';
import { DEEP_RETRIEVAL_STOP_AFTER, runDeepRetrieval } from '../baselines/deep-retrieval.js';
import { runSearchR1, SEARCH_R1_SETTINGS, SEARCH_R1_STOP_AFTER } from '../baselines/search-r1.js';
import { runSearchLoop, type SearchLoopOptions } from '../searcher/loop.js';
import { S3_STOP_AFTER } from '../searcher/parse.js';
import type { TurnPolicy } from '../searcher/policy.js';
import type { Trajectory } from '../trajectory.js';
import { labDeepRetrievalPrompt, labSearchR1Prompt, type LabMethod } from './lab-searcher.js';

/** A method's loop over a policy, and the texts after which the policy's turn ends. */
export interface PolicyLoop {
  readonly method: LabMethod;
  readonly stopAfter: readonly string[];
  /** One trajectory per question, in order; `name` is the trajectories' method name (default the loop's method). */
  run(questions: readonly string[], policy: TurnPolicy, name?: string): Promise<Trajectory[]>;
}

/** What the loops need: s3's search settings (its preset, initial documents, selection) and the others' documents per search. */
export interface PolicyLoopSettings extends Omit<SearchLoopOptions, 'questions' | 'method'> {
  retriever: Retriever;
  /** Documents per search of Search-R1 (default 3, its own) and of DeepRetrieval's rewrite (default the lab's naive-RAG k, 3). */
  k?: number;
}

/**
 * The loop of a lab method with these settings (s3's prompt is `buildPrompt`, default the full s3
 * prompt; a lab searcher reads `labSearcherPrompt`; Search-R1 and DeepRetrieval read their lab prompts).
 *
 * @example
 * ```ts
 * const loop = labPolicyLoop('deep-retrieval', { retriever, k: 3 });
 * loop.stopAfter; // ['</answer>']
 * ```
 */
export function labPolicyLoop(method: LabMethod, settings: PolicyLoopSettings): PolicyLoop {
  const { k, ...search } = settings;
  switch (method) {
    case 's3':
      return { method, stopAfter: S3_STOP_AFTER, run: (questions, policy, name = 's3') => runSearchLoop({ ...search, questions, policy, method: name }) };
    case 'search-r1':
      return { method, stopAfter: SEARCH_R1_STOP_AFTER, run: (questions, policy, name = method) => runSearchR1({ questions, retriever: settings.retriever, policy, k: k ?? SEARCH_R1_SETTINGS.k, buildPrompt: labSearchR1Prompt, method: name }) };
    case 'deep-retrieval':
      return { method, stopAfter: DEEP_RETRIEVAL_STOP_AFTER, run: (questions, policy, name = method) => runDeepRetrieval({ questions, retriever: settings.retriever, policy, k: k ?? LAB_SCALE.naiveRagK, buildPrompt: labDeepRetrievalPrompt, method: name }) };
  }
}
